/**
 * CLIENT and its subcommands, HELLO and AUTH (networking.c, acl.c).
 *
 * Users and passwords are those of the ACL (src/server/acl.ts); the
 * default user carries `requirepass`.
 */
import type { Client } from '../server/client.js';
import {
  CLIENT_BLOCKED,
  CLIENT_CLOSE_AFTER_REPLY,
  CLIENT_CLOSE_ASAP,
  CLIENT_DIRTY_CAS,
  CLIENT_MASTER,
  CLIENT_MONITOR,
  CLIENT_MULTI,
  CLIENT_NO_EVICT,
  CLIENT_PAUSED,
  CLIENT_PUBSUB,
  CLIENT_READONLY,
  CLIENT_REPLY_OFF,
  CLIENT_REPLY_SKIP,
  CLIENT_REPLY_SKIP_NEXT,
  CLIENT_SLAVE,
  CLIENT_TRACKING,
} from '../server/client.js';
import type { NodisServer } from '../server/server.js';
import { REDIS_VERSION } from '../server/server.js';
import { PAUSE_BY_CLIENT_COMMAND } from '../server/pause.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { getLongLong, getRangeLong, eqi } from './args.js';
import { clientUnblockSubcommand } from './client-unblock.js';
import { clientEvictionOf, clientMemoryFigures } from '../server/client-eviction.js';
import { USER_NOPASS } from '../server/acl.js';
import {
  clientCachingCommand,
  clientGetredirCommand,
  clientTrackingCommand,
  clientTrackinginfoCommand,
  trackingFlagChars,
  trackingRedirection,
} from '../server/tracking.js';

// ---- authentication --------------------------------------------------------

/** ACLAuthenticateUser(): on success the client is authenticated as `user`. */
export function authenticateUser(c: Client, user: string, pass: string): boolean {
  return c.server.acl.authenticate(c, user, pass);
}

/** clientSetDefaultAuth(): back to the default user, as a new connection. */
export function setDefaultAuth(c: Client): void {
  c.server.acl.setDefaultAuth(c);
}

/**
 * redactClientCommandArgument(): SLOWLOG and MONITOR show "(redacted)" for
 * argument `i` of the running command.
 */
export function redactArgument(c: Client, i: number): void {
  let orig = c.ext.originalArgv as string[] | undefined;
  if (orig === undefined) {
    orig = c.argv.slice();
    c.ext.originalArgv = orig;
  }
  orig[i] = '(redacted)';
}

const WRONGPASS = '-WRONGPASS invalid username-password pair or user is disabled.';

function authCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) throw new RedisError(Errors.syntax);
  redactArgument(c, 1);
  let user: string;
  let pass: string;
  if (argv.length === 2) {
    if (c.server.acl.defaultUser.flags & USER_NOPASS) {
      throw new RedisError(
        'AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
    }
    user = 'default';
    pass = argv[1];
  } else {
    user = argv[1];
    pass = argv[2];
    redactArgument(c, 2);
  }
  if (authenticateUser(c, user, pass)) c.addReplyOK();
  else c.addReplyError(WRONGPASS);
}

// ---- client names ----------------------------------------------------------

const NAME_ERR = 'Client names cannot contain spaces, newlines or special characters.';

/** clientSetName(): false if the name has characters outside '!'..'~'. */
export function setClientName(c: Client, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 33 || ch > 126) return false;
  }
  c.name = name;
  return true;
}

// ---- HELLO -----------------------------------------------------------------

