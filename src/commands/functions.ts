/** Redis Functions: FUNCTION (LOAD DELETE FLUSH LIST DUMP RESTORE STATS KILL HELP), FCALL, FCALL_RO (functions.c). */
import type { Client } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, type CommandSpec } from './types.js';
import { eqi } from './args.js';
import { string2ll } from '../util/numbers.js';
import { stringMatch } from '../util/glob.js';
import { SCRIPT_FLAGS_DEF, currentRun, runIsEval, scriptKill, BUSY_EVAL_ERR } from '../scripting/engine.js';
import { functionsEngine, loadTimeout, type FunctionInfo } from '../scripting/functions.js';
import { functionLibraryCodes } from '../scripting/function-libraries.js';
import { ByteOut, saveRawString } from '../persistence/rdb/writer.js';
import { RdbInput } from '../persistence/rdb/reader.js';
import { Crc64 } from '../persistence/rdb/crc64.js';
import { RDB_VERSION, RDB_OPCODE_FUNCTION, RDB_OPCODE_FUNCTION2 } from '../persistence/rdb/constants.js';
import { verifyDumpPayload, skipChecksumValidation } from '../persistence/rdb/payload.js';
import { scriptFlagsToCmdFlags } from './scripting.js';

/** evalGetKeys() for FCALL: numkeys at argv[2], the keys after it. */
function fcallGetKeys(argv: string[]): number[] {
  if (argv.length < 3) return [];
  const n = string2ll(argv[2]);
  if (n === null || n <= 0 || n > argv.length - 3) return [];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(3 + i);
  return out;
}

function subcommandSyntaxError(argv: string[]): RedisError {
  return new RedisError(`unknown subcommand or wrong number of arguments for '${argv[1]}'. Try FUNCTION HELP.`);
}

/** fcallGetCommandFlags(): the function's flags decide write/denyoom/stale. */
function fcallFlags(cmdFlags: number, argv: string[], server: Client['server']): number {
  const f = functionsEngine(server).functions.get(argv[1].toLowerCase());
  return f === undefined ? cmdFlags : scriptFlagsToCmdFlags(cmdFlags, f.flags);
}

/** fcallCommandGeneric(). */
function fcallGeneric(c: Client, argv: string[], ro: boolean): void {
  const server = c.server;
  // FCALL is skip_monitor: fed here so the function's commands follow it.
  if (server.monitors.size > 0) server.feedMonitors(c, argv);
  const engine = functionsEngine(server);
  const f = engine.functions.get(argv[1].toLowerCase());
  if (f === undefined) throw new RedisError('Function not found');
  const numkeys = string2ll(argv[2]);
  if (numkeys === null) throw new RedisError('Bad number of keys provided');
  if (numkeys > argv.length - 3) throw new RedisError("Number of keys can't be greater than number of args");
  if (numkeys < 0) throw new RedisError("Number of keys can't be negative");
  const err = engine.prepareError(c, f.flags, ro);
  if (err !== null) throw new RedisError(err);
  engine.call(c, f, argv.slice(3, 3 + numkeys), argv.slice(3 + numkeys), ro);
}

/** FUNCTION LOAD [REPLACE] <code>. */
function functionLoad(c: Client, argv: string[]): void {
  let replace = false;
  let pos = 2;
  while (pos < argv.length - 1) {
    const a = argv[pos++];
    if (eqi(a, 'replace')) {
      replace = true;
      continue;
    }
    throw new RedisError(`Unknown option given: ${a}`);
  }
  const r = functionsEngine(c.server).create(argv[pos], replace, loadTimeout(c));
  if ('error' in r) throw new RedisError(r.error);
  c.server.dirty++;
  c.addReplyBulk(r.name);
}

function functionDelete(c: Client, argv: string[]): void {
  if (!functionsEngine(c.server).delete(argv[2])) throw new RedisError('Library not found');
  c.server.dirty++;
  c.addReplyOK();
}

function functionFlush(c: Client, argv: string[]): void {
  if (argv.length > 3) throw subcommandSyntaxError(argv);
  if (argv.length === 3 && !eqi(argv[2], 'sync') && !eqi(argv[2], 'async')) {
    throw new RedisError('FUNCTION FLUSH only supports SYNC|ASYNC option');
  }
  functionsEngine(c.server).clear();
  c.server.dirty++;
  c.addReplyOK();
}

