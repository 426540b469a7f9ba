/**
 * Configuration registry: every directive Redis 7.0 knows (config-defs.ts),
 * parsed and validated with Redis's rules and error texts (config.c), shared
 * by the config file loader, command-line flags, CONFIG GET and CONFIG SET.
 * Directives Nodis does not act on are still accepted and listed, so tools
 * that set them keep working.
 */
import {
  CONFIG_DEFS,
  ConfigError,
  DENY_LOADING_CONFIG,
  IMMUTABLE_CONFIG,
  MEMORY_CONFIG,
  MULTI_ARG_CONFIG,
  OCTAL_CONFIG,
  PERCENT_CONFIG,
  PROTECTED_CONFIG,
  VOLATILE_CONFIG,
  cStrtoll,
  enumName,
  fsPath,
  enumValue,
  memtoullBig,
  type ConfigDef,
  type NumericDef,
} from './config-defs.js';
import { string2llBig } from '../util/numbers.js';

export { ConfigError, memtoull, memtoullBig } from './config-defs.js';
export type { ConfigDef } from './config-defs.js';

export type ConfigValue = string | number | boolean;

export type ConfigListener = (name: string, value: ConfigValue) => void;

/** An apply function (config.c's apply_fn): returns an error text, or null on success. */
export type ApplyFn = () => string | null;

/** A name under which a config is registered: its own name or its alias. */
export interface ConfigEntry {
  name: string;
  def: ConfigDef;
  alias: boolean;
}

export interface SetManyOptions {
  /** The server is loading a dataset (DENY_LOADING_CONFIG). */
  loading?: boolean;
  /** The client may change PROTECTED_CONFIG directives (enable-protected-configs). */
  allowProtected?: boolean;
  /** Log a warning (failed restores). */
  warn?: (msg: string) => void;
}

const CONFIG_MIN_HZ = 1n;
const CONFIG_MAX_HZ = 500n;

export class Config {
  private readonly entries = new Map<string, ConfigEntry>();
  private readonly values = new Map<ConfigDef, unknown>();
  private readonly listeners: ConfigListener[] = [];
  private readonly applyFns = new Map<ConfigDef, ApplyFn>();
  /** Path of the config file the server was started with, if any (absolute). */
  configFile: string | null = null;
  /** `dir` really changes the process working directory (standalone server). */
  chdir = false;
  /** A `save` line was read from a config file (later lines add save points). */
  saveLoaded = false;
  /** rename-command directives of the config file, applied to the command table at start. */
  renameCommands: [from: string, to: string][] = [];
  /** `user` directives of the config file (for the ACL module). */
  userDirectives: string[][] = [];
  /** `loadmodule` directives. */
  loadModules: { path: string; args: string[] }[] = [];
  /** Module configs ("module.name value") waiting for their module. */
  moduleConfigs = new Map<string, string>();
  /**
   * Set by the ACL module: the `user ...` lines describing every user, for
   * CONFIG REWRITE. While null, `user` lines of the file are left untouched.
   */
  describeUsers: (() => string[]) | null = null;

  constructor(overrides: Record<string, string | string[]> = {}) {
    for (const def of CONFIG_DEFS) {
      this.entries.set(def.name, { name: def.name, def, alias: false });
      if (def.alias) this.entries.set(def.alias, { name: def.alias, def, alias: true });
      this.values.set(def, this.initialValue(def));
    }
    for (const [k, v] of Object.entries(overrides)) this.set(k, v, true);
  }

  private initialValue(def: ConfigDef): unknown {
    switch (def.type) {
      case 'special':
        return def.init(this);
      default:
        return def.default;
    }
  }

  onChange(fn: ConfigListener): void {
    this.listeners.push(fn);
  }

  /**
   * Register the apply function of a directive, run after CONFIG SET changed
   * it (updatePort, applyBind...). Replaces any previous one.
   */
  registerApply(name: string, fn: ApplyFn): void {
    const e = this.lookup(name);
    if (!e) throw new Error(`unknown config ${name}`);
    this.applyFns.set(e.def, fn);
  }

  /** The entry registered under `name` (any case), alias entries included. */
  lookup(name: string): ConfigEntry | undefined {
    return this.entries.get(name) ?? this.entries.get(name.toLowerCase());
  }

  def(name: string): ConfigDef | undefined {
    return this.lookup(name)?.def;
  }

  /** All canonical definitions (aliases excluded). */
  allDefs(): ConfigDef[] {
    return CONFIG_DEFS;
  }

  /** Every registered name (canonical and alias), in table order. */
  allEntries(): IterableIterator<ConfigEntry> {
    return this.entries.values();
  }

  private mustDef(name: string): ConfigDef {
    const e = this.lookup(name);
    if (!e) throw new Error(`unknown config ${name}`);
    return e.def;
  }

