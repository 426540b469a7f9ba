/**
 * Pub/Sub commands (pubsub.c): SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE
 * PUBLISH PUBSUB and the sharded SSUBSCRIBE SUNSUBSCRIBE SPUBLISH (without
 * cluster mode: shard channels are a separate namespace, never patterns).
 */
import { cmd } from './table.js';
import { RedisError, type CommandSpec } from './types.js';
import { clientInfoProviders } from './client.js';
import { CLIENT_PUBSUB, type Client } from '../server/client.js';
import { Blocking } from '../server/blocking.js';
import {
  GLOBAL,
  SHARD,
  existingPubSub,
  pubsubOf,
  totalSubscriptionCount,
  type ClientPubSub,
} from '../server/pubsub.js';
import { stringMatch } from '../util/glob.js';
import { replicationOnly } from '../replication/propagate.js';

function subsOf(c: Client): ClientPubSub | undefined {
  return c.ext.pubsub as ClientPubSub | undefined;
}

clientInfoProviders.sub = (c: Client): number => subsOf(c)?.channels.size ?? 0;
clientInfoProviders.psub = (c: Client): number => subsOf(c)?.patterns.size ?? 0;
clientInfoProviders.ssub = (c: Client): number => subsOf(c)?.shard.size ?? 0;

/** A client that expects one reply per command (Lua, modules) outside MULTI. */
function denyBlockingOutsideMulti(c: Client): boolean {
  return c.ext.isLua === true || c.ext.denyBlocking === true;
}

function subscribeCommand(c: Client, argv: string[]): void {
  if (denyBlockingOutsideMulti(c)) throw new RedisError("SUBSCRIBE isn't allowed for a DENY BLOCKING client");
  const ps = pubsubOf(c.server);
  for (let j = 1; j < argv.length; j++) ps.subscribeChannel(c, argv[j], GLOBAL);
  c.flags |= CLIENT_PUBSUB;
}

function leavePubSubModeIfIdle(c: Client): void {
  if (totalSubscriptionCount(c) === 0) c.flags &= ~CLIENT_PUBSUB;
}

function unsubscribeCommand(c: Client, argv: string[]): void {
  const ps = pubsubOf(c.server);
  if (argv.length === 1) ps.unsubscribeAllChannels(c, true, GLOBAL);
  else for (let j = 1; j < argv.length; j++) ps.unsubscribeChannel(c, argv[j], true, GLOBAL);
  leavePubSubModeIfIdle(c);
}

function psubscribeCommand(c: Client, argv: string[]): void {
  if (denyBlockingOutsideMulti(c)) throw new RedisError("PSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  const ps = pubsubOf(c.server);
  for (let j = 1; j < argv.length; j++) ps.subscribePattern(c, argv[j]);
  c.flags |= CLIENT_PUBSUB;
}

function punsubscribeCommand(c: Client, argv: string[]): void {
  const ps = pubsubOf(c.server);
  if (argv.length === 1) ps.unsubscribeAllPatterns(c, true);
  else for (let j = 1; j < argv.length; j++) ps.unsubscribePattern(c, argv[j], true);
  leavePubSubModeIfIdle(c);
}

function publishCommand(c: Client, argv: string[]): void {
  const ps = existingPubSub(c.server);
  c.addReplyLongLong(ps ? ps.publish(argv[1], argv[2], GLOBAL) : 0);
  // forceCommandPropagation(c, PROPAGATE_REPL): replicas deliver it to their subscribers.
  c.ext.forcePropagation = true;
  c.ext.propagateArgv = replicationOnly(argv);
}

function ssubscribeCommand(c: Client, argv: string[]): void {
  // Inside MULTI too: the sharded variant has no backward-compatibility exception.
  if (Blocking.denyBlocking(c)) throw new RedisError("SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  const ps = pubsubOf(c.server);
  for (let j = 1; j < argv.length; j++) ps.subscribeChannel(c, argv[j], SHARD);
  c.flags |= CLIENT_PUBSUB;
}

function sunsubscribeCommand(c: Client, argv: string[]): void {
  const ps = pubsubOf(c.server);
  if (argv.length === 1) ps.unsubscribeAllChannels(c, true, SHARD);
  else for (let j = 1; j < argv.length; j++) ps.unsubscribeChannel(c, argv[j], true, SHARD);
  leavePubSubModeIfIdle(c);
}

function spublishCommand(c: Client, argv: string[]): void {
  const ps = existingPubSub(c.server);
  c.addReplyLongLong(ps ? ps.publish(argv[1], argv[2], SHARD) : 0);
  c.ext.forcePropagation = true;
  c.ext.propagateArgv = replicationOnly(argv);
}

// ---- PUBSUB ---------------------------------------------------------------

function syntaxError(argv: string[]): RedisError {
  return new RedisError(
    `unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`,
  );
}

function channelList(c: Client, pattern: string | null, map: Map<string, Client[]> | undefined): void {
  const out: string[] = [];
  if (map !== undefined) for (const ch of map.keys()) if (pattern === null || stringMatch(pattern, ch)) out.push(ch);
  c.addReplyArrayLen(out.length);
  for (const ch of out) c.addReplyBulk(ch);
}

function numsub(c: Client, argv: string[], map: Map<string, Client[]> | undefined): void {
  c.addReplyArrayLen((argv.length - 2) * 2);
  for (let j = 2; j < argv.length; j++) {
    c.addReplyBulk(argv[j]);
    c.addReplyLongLong(map?.get(argv[j])?.length ?? 0);
  }
}

function pubsubChannelsCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) throw syntaxError(argv);
  channelList(c, argv.length === 3 ? argv[2] : null, existingPubSub(c.server)?.channels);
}

function pubsubShardchannelsCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) throw syntaxError(argv);
  channelList(c, argv.length === 3 ? argv[2] : null, existingPubSub(c.server)?.shardChannels);
}

function pubsubNumsubCommand(c: Client, argv: string[]): void {
  numsub(c, argv, existingPubSub(c.server)?.channels);
}

function pubsubShardnumsubCommand(c: Client, argv: string[]): void {
  numsub(c, argv, existingPubSub(c.server)?.shardChannels);
}

function pubsubNumpatCommand(c: Client): void {
  c.addReplyLongLong(existingPubSub(c.server)?.patterns.size ?? 0);
}

const PUBSUB_HELP = [
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
];

function pubsubHelpCommand(c: Client): void {
  c.addReplyHelp('pubsub', PUBSUB_HELP);
}

const SUB_FLAGS = ['pubsub', 'noscript', 'loading', 'stale'] as const;
const QUERY_FLAGS = ['pubsub', 'loading', 'stale'] as const;

export const pubsubCommands: CommandSpec[] = [
  cmd('subscribe', -2, [...SUB_FLAGS], [0, 0, 0], { acl: ['pubsub'], handler: subscribeCommand }),
  cmd('unsubscribe', -1, [...SUB_FLAGS], [0, 0, 0], { acl: ['pubsub'], handler: unsubscribeCommand }),
  cmd('psubscribe', -2, [...SUB_FLAGS], [0, 0, 0], { acl: ['pubsub'], handler: psubscribeCommand }),
  cmd('punsubscribe', -1, [...SUB_FLAGS], [0, 0, 0], { acl: ['pubsub'], handler: punsubscribeCommand }),
  // may_replicate (hidden from COMMAND INFO): held by CLIENT PAUSE WRITE, refused from replicas.
  cmd('publish', 3, ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'], [0, 0, 0], { acl: ['pubsub'], handler: publishCommand }),
  cmd('ssubscribe', -2, [...SUB_FLAGS], [1, -1, 1], { acl: ['pubsub'], handler: ssubscribeCommand }),
  cmd('sunsubscribe', -1, [...SUB_FLAGS], [1, -1, 1], { acl: ['pubsub'], handler: sunsubscribeCommand }),
  cmd('spublish', 3, ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'], [1, 1, 1], { acl: ['pubsub'], handler: spublishCommand }),
  cmd('pubsub', -2, [], [0, 0, 0], {
    subcommands: [
      cmd('channels', -2, [...QUERY_FLAGS], [0, 0, 0], { acl: ['pubsub'], handler: pubsubChannelsCommand }),
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], { handler: pubsubHelpCommand }),
      cmd('numpat', 2, [...QUERY_FLAGS], [0, 0, 0], { acl: ['pubsub'], handler: pubsubNumpatCommand }),
      cmd('numsub', -2, [...QUERY_FLAGS], [0, 0, 0], { acl: ['pubsub'], handler: pubsubNumsubCommand }),
      cmd('shardchannels', -2, [...QUERY_FLAGS], [0, 0, 0], { acl: ['pubsub'], handler: pubsubShardchannelsCommand }),
      cmd('shardnumsub', -2, [...QUERY_FLAGS], [0, 0, 0], { acl: ['pubsub'], handler: pubsubShardnumsubCommand }),
    ],
  }),
];