function replyFlags(c: Client, f: FunctionInfo): void {
  const set = SCRIPT_FLAGS_DEF.filter(([, bit]) => (f.flags & bit) !== 0);
  c.addReplySetLen(set.length);
  for (const [name] of set) c.addReplyStatus(name);
}

/** FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]. */
function functionList(c: Client, argv: string[]): void {
  let withCode = false;
  let pattern: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (!withCode && eqi(a, 'withcode')) {
      withCode = true;
      continue;
    }
    if (pattern === null && eqi(a, 'libraryname')) {
      if (i >= argv.length - 1) throw new RedisError('library name argument was not given');
      pattern = argv[++i];
      continue;
    }
    throw new RedisError(`Unknown argument ${a}`);
  }
  const libs = [...functionsEngine(c.server).libraries.values()].filter((l) => pattern === null || stringMatch(pattern, l.name, true));
  c.addReplyArrayLen(libs.length);
  for (const lib of libs) {
    c.addReplyMapLen(withCode ? 4 : 3);
    c.addReplyBulk('library_name');
    c.addReplyBulk(lib.name);
    c.addReplyBulk('engine');
    c.addReplyBulk(lib.engine);
    c.addReplyBulk('functions');
    c.addReplyArrayLen(lib.functions.size);
    for (const f of lib.functions.values()) {
      c.addReplyMapLen(3);
      c.addReplyBulk('name');
      c.addReplyBulk(f.name);
      c.addReplyBulk('description');
      if (f.desc !== null) c.addReplyBulk(f.desc);
      else c.addReplyNull();
      c.addReplyBulk('flags');
      replyFlags(c, f);
    }
    if (withCode) {
      c.addReplyBulk('library_code');
      c.addReplyBulk(lib.code);
    }
  }
}

/** FUNCTION DUMP: FUNCTION2 records, the RDB version and a CRC64 (functionDumpCommand()). */
function functionDump(c: Client): void {
  const out = new ByteOut(256);
  const compress = c.server.config.bool('rdbcompression');
  for (const code of functionLibraryCodes(c.server)) {
    out.byte(RDB_OPCODE_FUNCTION2);
    saveRawString(out, code, compress);
  }
  out.byte(RDB_VERSION & 0xff);
  out.byte((RDB_VERSION >> 8) & 0xff);
  const body = out.view();
  const buf = Buffer.allocUnsafe(body.length + 8);
  body.copy(buf, 0);
  new Crc64().update(buf, 0, body.length).writeLE(buf, body.length);
  c.addReplyBulk(buf.latin1Slice(0, buf.length));
}

/** The libraries' code in a FUNCTION DUMP payload, or the error text. */
function parseDump(buf: Buffer): string[] | string {
  const inp = new RdbInput(buf, 0, buf.length - 10);
  const codes: string[] = [];
  while (inp.remaining > 0) {
    const type = inp.u8();
    if (type !== RDB_OPCODE_FUNCTION && type !== RDB_OPCODE_FUNCTION2) return 'given type is not a function';
    if (type === RDB_OPCODE_FUNCTION2) {
      try {
        codes.push(inp.string());
      } catch {
        return 'Failed loading library payload';
      }
      continue;
    }
    // 7.0 rc1/rc2 format: name, engine, [description], blob.
    let step = 'Failed loading library name';
    try {
      const name = inp.string();
      step = 'Failed loading engine name';
      const engine = inp.string();
      step = 'Failed loading library description indicator';
      const hasDesc = inp.len();
      step = 'Failed loading library description';
      if (hasDesc !== 0) inp.string();
      step = 'Failed loading library blob';
      const blob = inp.string();
      codes.push(`#!${engine} name=${name}\n${blob}`);
    } catch {
      return step;
    }
  }
  return codes;
}

