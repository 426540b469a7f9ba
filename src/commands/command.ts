/**
 * COMMAND and its subcommands (COMMAND COUNT/LIST/INFO/DOCS/GETKEYS/
 * GETKEYSANDFLAGS/HELP).
 *
 * What a command is and does (name, arity, flags, legacy key range, ACL
 * categories, subcommands, key positions) comes from the live command table.
 * What only describes it (tips, key specs, summary, arguments, history...)
 * comes from reference.json, generated from redis-server 7.0.15 by
 * scripts/gen-command-reference.mjs. Only commands present in the table are
 * ever reported.
 */
import type { Client } from '../server/client.js';
import { cmd, FLAG_REPORT_ORDER, CMD_NO_MANDATORY_KEYS, CMD_MODULE, type Command, type CommandTable } from './table.js';
import { RedisError, Errors, type CommandSpec, type ArgSpec } from './types.js';
import { string2ll } from '../util/numbers.js';
import { stringMatch } from '../util/glob.js';
import referenceData from './reference.json' with { type: 'json' };

// ---- reference data -------------------------------------------------------------

export interface KeySpecRef {
  notes?: string;
  flags: string[];
  begin_search: { type: string; spec: Record<string, number | string> };
  find_keys: { type: string; spec: Record<string, number | string> };
}

export interface ArgRef {
  name: string;
  type: string;
  key_spec_index?: number;
  token?: string;
  summary?: string;
  since?: string;
  deprecated_since?: string;
  flags?: string[];
  arguments?: ArgRef[];
}

export interface DocsRef {
  summary?: string;
  since?: string;
  group: string;
  complexity?: string;
  doc_flags?: string[];
  deprecated_since?: string;
  replaced_by?: string;
  history?: [string, string][];
  arguments?: ArgRef[];
}

/** One command or subcommand as redis-server describes it. */
export interface CommandRef {
  arity: number;
  flags: string[];
  first: number;
  last: number;
  step: number;
  /** ACL categories without the '@'. */
  acl: string[];
  tips: string[];
  key_specs: KeySpecRef[];
  docs: DocsRef;
  /** Full names of the subcommands of a container. */
  subcommands?: string[];
}

interface ReferenceFile {
  redis_version: string;
  commands: Record<string, CommandRef>;
}

const referenceFile = referenceData as unknown as ReferenceFile;

/** The Redis version the reference data was generated from. */
export const REFERENCE_VERSION: string = referenceFile.redis_version;

/** Reference entries by full name ("get", "config|get"). */
export const commandReference: ReadonlyMap<string, CommandRef> = new Map(Object.entries(referenceFile.commands));

// ---- COMMAND INFO -----------------------------------------------------------------

function addReplyStatusSet(c: Client, items: readonly string[], prefix = ''): void {
  c.addReplySetLen(items.length);
  for (const s of items) c.addReplyStatus(prefix + s);
}

/** Key specs of a command that has no reference entry: its legacy range. */
function legacyKeySpecs(cmd: Command): KeySpecRef[] {
  const { firstKey, lastKey, step } = cmd.spec;
  if (firstKey <= 0) return [];
  return [
    {
      flags: [],
      begin_search: { type: 'index', spec: { index: firstKey } },
      find_keys: { type: 'range', spec: { lastkey: lastKey >= 0 ? lastKey - firstKey : lastKey, keystep: step, limit: 0 } },
    },
  ];
}

function keySpecsOf(cmd: Command): KeySpecRef[] {
  const ref = commandReference.get(cmd.fullname);
  return ref ? ref.key_specs : legacyKeySpecs(cmd);
}

function addReplySpecPart(c: Client, part: { type: string; spec: Record<string, number | string> }): void {
  c.addReplyMapLen(2);
  c.addReplyBulk('type');
  c.addReplyBulk(part.type);
  c.addReplyBulk('spec');
  const fields = Object.entries(part.spec);
  c.addReplyMapLen(fields.length);
  for (const [k, v] of fields) {
    c.addReplyBulk(k);
    if (typeof v === 'number') c.addReplyLongLong(v);
    else c.addReplyBulk(v);
  }
}

function addReplyKeySpecs(c: Client, specs: readonly KeySpecRef[]): void {
  c.addReplySetLen(specs.length);
  for (const ks of specs) {
    c.addReplyMapLen(ks.notes !== undefined ? 4 : 3);
    if (ks.notes !== undefined) {
      c.addReplyBulk('notes');
      c.addReplyBulk(ks.notes);
    }
    c.addReplyBulk('flags');
    addReplyStatusSet(c, ks.flags);
    c.addReplyBulk('begin_search');
    addReplySpecPart(c, ks.begin_search);
    c.addReplyBulk('find_keys');
    addReplySpecPart(c, ks.find_keys);
  }
}

