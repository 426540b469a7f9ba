/**
 * Access control lists (acl.c): users, their selectors (command bitmaps,
 * key and channel patterns), rule parsing and description, the permission
 * checks the dispatcher runs before each command, the ACL log, and loading
 * users from the config file or the ACL file.
 *
 * Commands are addressed by a dense id over the original command table
 * (renames do not change what a rule means). A selector keeps one bit per
 * command id plus a `future` bit, set only by +@all/allcommands, that tells
 * whether its rules are described subtractively ("+@all -x") or additively
 * ("-@all +x").
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Command, CommandTable } from '../commands/table.js';
import { ACL_CATEGORIES, CMD_MODULE, CMD_NO_AUTH } from '../commands/table.js';
import { commandHasKeys, commandKeysWithFlags } from '../commands/command.js';
import { stringMatch } from '../util/glob.js';
import { splitArgs } from './config-file.js';
import { fsPath, strerror } from './config-defs.js';
import { clientInfoString } from '../commands/client.js';
import { CLIENT_CLOSE_AFTER_REPLY, CLIENT_MULTI, CLIENT_PUBSUB, type Client } from './client.js';
import type { NodisServer } from './server.js';
import type { Config } from './config.js';

// ---- flags and codes -----------------------------------------------------------

export const USER_ENABLED = 1 << 0;
export const USER_DISABLED = 1 << 1;
export const USER_NOPASS = 1 << 2;
export const USER_SANITIZE_PAYLOAD = 1 << 3;
export const USER_SANITIZE_PAYLOAD_SKIP = 1 << 4;

/** ACLUserFlags[]: the order ACL LIST / GETUSER print them in. */
const USER_FLAG_NAMES: [number, string][] = [
  [USER_ENABLED, 'on'],
  [USER_DISABLED, 'off'],
  [USER_NOPASS, 'nopass'],
  [USER_SANITIZE_PAYLOAD_SKIP, 'skip-sanitize-payload'],
  [USER_SANITIZE_PAYLOAD, 'sanitize-payload'],
];

const SEL_ROOT = 1 << 0;
const SEL_ALLKEYS = 1 << 1;
const SEL_ALLCOMMANDS = 1 << 2;
const SEL_ALLCHANNELS = 1 << 3;
const SEL_ALL = SEL_ALLKEYS | SEL_ALLCOMMANDS | SEL_ALLCHANNELS;

const PERM_READ = 1;
const PERM_WRITE = 2;
/** The read permission of a key (CMD_KEY_ACCESS), for checks outside the dispatcher. */
export const KEY_PERM_READ = PERM_READ;
const PERM_ALL = PERM_READ | PERM_WRITE;

export const ACL_OK = 0;
export const ACL_DENIED_CMD = 1;
export const ACL_DENIED_KEY = 2;
export const ACL_DENIED_AUTH = 3;
export const ACL_DENIED_CHANNEL = 4;

export const ACL_LOG_CTX_TOPLEVEL = 0;
export const ACL_LOG_CTX_MULTI = 1;
export const ACL_LOG_CTX_LUA = 2;
export const ACL_LOG_CTX_MODULE = 3;

/** The errno values ACLSetUser() reports, as ACLSetUserStringError() words them. */
const enum AclErr {
  OK = 0,
  EINVAL,
  ENOENT,
  EEXIST,
  EISDIR,
  ENODEV,
  EBADMSG,
  EALREADY,
  ECHILD,
}

/** ACLSetUserStringError(). */
export function aclErrorText(e: number): string {
  switch (e) {
    case AclErr.ENOENT:
      return 'Unknown command or category name in ACL';
    case AclErr.EINVAL:
      return 'Syntax error';
    case AclErr.EEXIST:
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case AclErr.EISDIR:
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
    case AclErr.ENODEV:
      return 'The password you are trying to remove from the user does not exist';
    case AclErr.EBADMSG:
      return 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
    case AclErr.EALREADY:
      return 'Duplicate user found. A user can only be defined once in config files';
    case AclErr.ECHILD:
      return 'Allowing first-arg of a subcommand is not supported';
    default:
      return 'Wrong format';
  }
}

// ---- small helpers ----------------------------------------------------------------

/** The string as C sees it: up to the first NUL byte. */
function cstr(s: string): string {
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}

/** strcasecmp(a, lower) == 0 on C strings (ASCII folding only). */
function eqCi(a: string, lower: string): boolean {
  const s = cstr(a);
  if (s.length !== lower.length) return false;
  for (let i = 0; i < s.length; i++) {
    let ch = s.charCodeAt(i);
    if (ch >= 65 && ch <= 90) ch += 32;
    if (ch !== lower.charCodeAt(i)) return false;
  }
  return true;
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** ACLStringHasSpaces(): isspace() or NUL anywhere. */
export function aclHasSpaces(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 32 || (ch >= 9 && ch <= 13) || ch === 0) return true;
  }
  return false;
}

/** ACLHashPassword(): SHA-256 of the bytes, lower-case hex. */
export function hashPassword(pass: string): string {
  return createHash('sha256').update(pass, 'latin1').digest('hex');
}

/** ACLCheckPasswordHash(): 64 chars of [0-9a-f]. */
function validHash(h: string): boolean {
  return /^[0-9a-f]{64}$/.test(h);
}

/** time_independent_strcmp() over two 64-char hex digests. */
function sameHash(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'));
}

/** getRandomHexChars(). */
export function randomHexChars(n: number): string {
  return randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
}

// ---- the command index (server.orig_commands) --------------------------------------

interface CategoryIds {
  /** Commands listed in the category, top-level and subcommands (counting). */
  members: number[];
  /** Bits a +@category sets: members plus the subcommands of member containers. */
  apply: number[];
}

/** Channel positions of the Pub/Sub commands (commands_with_channels in db.c). */
const CH_PATTERN = 1;
const CH_PUBLISH = 2;
const CH_SUBSCRIBE = 4;
const CHANNEL_COMMANDS: Record<string, [flags: number, start: number, count: number]> = {
  subscribe: [CH_SUBSCRIBE, 1, -1],
  ssubscribe: [CH_SUBSCRIBE, 1, -1],
  psubscribe: [CH_PATTERN | CH_SUBSCRIBE, 1, -1],
  publish: [CH_PUBLISH, 1, 1],
  spublish: [CH_PUBLISH, 1, 1],
};

