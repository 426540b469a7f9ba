/**
 * LDB, the Lua debugger of EVAL (the "LDB" part of eval.c): SCRIPT DEBUG
 * YES|SYNC|NO, then the client's next EVAL runs step by step, driven by
 * debugger commands the client sends (redis-cli --ldb).
 *
 * As in Redis, the session owns the client's socket while the script runs:
 * logs are written to it and commands read from it directly from inside the
 * Lua line hook (plain fs reads and writes on the descriptor, which is
 * non-blocking, polled every couple of milliseconds while the user thinks),
 * so the server is not re-entered. In SYNC mode the whole server waits,
 * exactly like Redis's synchronous session. YES mode runs the session in a
 * child process on a copy of the dataset (ldb-fork.ts), Redis's fork(): the
 * server keeps serving and the script's changes die with the child.
 *
 * One session runs at a time per process, as with Redis's global `ldb`.
 */
import fs from 'node:fs';
import type { Client } from '../server/client.js';
import { cFormatDouble } from './cfmt.js';
import { lua, lauxlib, toLuaBytes, fromLuaBytes, type LuaState } from './lua.js';
import { repr } from '../server/config-defs.js';
import { sleepSync } from '../util/sleep.js';

const LDB_BREAKPOINTS_MAX = 64;
const LDB_MAX_LEN_DEFAULT = 256;
/** LUA_MINSTACK / 2 of Lua 5.1: how deep nested tables are printed. */
const LDB_MAX_VALUES_DEPTH = 10;
/** Redis's connSendTimeout() on the debugging connection. */
const SEND_TIMEOUT_MS = 5000;
/** Debugger commands buffered beyond this end the script with an error. */
const MAX_CBUF = 1 << 20;

class LdbState {
  /** Descriptor of the debugging client's socket. */
  fd = -1;
  /** The client being debugged (its output counters). */
  client: Client | null = null;
  active = false;
  logs: string[] = [];
  bp: number[] = [];
  step = false;
  luabp = false;
  src: string[] = [];
  currentline = -1;
  /** Debugger input not parsed yet (latin1). */
  cbuf = '';
  maxlen = LDB_MAX_LEN_DEFAULT;
  maxlenHintSent = false;
}

/** The debugger's state (Redis's global `ldb`). */
export const ldb = new LdbState();

/** This process is the child of a forked session (ldb-child.ts). */
let forkedChild = false;
export function ldbSetForkedChild(): void {
  forkedChild = true;
}
export function ldbIsForkedChild(): boolean {
  return forkedChild;
}

/** ldbIsEnabled(): a session is on and stepping, so commands and errors are logged. */
export function ldbIsEnabled(): boolean {
  return ldb.active && ldb.step;
}

/** ldbEnable(): SCRIPT DEBUG YES|SYNC resets the debugger's settings. */
export function ldbReset(): void {
  ldb.logs = [];
  ldb.step = true;
  ldb.bp = [];
  ldb.luabp = false;
  ldb.cbuf = '';
  ldb.maxlen = LDB_MAX_LEN_DEFAULT;
  ldb.maxlenHintSent = false;
}

export function ldbLog(entry: string): void {
  ldb.logs.push(entry);
}

/** ldbLogWithMaxLen(): trimmed at `maxlen`, with a hint the first time. */
function ldbLogWithMaxLen(entry: string): void {
  let trimmed = false;
  if (ldb.maxlen !== 0 && entry.length > ldb.maxlen) {
    entry = entry.slice(0, ldb.maxlen) + ' ...';
    trimmed = true;
  }
  ldbLog(entry);
  if (trimmed && !ldb.maxlenHintSent) {
    ldb.maxlenHintSent = true;
    ldbLog("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.");
  }
}

// ---- direct socket I/O ------------------------------------------------------


function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

/** Write all of `buf`, waiting at most SEND_TIMEOUT_MS for the peer; false on failure. */
function writeAll(fd: number, buf: Buffer): boolean {
  let off = 0;
  const deadline = Date.now() + SEND_TIMEOUT_MS;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if (errCode(e) === 'EAGAIN' && Date.now() < deadline) {
        sleepSync(1);
        continue;
      }
      return false;
    }
  }
  return true;
}