/** Flag names COMMAND INFO shows for a command (hidden ones left out). */
export function reportedFlags(cmd: Command): string[] {
  const out: string[] = [];
  for (const [bit, name] of FLAG_REPORT_ORDER) if (cmd.flags & bit) out.push(name);
  return out;
}

/** addReplyCommandInfo(): a 10-element entry, or null for an unknown name. */
function addReplyCommandInfo(c: Client, cmd: Command | undefined): void {
  if (cmd === undefined) {
    c.addReplyNull();
    return;
  }
  const ref = commandReference.get(cmd.fullname);
  c.addReplyArrayLen(10);
  c.addReplyBulk(cmd.fullname);
  c.addReplyLongLong(cmd.arity);
  addReplyStatusSet(c, reportedFlags(cmd));
  c.addReplyLongLong(cmd.spec.firstKey);
  c.addReplyLongLong(cmd.spec.lastKey);
  c.addReplyLongLong(cmd.spec.step);
  addReplyStatusSet(c, cmd.aclCategories, '@');
  const tips = ref ? ref.tips : (cmd.spec.tips ?? []);
  c.addReplySetLen(tips.length);
  for (const t of tips) c.addReplyBulk(t);
  addReplyKeySpecs(c, ref ? ref.key_specs : legacyKeySpecs(cmd));
  if (cmd.subcommands === null) {
    c.addReplySetLen(0);
  } else {
    c.addReplyArrayLen(cmd.subcommands.size);
    for (const sub of cmd.subcommands.values()) addReplyCommandInfo(c, sub);
  }
}

// ---- COMMAND DOCS -----------------------------------------------------------------

/** Docs for a command without a reference entry, from its spec's optional fields. */
function specDocs(spec: CommandSpec): DocsRef {
  const out: DocsRef = { group: spec.group ?? 'server' };
  if (spec.summary !== undefined) out.summary = spec.summary;
  if (spec.since !== undefined) out.since = spec.since;
  if (spec.complexity !== undefined) out.complexity = spec.complexity;
  if (spec.docFlags !== undefined && spec.docFlags.length > 0) out.doc_flags = spec.docFlags;
  if (spec.deprecatedSince !== undefined) out.deprecated_since = spec.deprecatedSince;
  if (spec.replacedBy !== undefined) out.replaced_by = spec.replacedBy;
  if (spec.history !== undefined) out.history = spec.history;
  if (spec.args !== undefined) out.arguments = spec.args.map(argSpecToRef);
  return out;
}

function argSpecToRef(a: ArgSpec): ArgRef {
  const r: ArgRef = { name: a.name, type: a.type };
  if (a.key_spec_index !== undefined) r.key_spec_index = a.key_spec_index;
  if (a.token !== undefined) r.token = a.token;
  if (a.since !== undefined) r.since = a.since;
  const flags: string[] = [];
  if (a.optional) flags.push('optional');
  if (a.multiple) flags.push('multiple');
  if (a.multiple_token) flags.push('multiple_token');
  if (flags.length > 0) r.flags = flags;
  if (a.arguments !== undefined) r.arguments = a.arguments.map(argSpecToRef);
  return r;
}

function addReplyArgs(c: Client, args: readonly ArgRef[]): void {
  c.addReplyArrayLen(args.length);
  for (const a of args) {
    let n = 2;
    if (a.key_spec_index !== undefined) n++;
    if (a.token !== undefined) n++;
    if (a.summary !== undefined) n++;
    if (a.since !== undefined) n++;
    if (a.deprecated_since !== undefined) n++;
    if (a.flags !== undefined) n++;
    if (a.type === 'oneof' || a.type === 'block') n++;
    c.addReplyMapLen(n);
    c.addReplyBulk('name');
    c.addReplyBulk(a.name);
    c.addReplyBulk('type');
    c.addReplyBulk(a.type);
    if (a.key_spec_index !== undefined) {
      c.addReplyBulk('key_spec_index');
      c.addReplyLongLong(a.key_spec_index);
    }
    if (a.token !== undefined) {
      c.addReplyBulk('token');
      c.addReplyBulk(a.token);
    }
    if (a.summary !== undefined) {
      c.addReplyBulk('summary');
      c.addReplyBulk(a.summary);
    }
    if (a.since !== undefined) {
      c.addReplyBulk('since');
      c.addReplyBulk(a.since);
    }
    if (a.deprecated_since !== undefined) {
      c.addReplyBulk('deprecated_since');
      c.addReplyBulk(a.deprecated_since);
    }
    if (a.flags !== undefined) {
      c.addReplyBulk('flags');
      addReplyStatusSet(c, a.flags);
    }
    if (a.type === 'oneof' || a.type === 'block') {
      c.addReplyBulk('arguments');
      addReplyArgs(c, a.arguments ?? []);
    }
  }
}