/**
 * The original command table seen by ACL rules: ids, categories, lookups
 * by original name (ACLLookupCommand()).
 */
export class AclCommandIndex {
  /** Commands by id. */
  readonly byId: Command[] = [];
  readonly ids = new Map<Command, number>();
  /** Top-level commands in table order. */
  readonly top: Command[];
  private readonly byName = new Map<string, Command>();
  readonly categories = new Map<string, CategoryIds>();
  /** Words needed for one bit per command. */
  readonly words: number;
  private readonly hasKeys = new Map<Command, boolean>();
  readonly channelSpecs = new Map<Command, [number, number, number]>();

  constructor(table: CommandTable) {
    this.top = table.all.slice();
    for (const c of this.top) {
      this.add(c);
      if (c.subcommands) for (const s of c.subcommands.values()) this.add(s);
      this.byName.set(c.name.toLowerCase(), c);
      const ch = CHANNEL_COMMANDS[c.name];
      if (ch) this.channelSpecs.set(c, ch);
    }
    this.words = Math.max(1, Math.ceil(this.byId.length / 32));
    for (const cat of ACL_CATEGORIES) this.categories.set(cat, { members: [], apply: [] });
    const visit = (c: Command): void => {
      for (const cat of c.aclCategories) {
        const e = this.categories.get(cat);
        if (e === undefined) continue;
        e.members.push(this.ids.get(c)!);
        if ((c.flags & CMD_MODULE) === 0) {
          e.apply.push(this.ids.get(c)!);
          if (c.subcommands) for (const s of c.subcommands.values()) e.apply.push(this.ids.get(s)!);
        }
      }
    };
    for (const c of this.top) {
      visit(c);
      if (c.subcommands) for (const s of c.subcommands.values()) visit(s);
    }
  }

  private add(c: Command): void {
    this.ids.set(c, this.byId.length);
    this.byId.push(c);
  }

  id(c: Command): number {
    return this.ids.get(c) ?? -1;
  }

  /** ACLLookupCommand(): "name" or "container|sub", any case, exact level. */
  lookup(name: string): Command | undefined {
    const s = cstr(name);
    if (s === '') return undefined;
    const parts = s.split('|');
    if (parts.length > 2) return undefined;
    const base = this.byName.get(asciiLower(parts[0]));
    if (parts.length === 1 || base === undefined || base.subcommands === null) {
      return parts.length === 1 ? base : undefined;
    }
    return base.subcommands.get(asciiLower(parts[1]));
  }

  /** doesCommandHaveKeys(). */
  commandHasKeys(c: Command): boolean {
    let v = this.hasKeys.get(c);
    if (v === undefined) {
      v = commandHasKeys(c);
      this.hasKeys.set(c, v);
    }
    return v;
  }
}

// ---- selectors -------------------------------------------------------------------------

interface KeyPattern {
  pattern: string;
  flags: number;
}

/** What a selector or a user needs from its surroundings. */
export interface AclContext {
  index: AclCommandIndex;
  /** SELECTOR_FLAG_ALLCHANNELS when acl-pubsub-default is allchannels, else 0. */
  pubsubDefault(): number;
}

/** Result slot of the last failed check: the argv position of the key/channel. */
let deniedPos = 0;

/** One set of permissions (aclSelector). */
export class Selector {
  flags: number;
  bits: Uint32Array;
  /** The reserved "future commands" bit (+@all / allcommands). */
  future = false;
  /** Allowed first arguments of otherwise denied commands, by command id. */
  firstArgs: Map<number, string[]> | null = null;
  patterns: KeyPattern[] = [];
  channels: string[] = [];

  constructor(
    readonly ctx: AclContext,
    flags: number,
    copyFrom?: Selector,
  ) {
    if (copyFrom !== undefined) {
      this.flags = copyFrom.flags;
      this.bits = copyFrom.bits.slice();
      this.future = copyFrom.future;
      if (copyFrom.firstArgs !== null) {
        this.firstArgs = new Map();
        for (const [k, v] of copyFrom.firstArgs) this.firstArgs.set(k, v.slice());
      }
      this.patterns = copyFrom.patterns.map((p) => ({ pattern: p.pattern, flags: p.flags }));
      this.channels = copyFrom.channels.slice();
    } else {
      this.flags = flags | ctx.pubsubDefault();
      this.bits = new Uint32Array(ctx.index.words);
    }
  }

  clone(): Selector {
    return new Selector(this.ctx, 0, this);
  }

  getBit(id: number): boolean {
    if (id < 0) return false;
    return (this.bits[id >>> 5] & (1 << (id & 31))) !== 0;
  }

  /** ACLSetSelectorCommandBit(). */
  setBit(id: number, value: boolean): void {
    if (id < 0) return;
    if (value) {
      this.bits[id >>> 5] |= 1 << (id & 31);
    } else {
      this.bits[id >>> 5] &= ~(1 << (id & 31));
      this.flags &= ~SEL_ALLCOMMANDS;
    }
  }

  /** ACLChangeSelectorPerm(): a container carries its subcommands along. */
  changePerm(cmd: Command, allow: boolean): void {
    const index = this.ctx.index;
    const id = index.id(cmd);
    this.setBit(id, allow);
    if (this.firstArgs !== null) this.firstArgs.delete(id);
    if (cmd.subcommands) for (const s of cmd.subcommands.values()) this.setBit(index.id(s), allow);
  }

  setAll(value: boolean): void {
    this.bits.fill(value ? 0xffffffff : 0);
    this.future = value;
    if (value) this.flags |= SEL_ALLCOMMANDS;
    else this.flags &= ~SEL_ALLCOMMANDS;
    this.firstArgs = null;
  }

  /** ACLSetSelectorCommandBitsForCategory(); false for an unknown category. */
  setCategory(name: string, value: boolean): boolean {
    const cat = this.ctx.index.categories.get(asciiLower(cstr(name)));
    if (cat === undefined) return false;
    for (const id of cat.apply) {
      this.setBit(id, value);
      if (this.firstArgs !== null) this.firstArgs.delete(id);
    }
    return true;
  }