const READ_BUF = Buffer.allocUnsafe(1024);
/** One read, waiting for data: the bytes (latin1), or null at EOF or on an error. */
function readSome(fd: number): string | null {
  for (;;) {
    try {
      const n = fs.readSync(fd, READ_BUF, 0, READ_BUF.length, null);
      return n === 0 ? null : READ_BUF.toString('latin1', 0, n);
    } catch (e) {
      if (errCode(e) === 'EAGAIN') {
        sleepSync(2);
        continue;
      }
      return null;
    }
  }
}

/** Send the debugging client raw bytes (the session's own output). */
function ldbWriteRaw(data: string): void {
  if (ldb.fd < 0) return;
  const buf = Buffer.from(data, 'latin1');
  if (writeAll(ldb.fd, buf) && ldb.client !== null) {
    ldb.client.netOut += buf.length;
    ldb.client.server.stats.netOutputBytes += buf.length;
  }
}

/** ldbSendLogs(): the pending logs as an array of status replies. */
export function ldbSendLogs(): void {
  let proto = `*${ldb.logs.length}\r\n`;
  for (const l of ldb.logs) proto += '+' + l.replace(/[\r\n]/g, ' ') + '\r\n';
  ldb.logs = [];
  ldbWriteRaw(proto);
}

// ---- session ----------------------------------------------------------------

/**
 * ldbStartSession() once the connection is ours: `fd` is the client's
 * socket, `body` the script (its source lines).
 */
export function ldbBeginSession(c: Client, fd: number, body: string): void {
  ldb.fd = fd;
  ldb.client = c;
  ldb.active = true;
  let end = body.length;
  while (end > 0 && (body.charCodeAt(end - 1) === 10 || body.charCodeAt(end - 1) === 13)) end--;
  ldb.src = body.slice(0, end).split('\n');
}

/** ldbEndSession(): the remaining logs and the <endsession> mark. */
export function ldbFinishSession(): void {
  ldbLog('<endsession>');
  ldbSendLogs();
  ldb.src = [];
  ldb.active = false;
  ldb.fd = -1;
  ldb.client = null;
}

function sourceLine(line: number): string {
  const idx = line - 1;
  if (idx < 0 || idx >= ldb.src.length) return '<out of range source code line>';
  return ldb.src[idx];
}

function isBreakpoint(line: number): boolean {
  return ldb.bp.includes(line);
}

function addBreakpoint(line: number): boolean {
  if (line <= 0 || line > ldb.src.length) return false;
  if (!isBreakpoint(line) && ldb.bp.length !== LDB_BREAKPOINTS_MAX) {
    ldb.bp.push(line);
    return true;
  }
  return false;
}

function delBreakpoint(line: number): boolean {
  const i = ldb.bp.indexOf(line);
  if (i === -1) return false;
  ldb.bp.splice(i, 1);
  return true;
}

/** C's atoi() (strtol() narrowed to an int). */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  let v = BigInt(m[1]);
  const max = (1n << 63n) - 1n;
  if (v > max) v = max;
  else if (v < -max - 1n) v = -max - 1n;
  return Number(BigInt.asIntN(32, v));
}

/** strchr()/strstr() on a C string: stops at the first NUL. */
function cIndexOf(s: string, needle: string, from: number): number {
  const nul = s.indexOf('\0', from);
  const i = s.indexOf(needle, from);
  if (i === -1 || (nul !== -1 && nul < i + needle.length)) return -1;
  return i;
}

const PROTOCOL_ERROR = 'protocol error';

/**
 * ldbReplParseCommand(): a forgiving multibulk parser. The command, null
 * when more bytes are needed, or the protocol error text.
 */
