/** Lua scripting: EVAL EVALSHA EVAL_RO EVALSHA_RO SCRIPT (eval.c). */
import { CLIENT_CLOSE_AFTER_REPLY, CLIENT_LUA_DEBUG, CLIENT_LUA_DEBUG_SYNC, type Client } from '../server/client.js';
import { plainSocketFd } from '../server/server.js';
import { ldbBeginSession, ldbFinishSession, ldbReset, ldbIsForkedChild } from '../scripting/ldb.js';
import { ldbForkSession } from '../scripting/ldb-fork.js';
import { cmd, CMD_STALE, CMD_DENYOOM, CMD_WRITE, CMD_MAY_REPLICATE } from './table.js';
import { RedisError, type CommandSpec } from './types.js';
import { getLongLong, eqi } from './args.js';
import {
  scriptingEngine,
  scriptKill as killRunningScript,
  extractShebangFlags,
  SCRIPT_FLAG_NO_WRITES,
  SCRIPT_FLAG_ALLOW_OOM,
  SCRIPT_FLAG_ALLOW_STALE,
  SCRIPT_FLAG_EVAL_COMPAT_MODE,
} from '../scripting/engine.js';
import type { NodisServer } from '../server/server.js';

/** evalGetKeys(): numkeys at argv[2], the keys after it. */
function evalGetKeys(argv: string[]): number[] {
  if (argv.length < 3) return [];
  const s = argv[2];
  if (!/^-?\d+$/.test(s)) return [];
  const n = Number(s);
  if (n <= 0 || n > argv.length - 3) return [];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(3 + i);
  return out;
}

/**
 * scriptFlagsToCmdFlags(): a script that declared flags replaces the
 * command's write/denyoom/stale flags with what they imply.
 */
export function scriptFlagsToCmdFlags(cmdFlags: number, scriptFlags: number): number {
  let flags = cmdFlags & ~(CMD_STALE | CMD_DENYOOM | CMD_WRITE);
  if ((scriptFlags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES)) === 0) flags |= CMD_DENYOOM;
  if ((scriptFlags & SCRIPT_FLAG_NO_WRITES) === 0) flags |= CMD_WRITE;
  if (scriptFlags & SCRIPT_FLAG_ALLOW_STALE) flags |= CMD_STALE;
  return flags & ~CMD_MAY_REPLICATE;
}

/** evalGetCommandFlags(): the flags of the cached script, or of the body's shebang. */
function evalCommandFlags(cmdFlags: number, argv: string[], server: NodisServer, evalsha: boolean): number {
  if (evalsha && argv[1].length !== 40) return cmdFlags;
  const engine = scriptingEngine(server);
  const sha = evalsha ? argv[1].toLowerCase() : engine.shaOf(argv[1]);
  const cached = engine.scripts.get(sha);
  let scriptFlags: number;
  if (cached !== undefined) {
    scriptFlags = cached.flags;
  } else {
    if (evalsha) return cmdFlags;
    const sb = extractShebangFlags(argv[1]);
    if (typeof sb === 'string') return cmdFlags;
    scriptFlags = sb.flags;
  }
  if (scriptFlags & SCRIPT_FLAG_EVAL_COMPAT_MODE) return cmdFlags;
  return scriptFlagsToCmdFlags(cmdFlags, scriptFlags);
}

const NOSCRIPT = '-NOSCRIPT No matching script. Please use EVAL.';

/** evalCommand() / evalShaCommand(). */
function evalEntry(c: Client, argv: string[], evalsha: boolean, ro: boolean): void {
  const server = c.server;
  // EVAL is skip_monitor: fed here so the script's commands follow it.
  if (server.monitors.size > 0) server.feedMonitors(c, argv);
  if (evalsha && argv[1].length !== 40) throw new RedisError(NOSCRIPT);
  if ((c.flags & CLIENT_LUA_DEBUG) === 0) {
    evalGeneric(c, argv, evalsha, ro);
    return;
  }
  if (evalsha) throw new RedisError('Please use EVAL instead of EVALSHA for debugging');
  evalWithDebugging(c, argv, ro);
}

/**
 * evalGenericCommandWithDebugging(): the EVAL runs inside a debugging
 * session that ends, whatever happened, with <endsession>, the reply and
 * the connection closed.
 */
function evalWithDebugging(c: Client, argv: string[], ro: boolean): void {
  const forked = ldbIsForkedChild();
  if ((c.flags & CLIENT_LUA_DEBUG_SYNC) === 0 && !forked) {
    ldbForkSession(c, argv);
    return;
  }
  const server = c.server;
  const fd = plainSocketFd(c.socket);
  if (fd < 0) {
    c.flags &= ~(CLIENT_LUA_DEBUG | CLIENT_LUA_DEBUG_SYNC);
    throw new RedisError("Can't run EVAL in debugging mode: the connection has no plain socket (TLS)");
  }
  if (!forked) server.logger.warn('Redis synchronous debugging eval session started');
  // Replies still queued (a pipeline) go out after the session, as in Redis:
  // the session writes to the socket directly.
  ldbBeginSession(c, fd, argv[1]);
  try {
    evalGeneric(c, argv, false, ro);
  } finally {
    ldbFinishSession();
    if (!forked) server.logger.warn('Redis synchronous debugging eval session ended');
    // The EVAL reply is the last thing the client gets: the end of the session.
    c.flags |= CLIENT_CLOSE_AFTER_REPLY;
  }
}