  private addFirstArg(id: number, sub: string): void {
    if (this.firstArgs === null) this.firstArgs = new Map();
    let l = this.firstArgs.get(id);
    if (l === undefined) {
      l = [];
      this.firstArgs.set(id, l);
    }
    const lower = asciiLower(cstr(sub));
    for (const x of l) if (asciiLower(x) === lower) return;
    l.push(cstr(sub));
  }

  /** ACLSetSelector(): one rule; returns 0 or an AclErr. */
  apply(op: string): number {
    if (eqCi(op, 'allkeys') || eqCi(op, '~*')) {
      this.flags |= SEL_ALLKEYS;
      this.patterns = [];
    } else if (eqCi(op, 'resetkeys')) {
      this.flags &= ~SEL_ALLKEYS;
      this.patterns = [];
    } else if (eqCi(op, 'allchannels') || eqCi(op, '&*')) {
      this.flags |= SEL_ALLCHANNELS;
      this.channels = [];
    } else if (eqCi(op, 'resetchannels')) {
      this.flags &= ~SEL_ALLCHANNELS;
      this.channels = [];
    } else if (eqCi(op, 'allcommands') || eqCi(op, '+@all')) {
      this.setAll(true);
    } else if (eqCi(op, 'nocommands') || eqCi(op, '-@all')) {
      this.setAll(false);
    } else if (op[0] === '~' || op[0] === '%') {
      if (this.flags & SEL_ALLKEYS) return AclErr.EEXIST;
      let flags = 0;
      let offset = 1;
      if (op[0] === '%') {
        for (; offset < op.length; offset++) {
          const ch = op[offset].toUpperCase();
          if (ch === 'R' && !(flags & PERM_READ)) {
            flags |= PERM_READ;
          } else if (ch === 'W' && !(flags & PERM_WRITE)) {
            flags |= PERM_WRITE;
          } else if (op[offset] === '~') {
            offset++;
            break;
          } else {
            return AclErr.EINVAL;
          }
        }
        if (flags === 0) return AclErr.EINVAL;
      } else {
        flags = PERM_ALL;
      }
      const pattern = op.slice(offset);
      if (aclHasSpaces(pattern)) return AclErr.EINVAL;
      const existing = this.patterns.find((p) => p.pattern === pattern);
      if (existing === undefined) this.patterns.push({ pattern, flags });
      else existing.flags |= flags;
      this.flags &= ~SEL_ALLKEYS;
    } else if (op[0] === '&') {
      if (this.flags & SEL_ALLCHANNELS) return AclErr.EISDIR;
      const pattern = op.slice(1);
      if (aclHasSpaces(pattern)) return AclErr.EINVAL;
      if (!this.channels.includes(pattern)) this.channels.push(pattern);
      this.flags &= ~SEL_ALLCHANNELS;
    } else if (op[0] === '+' && op[1] !== '@') {
      const name = cstr(op.slice(1));
      const bar = name.lastIndexOf('|');
      const index = this.ctx.index;
      if (bar === -1) {
        const cmd = index.lookup(name);
        if (cmd === undefined) return AclErr.ENOENT;
        this.changePerm(cmd, true);
      } else {
        const sub = name.slice(bar + 1);
        const cmd = index.lookup(name.slice(0, bar));
        if (cmd === undefined) return AclErr.ENOENT;
        if (cmd.parent !== null) return AclErr.ECHILD;
        if (sub.length === 0) return AclErr.EINVAL;
        if (cmd.subcommands) {
          const subcmd = index.lookup(name);
          if (subcmd === undefined) return AclErr.ENOENT;
          this.changePerm(subcmd, true);
        } else {
          this.addFirstArg(index.id(cmd), sub);
        }
      }
    } else if (op[0] === '-' && op[1] !== '@') {
      const cmd = this.ctx.index.lookup(op.slice(1));
      if (cmd === undefined) return AclErr.ENOENT;
      this.changePerm(cmd, false);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      if (!this.setCategory(op.slice(2), op[0] === '+')) return AclErr.ENOENT;
    } else {
      return AclErr.EINVAL;
    }
    return AclErr.OK;
  }

  // ---- checks ---------------------------------------------------------------

  /** ACLSelectorCheckKey(). */
  checkKey(key: string, keyFlags: number): boolean {
    if (this.flags & SEL_ALLKEYS) return true;
    for (const p of this.patterns) {
      if ((p.flags & keyFlags) !== keyFlags) continue;
      if (stringMatch(p.pattern, key)) return true;
    }
    return false;
  }

  /** ACLSelectorHasUnrestrictedKeyAccess(). */
  hasUnrestrictedKeyAccess(keyFlags: number): boolean {
    if (this.flags & SEL_ALLKEYS) return true;
    for (const p of this.patterns) {
      if ((p.flags & keyFlags) !== keyFlags) continue;
      if (p.pattern === '*') return true;
    }
    return false;
  }

  /** ACLCheckChannelAgainstList() on this selector's list. */
  checkChannel(channel: string, isPattern: boolean): boolean {
    return checkChannelAgainstList(this.channels, channel, isPattern);
  }

  /** ACLSelectorCheckCmd(); on a key/channel denial `deniedPos` is set. */
  checkCmd(cmd: Command, id: number, argv: string[], cache: KeyCache): number {
    if ((this.flags & SEL_ALLCOMMANDS) === 0 && (cmd.flags & CMD_NO_AUTH) === 0 && !this.getBit(id)) {
      const allowed = this.firstArgs?.get(id);
      if (argv.length < 2 || allowed === undefined) return ACL_DENIED_CMD;
      const arg = asciiLower(cstr(argv[cmd.parent ? 2 : 1] ?? ''));
      let found = false;
      for (const a of allowed) {
        if (asciiLower(a) === arg) {
          found = true;
          break;
        }
      }
      if (!found) return ACL_DENIED_CMD;
    }
    const index = this.ctx.index;
    if ((this.flags & SEL_ALLKEYS) === 0 && index.commandHasKeys(cmd)) {
      const keys = cache.get(cmd, argv);
      for (let j = 0; j < keys.length; j += 2) {
        const pos = keys[j];
        if (!this.checkKey(argv[pos], keys[j + 1])) {
          deniedPos = pos;
          return ACL_DENIED_KEY;
        }
      }
    }
    if ((this.flags & SEL_ALLCHANNELS) === 0) {
      const spec = index.channelSpecs.get(cmd);
      if (spec !== undefined) {
        const [flags, start, count] = spec;
        const stop = Math.min(count === -1 ? argv.length : start + count, argv.length);
        const isPattern = (flags & CH_PATTERN) !== 0;
        for (let i = start; i < stop; i++) {
          if (!checkChannelAgainstList(this.channels, argv[i], isPattern)) {
            deniedPos = i;
            return ACL_DENIED_CHANNEL;
          }
        }
      }
    }
    return ACL_OK;
  }