export function parseDebuggerCommand(buf: string): string[] | null | typeof PROTOCOL_ERROR {
  if (buf.length === 0) return null;
  let p = cIndexOf(buf, '*', 0);
  if (p === -1) return PROTOCOL_ERROR;
  let e = cIndexOf(buf, '\r\n', p);
  if (e === -1) return null;
  const argc = atoi(buf.slice(p + 1, e));
  p = e + 2;
  if (argc <= 0 || argc > 1024) return PROTOCOL_ERROR;
  const argv: string[] = [];
  while (argv.length < argc) {
    if (p >= buf.length || buf.charCodeAt(p) === 0) return null;
    if (buf[p] !== '$') return PROTOCOL_ERROR;
    e = cIndexOf(buf, '\r\n', p);
    if (e === -1) return null;
    const slen = atoi(buf.slice(p + 1, e));
    p = e + 2;
    if (slen <= 0 || slen > 1024) return PROTOCOL_ERROR;
    if (p + slen + 2 > buf.length) return null;
    argv.push(buf.slice(p, p + slen));
    p += slen;
    if (buf[p] !== '\r' || buf[p + 1] !== '\n') return PROTOCOL_ERROR;
    p += 2;
  }
  return argv;
}

/** ldbLogSourceLine(). */
function logSourceLine(lnum: number): void {
  const bp = isBreakpoint(lnum);
  const current = ldb.currentline === lnum;
  const prefix = current && bp ? '->#' : current ? '-> ' : bp ? '  #' : '   ';
  ldbLog(`${prefix}${String(lnum).padEnd(3)} ${sourceLine(lnum)}`);
}

/** ldbList(): the whole source, or `context` lines around `around`. */
function list(around: number, context: number): void {
  for (let j = 1; j <= ldb.src.length; j++) {
    if (around !== 0 && Math.abs(around - j) > context) continue;
    logSourceLine(j);
  }
}

/** Stable stand-ins for the "%p" of functions, userdata and threads. */
const addresses = new WeakMap<object, number>();
let nextAddress = 0x7f0000001000;
function addressOf(v: unknown): string {
  if (typeof v !== 'object' || v === null) return '0x0';
  let a = addresses.get(v);
  if (a === undefined) {
    a = nextAddress;
    nextAddress += 0x40;
    addresses.set(v, a);
  }
  return '0x' + a.toString(16);
}

/** ldbCatStackValueRec(): a readable form of the value at `idx`. */
function catStackValue(L: LuaState, idx: number, level = 0): string {
  if (level++ === LDB_MAX_VALUES_DEPTH) return '<max recursion level reached! Nested table?>';
  const t = lua.lua_type(L, idx);
  switch (t) {
    case lua.LUA_TSTRING:
      return repr(fromLuaBytes(lua.lua_tolstring(L, idx)));
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, idx) ? 'true' : 'false';
    case lua.LUA_TNUMBER:
      return cFormatDouble(lua.lua_tonumber(L, idx), 'g');
    case lua.LUA_TNIL:
      return 'nil';
    case lua.LUA_TTABLE: {
      // Lua 5.1 walks the array part (1..n, in order) before the hash
      // part; fengari's order differs, so the pairs are put in 5.1's.
      const pairs: { key: number | null; k: string; v: string }[] = [];
      lua.lua_checkstack(L, 3);
      lua.lua_pushnil(L);
      while (lua.lua_next(L, idx - 1)) {
        const key = lua.lua_type(L, -2) === lua.LUA_TNUMBER ? (lua.lua_tonumber(L, -2) as number) : null;
        pairs.push({ key, k: catStackValue(L, -2, level), v: catStackValue(L, -1, level) });
        lua.lua_pop(L, 1);
      }
      const byIndex = new Map<number, (typeof pairs)[number]>();
      for (const p of pairs) if (p.key !== null) byIndex.set(p.key, p);
      const ordered: typeof pairs = [];
      for (let i = 1; byIndex.has(i); i++) ordered.push(byIndex.get(i)!);
      const prefix = ordered.length;
      for (const p of pairs) if (!(p.key !== null && Number.isInteger(p.key) && p.key >= 1 && p.key <= prefix)) ordered.push(p);
      const isArray = prefix === ordered.length;
      return '{' + ordered.map((p) => (isArray ? p.v : `[${p.k}]=${p.v}`)).join('; ') + '}';
    }
    case lua.LUA_TFUNCTION:
    case lua.LUA_TUSERDATA:
    case lua.LUA_TTHREAD:
    case lua.LUA_TLIGHTUSERDATA: {
      const name =
        t === lua.LUA_TFUNCTION ? 'function' : t === lua.LUA_TUSERDATA ? 'userdata' : t === lua.LUA_TTHREAD ? 'thread' : 'light-userdata';
      return `"${name}@${addressOf(lua.lua_topointer(L, idx))}"`;
    }
    default:
      return '"<unknown-lua-type>"';
  }
}