  /** The internal value (bigint for numbers, arrays/objects for special configs). */
  raw(name: string): unknown {
    return this.values.get(this.mustDef(name));
  }

  /** Typed view: booleans, numbers, enum names, strings ('' when unset), special configs as CONFIG GET prints them. */
  get(name: string): ConfigValue {
    const def = this.mustDef(name);
    const v = this.values.get(def);
    switch (def.type) {
      case 'bool':
        return v as boolean;
      case 'string':
      case 'sds':
        return (v as string | null) ?? '';
      case 'enum':
        return enumName(def.values, v as number, (def.flags & MULTI_ARG_CONFIG) !== 0);
      case 'numeric':
        return Number(v as bigint);
      case 'special':
        return def.get(v);
    }
  }

  num(name: string): number {
    const hit = this.numCache.get(name);
    if (hit !== undefined) return hit;
    const v = this.get(name);
    const n = typeof v === 'number' ? v : Number(v);
    if (this.mustDef(name).type === 'numeric') this.numCache.set(name, n);
    return n;
  }

  /** A numeric config exactly (C integer semantics). */
  big(name: string): bigint {
    return this.raw(name) as bigint;
  }

  bool(name: string): boolean {
    const hit = this.boolCache.get(name);
    if (hit !== undefined) return hit;
    const b = this.get(name) as boolean;
    if (this.mustDef(name).type === 'bool') this.boolCache.set(name, b);
    return b;
  }

  /**
   * num() and bool() of numeric and boolean directives, by the name asked
   * (commands read limits such as hash-max-listpack-entries on every call);
   * emptied whenever a value is stored.
   */
  private readonly numCache = new Map<string, number>();
  private readonly boolCache = new Map<string, boolean>();

  /** Bumped whenever a value is stored (EncodingConfig.generation). */
  generation = 0;

  private changed(): void {
    this.generation++;
    this.numCache.clear();
    this.boolCache.clear();
  }

  str(name: string): string {
    return String(this.get(name));
  }

  /** The enum value (bit flags for multi-value enums). */
  enumValue(name: string): number {
    return this.raw(name) as number;
  }

  /** The value as CONFIG GET prints it. */
  format(name: string): string {
    const def = this.mustDef(name);
    return formatValue(def, this.values.get(def));
  }

  /**
   * Startup/config-file semantics for one directive: `value` as the
   * arguments of a config line. Immutable directives are allowed. Throws
   * ConfigError with Redis's reason ("argument must be 'yes' or 'no'"...).
   * Without `startup`, acts as a single-pair CONFIG SET.
   */
  set(name: string, value: string | string[], startup = false): void {
    if (!startup) {
      const err = this.setMany([[name, Array.isArray(value) ? value.join(' ') : value]], { allowProtected: true });
      if (err !== null) throw new ConfigError(err.startsWith('-') ? err.slice(1) : err);
      return;
    }
    const e = this.lookup(name);
    if (!e) throw new ConfigError(`Bad directive or wrong number of arguments: '${name}'`);
    this.setFromFile(e, Array.isArray(value) ? value : [value], splitArgsSimple);
  }

  /**
   * One config-file line "name args..." for a known directive: the argument
   * count checks and multi-argument splitting of loadServerConfigFromString().
   */
  setFromFile(
    e: ConfigEntry,
    args: string[],
    splitargs: (s: string) => string[] | null,
    readingFile = true,
  ): void {
    const def = e.def;
    const multi = (def.flags & MULTI_ARG_CONFIG) !== 0;
    if (!multi && args.length !== 1) throw new ConfigError('wrong number of arguments');
    let argv = args;
    if (multi && args.length === 1 && args[0] !== '') argv = splitargs(args[0]) ?? [];
    const v = this.parse(def, argv, readingFile);
    this.values.set(def, v);
    this.changed();
    this.fire(def);
  }

  private fire(def: ConfigDef): void {
    if (this.listeners.length === 0) return;
    const v = this.get(def.name);
    for (const fn of this.listeners) fn(def.name, v);
  }