  // ---- description ------------------------------------------------------------

  /** ACLDescribeSelectorCommandRules(). */
  describeCommands(): string {
    const index = this.ctx.index;
    const rules: string[] = [];
    const fake = new Selector(this.ctx, 0);
    const additive = !this.future;
    if (!additive) {
      rules.push('+@all');
      fake.setAll(true);
    } else {
      rules.push('-@all');
      fake.setAll(false);
    }
    // Best-fitting categories first, each applied once.
    const temp = new Selector(this.ctx, 0);
    temp.bits.set(this.bits);
    const applied = new Set<string>();
    for (;;) {
      let best: string | null = null;
      let mindiff = Number.MAX_SAFE_INTEGER;
      let maxsame = 0;
      for (const cat of ACL_CATEGORIES) {
        if (applied.has(cat)) continue;
        let on = 0;
        let off = 0;
        for (const id of index.categories.get(cat)!.members) {
          if (temp.getBit(id)) on++;
          else off++;
        }
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
          best = cat;
          mindiff = diff;
          maxsame = same;
        }
      }
      if (best === null) break;
      fake.setCategory(best, additive);
      temp.setCategory(best, !additive);
      rules.push((additive ? '+@' : '-@') + best);
      applied.add(best);
    }
    // Then single commands for what the categories did not get right.
    const single = (cmds: Iterable<Command>): void => {
      for (const cmd of cmds) {
        const id = index.id(cmd);
        const userbit = this.getBit(id);
        if (userbit !== fake.getBit(id)) {
          rules.push((userbit ? '+' : '-') + cmd.fullname);
          fake.changePerm(cmd, userbit);
        }
        if (cmd.subcommands) single(cmd.subcommands.values());
        const fa = this.firstArgs?.get(id);
        if (!userbit && fa !== undefined) for (const a of fa) rules.push(`+${cmd.fullname}|${a}`);
      }
    };
    single(index.top);
    return rules.join(' ');
  }

  /** ACLDescribeSelector(). */
  describe(): string {
    let res = '';
    if (this.flags & SEL_ALLKEYS) {
      res += '~* ';
    } else {
      for (const p of this.patterns) res += patternString(p) + ' ';
    }
    if (this.flags & SEL_ALLCHANNELS) {
      res += '&* ';
    } else {
      res += 'resetchannels ';
      for (const ch of this.channels) res += '&' + ch + ' ';
    }
    return res + this.describeCommands();
  }

  /** The "keys" field of ACL GETUSER. */
  keysField(): string {
    if (this.flags & SEL_ALLKEYS) return '~*';
    return this.patterns.map(patternString).join(' ');
  }

  /** The "channels" field of ACL GETUSER. */
  channelsField(): string {
    if (this.flags & SEL_ALLCHANNELS) return '&*';
    return this.channels.map((ch) => '&' + ch).join(' ');
  }
}

function patternString(p: KeyPattern): string {
  const prefix = p.flags === PERM_ALL ? '~' : p.flags === PERM_READ ? '%R~' : '%W~';
  return prefix + p.pattern;
}

/**
 * ACLCheckChannelAgainstList(): a PSUBSCRIBE pattern must equal an allowed
 * pattern literally; a channel name is matched against the patterns.
 */
function checkChannelAgainstList(list: readonly string[], channel: string, isPattern: boolean): boolean {
  for (const p of list) {
    if (isPattern ? p === channel : stringMatch(p, channel)) return true;
  }
  return false;
}

/**
 * Keys of one command line with their ACL permission needs, computed once
 * for all the selectors of a user: [pos, perms, pos, perms, ...].
 */
export class KeyCache {
  private keys: number[] | null = null;

  get(cmd: Command, argv: string[]): number[] {
    if (this.keys !== null) return this.keys;
    const out: number[] = [];
    let refs: { pos: number; flags: string[] }[] = [];
    try {
      refs = commandKeysWithFlags(cmd, argv);
    } catch {
      refs = [];
    }
    for (const r of refs) out.push(r.pos, keyPermsOf(r.flags));
    this.keys = out;
    return out;
  }
}

// ---- users -----------------------------------------------------------------------------

export class AclUser {
  flags = USER_DISABLED;
  /** SHA-256 hex digests. */
  passwords: string[] = [];
  /** The root selector first. */
  selectors: Selector[];
  /** Cached ACLDescribeUser() text. */
  private aclString: string | null = null;
  /**
   * The root selector allows every command, key and channel: the
   * dispatcher skips all checks for such a user.
   */
  unrestricted = false;

  constructor(
    readonly ctx: AclContext,
    readonly name: string,
  ) {
    this.selectors = [new Selector(ctx, SEL_ROOT)];
    this.refresh();
  }

  get root(): Selector {
    return this.selectors[0];
  }

  private refresh(): void {
    this.aclString = null;
    this.unrestricted = (this.selectors[0].flags & SEL_ALL) === SEL_ALL;
  }

  /** ACLCopyUser(): same rules, own name. */
  copyFrom(src: AclUser): void {
    this.passwords = src.passwords.slice();
    this.selectors = src.selectors.map((s) => s.clone());
    this.flags = src.flags;
    this.refresh();
  }

  /** ACLSetUser(): one rule; returns 0 or an AclErr. */
  set(op: string): number {
    const r = this.setOp(op);
    this.refresh();
    return r;
  }