/** redis.debug(): its arguments as one log line. */
export function ldbDebugValues(L: LuaState): void {
  const argc = lua.lua_gettop(L);
  const parts: string[] = [];
  for (let j = 1; j <= argc; j++) parts.push(catStackValue(L, j - argc - 1));
  ldbLog(`<debug> line ${ldb.currentline}: ` + parts.join(', '));
}

function logStackValue(L: LuaState, prefix: string): void {
  ldbLogWithMaxLen(prefix + catStackValue(L, -1));
}

// ---- replies in human form (ldbRedisProtocolToHuman) -----------------------

function protoLineEnd(reply: string, p: number): number {
  const e = reply.indexOf('\r', p + 1);
  return e === -1 ? reply.length : e;
}

function protoToHuman(reply: string, p: number, out: string[]): number {
  const e = protoLineEnd(reply, p);
  const head = reply.slice(p + 1, e);
  switch (reply[p]) {
    case ':':
      out.push(head);
      return e + 2;
    case '$': {
      const len = Number(head);
      if (len === -1) {
        out.push('NULL');
        return e + 2;
      }
      out.push(repr(reply.slice(e + 2, e + 2 + len)));
      return e + 2 + len + 2;
    }
    case '+':
    case '-':
      out.push(repr(reply.slice(p, e)));
      return e + 2;
    case '*':
    case '~':
    case '%': {
      const n = Number(head);
      let q = e + 2;
      if (reply[p] === '*' && n === -1) {
        out.push('NULL');
        return q;
      }
      const map = reply[p] === '%';
      out.push(reply[p] === '*' ? '[' : reply[p] === '~' ? '~(' : '{');
      for (let j = 0; j < n; j++) {
        q = protoToHuman(reply, q, out);
        if (map) {
          out.push(' => ');
          q = protoToHuman(reply, q, out);
        }
        if (j !== n - 1) out.push(',');
      }
      out.push(reply[p] === '*' ? ']' : reply[p] === '~' ? ')' : '}');
      return q;
    }
    case '_':
      out.push('(null)');
      return e + 2;
    case '#':
      out.push(reply[p + 1] === 't' ? '#true' : '#false');
      return e + 2;
    case ',':
      out.push('(double) ' + head);
      return e + 2;
    default:
      return reply.length;
  }
}

/** ldbLogRedisReply(). */
export function ldbLogRedisReply(reply: string): void {
  const out: string[] = [];
  protoToHuman(reply, 0, out);
  ldbLogWithMaxLen('<reply> ' + out.join(''));
}

/** The <redis> line of a command a script calls. */
export function ldbLogCommand(argv: string[]): void {
  let log = '<redis>';
  for (let j = 0; j < argv.length; j++) {
    if (j === 10) {
      log += ` ... (${argv.length - j - 1} more)`;
      break;
    }
    log += ' ' + argv[j];
  }
  ldbLog(log);
}

// ---- the debugger commands --------------------------------------------------

const debugAr = (): unknown => new lua.lua_Debug();

function localName(L: LuaState, ar: unknown, i: number): string | null {
  const name = lua.lua_getlocal(L, ar, i);
  return name === null || name === undefined ? null : fromLuaBytes(name);
}

/** ldbPrint(): the first local named `varname` from the current frame up, or KEYS/ARGV. */
function print(L: LuaState, varname: string): void {
  const ar = debugAr();
  for (let l = 0; lua.lua_getstack(L, l, ar) !== 0; l++) {
    let name: string | null;
    for (let i = 1; (name = localName(L, ar, i)) !== null; i++) {
      if (name === varname) {
        logStackValue(L, '<value> ');
        lua.lua_pop(L, 1);
        return;
      }
      lua.lua_pop(L, 1);
    }
  }
  if (varname === 'ARGV' || varname === 'KEYS') {
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, toLuaBytes('nodis_real_globals'));
    lua.lua_getfield(L, -1, toLuaBytes(varname));
    logStackValue(L, '<value> ');
    lua.lua_pop(L, 2);
  } else {
    ldbLog('No such variable.');
  }
}