function helloCommand(c: Client, argv: string[]): void {
  let ver = 0;
  let next = 1;
  if (argv.length >= 2) {
    ver = getLongLong(argv[next++], 'Protocol version is not an integer or out of range');
    if (ver < 2 || ver > 3) throw new RedisError('-NOPROTO unsupported protocol version');
  }
  for (let j = next; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j];
    if (eqi(opt, 'auth') && more >= 2) {
      redactArgument(c, j + 1);
      redactArgument(c, j + 2);
      if (!authenticateUser(c, argv[j + 1], argv[j + 2])) throw new RedisError(WRONGPASS);
      j += 2;
    } else if (eqi(opt, 'setname') && more >= 1) {
      if (!setClientName(c, argv[j + 1])) throw new RedisError(NAME_ERR);
      j++;
    } else {
      throw new RedisError(`Syntax error in HELLO option '${opt}'`);
    }
  }
  if (!c.authenticated) {
    throw new RedisError(
      '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  }
  if (ver) c.resp = ver as 2 | 3;
  c.addReplyMapLen(7);
  c.addReplyBulk('server');
  c.addReplyBulk('redis');
  c.addReplyBulk('version');
  c.addReplyBulk(REDIS_VERSION);
  c.addReplyBulk('proto');
  c.addReplyLongLong(c.resp);
  c.addReplyBulk('id');
  c.addReplyLongLong(c.id);
  c.addReplyBulk('mode');
  c.addReplyBulk('standalone');
  c.addReplyBulk('role');
  c.addReplyBulk(c.server.isReplica() ? 'replica' : 'master');
  c.addReplyBulk('modules');
  c.addReplyArrayLen(0);
}

// ---- CLIENT LIST / INFO ----------------------------------------------------

export const CLIENT_TYPE_NORMAL = 0;
export const CLIENT_TYPE_SLAVE = 1;
export const CLIENT_TYPE_PUBSUB = 2;
export const CLIENT_TYPE_MASTER = 3;

/** getClientType(): monitors count as normal clients. */
export function getClientType(c: Client): number {
  if (c.flags & CLIENT_MASTER || c.ext.isPrimary) return CLIENT_TYPE_MASTER;
  if ((c.flags & CLIENT_SLAVE || c.ext.isReplica) && !(c.flags & CLIENT_MONITOR)) return CLIENT_TYPE_SLAVE;
  if (c.flags & CLIENT_PUBSUB) return CLIENT_TYPE_PUBSUB;
  return CLIENT_TYPE_NORMAL;
}

/** getClientTypeByName(), or -1. */
export function getClientTypeByName(name: string): number {
  const l = name.toLowerCase();
  if (l === 'normal') return CLIENT_TYPE_NORMAL;
  if (l === 'slave' || l === 'replica') return CLIENT_TYPE_SLAVE;
  if (l === 'pubsub') return CLIENT_TYPE_PUBSUB;
  if (l === 'master') return CLIENT_TYPE_MASTER;
  return -1;
}

/**
 * Figures of CLIENT LIST that belong to other subsystems (subscriptions,
 * transactions, tracking): those modules replace these functions.
 */
export const clientInfoProviders = {
  sub: (_c: Client): number => 0,
  psub: (_c: Client): number => 0,
  ssub: (_c: Client): number => 0,
  /** Queued commands in MULTI (-1 outside MULTI). */
  multi: (c: Client): number => (c.flags & CLIENT_MULTI ? 0 : -1),
  multiMem: (_c: Client): number => 0,
  /** Tracking redirection (-1 when tracking is off). */
  redir: trackingRedirection,
};

function flagsString(c: Client): string {
  const f = c.flags;
  let s = '';
  if (f & CLIENT_MONITOR) s += 'O';
  else if (f & CLIENT_SLAVE || c.ext.isReplica) s += 'S';
  if (f & CLIENT_MASTER || c.ext.isPrimary) s += 'M';
  if (f & CLIENT_PUBSUB) s += 'P';
  if (f & CLIENT_MULTI) s += 'x';
  if (f & (CLIENT_BLOCKED | CLIENT_PAUSED)) s += 'b';
  if (f & CLIENT_TRACKING) s += trackingFlagChars(c);
  if (f & CLIENT_DIRTY_CAS) s += 'd';
  if (f & CLIENT_CLOSE_AFTER_REPLY) s += 'c';
  if (f & CLIENT_CLOSE_ASAP) s += 'A';
  if (f & CLIENT_READONLY) s += 'r';
  if (f & CLIENT_NO_EVICT) s += 'e';
  return s === '' ? 'N' : s;
}

/** catClientInfoString(): one CLIENT LIST line, without the newline. */
export function clientInfoString(c: Client): string {
  const nowSec = Math.floor(Date.now() / 1000);
  // The figures client eviction counts (getClientMemoryUsage()).
  const { qbuf, qbufFree, argvMem, multiMem, obl, oll, omem, totMem } = clientMemoryFigures(c);
  const sock = c.socket;
  const handle = sock ? (sock as unknown as { _handle?: { fd?: number } })._handle : undefined;
  const fd = handle && typeof handle.fd === 'number' ? handle.fd : -1;
  let events = '';
  if (sock && !sock.destroyed) {
    if (!sock.isPaused()) events += 'r';
    if (sock.writableLength > 0 || c.directPending > 0) events += 'w';
  }
  const lastCmd = c.lastCmd ? c.lastCmd.fullname : 'NULL';
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${fd} name=${c.name}` +
    ` age=${nowSec - Math.floor(c.ctime / 1000)} idle=${nowSec - Math.floor(c.lastInteraction / 1000)}` +
    ` flags=${flagsString(c)} db=${c.db.id} sub=${clientInfoProviders.sub(c)} psub=${clientInfoProviders.psub(c)}` +
    ` ssub=${clientInfoProviders.ssub(c)} multi=${clientInfoProviders.multi(c)} qbuf=${qbuf} qbuf-free=${qbufFree}` +
    ` argv-mem=${argvMem} multi-mem=${multiMem} rbs=${c.bufUsable} rbp=${c.bufPeak} obl=${obl} oll=${oll} omem=${omem}` +
    ` tot-mem=${totMem} events=${events} cmd=${lastCmd} user=${c.user.name}` +
    ` redir=${clientInfoProviders.redir(c)} resp=${c.resp}`
  );
}

/** Clients as CLIENT LIST shows them (replication/internal ones excluded). */
export function listedClients(server: NodisServer): Client[] {
  const out: Client[] = [];
  for (const c of server.clients.values()) {
    if (c.ext.isLua || c.ext.hidden) continue;
    out.push(c);
  }
  return out;
}

function clientListCommand(c: Client, argv: string[]): void {
  let type = -1;
  let out: string | null = null;
  if (argv.length === 4 && eqi(argv[2], 'type')) {
    type = getClientTypeByName(argv[3]);
    if (type === -1) throw new RedisError(`Unknown client type '${argv[3]}'`);
  } else if (argv.length > 3 && eqi(argv[2], 'id')) {
    out = '';
    for (let j = 3; j < argv.length; j++) {
      const id = getLongLong(argv[j], 'Invalid client ID');
      const cl = c.server.clients.get(id);
      if (cl && !cl.ext.isLua && !cl.ext.hidden) out += clientInfoString(cl) + '\n';
    }
  } else if (argv.length !== 2) {
    throw new RedisError(Errors.syntax);
  }
  if (out === null) {
    out = '';
    for (const cl of listedClients(c.server)) {
      if (type !== -1 && getClientType(cl) !== type) continue;
      out += clientInfoString(cl) + '\n';
    }
  }
  c.addReplyVerbatim(out, 'txt');
}

function clientInfoCommand(c: Client): void {
  c.addReplyVerbatim(clientInfoString(c) + '\n', 'txt');
}

// ---- the other CLIENT subcommands ------------------------------------------

function clientIdCommand(c: Client): void {
  c.addReplyLongLong(c.id);
}

function clientSetnameCommand(c: Client, argv: string[]): void {
  if (!setClientName(c, argv[2])) throw new RedisError(NAME_ERR);
  c.addReplyOK();
}

function clientGetnameCommand(c: Client): void {
  if (c.name !== '') c.addReplyBulk(c.name);
  else c.addReplyNull();
}

function clientReplyCommand(c: Client, argv: string[]): void {
  const mode = argv[2];
  if (eqi(mode, 'on')) {
    c.flags &= ~(CLIENT_REPLY_SKIP | CLIENT_REPLY_OFF);
    c.refreshReplyMode();
    c.addReplyOK();
  } else if (eqi(mode, 'off')) {
    c.flags |= CLIENT_REPLY_OFF;
    c.refreshReplyMode();
  } else if (eqi(mode, 'skip')) {
    if (!(c.flags & CLIENT_REPLY_OFF)) c.flags |= CLIENT_REPLY_SKIP_NEXT;
  } else {
    throw new RedisError(Errors.syntax);
  }
}

function clientNoEvictCommand(c: Client, argv: string[]): void {
  if (eqi(argv[2], 'on')) c.flags |= CLIENT_NO_EVICT;
  else if (eqi(argv[2], 'off')) c.flags &= ~CLIENT_NO_EVICT;
  else throw new RedisError(Errors.syntax);
  // Out of the eviction buckets, or back in (and evicted if over the limit).
  clientEvictionOf(c.server)?.noEvictChanged(c);
  c.addReplyOK();
}

const LONG_MAX = 9223372036854775807;

function clientKillCommand(c: Client, argv: string[]): void {
  let addr: string | null = null;
  let laddr: string | null = null;
  let user: string | null = null;
  let type = -1;
  let id = 0;
  let skipme = true;
  if (argv.length === 3) {
    addr = argv[2];
    skipme = false; // the old form may kill the caller itself
  } else {
    for (let i = 2; i < argv.length; i += 2) {
      const opt = argv[i];
      const more = argv.length > i + 1;
      if (eqi(opt, 'id') && more) {
        id = getRangeLong(argv[i + 1], 1, LONG_MAX, 'client-id should be greater than 0');
      } else if (eqi(opt, 'type') && more) {
        type = getClientTypeByName(argv[i + 1]);
        if (type === -1) throw new RedisError(`Unknown client type '${argv[i + 1]}'`);
      } else if (eqi(opt, 'addr') && more) {
        addr = argv[i + 1];
      } else if (eqi(opt, 'laddr') && more) {
        laddr = argv[i + 1];
      } else if (eqi(opt, 'user') && more) {
        if (c.server.acl.getUser(argv[i + 1]) === undefined) throw new RedisError(`No such user '${argv[i + 1]}'`);
        user = argv[i + 1];
      } else if (eqi(opt, 'skipme') && more) {
        if (eqi(argv[i + 1], 'yes')) skipme = true;
        else if (eqi(argv[i + 1], 'no')) skipme = false;
        else throw new RedisError(Errors.syntax);
      } else {
        throw new RedisError(Errors.syntax);
      }
    }
  }
  let killed = 0;
  let closeSelf = false;
  for (const cl of listedClients(c.server)) {
    if (addr !== null && cl.addr !== addr) continue;
    if (laddr !== null && cl.laddr !== laddr) continue;
    if (type !== -1 && getClientType(cl) !== type) continue;
    if (id !== 0 && cl.id !== id) continue;
    if (user !== null && cl.user.name !== user) continue;
    if (cl === c && skipme) continue;
    if (cl === c) {
      closeSelf = true;
    } else {
      c.server.closeClientAsap(cl);
      c.server.freeClient(cl);
    }
    killed++;
  }
  if (argv.length === 3) {
    if (killed === 0) throw new RedisError('No such client');
    c.addReplyOK();
  } else {
    c.addReplyLongLong(killed);
  }
  if (closeSelf) c.flags |= CLIENT_CLOSE_AFTER_REPLY;
}

function subcommandSyntaxError(argv: string[]): RedisError {
  return new RedisError(
    `unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`,
  );
}

function clientPauseCommand(c: Client, argv: string[]): void {
  if (argv.length > 4) throw subcommandSyntaxError(argv);
  let type: 'all' | 'write' = 'all';
  if (argv.length === 4) {
    if (eqi(argv[3], 'write')) type = 'write';
    else if (!eqi(argv[3], 'all')) throw new RedisError('CLIENT PAUSE mode must be WRITE or ALL');
  }
  let ms = getLongLong(argv[2], 'timeout is not an integer or out of range');
  if (ms < 0) throw new RedisError('timeout is negative');
  if (ms > 0) ms += c.server.clock.now();
  c.server.pauseClients(PAUSE_BY_CLIENT_COMMAND, type, ms);
  c.addReplyOK();
}

function clientUnpauseCommand(c: Client): void {
  c.server.unpauseClients(PAUSE_BY_CLIENT_COMMAND);
  c.addReplyOK();
}

/** CLIENT HELP lines, per subcommand (shown when the subcommand exists). */
const CLIENT_HELP: [string, string[]][] = [
  ['caching', ['CACHING (YES|NO)', '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.']],
  ['getredir', ['GETREDIR', '    Return the client ID we are redirecting to when tracking is enabled.']],
  ['getname', ['GETNAME', '    Return the name of the current connection.']],
  ['id', ['ID', '    Return the ID of the current connection.']],
  ['info', ['INFO', '    Return information about the current client connection.']],
  [
    'kill',
    [
      'KILL <ip:port>',
      '    Kill connection made from <ip:port>.',
      'KILL <option> <value> [<option> <value> [...]]',
      '    Kill connections. Options are:',
      '    * ADDR (<ip:port>|<unixsocket>:0)',
      '      Kill connections made from the specified address',
      '    * LADDR (<ip:port>|<unixsocket>:0)',
      '      Kill connections made to specified local address',
      '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
      '      Kill connections by type.',
      '    * USER <username>',
      '      Kill connections authenticated by <username>.',
      '    * SKIPME (YES|NO)',
      '      Skip killing current connection (default: yes).',
    ],
  ],
  [
    'list',
    [
      'LIST [options ...]',
      '    Return information about client connections. Options:',
      '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
      '      Return clients of specified type.',
    ],
  ],
  ['unpause', ['UNPAUSE', '    Stop the current client pause, resuming traffic.']],
  ['pause', ['PAUSE <timeout> [WRITE|ALL]', '    Suspend all, or just write, clients for <timeout> milliseconds.']],
  ['reply', ['REPLY (ON|OFF|SKIP)', '    Control the replies sent to the current connection.']],
  ['setname', ['SETNAME <name>', '    Assign the name <name> to the current connection.']],
  ['unblock', ['UNBLOCK <clientid> [TIMEOUT|ERROR]', '    Unblock the specified blocked client.']],
  [
    'tracking',
    [
      'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
      '         [OPTIN] [OPTOUT] [NOLOOP]',
      '    Control server assisted client side caching.',
    ],
  ],
  ['trackinginfo', ['TRACKINGINFO', '    Report tracking status for the current connection.']],
  ['no-evict', ['NO-EVICT (ON|OFF)', '    Protect current client connection from eviction.']],
];

function clientHelpCommand(c: Client): void {
  const subs = c.server.commands.get('client')?.subcommands;
  const lines: string[] = [];
  for (const [name, text] of CLIENT_HELP) if (subs?.has(name)) lines.push(...text);
  c.addReplyHelp('client', lines);
}

const SUB_FLAGS = ['noscript', 'loading', 'stale'] as const;
const ADMIN_SUB_FLAGS = ['admin', 'noscript', 'loading', 'stale'] as const;

export const clientCommands: CommandSpec[] = [
  cmd('client', -2, [], [0, 0, 0], {
    subcommands: [
      cmd('getname', 2, [...SUB_FLAGS], [0, 0, 0], { acl: ['connection'], handler: clientGetnameCommand }),
      cmd('caching', 3, [...SUB_FLAGS], [0, 0, 0], { acl: ['connection'], handler: clientCachingCommand }),
      cmd('getredir', 2, [...SUB_FLAGS], [0, 0, 0], { acl: ['connection'], handler: clientGetredirCommand }),
      cmd('kill', -3, [...ADMIN_SUB_FLAGS], [0, 0, 0], { acl: ['connection'], handler: clientKillCommand }),
      cmd('reply', 3, [...SUB_FLAGS], [0, 0, 0], { acl: ['connection'], handler: clientReplyCommand }),
      cmd('no-evict', 3, [...ADMIN_SUB_FLAGS], [0, 0, 0], { acl: ['connection'], handler: clientNoEvictCommand }),
      cmd('unpause', 2, [...ADMIN_SUB_FLAGS], [0, 0, 0], { acl: ['connection'], handler: clientUnpauseCommand }),
      cmd('id', 2, [...SUB_FLAGS], [0, 0, 0], { acl: ['connection'], handler: clientIdCommand }),
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], { acl: ['connection'], handler: clientHelpCommand }),
      cmd('pause', -3, [...ADMIN_SUB_FLAGS], [0, 0, 0], { acl: ['connection'], handler: clientPauseCommand }),
      cmd('info', 2, [...SUB_FLAGS], [0, 0, 0], { acl: ['connection'], handler: clientInfoCommand }),
      cmd('setname', 3, [...SUB_FLAGS], [0, 0, 0], { acl: ['connection'], handler: clientSetnameCommand }),
      cmd('list', -2, [...ADMIN_SUB_FLAGS], [0, 0, 0], { acl: ['connection'], handler: clientListCommand }),
      cmd('tracking', -3, [...SUB_FLAGS], [0, 0, 0], { acl: ['connection'], handler: clientTrackingCommand }),
      cmd('trackinginfo', 2, [...SUB_FLAGS], [0, 0, 0], { acl: ['connection'], handler: clientTrackinginfoCommand }),
      clientUnblockSubcommand,
    ],
  }),
  cmd('hello', -1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], [0, 0, 0], {
    acl: ['connection'],
    handler: helloCommand,
  }),
  cmd('auth', -2, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], [0, 0, 0], {
    acl: ['connection'],
    handler: authCommand,
  }),
];