  private setOp(op: string): number {
    if (op.length === 0) return AclErr.OK;
    if (eqCi(op, 'on')) {
      this.flags = (this.flags | USER_ENABLED) & ~USER_DISABLED;
    } else if (eqCi(op, 'off')) {
      this.flags = (this.flags | USER_DISABLED) & ~USER_ENABLED;
    } else if (eqCi(op, 'skip-sanitize-payload')) {
      this.flags = (this.flags | USER_SANITIZE_PAYLOAD_SKIP) & ~USER_SANITIZE_PAYLOAD;
    } else if (eqCi(op, 'sanitize-payload')) {
      this.flags = (this.flags | USER_SANITIZE_PAYLOAD) & ~USER_SANITIZE_PAYLOAD_SKIP;
    } else if (eqCi(op, 'nopass')) {
      this.flags |= USER_NOPASS;
      this.passwords = [];
    } else if (eqCi(op, 'resetpass')) {
      this.flags &= ~USER_NOPASS;
      this.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      let hash: string;
      if (op[0] === '>') {
        hash = hashPassword(op.slice(1));
      } else {
        hash = op.slice(1);
        if (!validHash(hash)) return AclErr.EBADMSG;
      }
      if (!this.passwords.includes(hash)) this.passwords.push(hash);
      this.flags &= ~USER_NOPASS;
    } else if (op[0] === '<' || op[0] === '!') {
      let hash: string;
      if (op[0] === '<') {
        hash = hashPassword(op.slice(1));
      } else {
        hash = op.slice(1);
        if (!validHash(hash)) return AclErr.EBADMSG;
      }
      const i = this.passwords.indexOf(hash);
      if (i === -1) return AclErr.ENODEV;
      this.passwords.splice(i, 1);
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      const s = new Selector(this.ctx, 0);
      const args = splitArgs(op.slice(1, -1)) ?? [];
      for (const a of args) {
        const e = s.apply(a);
        if (e !== AclErr.OK) return e;
      }
      this.selectors.push(s);
    } else if (eqCi(op, 'clearselectors')) {
      this.selectors.length = 1;
    } else if (eqCi(op, 'reset')) {
      this.setOp('resetpass');
      this.setOp('resetkeys');
      this.setOp('resetchannels');
      if (this.ctx.pubsubDefault() & SEL_ALLCHANNELS) this.setOp('allchannels');
      this.setOp('off');
      this.setOp('sanitize-payload');
      this.setOp('clearselectors');
      this.setOp('-@all');
    } else {
      return this.selectors[0].apply(op);
    }
    return AclErr.OK;
  }

  /** ACLDescribeUser(). */
  describe(): string {
    if (this.aclString !== null) return this.aclString;
    let res = '';
    for (const [bit, name] of USER_FLAG_NAMES) if (this.flags & bit) res += name + ' ';
    for (const p of this.passwords) res += '#' + p + ' ';
    for (const s of this.selectors) {
      if (s.flags & SEL_ROOT) res += s.describe();
      else res += ' (' + s.describe() + ')';
    }
    this.aclString = res;
    return res;
  }

  /** The names of the flags set, in ACL GETUSER order. */
  flagNames(): string[] {
    const out: string[] = [];
    for (const [bit, name] of USER_FLAG_NAMES) if (this.flags & bit) out.push(name);
    return out;
  }

  /** ACLCheckAllUserCommandPerm(): ACL_OK or the most relevant denial (position in `deniedPos`). */
  checkCommand(cmd: Command, argv: string[]): number {
    const id = this.ctx.index.id(cmd);
    const cache = new KeyCache();
    let relevant = ACL_DENIED_CMD;
    let lastIdx = 0;
    let localIdx = 0;
    for (const s of this.selectors) {
      deniedPos = localIdx;
      const r = s.checkCmd(cmd, id, argv, cache);
      localIdx = deniedPos;
      if (r === ACL_OK) return ACL_OK;
      if (r > relevant || (r === relevant && localIdx > lastIdx)) {
        relevant = r;
        lastIdx = localIdx;
      }
    }
    deniedPos = lastIdx;
    return relevant;
  }

  /** ACLUserCheckCmdWithUnrestrictedKeyAccess(): SORT BY/GET patterns and the like. */
  checkCmdWithUnrestrictedKeyAccess(cmd: Command, argv: string[], perms: number): boolean {
    const id = this.ctx.index.id(cmd);
    const cache = new KeyCache();
    for (const s of this.selectors) {
      if (s.checkCmd(cmd, id, argv, cache) === ACL_OK && s.hasUnrestrictedKeyAccess(perms)) return true;
    }
    return false;
  }

  /** ACLUserCheckChannelPerm(). */
  checkChannel(channel: string, isPattern: boolean): boolean {
    for (const s of this.selectors) {
      if (s.flags & SEL_ALLCHANNELS) return true;
      if (s.checkChannel(channel, isPattern)) return true;
    }
    return false;
  }
}

/** The ACL permissions a key needs, from its key spec flags (ACLSelectorCheckKey()). */
function keyPermsOf(flags: readonly string[]): number {
  let perms = 0;
  for (const f of flags) {
    if (f === 'access') perms |= PERM_READ;
    else if (f === 'insert' || f === 'delete' || f === 'update') perms |= PERM_WRITE;
  }
  return perms;
}

/**
 * ACLMergeSelectorArguments(): a selector spread over several arguments
 * ("(~a" "+get)") becomes one. Returns the merged rules, or the index of the
 * argument where an unterminated selector starts.
 */
export function mergeSelectorArguments(argv: readonly string[]): string[] | number {
  const out: string[] = [];
  let open = -1;
  let selector = '';
  for (let j = 0; j < argv.length; j++) {
    const op = argv[j];
    if (op[0] === '(' && op[op.length - 1] !== ')') {
      selector = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      selector += ' ' + cstr(op);
      if (op[op.length - 1] === ')') {
        open = -1;
        out.push(selector);
      }
      continue;
    }
    out.push(op);
  }
  return open !== -1 ? open : out;
}

// ---- the ACL log -----------------------------------------------------------------------

export interface AclLogEntry {
  count: number;
  reason: number;
  context: number;
  object: string;
  username: string;
  /** Time of the last update (ms). */
  ctime: number;
  cinfo: string;
}