/** ldbPrintAll(): the locals of the current frame. */
function printAll(L: LuaState): void {
  const ar = debugAr();
  let vars = 0;
  if (lua.lua_getstack(L, 0, ar) !== 0) {
    let name: string | null;
    for (let i = 1; (name = localName(L, ar, i)) !== null; i++) {
      if (!name.includes('(*temporary)')) {
        logStackValue(L, `<value> ${name} = `);
        vars++;
      }
      lua.lua_pop(L, 1);
    }
  }
  if (vars === 0) ldbLog('No local variables in the current context.');
}

/** ldbBreak(). */
function breakCommand(argv: string[]): void {
  if (argv.length === 1) {
    if (ldb.bp.length === 0) {
      ldbLog("No breakpoints set. Use 'b <line>' to add one.");
      return;
    }
    ldbLog(`${ldb.bp.length} breakpoints set:`);
    for (const line of ldb.bp) logSourceLine(line);
    return;
  }
  for (let j = 1; j < argv.length; j++) {
    const arg = argv[j];
    if (!/^(0|-?[1-9]\d*)$/.test(arg) || !Number.isSafeInteger(Number(arg))) {
      ldbLog(`Invalid argument:'${arg}'`);
      continue;
    }
    const line = Number(arg);
    if (line === 0) {
      ldb.bp = [];
      ldbLog('All breakpoints removed.');
    } else if (line > 0) {
      if (ldb.bp.length === LDB_BREAKPOINTS_MAX) ldbLog('Too many breakpoints set.');
      else if (addBreakpoint(line)) list(line, 1);
      else ldbLog('Wrong line number.');
    } else if (delBreakpoint(-line)) {
      ldbLog('Breakpoint removed.');
    } else {
      ldbLog('No breakpoint in the specified line.');
    }
  }
}

/** The message of the error value at the top of the stack. */
function errorText(L: LuaState): string {
  if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
    lua.lua_getfield(L, -1, toLuaBytes('err'));
    const s = lua.lua_isstring(L, -1) ? fromLuaBytes(lua.lua_tolstring(L, -1)) : '(null)';
    lua.lua_pop(L, 1);
    return s;
  }
  return lua.lua_isstring(L, -1) ? fromLuaBytes(lua.lua_tolstring(L, -1)) : '(null)';
}

/** ldbEval(): the fragment as an expression, else as a statement, run in its own frame. */
function evalCommand(L: LuaState, argv: string[], compileMessage: (m: string) => string): void {
  const code = argv.slice(1).join(' ');
  const name = toLuaBytes('@ldb_eval');
  const expr = toLuaBytes('return ' + code);
  if (lauxlib.luaL_loadbufferx(L, expr, expr.length, name, null) !== lua.LUA_OK) {
    lua.lua_pop(L, 1);
    const stmt = toLuaBytes(code);
    if (lauxlib.luaL_loadbufferx(L, stmt, stmt.length, name, null) !== lua.LUA_OK) {
      ldbLog('<error> ' + compileMessage(errorText(L)));
      lua.lua_pop(L, 1);
      return;
    }
  }
  if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
    ldbLog('<error> ' + errorText(L));
    lua.lua_pop(L, 1);
    return;
  }
  logStackValue(L, '<retval> ');
  lua.lua_pop(L, 1);
}

/** ldbRedis(): redis.call() with logging forced on. */
function redisCommand(L: LuaState, argv: string[]): void {
  lua.lua_checkstack(L, argv.length + 1);
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, toLuaBytes('nodis_real_globals'));
  lua.lua_getfield(L, -1, toLuaBytes('redis'));
  lua.lua_remove(L, -2);
  lua.lua_getfield(L, -1, toLuaBytes('call'));
  for (let j = 1; j < argv.length; j++) {
    const b = toLuaBytes(argv[j]);
    lua.lua_pushlstring(L, b, b.length);
  }
  ldb.step = true;
  lua.lua_pcall(L, argv.length - 1, 1, 0);
  ldb.step = false;
  lua.lua_pop(L, 2);
}

