/** Connection commands: PING ECHO SELECT QUIT. */
import type { Client } from '../server/client.js';
import { CLIENT_CLOSE_AFTER_REPLY, CLIENT_PUBSUB } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { getInt } from './args.js';

function pingCommand(c: Client, argv: string[]): void {
  if (argv.length > 2) throw new RedisError(`wrong number of arguments for '${c.cmd!.fullname}' command`);
  if (c.flags & CLIENT_PUBSUB && c.resp === 2) {
    c.addReplyArrayLen(2);
    c.addReplyBulk('pong');
    c.addReplyBulk(argv.length === 1 ? '' : argv[1]);
  } else if (argv.length === 1) {
    c.addReplyStatus('PONG');
  } else {
    c.addReplyBulk(argv[1]);
  }
}

function echoCommand(c: Client, argv: string[]): void {
  c.addReplyBulk(argv[1]);
}

function selectCommand(c: Client, argv: string[]): void {
  const id = getInt(argv[1]);
  if (!c.selectDb(id)) throw new RedisError(Errors.invalidDbIndex);
  c.addReplyOK();
}

function quitCommand(c: Client): void {
  c.addReplyOK();
  c.flags |= CLIENT_CLOSE_AFTER_REPLY;
}

export const connectionCommands: CommandSpec[] = [
  cmd('ping', -1, ['fast', 'sentinel'], [0, 0, 0], {
    acl: ['connection'],
    handler: pingCommand,
  }),
  cmd('echo', 2, ['loading', 'stale', 'fast'], [0, 0, 0], {
    acl: ['connection'],
    handler: echoCommand,
  }),
  cmd('select', 2, ['loading', 'stale', 'fast'], [0, 0, 0], {
    acl: ['connection'],
    handler: selectCommand,
  }),
  cmd('quit', -1, ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'], [0, 0, 0], {
    acl: ['connection'],
    handler: quitCommand,
  }),
];
