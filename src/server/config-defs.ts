/**
 * The directives of Redis 7.0 (config.c's standardConfig table, built with
 * TLS): name, alias, type, flags, default and bounds, plus the special
 * multi-argument ones (save, bind, client-output-buffer-limit...). Nodis acts
 * on some and stores the rest, so CONFIG GET/SET and redis.conf files written
 * for Redis keep working. Values are validated and formatted exactly as
 * Redis does (numbers keep C integer semantics through bigint).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseNotifyFlags, formatNotifyFlags } from './notify.js';
import { string2d } from '../util/numbers.js';
import type { Config } from './config.js';
import type { RewriteState } from './config-file.js';

// ---- flags (server.h) -------------------------------------------------------

export const IMMUTABLE_CONFIG = 1 << 0;
export const SENSITIVE_CONFIG = 1 << 1;
export const DEBUG_CONFIG = 1 << 2;
export const MULTI_ARG_CONFIG = 1 << 3;
export const HIDDEN_CONFIG = 1 << 4;
export const PROTECTED_CONFIG = 1 << 5;
export const DENY_LOADING_CONFIG = 1 << 6;
export const VOLATILE_CONFIG = 1 << 8;

/** Numeric config flags. */
export const INTEGER_CONFIG = 0;
export const MEMORY_CONFIG = 1 << 0;
export const PERCENT_CONFIG = 1 << 1;
export const OCTAL_CONFIG = 1 << 2;

export const INT_MIN = -2147483648n;
export const INT_MAX = 2147483647n;
export const UINT_MAX = 4294967295n;
export const LONG_MAX = 9223372036854775807n;
export const LLONG_MAX = LONG_MAX;
export const ULLONG_MAX = 18446744073709551615n;
export const SSIZE_MAX = LONG_MAX;

/** Shutdown flags (SHUTDOWN_* of server.h), shared with shutdown-on-sig*. */
export const SHUTDOWN_NOFLAGS = 0;
export const SHUTDOWN_SAVE = 1;
export const SHUTDOWN_NOSAVE = 2;
export const SHUTDOWN_NOW = 4;
export const SHUTDOWN_FORCE = 8;

export class ConfigError extends Error {}

// ---- definitions -------------------------------------------------------------

export type NumericType = 'int' | 'uint' | 'long' | 'ulong' | 'llong' | 'ullong' | 'size_t' | 'ssize_t' | 'off_t' | 'time_t';

interface BaseDef {
  name: string;
  alias?: string;
  flags: number;
}

export interface BoolDef extends BaseDef {
  type: 'bool';
  default: boolean;
  validate?: (v: boolean) => string | null;
}

export interface StringDef extends BaseDef {
  /** 'string' (char*) values end at a NUL byte; 'sds' values are binary. */
  type: 'string' | 'sds';
  default: string | null;
  /** EMPTY_STRING_IS_NULL: '' is stored as "unset" (not rewritten). */
  emptyToNull: boolean;
  validate?: (v: string, cfg: Config) => string | null;
}

export interface EnumDef extends BaseDef {
  type: 'enum';
  values: readonly (readonly [string, number])[];
  default: number;
  validate?: (v: number) => string | null;
}

export interface NumericDef extends BaseDef {
  type: 'numeric';
  numType: NumericType;
  min: bigint;
  max: bigint;
  default: bigint;
  numFlags: number;
  validate?: (v: bigint) => string | null;
}

export interface SetContext {
  cfg: Config;
  /** Loading a config file (or command-line options), not CONFIG SET. */
  readingFile: boolean;
  /** The current value. */
  current: unknown;
}

export interface SpecialDef extends BaseDef {
  type: 'special';
  init: (cfg: Config) => unknown;
  /** Parse and validate; throws ConfigError with Redis's reason. */
  set: (args: string[], ctx: SetContext) => unknown;
  get: (v: unknown) => string;
  rewrite: (state: RewriteState, name: string, v: unknown, cfg: Config) => void;
  equals?: (a: unknown, b: unknown) => boolean;
}

export type ConfigDef = BoolDef | StringDef | EnumDef | NumericDef | SpecialDef;

// ---- C-compatible parsing ----------------------------------------------------

const MEM_UNITS: Record<string, bigint> = {
  '': 1n,
  b: 1n,
  k: 1000n,
  kb: 1024n,
  m: 1000n * 1000n,
  mb: 1024n * 1024n,
  g: 1000n * 1000n * 1000n,
  gb: 1024n * 1024n * 1024n,
};

/**
 * memtoull(): "<digits><unit>" with units b k kb m mb g gb (any case).
 * Digits may be empty (0); overflow saturates then wraps like the C code.
 * Returns an unsigned 64-bit value, or null when invalid.
 */
export function memtoullBig(s: string): bigint | null {
  if (s.startsWith('-')) return null;
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const mul = MEM_UNITS[s.slice(i).toLowerCase()];
  if (mul === undefined || s.slice(i).includes('\0')) return null;
  if (i >= 128) return null;
  let v = i === 0 ? 0n : BigInt(s.slice(0, i));
  if (v > ULLONG_MAX) v = ULLONG_MAX;
  return BigInt.asUintN(64, v * mul);
}

/** memtoull() as a JS number (values above 2^53 lose precision); null when invalid. */
export function memtoull(s: string): number | null {
  const v = memtoullBig(s);
  return v === null ? null : Number(v);
}

function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * strtoll(s, &end, base) for base 8 or 10: leading white space, a sign,
 * digits; saturates on overflow. `end` is the index after the last digit
 * (0 when no digits were found, as C sets endptr to the start).
 */