/** ldbTrace(): the user script's frames, innermost first. */
function trace(L: LuaState): void {
  const ar = debugAr() as { short_src: Uint8Array; name: Uint8Array | null; currentline: number };
  let level = 0;
  while (lua.lua_getstack(L, level, ar)) {
    lua.lua_getinfo(L, toLuaBytes('Snl'), ar);
    if (fromLuaBytes(ar.short_src).includes('user_script')) {
      ldbLog(`${level === 0 ? 'In' : 'From'} ${ar.name ? fromLuaBytes(ar.name) : 'top level'}:`);
      logSourceLine(ar.currentline);
    }
    level++;
  }
  if (level === 0) ldbLog("<error> Can't retrieve Lua stack.");
}

/** ldbMaxlen(). */
function maxlenCommand(argv: string[]): void {
  if (argv.length === 2) {
    let v = atoi(argv[1]);
    ldb.maxlenHintSent = true;
    if (v !== 0 && v <= 60) v = 60;
    ldb.maxlen = v;
  }
  if (ldb.maxlen !== 0) ldbLog(`<value> replies are truncated at ${ldb.maxlen} bytes.`);
  else ldbLog('<value> replies are unlimited.');
}

const HELP = [
  'Redis Lua debugger help:',
  '[h]elp               Show this help.',
  '[s]tep               Run current line and stop again.',
  '[n]ext               Alias for step.',
  '[c]ontinue           Run till next breakpoint.',
  '[l]ist               List source code around current line.',
  '[l]ist [line]        List source code around [line].',
  '                     line = 0 means: current position.',
  '[l]ist [line] [ctx]  In this form [ctx] specifies how many lines',
  '                     to show before/after [line].',
  "[w]hole              List all source code. Alias for 'list 1 1000000'.",
  '[p]rint              Show all the local variables.',
  '[p]rint <var>        Show the value of the specified variable.',
  '                     Can also show global vars KEYS and ARGV.',
  '[b]reak              Show all breakpoints.',
  '[b]reak <line>       Add a breakpoint to the specified line.',
  '[b]reak -<line>      Remove breakpoint from the specified line.',
  '[b]reak 0            Remove all breakpoints.',
  '[t]race              Show a backtrace.',
  '[e]val <code>        Execute some Lua code (in a different callframe).',
  '[r]edis <cmd>        Execute a Redis command.',
  '[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.',
  '                     Specifying zero as <len> means unlimited.',
  '[a]bort              Stop the execution of the script. In sync',
  '                     mode dataset changes will be retained.',
  '',
  'Debugger functions you can call from Lua scripts:',
  'redis.debug()        Produce logs in the debugger console.',
  'redis.breakpoint()   Stop execution like if there was a breakpoint in the',
  '                     next line of code.',
];

function is(a: string, short: string, long: string): boolean {
  const l = a.toLowerCase();
  return l === short || l === long;
}

/** What ends the read loop: back to the script, or the error to raise in it. */
type ReplOutcome = { ok: boolean } | { raise: string };

/**
 * ldbRepl(): serve debugger commands until one resumes the script. ok is
 * false when the client went away (the script then runs on unattended).
 */