/** addReplyCommandDocs(): the docs map of one command. */
function addReplyCommandDocs(c: Client, cmd: Command): void {
  const d = commandReference.get(cmd.fullname)?.docs ?? specDocs(cmd.spec);
  const isModule = (cmd.flags & CMD_MODULE) !== 0;
  let n = 1;
  if (d.summary !== undefined) n++;
  if (d.since !== undefined) n++;
  if (isModule) n++;
  if (d.complexity !== undefined) n++;
  if (d.doc_flags !== undefined) n++;
  if (d.deprecated_since !== undefined) n++;
  if (d.replaced_by !== undefined) n++;
  if (d.history !== undefined) n++;
  if (d.arguments !== undefined) n++;
  if (cmd.subcommands !== null) n++;
  c.addReplyMapLen(n);
  if (d.summary !== undefined) {
    c.addReplyBulk('summary');
    c.addReplyBulk(d.summary);
  }
  if (d.since !== undefined) {
    c.addReplyBulk('since');
    c.addReplyBulk(d.since);
  }
  c.addReplyBulk('group');
  c.addReplyBulk(isModule ? 'module' : d.group);
  if (d.complexity !== undefined) {
    c.addReplyBulk('complexity');
    c.addReplyBulk(d.complexity);
  }
  if (isModule) {
    c.addReplyBulk('module');
    c.addReplyBulk('nodis');
  }
  if (d.doc_flags !== undefined) {
    c.addReplyBulk('doc_flags');
    addReplyStatusSet(c, d.doc_flags);
  }
  if (d.deprecated_since !== undefined) {
    c.addReplyBulk('deprecated_since');
    c.addReplyBulk(d.deprecated_since);
  }
  if (d.replaced_by !== undefined) {
    c.addReplyBulk('replaced_by');
    c.addReplyBulk(d.replaced_by);
  }
  if (d.history !== undefined) {
    c.addReplyBulk('history');
    c.addReplySetLen(d.history.length);
    for (const [since, change] of d.history) {
      c.addReplyArrayLen(2);
      c.addReplyBulk(since);
      c.addReplyBulk(change);
    }
  }
  if (d.arguments !== undefined) {
    c.addReplyBulk('arguments');
    addReplyArgs(c, d.arguments);
  }
  if (cmd.subcommands !== null) {
    c.addReplyBulk('subcommands');
    c.addReplyMapLen(cmd.subcommands.size);
    for (const sub of cmd.subcommands.values()) {
      c.addReplyBulk(sub.fullname);
      addReplyCommandDocs(c, sub);
    }
  }
}

// ---- name lookup --------------------------------------------------------------------

/** lookupCommandBySds(): "name" or "container|sub", any case, exact level. */
export function lookupCommandByName(table: CommandTable, name: string): Command | undefined {
  const parts = name.split('|');
  if (parts.length > 2) return undefined;
  const base = table.get(parts[0]);
  if (parts.length === 1) return base;
  if (base === undefined || base.subcommands === null) return undefined;
  return base.subcommands.get(parts[1].toLowerCase());
}

/** Top-level commands the server answers to (COMMAND, COMMAND COUNT). */
function visibleCommands(table: CommandTable): Command[] {
  return table.all.filter((x) => !x.hidden);
}

// ---- COMMAND GETKEYS / GETKEYSANDFLAGS ---------------------------------------------

export interface KeyRef {
  pos: number;
  flags: string[];
}