  /**
   * CONFIG SET of several pairs, atomically (configSetCommand()): every name
   * is checked first, then all values are set, then the apply functions run;
   * any failure restores the previous values. Returns null on success or the
   * error reply text (without the "-ERR " prefix unless it has its own code).
   */
  setMany(pairs: [string, string][], opts: SetManyOptions = {}): string | null {
    const n = pairs.length;
    const entries: (ConfigEntry | undefined)[] = new Array(n);
    let invalidArgName: string | null = null;
    let invalid = false;
    let denyLoading = false;
    let errstr: string | null = null;
    let errArgName = '';

    for (let i = 0; i < n; i++) {
      const [name] = pairs[i];
      const e = this.lookup(name);
      if (!e) {
        if (!invalid) {
          invalidArgName = name;
          invalid = true;
        }
        continue;
      }
      if (invalid) continue;
      const f = e.def.flags;
      if (f & IMMUTABLE_CONFIG || (f & PROTECTED_CONFIG && !opts.allowProtected)) {
        errstr = f & IMMUTABLE_CONFIG ? "can't set immutable config" : "can't set protected config";
        errArgName = name;
        invalid = true;
        continue;
      }
      if (opts.loading && f & DENY_LOADING_CONFIG) {
        denyLoading = true;
        invalid = true;
        continue;
      }
      for (let j = 0; j < i; j++) {
        if (entries[j] === e) {
          errstr = 'duplicate parameter';
          errArgName = name;
          invalid = true;
          break;
        }
      }
      entries[i] = e;
    }

    const fail = (): string => {
      if (denyLoading) return '-LOADING Redis is loading the dataset in memory';
      if (invalidArgName !== null) return `Unknown option or number of arguments for CONFIG SET - '${invalidArgName}'`;
      if (errstr !== null) return `CONFIG SET failed (possibly related to argument '${errArgName}') - ${errstr}`;
      return `CONFIG SET failed (possibly related to argument '${errArgName}')`;
    };
    if (invalid) return fail();

    const list = entries as ConfigEntry[];
    const old = list.map((e) => this.values.get(e.def));
    const applies: { fn: ApplyFn; index: number }[] = [];
    const changed: ConfigDef[] = [];

    const restore = (count: number): void => {
      for (let i = 0; i < count; i++) this.restoreValue(list[i].def, old[i], opts.warn);
    };

    for (let i = 0; i < n; i++) {
      const def = list[i].def;
      const value = pairs[i][1];
      const args = def.flags & MULTI_ARG_CONFIG ? sdssplitlen(value, ' ') : [value];
      let v: unknown;
      try {
        v = this.parse(def, args, false);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        restore(i + 1);
        errstr = err.message;
        errArgName = list[i].name;
        return fail();
      }
      const prev = this.values.get(def);
      this.values.set(def, v);
      this.changed();
      if (!sameValue(def, prev, v) || def.flags & VOLATILE_CONFIG) {
        changed.push(def);
        const fn = this.applyFns.get(def);
        if (fn && !applies.some((a) => a.fn === fn)) applies.push({ fn, index: i });
      }
    }

    for (const { fn, index } of applies) {
      const err = fn();
      if (err !== null) {
        opts.warn?.(
          `Failed applying new configuration. Possibly related to new ${list[index].name} setting. Restoring previous settings.`,
        );
        restore(n);
        for (const a of applies) {
          const e2 = a.fn();
          if (e2 !== null) opts.warn?.(`Failed applying restored failed CONFIG SET command: ${e2}`);
        }
        errstr = err;
        errArgName = list[index].name;
        return fail();
      }
    }
    for (const def of new Set(changed)) this.fire(def);
    return null;
  }

  private restoreValue(def: ConfigDef, v: unknown, warn?: (m: string) => void): void {
    if (def.name === 'dir' && this.chdir) {
      try {
        process.chdir(fsPath(v as string));
      } catch (e) {
        warn?.(`Failed restoring failed CONFIG SET command. Error setting dir to '${v}': ${(e as Error).message}`);
      }
    }
    this.values.set(def, v);
    this.changed();
  }

  /** Parse + validate arguments into the internal value; throws ConfigError. */
  private parse(def: ConfigDef, args: string[], readingFile: boolean): unknown {
    switch (def.type) {
      case 'bool': {
        const l = args[0].toLowerCase();
        const v = l === 'yes' ? true : l === 'no' ? false : null;
        if (v === null) throw new ConfigError("argument must be 'yes' or 'no'");
        const err = def.validate?.(v);
        if (err) throw new ConfigError(err);
        return v;
      }
      case 'string':
      case 'sds': {
        // A char* config ends at a NUL byte; an sds one (requirepass) is binary.
        const s = def.type === 'sds' ? args[0] : cString(args[0]);
        const err = def.validate?.(s, this);
        if (err) throw new ConfigError(err);
        return def.emptyToNull && s === '' ? null : s;
      }
      case 'enum': {
        const v = enumValue(def.values, args, (def.flags & MULTI_ARG_CONFIG) !== 0);
        if (v === null) {
          const msg = 'argument(s) must be one of the following: ' + def.values.map(([nm]) => nm).join(', ');
          throw new ConfigError(msg.slice(0, 255));
        }
        const err = def.validate?.(v);
        if (err) throw new ConfigError(err);
        return v;
      }
      case 'numeric': {
        const v = parseNumeric(def, cString(args[0]));
        // hz is a hint: out-of-range values are capped (updateHZ()).
        if (def.name === 'hz') return v < CONFIG_MIN_HZ ? CONFIG_MIN_HZ : v > CONFIG_MAX_HZ ? CONFIG_MAX_HZ : v;
        return v;
      }
      case 'special':
        return def.set(args, { cfg: this, readingFile, current: this.values.get(def) });
    }
  }
}