const LOG_GROUPING_MAX_TIME_DELTA = 60000;

// ---- the per-server registry -----------------------------------------------------------

export class AclStartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AclStartupError';
  }
}

/** ACLCreateUnlinkedUser() for validating rules. */
export function scratchUser(ctx: AclContext): AclUser {
  return new AclUser(ctx, '__fakeuser__');
}

/**
 * ACLAppendUserForLoading()'s validation of a `user` line of the config
 * file: [argument index reported, error] or null. Unknown commands pass
 * (they are reported when the users are loaded). `previous` holds the
 * arguments (name first) of the `user` lines read before.
 */
export function validateUserDirective(
  ctx: AclContext,
  argv: readonly string[],
  previous: readonly (readonly string[])[],
): [number, string] | null {
  if (argv.length < 2 || !eqCi(argv[0], 'user')) return [0, aclErrorText(AclErr.EINVAL)];
  for (const p of previous) if (p[0] === argv[1]) return [1, aclErrorText(AclErr.EALREADY)];
  const merged = mergeSelectorArguments(argv.slice(2));
  // Redis reports the index inside the rules as an index of the whole line.
  if (typeof merged === 'number') return [merged, aclErrorText(AclErr.EINVAL)];
  const u = scratchUser(ctx);
  for (let j = 0; j < merged.length; j++) {
    const e = u.set(merged[j]);
    if (e !== AclErr.OK && e !== AclErr.ENOENT) return [j, aclErrorText(e)];
  }
  return null;
}

export class Acl implements AclContext {
  readonly index: AclCommandIndex;
  /** Users by name (rax Users); listed in byte order. */
  users = new Map<string, AclUser>();
  readonly defaultUser: AclUser;
  /** Newest first. */
  log: AclLogEntry[] = [];

  constructor(readonly server: NodisServer) {
    this.index = new AclCommandIndex(server.commands);
    this.defaultUser = this.createDefaultUser(this.users);
    server.config.describeUsers = () => this.sortedUsers().map((u) => `user ${u.name} ${u.describe()}`);
    server.config.registerApply('requirepass', () => {
      this.updateDefaultUserPassword(server.config.str('requirepass'));
      return null;
    });
  }

  pubsubDefault(): number {
    return this.server.config.enumValue('acl-pubsub-default') !== 0 ? SEL_ALLCHANNELS : 0;
  }

  /** ACLCreateDefaultUser(), registered in `users`. */
  private createDefaultUser(users: Map<string, AclUser>): AclUser {
    const u = new AclUser(this, 'default');
    u.set('+@all');
    u.set('~*');
    u.set('&*');
    u.set('on');
    u.set('nopass');
    users.set('default', u);
    return u;
  }

  getUser(name: string): AclUser | undefined {
    return this.users.get(name);
  }

