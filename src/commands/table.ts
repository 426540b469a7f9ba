/**
 * The command table: the single source of truth for names, arity, flags,
 * key positions and ACL categories. The dispatcher, COMMAND, MULTI queueing
 * and propagation all read it. Each family module contributes a
 * CommandSpec[]; this file turns them into runtime Command entries.
 */
import type { CommandFlag, CommandSpec, Handler } from './types.js';

export const CMD_WRITE = 1 << 0;
export const CMD_READONLY = 1 << 1;
export const CMD_DENYOOM = 1 << 2;
export const CMD_MODULE = 1 << 3;
export const CMD_ADMIN = 1 << 4;
export const CMD_PUBSUB = 1 << 5;
export const CMD_NOSCRIPT = 1 << 6;
export const CMD_BLOCKING = 1 << 8;
export const CMD_LOADING = 1 << 9;
export const CMD_STALE = 1 << 10;
export const CMD_SKIP_MONITOR = 1 << 11;
export const CMD_SKIP_SLOWLOG = 1 << 12;
export const CMD_ASKING = 1 << 13;
export const CMD_FAST = 1 << 14;
export const CMD_NO_AUTH = 1 << 15;
export const CMD_MAY_REPLICATE = 1 << 16;
export const CMD_SENTINEL = 1 << 17;
export const CMD_ONLY_SENTINEL = 1 << 18;
export const CMD_NO_MANDATORY_KEYS = 1 << 19;
export const CMD_PROTECTED = 1 << 20;
export const CMD_NO_ASYNC_LOADING = 1 << 23;
export const CMD_NO_MULTI = 1 << 24;
export const CMD_MOVABLE_KEYS = 1 << 25;
export const CMD_ALLOW_BUSY = 1 << 26;

const FLAG_BITS: Record<CommandFlag, number> = {
  write: CMD_WRITE,
  readonly: CMD_READONLY,
  denyoom: CMD_DENYOOM,
  module: CMD_MODULE,
  admin: CMD_ADMIN,
  pubsub: CMD_PUBSUB,
  noscript: CMD_NOSCRIPT,
  blocking: CMD_BLOCKING,
  loading: CMD_LOADING,
  stale: CMD_STALE,
  skip_monitor: CMD_SKIP_MONITOR,
  skip_slowlog: CMD_SKIP_SLOWLOG,
  asking: CMD_ASKING,
  fast: CMD_FAST,
  no_auth: CMD_NO_AUTH,
  may_replicate: CMD_MAY_REPLICATE,
  sentinel: CMD_SENTINEL,
  only_sentinel: CMD_ONLY_SENTINEL,
  no_mandatory_keys: CMD_NO_MANDATORY_KEYS,
  protected: CMD_PROTECTED,
  no_async_loading: CMD_NO_ASYNC_LOADING,
  no_multi: CMD_NO_MULTI,
  movablekeys: CMD_MOVABLE_KEYS,
  allow_busy: CMD_ALLOW_BUSY,
};

/** COMMAND INFO prints flags in this order (addCommandFlags()). */
export const FLAG_REPORT_ORDER: [number, string][] = [
  [CMD_WRITE, 'write'],
  [CMD_READONLY, 'readonly'],
  [CMD_DENYOOM, 'denyoom'],
  [CMD_MODULE, 'module'],
  [CMD_ADMIN, 'admin'],
  [CMD_PUBSUB, 'pubsub'],
  [CMD_NOSCRIPT, 'noscript'],
  [CMD_BLOCKING, 'blocking'],
  [CMD_LOADING, 'loading'],
  [CMD_STALE, 'stale'],
  [CMD_SKIP_MONITOR, 'skip_monitor'],
  [CMD_SKIP_SLOWLOG, 'skip_slowlog'],
  [CMD_ASKING, 'asking'],
  [CMD_FAST, 'fast'],
  [CMD_NO_AUTH, 'no_auth'],
  // CMD_MAY_REPLICATE is hidden on purpose, as in Redis 7.0's addCommandFlags().
  [CMD_NO_MANDATORY_KEYS, 'no_mandatory_keys'],
  [CMD_NO_ASYNC_LOADING, 'no_async_loading'],
  [CMD_NO_MULTI, 'no_multi'],
  [CMD_MOVABLE_KEYS, 'movablekeys'],
  [CMD_ALLOW_BUSY, 'allow_busy'],
];

/** ACL categories in Redis's bit order (how COMMAND INFO lists them). */
export const ACL_CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
] as const;

export interface CommandStats {
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
}