/** A C string stops at the first NUL byte. */
function cString(s: string): string {
  const i = s.indexOf('\0');
  return i === -1 ? s : s.slice(0, i);
}

function sameValue(def: ConfigDef, a: unknown, b: unknown): boolean {
  if (def.type === 'special') return def.equals ? def.equals(a, b) : false;
  return a === b;
}

/** sdssplitlen(s, " "): empty string -> no elements; empty fields kept. */
export function sdssplitlen(s: string, sep: string): string[] {
  if (s.length === 0) return [];
  return s.split(sep);
}

/** Whitespace splitting for embedder-supplied values (no quoting). */
function splitArgsSimple(s: string): string[] {
  return s.split(/[ \t\r\n\v\f]+/).filter((x) => x !== '');
}

const UNSIGNED_TYPES = new Set(['ullong', 'uint', 'size_t']);

/** numericParseString() + numericBoundaryCheck() + the C type's cast. */
export function parseNumeric(def: NumericDef, s: string): bigint {
  const f = def.numFlags;
  let ll: bigint | null = null;
  if (f & MEMORY_CONFIG) {
    const m = memtoullBig(s);
    if (m !== null) ll = BigInt.asIntN(64, m);
  }
  if (ll === null && f & PERCENT_CONFIG && s.length > 1 && s.endsWith('%')) {
    const p = string2llBig(s.slice(0, -1));
    if (p !== null && p >= 0n) ll = -p;
  }
  if (ll === null && f & OCTAL_CONFIG) {
    const r = cStrtoll(s, 8);
    if (!r.overflow && r.end === s.length) ll = r.value;
  }
  if (ll === null && f === 0) ll = string2llBig(s);
  if (ll === null) {
    if (f & MEMORY_CONFIG && f & PERCENT_CONFIG) throw new ConfigError('argument must be a memory or percent value');
    if (f & MEMORY_CONFIG) throw new ConfigError('argument must be a memory value');
    if (f & OCTAL_CONFIG) throw new ConfigError("argument couldn't be parsed as an octal number");
    throw new ConfigError("argument couldn't be parsed into an integer");
  }

  if (UNSIGNED_TYPES.has(def.numType)) {
    const ull = BigInt.asUintN(64, ll);
    const lo = BigInt.asUintN(64, def.min);
    const hi = BigInt.asUintN(64, def.max);
    if (ull > hi || ull < lo) {
      if (f & OCTAL_CONFIG) throw new ConfigError(`argument must be between ${lo.toString(8)} and ${hi.toString(8)} inclusive`);
      throw new ConfigError(`argument must be between ${lo} and ${hi} inclusive`);
    }
  } else if (f & PERCENT_CONFIG && ll < 0n) {
    if (ll < def.min) throw new ConfigError(`percentage argument must be less or equal to ${-def.min}`);
  } else if (ll > def.max || ll < def.min) {
    throw new ConfigError(`argument must be between ${def.min} and ${def.max} inclusive`);
  }
  const err = def.validate?.(ll);
  if (err) throw new ConfigError(err);

  switch (def.numType) {
    case 'int':
      return BigInt.asIntN(32, ll);
    case 'uint':
      return BigInt.asUintN(32, ll);
    case 'ulong':
    case 'ullong':
    case 'size_t':
      return BigInt.asUintN(64, ll);
    default:
      return BigInt.asIntN(64, ll);
  }
}

/** numericConfigGet(). */
export function formatNumeric(def: NumericDef, stored: bigint): string {
  const v = BigInt.asIntN(64, stored);
  if (def.numFlags & PERCENT_CONFIG && v < 0n) return `${-v}%`;
  if (def.numFlags & MEMORY_CONFIG) return BigInt.asUintN(64, v).toString();
  if (def.numFlags & OCTAL_CONFIG) return BigInt.asUintN(64, v).toString(8);
  return v.toString();
}

/** The CONFIG GET text of an internal value. */
export function formatValue(def: ConfigDef, v: unknown): string {
  switch (def.type) {
    case 'bool':
      return v ? 'yes' : 'no';
    case 'string':
    case 'sds':
      return (v as string | null) ?? '';
    case 'enum':
      return enumName(def.values, v as number, (def.flags & MULTI_ARG_CONFIG) !== 0);
    case 'numeric':
      return formatNumeric(def, v as bigint);
    case 'special':
      return def.get(v);
  }
}