  sortedUsers(): AclUser[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** ACLUpdateDefaultUserPassword(): requirepass ('' = none). */
  updateDefaultUserPassword(pass: string): void {
    this.defaultUser.set('resetpass');
    if (pass !== '') this.defaultUser.set('>' + pass);
    else this.defaultUser.set('nopass');
  }

  /** authRequired() without the client: the default user does not log in by itself. */
  defaultAuthRequired(): boolean {
    const f = this.defaultUser.flags;
    return (f & USER_NOPASS) === 0 || (f & USER_DISABLED) !== 0;
  }

  /** clientSetDefaultAuth(). */
  setDefaultAuth(c: Client): void {
    c.user = this.defaultUser;
    c.authenticated = !this.defaultAuthRequired();
  }

  /** ACLCheckUserCredentials(). */
  checkCredentials(name: string, pass: string): boolean {
    const u = this.users.get(name);
    if (u === undefined) return false;
    if (u.flags & USER_DISABLED) return false;
    if (u.flags & USER_NOPASS) return true;
    const hashed = hashPassword(pass);
    let ok = false;
    for (const p of u.passwords) if (sameHash(hashed, p)) ok = true;
    return ok;
  }

  /** ACLAuthenticateUser(): on failure the attempt is logged. */
  authenticate(c: Client, name: string, pass: string): boolean {
    if (this.checkCredentials(name, pass)) {
      c.authenticated = true;
      c.user = this.users.get(name)!;
      return true;
    }
    this.addLogEntry(c, ACL_DENIED_AUTH, c.flags & CLIENT_MULTI ? ACL_LOG_CTX_MULTI : ACL_LOG_CTX_TOPLEVEL, 0, name, null);
    return false;
  }

  // ---- enforcement ------------------------------------------------------------

  /**
   * The dispatcher's ACLCheckAllPerm(): null when `c` may run the command,
   * otherwise the NOPERM error (the denial is logged).
   */
  denied(c: Client, cmd: Command, argv: string[]): string | null {
    const r = c.user.checkCommand(cmd, argv);
    if (r === ACL_OK) return null;
    const pos = deniedPos;
    this.addLogEntry(c, r, c.flags & CLIENT_MULTI ? ACL_LOG_CTX_MULTI : ACL_LOG_CTX_TOPLEVEL, pos, null, null, cmd, argv);
    switch (r) {
      case ACL_DENIED_CMD:
        return `-NOPERM this user has no permissions to run the '${cmd.fullname}' command`;
      case ACL_DENIED_KEY:
        return '-NOPERM this user has no permissions to access one of the keys used as arguments';
      case ACL_DENIED_CHANNEL:
        return '-NOPERM this user has no permissions to access one of the channels used as arguments';
      default:
        return 'no permission';
    }
  }

  /** EXEC's check of each queued command: the rules may have changed since it was queued. */
  execDenied(c: Client, cmd: Command, argv: string[]): string | null {
    const r = c.user.checkCommand(cmd, argv);
    if (r === ACL_OK) return null;
    this.addLogEntry(c, r, ACL_LOG_CTX_MULTI, deniedPos, null, null, cmd, argv);
    let reason: string;
    switch (r) {
      case ACL_DENIED_CMD:
        reason = 'no permission to execute the command or subcommand';
        break;
      case ACL_DENIED_KEY:
        reason = 'no permission to touch the specified keys';
        break;
      case ACL_DENIED_CHANNEL:
        reason = 'no permission to access one of the channels used as arguments';
        break;
      default:
        reason = 'no permission';
    }
    return (
      '-NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. ' +
      `This command is no longer allowed for the following reason: ${reason}`
    );
  }

  /** ACL DRYRUN: ACL_OK or the denial, with the argv position in `pos`. */
  dryRun(u: AclUser, cmd: Command, argv: string[]): { result: number; pos: number } {
    const result = u.checkCommand(cmd, argv);
    return { result, pos: deniedPos };
  }

  // ---- the log ----------------------------------------------------------------

  /** addACLLogEntry(). */
  addLogEntry(
    c: Client,
    reason: number,
    context: number,
    argpos: number,
    username: string | null,
    object: string | null,
    cmd: Command | null = c.cmd,
    argv: string[] = c.argv,
  ): void {
    let obj = object;
    if (obj === null) {
      switch (reason) {
        case ACL_DENIED_CMD:
          obj = cmd !== null ? cmd.fullname : '';
          break;
        case ACL_DENIED_KEY:
        case ACL_DENIED_CHANNEL:
          obj = argv[argpos] ?? '';
          break;
        case ACL_DENIED_AUTH:
          obj = c.argv[0] ?? '';
          break;
        default:
          obj = '';
      }
    }
    const le: AclLogEntry = {
      count: 1,
      reason,
      context,
      object: obj,
      username: username ?? c.user.name,
      ctime: Date.now(),
      cinfo: clientInfoString(c),
    };
    const log = this.log;
    const toscan = Math.min(10, log.length);
    for (let i = 0; i < toscan; i++) {
      const cur = log[i];
      if (
        cur.reason === le.reason &&
        cur.context === le.context &&
        Math.abs(cur.ctime - le.ctime) <= LOG_GROUPING_MAX_TIME_DELTA &&
        cur.object === le.object &&
        cur.username === le.username
      ) {
        log.splice(i, 1);
        log.unshift(cur);
        cur.cinfo = le.cinfo;
        cur.ctime = le.ctime;
        cur.count++;
        return;
      }
    }
    log.unshift(le);
    const max = this.server.config.num('acllog-max-len');
    if (log.length > max) log.length = max;
  }

  // ---- changes to users --------------------------------------------------------

  /**
   * ACLStringSetUser(): apply `rules` to a copy of the user (a new one
   * when it does not exist) and commit only when every rule is valid.
   * Returns the error text or null.
   */
  setUser(name: string, rules: readonly string[]): string | null {
    const merged = mergeSelectorArguments(rules);
    if (typeof merged === 'number') {
      return `Unmatched parenthesis in acl selector starting at '${cstr(rules[merged])}'.`;
    }
    const existing = this.users.get(name);
    const temp = new AclUser(this, name);
    if (existing !== undefined) temp.copyFrom(existing);
    for (const op of merged) {
      const e = temp.set(op);
      if (e !== AclErr.OK) return `Error in ACL SETUSER modifier '${cstr(op)}': ${aclErrorText(e)}`;
    }
    if (existing !== undefined) this.killPubsubClientsIfNeeded(temp, existing);
    let u = existing;
    if (u === undefined) {
      u = new AclUser(this, name);
      this.users.set(name, u);
    }
    u.copyFrom(temp);
    return null;
  }

  /** ACL DELUSER of one user: false if there is none. */
  deleteUser(name: string): boolean {
    const u = this.users.get(name);
    if (u === undefined) return false;
    this.users.delete(name);
    this.freeUserAndKillClients(u);
    return true;
  }

  /**
   * ACLFreeUserAndKillClients(): clients authenticated as `u` fall back to
   * the unauthenticated default user and are disconnected (the running one
   * after its reply).
   */
  private freeUserAndKillClients(u: AclUser): void {
    const server = this.server;
    for (const c of [...server.clients.values()]) {
      if (c.user !== u) continue;
      c.user = this.defaultUser;
      c.authenticated = false;
      if (c === server.currentClient) {
        c.flags |= CLIENT_CLOSE_AFTER_REPLY;
      } else {
        server.closeClientAsap(c);
        server.freeClient(c);
      }
    }
  }

  /**
   * ACLKillPubsubClientsIfNeeded(): subscribers of `original` whose
   * channels or patterns `updated` no longer allows are disconnected.
   */
  private killPubsubClientsIfNeeded(updated: AclUser, original: AclUser): void {
    for (const s of updated.selectors) if (s.flags & SEL_ALLCHANNELS) return;
    const upcoming: string[] = [];
    for (const s of updated.selectors) upcoming.push(...s.channels);
    let match = true;
    for (const s of original.selectors) {
      if (s.flags & SEL_ALLCHANNELS) {
        match = false;
        break;
      }
      for (const ch of s.channels) {
        if (!upcoming.includes(ch)) {
          match = false;
          break;
        }
      }
      if (!match) break;
    }
    if (match) return;
    const server = this.server;
    for (const c of [...server.clients.values()]) {
      if (c.user !== original || (c.flags & CLIENT_PUBSUB) === 0) continue;
      if (c.ext.isReplica || c.ext.isPrimary) continue;
      const ps = c.ext.pubsub as { channels: Set<string>; patterns: Set<string>; shard: Set<string> } | undefined;
      if (ps === undefined) continue;
      let kill = false;
      for (const p of ps.patterns) {
        if (!checkChannelAgainstList(upcoming, p, true)) {
          kill = true;
          break;
        }
      }
      if (!kill) {
        for (const ch of ps.channels) {
          if (!checkChannelAgainstList(upcoming, ch, false)) {
            kill = true;
            break;
          }
        }
      }
      if (!kill) {
        for (const ch of ps.shard) {
          if (!checkChannelAgainstList(upcoming, ch, false)) {
            kill = true;
            break;
          }
        }
      }
      if (!kill) continue;
      if (c === server.currentClient) {
        server.closeClientAsap(c);
      } else {
        server.closeClientAsap(c);
        server.freeClient(c);
      }
    }
  }

  // ---- config file users, ACL file --------------------------------------------

  /** ACLLoadConfiguredUsers(): the `user` lines of the config file. */
  loadConfiguredUsers(directives: readonly (readonly string[])[]): string | null {
    for (const d of directives) {
      const name = d[0];
      if (aclHasSpaces(name)) return 'Spaces not allowed in ACL usernames';
      let u = this.users.get(name);
      if (u === undefined) {
        u = new AclUser(this, name);
        this.users.set(name, u);
      } else {
        u.set('reset');
      }
      const merged = mergeSelectorArguments(d.slice(1));
      const rules = typeof merged === 'number' ? [] : merged;
      for (const op of rules) {
        const e = u.set(op);
        if (e !== AclErr.OK) {
          return `Error loading ACL rule '${cstr(op)}' for the user named '${cstr(name)}': ${aclErrorText(e)}`;
        }
      }
      if (u.flags & USER_DISABLED) {
        this.server.logger.info(
          `The user '${cstr(name)}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.`,
        );
      }
    }
    return null;
  }

  /** ACLLoadUsersAtStartup(): throws AclStartupError as Redis exits. */
  loadUsersAtStartup(): void {
    const cfg = this.server.config;
    this.updateDefaultUserPassword(cfg.str('requirepass'));
    const aclfile = cfg.str('aclfile');
    if (aclfile !== '' && cfg.userDirectives.length > 0) {
      throw new AclStartupError(
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. ' +
          'This setup is very likely to lead to configuration errors and security holes, please define either an ACL file ' +
          'or declare users directly in your redis.conf, but not both.',
      );
    }
    const err = this.loadConfiguredUsers(cfg.userDirectives);
    if (err !== null) {
      this.server.logger.warn(err);
      throw new AclStartupError('Critical error while loading ACLs. Exiting.');
    }
    if (aclfile !== '') {
      const errors = this.loadFromFile();
      if (errors !== null) throw new AclStartupError(`Aborting Redis startup because of ACL errors: ${errors}`);
    }
  }

  private aclFilePath(): string {
    const cfg = this.server.config;
    const file = fsPath(cfg.str('aclfile'));
    return cfg.chdir ? file : path.resolve(fsPath(cfg.str('dir')), file);
  }

  /**
   * ACLLoadFromFile(): replace every user with those of the ACL file, or
   * change nothing and return the errors found.
   */
  loadFromFile(): string | null {
    const filename = this.server.config.str('aclfile');
    let text: string;
    try {
      text = fs.readFileSync(this.aclFilePath()).toString('latin1');
    } catch (e) {
      return `Error loading ACLs, opening file '${filename}': ${strerror(e)}`;
    }
    const lines = cstr(text).split('\n');
    const users = new Map<string, AclUser>();
    let errors = '';
    for (let i = 0; i < lines.length; i++) {
      const linenum = i + 1;
      const line = lines[i].replace(/^[ \t\r\n]+/, '').replace(/[ \t\r\n]+$/, '');
      if (line === '') continue;
      const argv = line.split(' ');
      if (argv[0] !== 'user' || argv.length < 2) {
        errors += `${filename}:${linenum} should start with user keyword followed by the username. `;
        continue;
      }
      if (aclHasSpaces(argv[1])) {
        errors += `'${filename}:${linenum}: username '${cstr(argv[1])}' contains invalid characters. `;
        continue;
      }
      if (users.has(argv[1])) {
        errors += `WARNING: Duplicate user '${cstr(argv[1])}' found on line ${linenum}. `;
        continue;
      }
      const u = new AclUser(this, argv[1]);
      users.set(argv[1], u);
      const merged = mergeSelectorArguments(argv.slice(2));
      if (typeof merged === 'number') {
        errors += `${filename}:${linenum}: Unmatched parenthesis in selector definition.`;
        continue;
      }
      let syntaxError = false;
      for (const raw of merged) {
        const op = raw.replace(/^[\t\r\n]+/, '').replace(/[\t\r\n]+$/, '');
        const e = u.set(op);
        if (e === AclErr.OK) continue;
        if (e === AclErr.ENOENT) {
          errors += `${filename}:${linenum}: Error in applying operation '${cstr(op)}': ${aclErrorText(e)}. `;
        } else if (!syntaxError) {
          errors += `${filename}:${linenum}: ${aclErrorText(e)}. `;
          syntaxError = true;
        }
      }
    }
    if (errors !== '') {
      return errors + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed';
    }
    // Clients keep their reference to the default user: its rules are copied.
    const newDefault = users.get('default') ?? this.createDefaultUser(users);
    this.defaultUser.copyFrom(newDefault);
    users.set('default', this.defaultUser);
    const old = this.users;
    this.users = users;
    for (const [name, u] of old) if (name !== 'default') this.freeUserAndKillClients(u);
    return null;
  }

  /** ACLSaveToFile(): false on an I/O error (logged). */
  saveToFile(): boolean {
    let acl = '';
    for (const u of this.sortedUsers()) acl += `user ${u.name} ${u.describe()}\n`;
    const file = this.aclFilePath();
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    try {
      fs.writeFileSync(tmp, Buffer.from(acl, 'latin1'), { mode: 0o644 });
    } catch (e) {
      this.server.logger.warn(`Opening temp ACL file for ACL SAVE: ${strerror(e)}`);
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* not created */
      }
      return false;
    }
    try {
      fs.renameSync(tmp, file);
    } catch (e) {
      this.server.logger.warn(`Renaming ACL file for ACL SAVE: ${strerror(e)}`);
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* already gone */
      }
      return false;
    }
    return true;
  }
}

/**
 * The `validateUser` hook of the config file loader: each `user` line is
 * checked as ACLAppendUserForLoading() does, against the command table
 * `table()` builds on first use.
 */
export function userDirectiveValidator(
  cfg: Config,
  table: () => CommandTable,
): (argv: string[]) => [number, string] | null {
  let index: AclCommandIndex | null = null;
  return (argv) => {
    if (index === null) index = new AclCommandIndex(table());
    const ctx: AclContext = {
      index,
      pubsubDefault: () => (cfg.enumValue('acl-pubsub-default') !== 0 ? SEL_ALLCHANNELS : 0),
    };
    return validateUserDirective(ctx, argv, cfg.userDirectives);
  };
}