export class Command {
  readonly name: string;
  /** "get", or "config|get" for subcommands. */
  readonly fullname: string;
  readonly arity: number;
  readonly flags: number;
  readonly aclCategories: string[];
  readonly handler: Handler | undefined;
  readonly subcommands: Map<string, Command> | null;
  readonly stats: CommandStats = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 };
  /** Set by rename-command; hidden commands are unreachable. */
  hidden = false;
  /**
   * EVAL_RO, EVALSHA_RO, FCALL_RO: read-only commands whose own keys are not
   * tracked (only the read commands a script runs make its keys tracked).
   */
  readonly scriptRo: boolean;
  /** CommandSpec.getFlags: flags decided by the arguments, or undefined. */
  readonly getFlags: CommandSpec['getFlags'];

  constructor(
    readonly spec: CommandSpec,
    readonly parent: Command | null,
  ) {
    this.name = spec.name;
    this.fullname = parent ? `${parent.name}|${spec.name}` : spec.name;
    this.arity = spec.arity;
    let flags = 0;
    for (const f of spec.flags) flags |= FLAG_BITS[f];
    if (spec.getKeys) flags |= CMD_MOVABLE_KEYS;
    this.flags = flags;
    this.aclCategories = implicitCategories(spec.acl ?? [], flags);
    this.handler = spec.handler;
    this.getFlags = spec.getFlags;
    this.scriptRo = parent === null && (spec.name === 'eval_ro' || spec.name === 'evalsha_ro' || spec.name === 'fcall_ro');
    if (spec.subcommands && spec.subcommands.length > 0) {
      this.subcommands = new Map();
      for (const sub of spec.subcommands) this.subcommands.set(sub.name, new Command(sub, this));
    } else {
      this.subcommands = null;
    }
  }

  has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  /** Key argument indexes for argv (getKeysFromCommand()). */
  getKeys(argv: string[]): number[] {
    if (this.spec.getKeys) return this.spec.getKeys(argv);
    const { firstKey, step } = this.spec;
    let { lastKey } = this.spec;
    if (firstKey === 0) return [];
    if (lastKey < 0) lastKey = argv.length + lastKey;
    const out: number[] = [];
    for (let i = firstKey; i <= lastKey && i < argv.length; i += step) out.push(i);
    return out;
  }
}

function implicitCategories(explicit: string[], flags: number): string[] {
  const cats = new Set(explicit);
  if (flags & CMD_WRITE) cats.add('write');
  if (flags & CMD_READONLY && !cats.has('scripting')) cats.add('read');
  if (flags & CMD_ADMIN) {
    cats.add('admin');
    cats.add('dangerous');
  }
  if (flags & CMD_PUBSUB) cats.add('pubsub');
  if (flags & CMD_FAST) cats.add('fast');
  if (flags & CMD_BLOCKING) cats.add('blocking');
  if (!cats.has('fast')) cats.add('slow');
  return ACL_CATEGORIES.filter((c) => cats.has(c));
}

export class CommandTable {
  private readonly byName = new Map<string, Command>();
  /** Commands in registration order (COMMAND, COMMAND LIST). */
  readonly all: Command[] = [];

  constructor(specs: CommandSpec[]) {
    for (const spec of specs) this.register(spec);
  }

  /** The last name lookup() resolved and its command (names repeat from one request to the next). */
  private lastName = '';
  private lastBase: Command | undefined = undefined;

  register(spec: CommandSpec): Command {
    this.lastName = '';
    this.lastBase = undefined;
    const cmd = new Command(spec, null);
    if (this.byName.has(spec.name)) throw new Error(`duplicate command ${spec.name}`);
    this.byName.set(spec.name, cmd);
    this.byName.set(spec.name.toUpperCase(), cmd);
    this.all.push(cmd);
    return cmd;
  }

  /** lookupCommandBySds(): a top-level command by name, any case. */
  get(name: string): Command | undefined {
    const c = this.byName.get(name) ?? this.byName.get(name.toLowerCase());
    return c === undefined || c.hidden ? undefined : c;
  }

  /**
   * lookupCommand(): resolves subcommands. With only the container name,
   * returns the container (whose arity then fails).
   */
  lookup(argv: string[]): Command | undefined {
    const name = argv[0];
    let base: Command | undefined;
    if (name === this.lastName) {
      base = this.lastBase;
    } else {
      base = this.get(name);
      this.lastName = name;
      this.lastBase = base;
    }
    if (base === undefined || base.subcommands === null || argv.length === 1) return base;
    return base.subcommands.get(argv[1].toLowerCase());
  }

  /** True if `name` is a command with subcommands. */
  isContainer(name: string): boolean {
    const c = this.get(name);
    return c !== undefined && c.subcommands !== null;
  }

  /** Rename (or hide, with an empty new name) a command: rename-command. */
  rename(from: string, to: string): boolean {
    const c = this.get(from);
    if (c === undefined) return false;
    this.lastName = '';
    this.lastBase = undefined;
    this.byName.delete(c.name);
    this.byName.delete(c.name.toUpperCase());
    if (to !== '') {
      this.byName.set(to.toLowerCase(), c);
      this.byName.set(to.toUpperCase(), c);
    } else {
      c.hidden = true;
    }
    return true;
  }

  /** Every command and subcommand, depth first. */
  *walk(): IterableIterator<Command> {
    for (const c of this.all) {
      if (c.hidden) continue;
      yield c;
      if (c.subcommands) for (const s of c.subcommands.values()) yield s;
    }
  }
}

/** Small helper to keep family tables terse. */
export function cmd(
  name: string,
  arity: number,
  flags: CommandFlag[],
  keys: [number, number, number],
  meta: Omit<CommandSpec, 'name' | 'arity' | 'flags' | 'firstKey' | 'lastKey' | 'step'>,
): CommandSpec {
  return { name, arity, flags, firstKey: keys[0], lastKey: keys[1], step: keys[2], ...meta };
}