/** getKeysUsingKeySpecs(): keys found by the key specs, or null on an invalid/incomplete spec. */
function keysFromSpecs(specs: readonly KeySpecRef[], argv: string[], arity: number): KeyRef[] | null {
  const argc = argv.length;
  const out: KeyRef[] = [];
  for (const ks of specs) {
    if (ks.flags.includes('not_key')) continue;
    let first = 0;
    const bs = ks.begin_search;
    if (bs.type === 'index') {
      first = bs.spec.index as number;
    } else if (bs.type === 'keyword') {
      const keyword = (bs.spec.keyword as string).toLowerCase();
      const startfrom = bs.spec.startfrom as number;
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (cstrEqi(argv[i], keyword)) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue;
    } else {
      return null;
    }
    let last: number;
    let step: number;
    const fk = ks.find_keys;
    if (fk.type === 'range') {
      step = fk.spec.keystep as number;
      const lastkey = fk.spec.lastkey as number;
      const limit = fk.spec.limit as number;
      if (lastkey >= 0) last = first + lastkey;
      else if (limit === 0) last = argc + lastkey;
      else last = first + (Math.trunc((argc - first) / limit) + lastkey);
    } else if (fk.type === 'keynum') {
      step = fk.spec.keystep as number;
      const keynumidx = fk.spec.keynumidx as number;
      if (keynumidx >= argc) return null;
      const idx = first + keynumidx;
      const numkeys = idx < argc ? string2ll(argv[idx]) : null;
      if (numkeys === null || numkeys < 0) return null;
      first += fk.spec.firstkey as number;
      last = first + numkeys - 1;
    } else {
      return null;
    }
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) {
      if (i >= argc || i < first) {
        if (arity < 0) continue;
        return null;
      }
      out.push({ pos: i, flags: ks.flags });
    }
    if (ks.flags.includes('incomplete')) return null;
  }
  return out;
}

/** strcasecmp() against a lower-case token; the argument ends at a NUL byte as a C string does. */
function cstrEqi(arg: string, lower: string): boolean {
  const nul = arg.indexOf('\0');
  const s = nul === -1 ? arg : arg.slice(0, nul);
  return s.length === lower.length && s.toLowerCase() === lower;
}

const RO_ACCESS = ['RO', 'access'];
const RW_ACCESS_UPDATE = ['RW', 'access', 'update'];
const OW_UPDATE = ['OW', 'update'];

/**
 * Key flags for commands whose key specs cannot give them (variable flags,
 * or incomplete specs): the flags Redis's per-command key extraction reports.
 */
function nativeKeyFlags(fullname: string, argv: string[], pos: number): string[] {
  switch (fullname) {
    case 'set':
      for (let i = 3; i < argv.length; i++) if (cstrEqi(argv[i], 'get')) return RW_ACCESS_UPDATE;
      return OW_UPDATE;
    case 'bitfield': {
      let readonly = true;
      for (let i = 2; i < argv.length; i++) {
        const rem = argv.length - i - 1;
        const a = argv[i];
        if (cstrEqi(a, 'get') && rem >= 2) {
          i += 2;
        } else if ((cstrEqi(a, 'set') || cstrEqi(a, 'incrby')) && rem >= 3) {
          readonly = false;
          break;
        } else if (cstrEqi(a, 'overflow') && rem >= 1) {
          i += 1;
        } else {
          readonly = false;
          break;
        }
      }
      return readonly ? RO_ACCESS : RW_ACCESS_UPDATE;
    }
    case 'sort':
      return pos === 1 ? RO_ACCESS : OW_UPDATE;
    case 'sort_ro':
      return RO_ACCESS;
    case 'migrate':
      return ['RW', 'access', 'delete'];
    default:
      return [];
  }
}

/**
 * getKeysUsingKeySpecs() as getKeysFromCommandWithSpecs() uses it: the keys
 * the command's key specs find, or null when Redis would not rely on them
 * (no real key spec, variable flags, or a spec that is incomplete or cannot
 * be evaluated for this command line).
 */
export function keysFromKeySpecs(cmd: Command, argv: string[]): KeyRef[] | null {
  const specs = keySpecsOf(cmd);
  const reliable =
    specs.some((s) => !s.flags.includes('not_key')) && !specs.some((s) => s.flags.includes('variable_flags'));
  return reliable ? keysFromSpecs(specs, argv, cmd.arity) : null;
}

/**
 * The keys of a full command line with their access flags, as
 * getKeysFromCommandWithSpecs() finds them: from the key specs when they are
 * reliable for this command line (Redis prefers them), otherwise from the
 * table's Command.getKeys() with the flags Redis's own key extraction gives.
 * test/unit/command-table.test.ts checks that both agree on the positions.
 */
export function commandKeysWithFlags(cmd: Command, argv: string[]): KeyRef[] {
  const fromSpecs = keysFromKeySpecs(cmd, argv);
  if (fromSpecs !== null) return fromSpecs;
  return cmd.getKeys(argv).map((pos) => ({ pos, flags: nativeKeyFlags(cmd.fullname, argv, pos) }));
}

/** doesCommandHaveKeys(). */
export function commandHasKeys(cmd: Command): boolean {
  if (cmd.spec.getKeys !== undefined) return true;
  return keySpecsOf(cmd).some((s) => !s.flags.includes('not_key'));
}