export function cStrtoll(s: string, base: 8 | 10): { value: bigint; end: number; overflow: boolean } {
  let p = 0;
  while (p < s.length && isCSpace(s.charCodeAt(p))) p++;
  let neg = false;
  if (s[p] === '+' || s[p] === '-') {
    neg = s[p] === '-';
    p++;
  }
  const start = p;
  const maxDigit = base === 8 ? 55 : 57;
  while (p < s.length && s.charCodeAt(p) >= 48 && s.charCodeAt(p) <= maxDigit) p++;
  if (p === start) return { value: 0n, end: 0, overflow: false };
  let v = 0n;
  const b = BigInt(base);
  for (let i = start; i < p; i++) v = v * b + BigInt(s.charCodeAt(i) - 48);
  if (neg) v = -v;
  let overflow = false;
  if (v > LLONG_MAX) {
    v = LLONG_MAX;
    overflow = true;
  } else if (v < -LLONG_MAX - 1n) {
    v = -LLONG_MAX - 1n;
    overflow = true;
  }
  return { value: v, end: p, overflow };
}

/** True when strtoll() consumed the whole string (`*endptr == '\0'`). */
function strtollWhole(s: string, base: 8 | 10): bigint | null {
  const r = cStrtoll(s, base);
  const end = r.end === 0 ? 0 : r.end;
  return end === s.length ? r.value : null;
}

/** Node errno code -> strerror() text. */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'EACCES':
      return 'Permission denied';
    case 'EPERM':
      return 'Operation not permitted';
    case 'ENOTDIR':
      return 'Not a directory';
    case 'EISDIR':
      return 'Is a directory';
    case 'ELOOP':
      return 'Too many levels of symbolic links';
    case 'ENAMETOOLONG':
      return 'File name too long';
    case 'EROFS':
      return 'Read-only file system';
    case 'ENOSPC':
      return 'No space left on device';
    case 'EEXIST':
      return 'File exists';
    case 'EADDRINUSE':
      return 'Address already in use';
    case 'EADDRNOTAVAIL':
      return 'Cannot assign requested address';
    case 'EAFNOSUPPORT':
      return 'Address family not supported by protocol';
    default:
      return (e as Error)?.message ?? String(e);
  }
}

/**
 * Paths in the configuration are byte strings (latin1, like every value);
 * Node's fs takes strings as UTF-8. These convert between the two.
 */
export function fsPath(p: string): string {
  return /^[\x00-\x7f]*$/.test(p) ? p : Buffer.from(p, 'latin1').toString('utf8');
}

/** A path from Node (UTF-8 string) as configuration bytes. */
export function bytePath(p: string): string {
  return /^[\x00-\x7f]*$/.test(p) ? p : Buffer.from(p, 'utf8').toString('latin1');
}

/** sdscatrepr(): a double-quoted, escaped representation. */
export function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 92:
        out += '\\\\';
        break;
      case 34:
        out += '\\"';
        break;
      case 10:
        out += '\\n';
        break;
      case 13:
        out += '\\r';
        break;
      case 9:
        out += '\\t';
        break;
      case 7:
        out += '\\a';
        break;
      case 8:
        out += '\\b';
        break;
      default:
        if (c >= 32 && c < 127) out += s[i];
        else out += '\\x' + c.toString(16).padStart(2, '0');
    }
  }
  return out + '"';
}

/** rewriteConfigFormatMemory(): "1gb", "64mb", "100kb" or plain bytes. */
export function formatMemory(bytes: bigint): string {
  const gb = 1024n * 1024n * 1024n;
  const mb = 1024n * 1024n;
  const kb = 1024n;
  const v = BigInt.asIntN(64, bytes);
  if (v !== 0n && v % gb === 0n) return `${v / gb}gb`;
  if (v !== 0n && v % mb === 0n) return `${v / mb}mb`;
  if (v !== 0n && v % kb === 0n) return `${v / kb}kb`;
  return `${v}`;
}