function repl(L: LuaState, compileMessage: (m: string) => string): ReplOutcome {
  for (;;) {
    let argv = parseDebuggerCommand(ldb.cbuf);
    while (argv === null || argv === PROTOCOL_ERROR) {
      if (argv === PROTOCOL_ERROR) return { raise: PROTOCOL_ERROR };
      const data = readSome(ldb.fd);
      if (data === null) {
        ldb.step = false;
        ldb.bp = [];
        return { ok: false };
      }
      if (ldb.client !== null) {
        ldb.client.netIn += data.length;
        ldb.client.server.stats.netInputBytes += data.length;
      }
      ldb.cbuf += data;
      if (ldb.cbuf.length > MAX_CBUF) {
        ldb.cbuf = '';
        return { raise: 'max client buffer reached' };
      }
      argv = parseDebuggerCommand(ldb.cbuf);
    }
    ldb.cbuf = '';
    const a0 = argv[0];
    if (is(a0, 'h', 'help')) {
      for (const l of HELP) ldbLog(l);
    } else if (is(a0, 's', 'step') || is(a0, 'n', 'next')) {
      ldb.step = true;
      return { ok: true };
    } else if (is(a0, 'c', 'continue')) {
      return { ok: true };
    } else if (is(a0, 't', 'trace')) {
      trace(L);
    } else if (is(a0, 'm', 'maxlen')) {
      maxlenCommand(argv);
    } else if (is(a0, 'b', 'break')) {
      breakCommand(argv);
    } else if (is(a0, 'e', 'eval')) {
      evalCommand(L, argv, compileMessage);
    } else if (is(a0, 'a', 'abort')) {
      return { raise: 'script aborted for user request' };
    } else if (argv.length > 1 && is(a0, 'r', 'redis')) {
      redisCommand(L, argv);
    } else if (is(a0, 'p', 'print')) {
      if (argv.length === 2) print(L, argv[1]);
      else printAll(L);
    } else if (is(a0, 'l', 'list')) {
      let around = ldb.currentline;
      let ctx = 5;
      if (argv.length > 1) {
        const num = atoi(argv[1]);
        if (num > 0) around = num;
      }
      if (argv.length > 2) ctx = atoi(argv[2]);
      list(around, ctx);
    } else if (is(a0, 'w', 'whole')) {
      list(1, 1000000);
    } else {
      ldbLog('<error> Unknown Redis Lua debugger command or wrong number of arguments.');
    }
    ldbSendLogs();
  }
}

export interface LdbHookContext {
  /** When the script (re)started running: the timeout counts from here (ms, performance.now()). */
  startTime(): number;
  restartClock(): void;
  /** The busy-reply-threshold (ms), 0 when unset. */
  busyThreshold(): number;
  /** Raise `text` as an error in the script. */
  raise(L: LuaState, text: string): never;
  /** A compile error as Lua 5.1 words it. */
  compileMessage(m: string): string;
}

/**
 * luaLdbLineHook(): called before each new line of the script (and every
 * 100,000 instructions, to catch infinite loops): stops when stepping, on
 * a breakpoint or redis.breakpoint(), then serves the debugger.
 */
export function makeLdbHook(ctx: LdbHookContext): (L: LuaState, ar: unknown) => void {
  return (L: LuaState, arIn: unknown): void => {
    const ar = arIn as { event: number; currentline: number; short_src: Uint8Array };
    lua.lua_getstack(L, 0, ar);
    lua.lua_getinfo(L, toLuaBytes('Sl'), ar);
    ldb.currentline = ar.currentline;
    const bp = isBreakpoint(ldb.currentline) || ldb.luabp;
    let timeout = false;
    if (!fromLuaBytes(ar.short_src).includes('user_script')) return;
    if (ar.event === lua.LUA_HOOKCOUNT && !ldb.step && !bp) {
      const elapsed = performance.now() - ctx.startTime();
      const limit = ctx.busyThreshold() || 5000;
      if (elapsed < limit) return;
      timeout = true;
      ldb.step = true;
    }
    if (!ldb.step && !bp) return;
    let reason = 'step over';
    if (bp) reason = ldb.luabp ? 'redis.breakpoint() called' : 'break point';
    else if (timeout) reason = 'timeout reached, infinite loop?';
    ldb.step = false;
    ldb.luabp = false;
    ldbLog(`* Stopped at ${ldb.currentline}, stop reason = ${reason}`);
    logSourceLine(ldb.currentline);
    ldbSendLogs();
    const r = repl(L, ctx.compileMessage);
    if ('raise' in r) ctx.raise(L, r.raise);
    if (!r.ok && timeout) {
      // Nobody is left to stop a script that loops: end it.
      ctx.raise(L, 'timeout during Lua debugging with client closing connection');
    }
    ctx.restartClock();
  };
}