function getKeysImpl(c: Client, argv: string[], withFlags: boolean): void {
  const sub = argv.slice(2);
  const target = c.server.commands.lookup(sub);
  if (target === undefined) throw new RedisError('Invalid command specified');
  if (!commandHasKeys(target)) throw new RedisError('The command has no key arguments');
  if ((target.arity > 0 && target.arity !== sub.length) || sub.length < -target.arity) {
    throw new RedisError('Invalid number of arguments specified for command');
  }
  const keys = commandKeysWithFlags(target, sub);
  if (keys.length === 0) {
    if (target.flags & CMD_NO_MANDATORY_KEYS) {
      c.addReplyArrayLen(0);
      return;
    }
    throw new RedisError('Invalid arguments specified for command');
  }
  c.addReplyArrayLen(keys.length);
  for (const k of keys) {
    if (withFlags) {
      c.addReplyArrayLen(2);
      c.addReplyBulk(sub[k.pos]);
      addReplyStatusSet(c, k.flags);
    } else {
      c.addReplyBulk(sub[k.pos]);
    }
  }
}

// ---- COMMAND LIST ---------------------------------------------------------------------

type ListFilter = (cmd: Command) => boolean;

function commandListCommand(c: Client, argv: string[]): void {
  let filter: ListFilter | null = null;
  for (let i = 2; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    if (cstrEqi(argv[i], 'filterby') && more === 2) {
      const type = argv[i + 1];
      const arg = argv[i + 2];
      if (cstrEqi(type, 'module')) {
        // Nodis loads no modules: no command belongs to one.
        filter = () => false;
      } else if (cstrEqi(type, 'aclcat')) {
        const nul = arg.indexOf('\0');
        const cat = (nul === -1 ? arg : arg.slice(0, nul)).toLowerCase();
        filter = (x) => x.aclCategories.includes(cat);
      } else if (cstrEqi(type, 'pattern')) {
        filter = (x) => stringMatch(arg, x.fullname, true);
      } else {
        throw new RedisError(Errors.syntax);
      }
      i += 2;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  const names: string[] = [];
  for (const top of visibleCommands(c.server.commands)) {
    if (filter === null || filter(top)) names.push(top.fullname);
    if (top.subcommands) {
      for (const sub of top.subcommands.values()) if (filter === null || filter(sub)) names.push(sub.fullname);
    }
  }
  c.addReplyArrayLen(names.length);
  for (const n of names) c.addReplyBulk(n);
}

// ---- handlers ---------------------------------------------------------------------------

function commandCommand(c: Client): void {
  const all = visibleCommands(c.server.commands);
  c.addReplyArrayLen(all.length);
  for (const x of all) addReplyCommandInfo(c, x);
}

function commandCountCommand(c: Client): void {
  c.addReplyLongLong(visibleCommands(c.server.commands).length);
}

function commandInfoCommand(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    commandCommand(c);
    return;
  }
  c.addReplyArrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) addReplyCommandInfo(c, lookupCommandByName(c.server.commands, argv[i]));
}

function commandDocsCommand(c: Client, argv: string[]): void {
  let found: Command[];
  if (argv.length === 2) {
    found = visibleCommands(c.server.commands);
  } else {
    found = [];
    for (let i = 2; i < argv.length; i++) {
      const x = lookupCommandByName(c.server.commands, argv[i]);
      if (x !== undefined) found.push(x);
    }
  }
  c.addReplyMapLen(found.length);
  for (const x of found) {
    c.addReplyBulk(x.fullname);
    addReplyCommandDocs(c, x);
  }
}

const HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

function commandHelpCommand(c: Client, argv: string[]): void {
  c.addReplyHelp(argv[0], HELP);
}

const subcommand = (name: string, arity: number, handler: CommandSpec['handler']): CommandSpec =>
  cmd(name, arity, ['loading', 'stale'], [0, 0, 0], { acl: ['connection'], handler });

export const commandCommands: CommandSpec[] = [
  cmd('command', -1, ['loading', 'stale'], [0, 0, 0], {
    acl: ['connection'],
    handler: commandCommand,
    subcommands: [
      subcommand('count', 2, commandCountCommand),
      subcommand('docs', -2, commandDocsCommand),
      subcommand('getkeys', -4, (c, argv) => getKeysImpl(c, argv, false)),
      subcommand('getkeysandflags', -4, (c, argv) => getKeysImpl(c, argv, true)),
      subcommand('help', 2, commandHelpCommand),
      subcommand('info', -2, commandInfoCommand),
      subcommand('list', -2, commandListCommand),
    ],
  }),
];