/** printf("%f") then trimDoubleString(). */
function formatPercentile(d: number): string {
  let s = d.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

function pathIsBaseName(p: string): boolean {
  return !p.includes('/') && !p.includes('\\');
}

// ---- enums -----------------------------------------------------------------------

const maxmemoryPolicyEnum = [
  ['volatile-lru', 1],
  ['volatile-lfu', 2],
  ['volatile-random', 3],
  ['volatile-ttl', 4],
  ['allkeys-lru', 5],
  ['allkeys-lfu', 6],
  ['allkeys-random', 7],
  ['noeviction', 8],
] as const;
const syslogFacilityEnum = [
  ['user', 8],
  ['local0', 128],
  ['local1', 136],
  ['local2', 144],
  ['local3', 152],
  ['local4', 160],
  ['local5', 168],
  ['local6', 176],
  ['local7', 184],
] as const;
const loglevelEnum = [
  ['debug', 0],
  ['verbose', 1],
  ['notice', 2],
  ['warning', 3],
] as const;
const supervisedEnum = [
  ['upstart', 1],
  ['systemd', 2],
  ['auto', 3],
  ['no', 0],
] as const;
const aofFsyncEnum = [
  ['everysec', 2],
  ['always', 1],
  ['no', 0],
] as const;
const shutdownOnSigEnum = [
  ['default', SHUTDOWN_NOFLAGS],
  ['save', SHUTDOWN_SAVE],
  ['nosave', SHUTDOWN_NOSAVE],
  ['now', SHUTDOWN_NOW],
  ['force', SHUTDOWN_FORCE],
] as const;
const replDisklessLoadEnum = [
  ['disabled', 0],
  ['on-empty-db', 1],
  ['swapdb', 2],
] as const;
const tlsAuthClientsEnum = [
  ['no', 0],
  ['yes', 1],
  ['optional', 2],
] as const;
const oomScoreAdjEnum = [
  ['no', 0],
  ['yes', 1],
  ['relative', 1],
  ['absolute', 2],
] as const;
const aclPubsubDefaultEnum = [
  ['allchannels', 1 << 2],
  ['resetchannels', 0],
] as const;
const sanitizeDumpPayloadEnum = [
  ['no', 0],
  ['yes', 1],
  ['clients', 2],
] as const;
const protectedActionEnum = [
  ['no', 0],
  ['yes', 1],
  ['local', 2],
] as const;
const clusterPreferredEndpointTypeEnum = [
  ['ip', 0],
  ['hostname', 1],
  ['unknown-endpoint', 2],
] as const;
const propagationErrorBehaviorEnum = [
  ['ignore', 0],
  ['panic', 1],
  ['panic-on-replicas', 2],
] as const;

/** The enum value name(s) for `v` (configEnumGetName()). */
export function enumName(values: EnumDef['values'], v: number, bitflags: boolean): string {
  const names: string[] = [];
  let unmatched = v;
  for (const [name, val] of values) {
    if (v === val) return name;
    if (bitflags && val !== 0 && val === (unmatched & val)) {
      names.push(name);
      unmatched &= ~val;
    }
  }
  if (names.length === 0 || unmatched !== 0) return 'unknown';
  return names.join(' ');
}

/** configEnumGetValue(): null (INT_MIN) when a name does not match. */
export function enumValue(values: EnumDef['values'], args: string[], bitflags: boolean): number | null {
  if (args.length === 0 || (!bitflags && args.length !== 1)) return null;
  let v = 0;
  for (const a of args) {
    const l = a.toLowerCase();
    let matched = false;
    for (const [name, val] of values) {
      if (l === name) {
        v |= val;
        matched = true;
      }
    }
    if (!matched) return null;
  }
  return v;
}

// ---- table helpers --------------------------------------------------------------

function bool(name: string, alias: string | undefined, flags: number, def: boolean, validate?: BoolDef['validate']): BoolDef {
  return { type: 'bool', name, alias, flags, default: def, validate };
}

function str(
  name: string,
  alias: string | undefined,
  flags: number,
  emptyToNull: boolean,
  def: string | null,
  validate?: StringDef['validate'],
): StringDef {
  return { type: 'string', name, alias, flags, emptyToNull, default: def, validate };
}

function sds(name: string, alias: string | undefined, flags: number, emptyToNull: boolean, def: string | null): StringDef {
  return { type: 'sds', name, alias, flags, emptyToNull, default: def };
}

function enumc(
  name: string,
  alias: string | undefined,
  flags: number,
  values: EnumDef['values'],
  def: number,
  validate?: EnumDef['validate'],
): EnumDef {
  return { type: 'enum', name, alias, flags, values, default: def, validate };
}

function num(
  numType: NumericType,
  name: string,
  alias: string | undefined,
  flags: number,
  min: bigint,
  max: bigint,
  def: bigint,
  numFlags: number,
): NumericDef {
  return { type: 'numeric', numType, name, alias, flags, min, max, default: def, numFlags };
}

const ALLOW_EMPTY_STRING = false;
const EMPTY_STRING_IS_NULL = true;
const M = 0; // MODIFIABLE_CONFIG
const I = IMMUTABLE_CONFIG;
const D = DEBUG_CONFIG;
const H = HIDDEN_CONFIG;
const S = SENSITIVE_CONFIG;
const V = VOLATILE_CONFIG;

// ---- validators -----------------------------------------------------------------

function isValidDBfilename(v: string): string | null {
  return pathIsBaseName(v) ? null : "dbfilename can't be a path, just a filename";
}

function isValidAOFfilename(v: string): string | null {
  if (v === '') return "appendfilename can't be empty";
  return pathIsBaseName(v) ? null : "appendfilename can't be a path, just a filename";
}

function isValidAOFdirname(v: string): string | null {
  if (v === '') return "appenddirname can't be empty";
  return pathIsBaseName(v) ? null : "appenddirname can't be a path, just a dirname";
}

function isValidAnnouncedHostname(v: string): string | null {
  if (v.length >= 256) return 'Hostnames must be less than 256 characters';
  if (!/^[A-Za-z0-9.-]*$/.test(v)) return 'Hostnames may only contain alphanumeric characters, hyphens or dots';
  return null;
}

function isValidShutdownOnSigFlags(v: number): string | null {
  if (v & SHUTDOWN_NOSAVE && v & SHUTDOWN_SAVE) return "shutdown options SAVE and NOSAVE can't be used simultaneously";
  return null;
}

/** Nodis has no active defragmentation: the same answer as a Redis built without it. */
function isValidActiveDefrag(v: boolean): string | null {
  if (!v) return null;
  return (
    'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc ' +
    'like the one shipped by default with the Redis source distribution'
  );
}

/** Expand a proc-title-template (sdstemplate()); null when malformed or unknown variable. */
export function expandProcTitleTemplate(template: string, vars: Record<string, string>): string | null {
  let res = '';
  let p = 0;
  while (p < template.length) {
    const sv = template.indexOf('{', p);
    if (sv === -1) {
      res += template.slice(p);
      break;
    }
    res += template.slice(p, sv);
    const nameStart = sv + 1;
    if (nameStart >= template.length) return null;
    if (template[nameStart] === '{') {
      res += '{';
      p = nameStart + 1;
      continue;
    }
    const ev = template.indexOf('}', nameStart);
    if (ev === -1) return null;
    const value = vars[template.slice(nameStart, ev)];
    if (value === undefined) return null;
    res += value;
    p = ev + 1;
  }
  return res;
}

function isValidProcTitleTemplate(v: string, cfg: Config): string | null {
  const res = expandProcTitleTemplate(v, procTitleVars(cfg, ''));
  if (res === null || res === '') return 'template format is invalid or contains unknown variables';
  return null;
}

/** The variables of proc-title-template. */
export function procTitleVars(cfg: Config, title: string): Record<string, string> {
  const port = cfg.num('port');
  const tlsPort = cfg.num('tls-port');
  const binds = cfg.raw('bind') as string[];
  const unix = cfg.str('unixsocket');
  return {
    title,
    'listen-addr': port || tlsPort ? `${binds.length ? binds[0] : '*'}:${port || tlsPort}` : `unixsocket:${unix}`,
    'server-mode': cfg.bool('cluster-enabled') ? '[cluster]' : '',
    'config-file': cfg.configFile ?? '-',
    port: String(port),
    'tls-port': String(tlsPort),
    unixsocket: unix,
  };
}

// ---- special configs ------------------------------------------------------------------

export type SavePoint = [seconds: number, changes: number];

const saveDef: SpecialDef = {
  type: 'special',
  name: 'save',
  flags: MULTI_ARG_CONFIG,
  init: (): SavePoint[] => [
    [3600, 1],
    [300, 100],
    [60, 10000],
  ],
  set(args, ctx) {
    let argv = args;
    let current = ctx.current as SavePoint[];
    if (argv.length === 1 && argv[0] === '') {
      // `save ""` clears the save points at once, even between file lines.
      argv = [];
      current = [];
    }
    if (argv.length & 1) throw new ConfigError('Invalid save parameters');
    const parsed: number[] = [];
    for (let j = 0; j < argv.length; j++) {
      const v = strtollWhole(argv[j], 10);
      if (v === null || ((j & 1) === 0 && v < 1n) || ((j & 1) === 1 && v < 0n)) {
        throw new ConfigError('Invalid save parameters');
      }
      // seconds is a time_t, changes an int.
      parsed.push((j & 1) === 0 ? Number(v) : Number(BigInt.asIntN(32, v)));
    }
    let out: SavePoint[];
    if (!ctx.readingFile) {
      out = [];
    } else if (!ctx.cfg.saveLoaded) {
      // The first save line of a config file replaces the defaults; later ones add.
      ctx.cfg.saveLoaded = true;
      out = [];
    } else {
      out = [...current];
    }
    for (let j = 0; j < parsed.length; j += 2) out.push([parsed[j], parsed[j + 1]]);
    return out;
  },
  get: (v) => (v as SavePoint[]).map(([s, c]) => `${s} ${c}`).join(' '),
  rewrite(state, name, v) {
    const points = v as SavePoint[];
    if (points.length === 0) {
      state.rewriteLine(name, 'save ""', true);
    } else {
      for (const [s, c] of points) state.rewriteLine(name, `save ${s} ${c}`, true);
    }
    state.markProcessed(name);
  },
  equals: (a, b) => JSON.stringify(a) === JSON.stringify(b),
};

export interface ObufLimit {
  hard: bigint;
  soft: bigint;
  seconds: number;
}

/** normal, slave (replica), pubsub. */
export const OBUF_CLASSES = ['normal', 'slave', 'pubsub'] as const;
const OBUF_DEFAULTS: ObufLimit[] = [
  { hard: 0n, soft: 0n, seconds: 0 },
  { hard: 256n * 1024n * 1024n, soft: 64n * 1024n * 1024n, seconds: 60 },
  { hard: 32n * 1024n * 1024n, soft: 8n * 1024n * 1024n, seconds: 60 },
];

function obufClass(name: string): number {
  const l = name.toLowerCase();
  if (l === 'normal') return 0;
  if (l === 'slave' || l === 'replica') return 1;
  if (l === 'pubsub') return 2;
  if (l === 'master') return 3;
  return -1;
}

const clientOutputBufferLimitDef: SpecialDef = {
  type: 'special',
  name: 'client-output-buffer-limit',
  flags: MULTI_ARG_CONFIG,
  init: (): ObufLimit[] => OBUF_DEFAULTS.map((l) => ({ ...l })),
  set(args, ctx) {
    if (args.length % 4) throw new ConfigError('Wrong number of arguments in buffer limit configuration.');
    const out = (ctx.current as ObufLimit[]).map((l) => ({ ...l }));
    const pending: [number, ObufLimit][] = [];
    for (let j = 0; j < args.length; j += 4) {
      const cls = obufClass(args[j]);
      if (cls === -1 || cls === 3) throw new ConfigError('Invalid client class specified in buffer limit configuration.');
      const hard = memtoullBig(args[j + 1]);
      const soft = memtoullBig(args[j + 2]);
      const r = cStrtoll(args[j + 3], 10);
      const secs = Number(BigInt.asIntN(32, r.value));
      if (hard === null || soft === null || secs < 0 || r.end !== args[j + 3].length) {
        throw new ConfigError('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
      }
      pending.push([cls, { hard, soft, seconds: secs }]);
    }
    for (const [cls, l] of pending) out[cls] = l;
    return out;
  },
  get: (v) =>
    (v as ObufLimit[]).map((l, i) => `${OBUF_CLASSES[i]} ${l.hard} ${l.soft} ${l.seconds}`).join(' '),
  rewrite(state, name, v) {
    const limits = v as ObufLimit[];
    limits.forEach((l, j) => {
      const d = OBUF_DEFAULTS[j];
      const force = l.hard !== d.hard || l.soft !== d.soft || l.seconds !== d.seconds;
      const cls = OBUF_CLASSES[j] === 'slave' ? 'replica' : OBUF_CLASSES[j];
      state.rewriteLine(name, `${name} ${cls} ${formatMemory(l.hard)} ${formatMemory(l.soft)} ${l.seconds}`, force);
    });
  },
  equals: (a, b) => (a as ObufLimit[]).every((l, i) => {
    const o = (b as ObufLimit[])[i];
    return l.hard === o.hard && l.soft === o.soft && l.seconds === o.seconds;
  }),
};

const OOM_DEFAULTS = [0, 200, 800];

const oomScoreAdjValuesDef: SpecialDef = {
  type: 'special',
  name: 'oom-score-adj-values',
  flags: MULTI_ARG_CONFIG,
  init: () => [...OOM_DEFAULTS],
  set(args) {
    if (args.length !== 3) throw new ConfigError('wrong number of arguments');
    const values: number[] = [];
    for (const a of args) {
      const r = cStrtoll(a, 10);
      if (r.end !== a.length || r.value < -2000n || r.value > 2000n) {
        throw new ConfigError('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
      }
      values.push(Number(r.value));
    }
    return values;
  },
  get: (v) => (v as number[]).join(' '),
  rewrite(state, name, v) {
    const values = v as number[];
    const force = values.some((x, i) => x !== OOM_DEFAULTS[i]);
    state.rewriteLine(name, `${name} ${values.join(' ')}`, force);
  },
  equals: (a, b) => (a as number[]).every((x, i) => x === (b as number[])[i]),
};

const notifyKeyspaceEventsDef: SpecialDef = {
  type: 'special',
  name: 'notify-keyspace-events',
  flags: 0,
  init: () => 0,
  set(args) {
    if (args.length !== 1) throw new ConfigError('wrong number of arguments');
    const nul = args[0].indexOf('\0');
    const flags = parseNotifyFlags(nul === -1 ? args[0] : args[0].slice(0, nul));
    if (flags === null) throw new ConfigError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    return flags;
  },
  get: (v) => formatNotifyFlags(v as number),
  rewrite(state, name, v) {
    state.rewriteLine(name, `${name} ${repr(formatNotifyFlags(v as number))}`, (v as number) !== 0);
  },
};

const DEFAULT_BIND = ['*', '-::*'];
const CONFIG_BINDADDR_MAX = 16;

const bindDef: SpecialDef = {
  type: 'special',
  name: 'bind',
  flags: MULTI_ARG_CONFIG,
  init: () => [...DEFAULT_BIND],
  set(args) {
    if (args.length > CONFIG_BINDADDR_MAX) throw new ConfigError('Too many bind addresses specified.');
    if (args.length === 1 && args[0] === '') return [];
    return [...args];
  },
  get: (v) => (v as string[]).join(' '),
  rewrite(state, name, v) {
    const addrs = v as string[];
    if (addrs.length === DEFAULT_BIND.length && addrs.every((a, i) => a === DEFAULT_BIND[i])) {
      state.markProcessed(name);
      return;
    }
    state.rewriteLine(name, `${name} ${addrs.length > 0 ? addrs.join(' ') : '""'}`, true);
  },
  equals: () => false, // Redis re-applies bind on every CONFIG SET.
};

export interface ReplicaOf {
  host: string;
  port: number;
}

const replicaofDef: SpecialDef = {
  type: 'special',
  name: 'replicaof',
  alias: 'slaveof',
  flags: IMMUTABLE_CONFIG | MULTI_ARG_CONFIG,
  init: () => null,
  set(args) {
    if (args.length !== 2) throw new ConfigError('wrong number of arguments');
    if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return null;
    const r = cStrtoll(args[1], 10);
    const port = Number(BigInt.asIntN(64, r.value));
    if (port < 0 || port > 65535 || r.end !== args[1].length) throw new ConfigError('Invalid master port');
    return { host: args[0], port } satisfies ReplicaOf;
  },
  get: (v) => (v === null ? '' : `${(v as ReplicaOf).host} ${(v as ReplicaOf).port}`),
  rewrite(state, name, v, cfg) {
    if (cfg.bool('cluster-enabled') || v === null) {
      state.markProcessed(name);
      return;
    }
    state.rewriteLine(name, `${name} ${(v as ReplicaOf).host} ${(v as ReplicaOf).port}`, true);
  },
  equals: () => false,
};

const latencyTrackingPercentilesDef: SpecialDef = {
  type: 'special',
  name: 'latency-tracking-info-percentiles',
  flags: MULTI_ARG_CONFIG,
  init: () => [50, 99, 99.9],
  set(args) {
    if (args.length === 1 && args[0] === '') return [];
    const out: number[] = [];
    for (const a of args) {
      const d = string2d(a);
      if (d === null) throw new ConfigError('Invalid latency-tracking-info-percentiles parameters');
      if (d > 100 || d < 0) {
        throw new ConfigError('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
      }
      out.push(d);
    }
    return out;
  },
  get: (v) => (v as number[]).map(formatPercentile).join(' '),
  rewrite(state, name, v) {
    const ps = v as number[];
    const line = ps.length === 0 ? `${name} ""` : `${name} ${ps.map(formatPercentile).join(' ')}`;
    state.rewriteLine(name, line, true);
  },
  equals: () => false,
};

const dirDef: SpecialDef = {
  type: 'special',
  name: 'dir',
  flags: PROTECTED_CONFIG | DENY_LOADING_CONFIG,
  init: () => bytePath(process.cwd()),
  set(args, ctx) {
    if (args.length !== 1) throw new ConfigError('wrong number of arguments');
    const target = path.resolve(ctx.current as string, args[0]);
    try {
      if (ctx.cfg.chdir) {
        process.chdir(fsPath(target));
        return bytePath(process.cwd());
      }
      const st = fs.statSync(fsPath(target));
      if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      fs.accessSync(fsPath(target), fs.constants.X_OK);
    } catch (e) {
      throw new ConfigError(strerror(e));
    }
    return target;
  },
  get: (v) => v as string,
  rewrite(state, name, v) {
    state.rewriteLine(name, `${name} ${repr(v as string)}`, true);
  },
  equals: () => false,
};

// ---- the table ----------------------------------------------------------------------

export const CONFIG_DEFS: ConfigDef[] = [
  /* Bool configs */
  bool('rdbchecksum', undefined, I, true),
  bool('daemonize', undefined, I, false),
  bool('io-threads-do-reads', undefined, D | I, false),
  bool('always-show-logo', undefined, I, false),
  bool('protected-mode', undefined, M, true),
  bool('rdbcompression', undefined, M, true),
  bool('rdb-del-sync-files', undefined, M, false),
  bool('activerehashing', undefined, M, true),
  bool('stop-writes-on-bgsave-error', undefined, M, true),
  bool('set-proc-title', undefined, I, true),
  bool('dynamic-hz', undefined, M, true),
  bool('lazyfree-lazy-eviction', undefined, D | M, false),
  bool('lazyfree-lazy-expire', undefined, D | M, false),
  bool('lazyfree-lazy-server-del', undefined, D | M, false),
  bool('lazyfree-lazy-user-del', undefined, D | M, false),
  bool('lazyfree-lazy-user-flush', undefined, D | M, false),
  bool('repl-disable-tcp-nodelay', undefined, M, false),
  bool('repl-diskless-sync', undefined, D | M, true),
  bool('aof-rewrite-incremental-fsync', undefined, M, true),
  bool('no-appendfsync-on-rewrite', undefined, M, false),
  bool('cluster-require-full-coverage', undefined, M, true),
  bool('rdb-save-incremental-fsync', undefined, M, true),
  bool('aof-load-truncated', undefined, M, true),
  bool('aof-use-rdb-preamble', undefined, M, true),
  bool('aof-timestamp-enabled', undefined, M, false),
  bool('cluster-replica-no-failover', 'cluster-slave-no-failover', M, false),
  bool('replica-lazy-flush', 'slave-lazy-flush', M, false),
  bool('replica-serve-stale-data', 'slave-serve-stale-data', M, true),
  bool('replica-read-only', 'slave-read-only', D | M, true),
  bool('replica-ignore-maxmemory', 'slave-ignore-maxmemory', M, true),
  bool('jemalloc-bg-thread', undefined, M, true),
  bool('activedefrag', undefined, D | M, false, isValidActiveDefrag),
  bool('syslog-enabled', undefined, I, false),
  bool('cluster-enabled', undefined, I, false),
  bool('appendonly', undefined, M | DENY_LOADING_CONFIG, false),
  bool('cluster-allow-reads-when-down', undefined, M, false),
  bool('cluster-allow-pubsubshard-when-down', undefined, M, true),
  bool('crash-log-enabled', undefined, M, true),
  bool('crash-memcheck-enabled', undefined, M, true),
  bool('use-exit-on-panic', undefined, M | H, false),
  bool('disable-thp', undefined, I, true),
  bool('cluster-allow-replica-migration', undefined, M, true),
  bool('replica-announced', undefined, M, true),
  bool('latency-tracking', undefined, M, true),
  bool('aof-disable-auto-gc', undefined, M, false),
  bool('replica-ignore-disk-write-errors', undefined, M, false),

  /* String configs */
  str('aclfile', undefined, I, ALLOW_EMPTY_STRING, ''),
  str('unixsocket', undefined, I, EMPTY_STRING_IS_NULL, null),
  str('pidfile', undefined, I, EMPTY_STRING_IS_NULL, null),
  str('replica-announce-ip', 'slave-announce-ip', M, EMPTY_STRING_IS_NULL, null),
  str('masteruser', undefined, M | S, EMPTY_STRING_IS_NULL, null),
  str('cluster-announce-ip', undefined, M, EMPTY_STRING_IS_NULL, null),
  str('cluster-config-file', undefined, I, ALLOW_EMPTY_STRING, 'nodes.conf'),
  str('cluster-announce-hostname', undefined, M, EMPTY_STRING_IS_NULL, null, isValidAnnouncedHostname),
  str('syslog-ident', undefined, I, ALLOW_EMPTY_STRING, 'redis'),
  str('dbfilename', undefined, M | PROTECTED_CONFIG, ALLOW_EMPTY_STRING, 'dump.rdb', isValidDBfilename),
  str('appendfilename', undefined, I, ALLOW_EMPTY_STRING, 'appendonly.aof', isValidAOFfilename),
  str('appenddirname', undefined, I, ALLOW_EMPTY_STRING, 'appendonlydir', isValidAOFdirname),
  str('server_cpulist', undefined, I, EMPTY_STRING_IS_NULL, null),
  str('bio_cpulist', undefined, I, EMPTY_STRING_IS_NULL, null),
  str('aof_rewrite_cpulist', undefined, I, EMPTY_STRING_IS_NULL, null),
  str('bgsave_cpulist', undefined, I, EMPTY_STRING_IS_NULL, null),
  str('ignore-warnings', undefined, M, ALLOW_EMPTY_STRING, ''),
  str('proc-title-template', undefined, M, ALLOW_EMPTY_STRING, '{title} {listen-addr} {server-mode}', isValidProcTitleTemplate),
  str('bind-source-addr', undefined, M, EMPTY_STRING_IS_NULL, null),
  str('logfile', undefined, I, ALLOW_EMPTY_STRING, ''),

  /* SDS configs */
  sds('masterauth', undefined, M | S, EMPTY_STRING_IS_NULL, null),
  sds('requirepass', undefined, M | S, EMPTY_STRING_IS_NULL, null),

  /* Enum configs */
  enumc('supervised', undefined, I, supervisedEnum, 0),
  enumc('syslog-facility', undefined, I, syslogFacilityEnum, 128),
  enumc('repl-diskless-load', undefined, D | M | DENY_LOADING_CONFIG, replDisklessLoadEnum, 0),
  enumc('loglevel', undefined, M, loglevelEnum, 2),
  enumc('maxmemory-policy', undefined, M, maxmemoryPolicyEnum, 8),
  enumc('appendfsync', undefined, M, aofFsyncEnum, 2),
  enumc('oom-score-adj', undefined, M, oomScoreAdjEnum, 0),
  enumc('acl-pubsub-default', undefined, M, aclPubsubDefaultEnum, 0),
  enumc('sanitize-dump-payload', undefined, D | M, sanitizeDumpPayloadEnum, 0),
  enumc('enable-protected-configs', undefined, I, protectedActionEnum, 0),
  enumc('enable-debug-command', undefined, I, protectedActionEnum, 0),
  enumc('enable-module-command', undefined, I, protectedActionEnum, 0),
  enumc('cluster-preferred-endpoint-type', undefined, M, clusterPreferredEndpointTypeEnum, 0),
  enumc('propagation-error-behavior', undefined, M, propagationErrorBehaviorEnum, 0),
  enumc('shutdown-on-sigint', undefined, M | MULTI_ARG_CONFIG, shutdownOnSigEnum, 0, isValidShutdownOnSigFlags),
  enumc('shutdown-on-sigterm', undefined, M | MULTI_ARG_CONFIG, shutdownOnSigEnum, 0, isValidShutdownOnSigFlags),

  /* Integer configs */
  num('int', 'databases', undefined, I, 1n, INT_MAX, 16n, INTEGER_CONFIG),
  num('int', 'port', undefined, M, 0n, 65535n, 6379n, INTEGER_CONFIG),
  num('int', 'io-threads', undefined, D | I, 1n, 128n, 1n, INTEGER_CONFIG),
  num('int', 'auto-aof-rewrite-percentage', undefined, M, 0n, INT_MAX, 100n, INTEGER_CONFIG),
  num('int', 'cluster-replica-validity-factor', 'cluster-slave-validity-factor', M, 0n, INT_MAX, 10n, INTEGER_CONFIG),
  num('int', 'list-max-listpack-size', 'list-max-ziplist-size', M, INT_MIN, INT_MAX, -2n, INTEGER_CONFIG),
  num('int', 'tcp-keepalive', undefined, M, 0n, INT_MAX, 300n, INTEGER_CONFIG),
  num('int', 'cluster-migration-barrier', undefined, M, 0n, INT_MAX, 1n, INTEGER_CONFIG),
  num('int', 'active-defrag-cycle-min', undefined, M, 1n, 99n, 1n, INTEGER_CONFIG),
  num('int', 'active-defrag-cycle-max', undefined, M, 1n, 99n, 25n, INTEGER_CONFIG),
  num('int', 'active-defrag-threshold-lower', undefined, M, 0n, 1000n, 10n, INTEGER_CONFIG),
  num('int', 'active-defrag-threshold-upper', undefined, M, 0n, 1000n, 100n, INTEGER_CONFIG),
  num('int', 'lfu-log-factor', undefined, M, 0n, INT_MAX, 10n, INTEGER_CONFIG),
  num('int', 'lfu-decay-time', undefined, M, 0n, INT_MAX, 1n, INTEGER_CONFIG),
  num('int', 'replica-priority', 'slave-priority', M, 0n, INT_MAX, 100n, INTEGER_CONFIG),
  num('int', 'repl-diskless-sync-delay', undefined, M, 0n, INT_MAX, 5n, INTEGER_CONFIG),
  num('int', 'maxmemory-samples', undefined, M, 1n, INT_MAX, 5n, INTEGER_CONFIG),
  num('int', 'maxmemory-eviction-tenacity', undefined, M, 0n, 100n, 10n, INTEGER_CONFIG),
  num('int', 'timeout', undefined, M, 0n, INT_MAX, 0n, INTEGER_CONFIG),
  num('int', 'replica-announce-port', 'slave-announce-port', M, 0n, 65535n, 0n, INTEGER_CONFIG),
  num('int', 'tcp-backlog', undefined, I, 0n, INT_MAX, 511n, INTEGER_CONFIG),
  num('int', 'cluster-port', undefined, I, 0n, 65535n, 0n, INTEGER_CONFIG),
  num('int', 'cluster-announce-bus-port', undefined, M, 0n, 65535n, 0n, INTEGER_CONFIG),
  num('int', 'cluster-announce-port', undefined, M, 0n, 65535n, 0n, INTEGER_CONFIG),
  num('int', 'cluster-announce-tls-port', undefined, M, 0n, 65535n, 0n, INTEGER_CONFIG),
  num('int', 'repl-timeout', undefined, M, 1n, INT_MAX, 60n, INTEGER_CONFIG),
  num('int', 'repl-ping-replica-period', 'repl-ping-slave-period', M, 1n, INT_MAX, 10n, INTEGER_CONFIG),
  num('int', 'list-compress-depth', undefined, D | M, 0n, INT_MAX, 0n, INTEGER_CONFIG),
  num('int', 'rdb-key-save-delay', undefined, M | H, INT_MIN, INT_MAX, 0n, INTEGER_CONFIG),
  num('int', 'key-load-delay', undefined, M | H, INT_MIN, INT_MAX, 0n, INTEGER_CONFIG),
  num('int', 'active-expire-effort', undefined, M, 1n, 10n, 1n, INTEGER_CONFIG),
  num('int', 'hz', undefined, M, 0n, INT_MAX, 10n, INTEGER_CONFIG),
  num('int', 'min-replicas-to-write', 'min-slaves-to-write', M, 0n, INT_MAX, 0n, INTEGER_CONFIG),
  num('int', 'min-replicas-max-lag', 'min-slaves-max-lag', M, 0n, INT_MAX, 10n, INTEGER_CONFIG),
  num('int', 'watchdog-period', undefined, M | H, 0n, INT_MAX, 0n, INTEGER_CONFIG),
  num('int', 'shutdown-timeout', undefined, M, 0n, INT_MAX, 10n, INTEGER_CONFIG),
  num('int', 'repl-diskless-sync-max-replicas', undefined, M, 0n, INT_MAX, 0n, INTEGER_CONFIG),

  /* Unsigned int configs */
  num('uint', 'maxclients', undefined, M, 1n, UINT_MAX, 10000n, INTEGER_CONFIG),
  num('uint', 'unixsocketperm', undefined, I, 0n, 0o777n, 0n, OCTAL_CONFIG),
  num('uint', 'socket-mark-id', undefined, I, 0n, UINT_MAX, 0n, INTEGER_CONFIG),

  /* Unsigned long configs */
  num('ulong', 'active-defrag-max-scan-fields', undefined, M, 1n, LONG_MAX, 1000n, INTEGER_CONFIG),
  num('ulong', 'slowlog-max-len', undefined, M, 0n, LONG_MAX, 128n, INTEGER_CONFIG),
  num('ulong', 'acllog-max-len', undefined, M, 0n, LONG_MAX, 128n, INTEGER_CONFIG),

  /* Long long configs */
  num('llong', 'busy-reply-threshold', 'lua-time-limit', M, 0n, LONG_MAX, 5000n, INTEGER_CONFIG),
  num('llong', 'cluster-node-timeout', undefined, M, 0n, LLONG_MAX, 15000n, INTEGER_CONFIG),
  num('llong', 'slowlog-log-slower-than', undefined, M, -1n, LLONG_MAX, 10000n, INTEGER_CONFIG),
  num('llong', 'latency-monitor-threshold', undefined, M, 0n, LLONG_MAX, 0n, INTEGER_CONFIG),
  num('llong', 'proto-max-bulk-len', undefined, D | M, 1024n * 1024n, LONG_MAX, 512n * 1024n * 1024n, MEMORY_CONFIG),
  num('llong', 'stream-node-max-entries', undefined, M, 0n, LLONG_MAX, 100n, INTEGER_CONFIG),
  num('llong', 'repl-backlog-size', undefined, M, 1n, LLONG_MAX, 1024n * 1024n, MEMORY_CONFIG),

  /* Unsigned long long configs */
  num('ullong', 'maxmemory', undefined, M, 0n, ULLONG_MAX, 0n, MEMORY_CONFIG),
  num('ullong', 'cluster-link-sendbuf-limit', undefined, M, 0n, ULLONG_MAX, 0n, MEMORY_CONFIG),

  /* Size_t configs */
  num('size_t', 'hash-max-listpack-entries', 'hash-max-ziplist-entries', M, 0n, LONG_MAX, 512n, INTEGER_CONFIG),
  num('size_t', 'set-max-intset-entries', undefined, M, 0n, LONG_MAX, 512n, INTEGER_CONFIG),
  num('size_t', 'zset-max-listpack-entries', 'zset-max-ziplist-entries', M, 0n, LONG_MAX, 128n, INTEGER_CONFIG),
  num('size_t', 'active-defrag-ignore-bytes', undefined, M, 1n, LLONG_MAX, 100n << 20n, MEMORY_CONFIG),
  num('size_t', 'hash-max-listpack-value', 'hash-max-ziplist-value', M, 0n, LONG_MAX, 64n, MEMORY_CONFIG),
  num('size_t', 'stream-node-max-bytes', undefined, M, 0n, LONG_MAX, 4096n, MEMORY_CONFIG),
  num('size_t', 'zset-max-listpack-value', 'zset-max-ziplist-value', M, 0n, LONG_MAX, 64n, MEMORY_CONFIG),
  num('size_t', 'hll-sparse-max-bytes', undefined, M, 0n, LONG_MAX, 3000n, MEMORY_CONFIG),
  num('size_t', 'tracking-table-max-keys', undefined, M, 0n, LONG_MAX, 1000000n, INTEGER_CONFIG),
  num('size_t', 'client-query-buffer-limit', undefined, D | M, 1024n * 1024n, LONG_MAX, 1024n * 1024n * 1024n, MEMORY_CONFIG),
  num('ssize_t', 'maxmemory-clients', undefined, M, -100n, SSIZE_MAX, 0n, MEMORY_CONFIG | PERCENT_CONFIG),

  /* Other configs */
  num('time_t', 'repl-backlog-ttl', undefined, M, 0n, LONG_MAX, 3600n, INTEGER_CONFIG),
  num('off_t', 'auto-aof-rewrite-min-size', undefined, M, 0n, LLONG_MAX, 64n * 1024n * 1024n, MEMORY_CONFIG),
  num('off_t', 'loading-process-events-interval-bytes', undefined, M | H, 1024n, INT_MAX, 2n * 1024n * 1024n, INTEGER_CONFIG),

  /* TLS configs (the reference redis-server is built with TLS) */
  num('int', 'tls-port', undefined, M, 0n, 65535n, 0n, INTEGER_CONFIG),
  num('int', 'tls-session-cache-size', undefined, M, 0n, INT_MAX, 20n * 1024n, INTEGER_CONFIG),
  num('int', 'tls-session-cache-timeout', undefined, M, 0n, INT_MAX, 300n, INTEGER_CONFIG),
  bool('tls-cluster', undefined, M, false),
  bool('tls-replication', undefined, M, false),
  enumc('tls-auth-clients', undefined, M, tlsAuthClientsEnum, 1),
  bool('tls-prefer-server-ciphers', undefined, M, false),
  bool('tls-session-caching', undefined, M, true),
  str('tls-cert-file', undefined, V | M, EMPTY_STRING_IS_NULL, null),
  str('tls-key-file', undefined, V | M, EMPTY_STRING_IS_NULL, null),
  str('tls-key-file-pass', undefined, M, EMPTY_STRING_IS_NULL, null),
  str('tls-client-cert-file', undefined, V | M, EMPTY_STRING_IS_NULL, null),
  str('tls-client-key-file', undefined, V | M, EMPTY_STRING_IS_NULL, null),
  str('tls-client-key-file-pass', undefined, M, EMPTY_STRING_IS_NULL, null),
  str('tls-dh-params-file', undefined, V | M, EMPTY_STRING_IS_NULL, null),
  str('tls-ca-cert-file', undefined, V | M, EMPTY_STRING_IS_NULL, null),
  str('tls-ca-cert-dir', undefined, V | M, EMPTY_STRING_IS_NULL, null),
  str('tls-protocols', undefined, M, EMPTY_STRING_IS_NULL, null),
  str('tls-ciphers', undefined, M, EMPTY_STRING_IS_NULL, null),
  str('tls-ciphersuites', undefined, M, EMPTY_STRING_IS_NULL, null),

  /* Special configs */
  dirDef,
  saveDef,
  clientOutputBufferLimitDef,
  oomScoreAdjValuesDef,
  notifyKeyspaceEventsDef,
  bindDef,
  replicaofDef,
  latencyTrackingPercentilesDef,
];

/** Directives only valid in a config file (not CONFIG GET/SET). */
export const FILE_ONLY_DIRECTIVES = ['include', 'rename-command', 'user', 'loadmodule', 'sentinel'] as const;

/** Old directives Redis 7.0 still accepts and ignores: name -> [argc min, argc max]. */
export const DEPRECATED_DIRECTIVES: Record<string, [number, number]> = {
  'list-max-ziplist-entries': [2, 2],
  'list-max-ziplist-value': [2, 2],
  'lua-replicate-commands': [2, 2],
};