/** evalGenericCommand(). */
function evalGeneric(c: Client, argv: string[], evalsha: boolean, ro: boolean): void {
  const server = c.server;
  const numkeys = getLongLong(argv[2]);
  if (numkeys > argv.length - 3) throw new RedisError("Number of keys can't be greater than number of args");
  if (numkeys < 0) throw new RedisError("Number of keys can't be negative");
  const engine = scriptingEngine(server);
  let sha: string;
  if (evalsha) {
    sha = argv[1].toLowerCase();
    if (!engine.scripts.has(sha)) throw new RedisError(NOSCRIPT);
  } else {
    const r = engine.createFunction(argv[1]);
    if ('error' in r) throw new RedisError(r.error);
    sha = r.sha;
  }
  const script = engine.scripts.get(sha)!;
  const err = engine.prepareError(c, script.flags, ro);
  if (err !== null) throw new RedisError(err);
  engine.callScript(c, sha, argv.slice(3, 3 + numkeys), argv.slice(3 + numkeys), ro);
}

const SCRIPT_HELP = [
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

/** SCRIPT DEBUG YES|SYNC|NO. */
function scriptDebug(c: Client, argv: string[]): void {
  if (c.hasPendingOutput()) throw new RedisError('SCRIPT DEBUG must be called outside a pipeline');
  const mode = argv[2];
  if (eqi(mode, 'no')) {
    c.flags &= ~(CLIENT_LUA_DEBUG | CLIENT_LUA_DEBUG_SYNC);
  } else if (eqi(mode, 'yes') || eqi(mode, 'sync')) {
    c.flags |= CLIENT_LUA_DEBUG;
    if (eqi(mode, 'sync')) c.flags |= CLIENT_LUA_DEBUG_SYNC;
    ldbReset();
  } else {
    throw new RedisError('Use SCRIPT DEBUG YES/SYNC/NO');
  }
  c.addReplyOK();
}

function scriptFlush(c: Client, argv: string[]): void {
  if (!(argv.length === 2 || (argv.length === 3 && (eqi(argv[2], 'sync') || eqi(argv[2], 'async'))))) {
    throw new RedisError('SCRIPT FLUSH only support SYNC|ASYNC option');
  }
  scriptingEngine(c.server).reset();
  c.addReplyOK();
}

function scriptExists(c: Client, argv: string[]): void {
  const engine = scriptingEngine(c.server);
  c.addReplyArrayLen(argv.length - 2);
  for (let j = 2; j < argv.length; j++) c.addReplyLongLong(engine.scripts.has(argv[j].toLowerCase()) ? 1 : 0);
}

function scriptLoad(c: Client, argv: string[]): void {
  const r = scriptingEngine(c.server).createFunction(argv[2]);
  if ('error' in r) throw new RedisError(r.error);
  c.addReplyBulk(r.sha);
}

/** SCRIPT KILL: sent while a script is busy, it stops the script at its next hook. */
function scriptKill(c: Client): void {
  const err = killRunningScript(c.server, true);
  if (err !== null) throw new RedisError(err);
  c.addReplyOK();
}

const evalFlags = ['noscript', 'stale', 'skip_monitor', 'no_mandatory_keys'] as const;
/**
 * EVAL and EVALSHA may replicate (hidden by COMMAND INFO): a script without
 * a shebang may write, so CLIENT PAUSE WRITE holds it; declared flags
 * replace this (scriptFlagsToCmdFlags()).
 */
const evalWriteFlags = [...evalFlags, 'may_replicate'] as const;

export const scriptingCommands: CommandSpec[] = [
  cmd('eval', -3, [...evalWriteFlags], [0, 0, 0], {
    acl: ['scripting'],
    getKeys: evalGetKeys,
    getFlags: (f, argv, server) => evalCommandFlags(f, argv, server, false),
    handler: (c, argv) => evalEntry(c, argv, false, false),
  }),
  cmd('evalsha', -3, [...evalWriteFlags], [0, 0, 0], {
    acl: ['scripting'],
    getKeys: evalGetKeys,
    getFlags: (f, argv, server) => evalCommandFlags(f, argv, server, true),
    handler: (c, argv) => evalEntry(c, argv, true, false),
  }),
  cmd('eval_ro', -3, ['readonly', ...evalFlags], [0, 0, 0], {
    acl: ['scripting'],
    getKeys: evalGetKeys,
    getFlags: (f, argv, server) => evalCommandFlags(f, argv, server, false),
    handler: (c, argv) => evalEntry(c, argv, false, true),
  }),
  cmd('evalsha_ro', -3, ['readonly', ...evalFlags], [0, 0, 0], {
    acl: ['scripting'],
    getKeys: evalGetKeys,
    getFlags: (f, argv, server) => evalCommandFlags(f, argv, server, true),
    handler: (c, argv) => evalEntry(c, argv, true, true),
  }),
  cmd('script', -2, [], [0, 0, 0], {
    subcommands: [
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], { acl: ['scripting'], handler: (c) => c.addReplyHelp('script', SCRIPT_HELP) }),
      cmd('exists', -3, ['noscript'], [0, 0, 0], { acl: ['scripting'], handler: scriptExists }),
      cmd('load', 3, ['noscript', 'stale'], [0, 0, 0], { acl: ['scripting'], handler: scriptLoad }),
      cmd('flush', -2, ['noscript'], [0, 0, 0], { acl: ['scripting'], handler: scriptFlush }),
      cmd('debug', 3, ['noscript'], [0, 0, 0], { acl: ['scripting'], handler: scriptDebug }),
      cmd('kill', 2, ['noscript', 'allow_busy'], [0, 0, 0], { acl: ['scripting'], handler: scriptKill }),
    ],
  }),
];