/** FUNCTION RESTORE <payload> [FLUSH|APPEND|REPLACE]. */
function functionRestore(c: Client, argv: string[]): void {
  if (argv.length > 4) throw subcommandSyntaxError(argv);
  let policy: 'flush' | 'append' | 'replace' = 'append';
  if (argv.length === 4) {
    const p = argv[3];
    if (eqi(p, 'append')) policy = 'append';
    else if (eqi(p, 'replace')) policy = 'replace';
    else if (eqi(p, 'flush')) policy = 'flush';
    else throw new RedisError('Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
  }
  const buf = Buffer.from(argv[2], 'latin1');
  if (!verifyDumpPayload(buf, skipChecksumValidation(c.server))) throw new RedisError('DUMP payload version or checksum are wrong');
  const codes = parseDump(buf);
  if (typeof codes === 'string') throw new RedisError(codes);
  const err = functionsEngine(c.server).restore(codes, policy);
  if (err !== null) throw new RedisError(err);
  c.server.dirty++;
  c.addReplyOK();
}

/** FUNCTION STATS. */
function functionStats(c: Client): void {
  const run = currentRun(c.server);
  if (run !== undefined && runIsEval(run)) throw new RedisError(BUSY_EVAL_ERR);
  const engine = functionsEngine(c.server);
  c.addReplyMapLen(2);
  c.addReplyBulk('running_script');
  if (run === undefined) {
    c.addReplyNull();
  } else {
    c.addReplyMapLen(3);
    c.addReplyBulk('name');
    c.addReplyBulk(run.funcname);
    c.addReplyBulk('command');
    const argv = run.caller.argv;
    c.addReplyArrayLen(argv.length);
    for (const a of argv) c.addReplyBulk(a);
    c.addReplyBulk('duration_ms');
    c.addReplyLongLong(Math.floor(performance.now() - run.startTime));
  }
  c.addReplyBulk('engines');
  c.addReplyMapLen(1);
  c.addReplyBulk('LUA');
  c.addReplyMapLen(2);
  c.addReplyBulk('libraries_count');
  c.addReplyLongLong(engine.libraries.size);
  c.addReplyBulk('functions_count');
  let n = 0;
  for (const lib of engine.libraries.values()) n += lib.functions.size;
  c.addReplyLongLong(n);
}

function functionKill(c: Client): void {
  const err = scriptKill(c.server, false);
  if (err !== null) throw new RedisError(err);
  c.addReplyOK();
}

const FUNCTION_HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

export const functionCommands: CommandSpec[] = [
  cmd('fcall', -3, ['noscript', 'skip_monitor', 'may_replicate', 'no_mandatory_keys', 'stale'], [0, 0, 0], {
    acl: ['scripting'],
    getKeys: fcallGetKeys,
    getFlags: fcallFlags,
    handler: (c, argv) => fcallGeneric(c, argv, false),
  }),
  cmd('fcall_ro', -3, ['noscript', 'skip_monitor', 'no_mandatory_keys', 'stale', 'readonly'], [0, 0, 0], {
    acl: ['scripting'],
    getKeys: fcallGetKeys,
    getFlags: fcallFlags,
    handler: (c, argv) => fcallGeneric(c, argv, true),
  }),
  cmd('function', -2, [], [0, 0, 0], {
    subcommands: [
      cmd('load', -3, ['noscript', 'write', 'denyoom'], [0, 0, 0], { acl: ['scripting'], handler: functionLoad }),
      cmd('delete', 3, ['noscript', 'write'], [0, 0, 0], { acl: ['scripting'], handler: functionDelete }),
      cmd('flush', -2, ['noscript', 'write'], [0, 0, 0], { acl: ['scripting'], handler: functionFlush }),
      cmd('list', -2, ['noscript'], [0, 0, 0], { acl: ['scripting'], handler: functionList }),
      cmd('dump', 2, ['noscript'], [0, 0, 0], { acl: ['scripting'], handler: functionDump }),
      cmd('restore', -3, ['noscript', 'write', 'denyoom'], [0, 0, 0], { acl: ['scripting'], handler: functionRestore }),
      cmd('stats', 2, ['noscript', 'allow_busy'], [0, 0, 0], { acl: ['scripting'], handler: functionStats }),
      cmd('kill', 2, ['noscript', 'allow_busy'], [0, 0, 0], { acl: ['scripting'], handler: functionKill }),
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], { acl: ['scripting'], handler: (c) => c.addReplyHelp('function', FUNCTION_HELP) }),
    ],
  }),
];
