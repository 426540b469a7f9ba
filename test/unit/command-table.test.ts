/**
 * The live command table against reference.json (generated from
 * redis-server 7.0.15): every command and subcommand Nodis registers must
 * have Redis's arity, reported flags, legacy key range and ACL categories.
 * A mistake in any command family's table entry fails here.
 */
import { describe, expect, it } from 'vitest';
import { CommandTable, type Command } from '../../src/commands/table.js';
import { allCommands } from '../../src/commands/index.js';
import {
  commandReference,
  reportedFlags,
  REFERENCE_VERSION,
  commandKeysWithFlags,
  keysFromKeySpecs,
  type ArgRef,
} from '../../src/commands/command.js';
import { REDIS_VERSION } from '../../src/server/server.js';

/** Commands Nodis has that redis-server 7.0.15 does not (full names). */
const NODIS_ONLY = new Set<string>([]);

const table = new CommandTable(allCommands);
const entries: Command[] = [...table.walk()];

describe('command table vs reference.json', () => {
  it('reference data matches the Redis version Nodis reports', () => {
    expect(REFERENCE_VERSION).toBe(REDIS_VERSION);
  });

  it('the table is not empty and includes COMMAND itself', () => {
    expect(entries.length).toBeGreaterThan(10);
    expect(table.get('command')?.subcommands?.has('docs')).toBe(true);
  });

  it('Nodis-only commands are really absent from the reference', () => {
    for (const name of NODIS_ONLY) expect(commandReference.has(name), name).toBe(false);
  });

  it.each(entries.map((c) => [c.fullname, c] as const))('%s', (fullname, c) => {
    const ref = commandReference.get(fullname);
    if (NODIS_ONLY.has(fullname)) {
      expect(ref).toBeUndefined();
      return;
    }
    expect(ref, `${fullname} is not a redis-server 7.0.15 command (list it in NODIS_ONLY if intended)`).toBeDefined();
    const actual = {
      arity: c.arity,
      flags: reportedFlags(c),
      keys: [c.spec.firstKey, c.spec.lastKey, c.spec.step],
      acl: c.aclCategories,
      container: c.subcommands !== null,
    };
    const expected = {
      arity: ref!.arity,
      flags: ref!.flags,
      keys: [ref!.first, ref!.last, ref!.step],
      acl: ref!.acl,
      container: ref!.subcommands !== undefined,
    };
    expect(actual).toEqual(expected);
    if (c.subcommands !== null) {
      for (const sub of c.subcommands.values()) {
        expect(ref!.subcommands, `${sub.fullname} listed under ${fullname}`).toContain(sub.fullname);
      }
    }
  });

  it('every entry has a handler, except containers', () => {
    const missing = entries.filter((c) => c.subcommands === null && c.handler === undefined).map((c) => c.fullname);
    expect(missing).toEqual([]);
  });

  it('subcommands are registered under their own bare names', () => {
    for (const c of entries) {
      if (c.parent !== null) expect(c.fullname).toBe(`${c.parent.name}|${c.name}`);
      if (c.parent === null) expect(c.name).not.toContain('|');
    }
  });
});

describe('reference.json consistency', () => {
  it('containers list subcommands that exist, and subcommands have a container', () => {
    for (const [name, ref] of commandReference) {
      for (const s of ref.subcommands ?? []) {
        expect(commandReference.has(s), s).toBe(true);
        expect(s.startsWith(`${name}|`)).toBe(true);
      }
      if (name.includes('|')) {
        const parent = commandReference.get(name.split('|')[0]);
        expect(parent?.subcommands, name).toContain(name);
      }
    }
  });

  it('is the 7.0.15 command set', () => {
    const top = [...commandReference.keys()].filter((n) => !n.includes('|'));
    expect(top.length).toBe(240);
    expect(commandReference.size).toBe(366);
    expect(commandReference.get('get')).toMatchObject({ arity: 2, flags: ['readonly', 'fast'], first: 1, last: 1, step: 1 });
    expect(commandReference.get('config|get')?.docs.arguments?.[0]).toMatchObject({ name: 'parameter', type: 'block', flags: ['multiple'] });
  });
});

describe('key extraction with flags (COMMAND GETKEYSANDFLAGS)', () => {
  const keysOf = (argv: string[]) => {
    const c = table.lookup(argv);
    if (c === undefined) return undefined;
    return commandKeysWithFlags(c, argv).map((k) => [argv[k.pos], k.flags.join(' ')]);
  };

  it('SET has variable flags that depend on GET', () => {
    expect(keysOf(['set', 'k\xff', 'v'])).toEqual([['k\xff', 'OW update']]);
    expect(keysOf(['set', 'k', 'v', 'GeT'])).toEqual([['k', 'RW access update']]);
    // A C string ends at NUL: "get\0x" is the GET option for the key extraction.
    expect(keysOf(['set', 'k', 'v', 'get\0x'])).toEqual([['k', 'RW access update']]);
    // The value is never an option.
    expect(keysOf(['set', 'k', 'get'])).toEqual([['k', 'OW update']]);
  });

  it('GET uses its key spec', () => {
    expect(keysOf(['get', '\x00\xc3'])).toEqual([['\x00\xc3', 'RO access']]);
  });
});

/** A command line built from the reference's argument docs (required args only, or all of them). */
function argvFor(args: readonly ArgRef[] | undefined, mode: 'min' | 'max', counter = { n: 0 }): string[] {
  const out: string[] = [];
  for (const a of args ?? []) {
    if (a.flags?.includes('optional') && mode === 'min') continue;
    const reps = a.flags?.includes('multiple') && mode === 'max' ? 2 : 1;
    for (let i = 0; i < reps; i++) {
      if (a.token !== undefined && (i === 0 || a.flags?.includes('multiple_token'))) out.push(a.token);
      switch (a.type) {
        case 'key':
          out.push(`k\xff${counter.n++}`);
          break;
        case 'integer':
        case 'unix-time':
          out.push('1');
          break;
        case 'double':
          out.push('1.5');
          break;
        case 'pure-token':
          break;
        case 'oneof': {
          const alts = a.arguments ?? [];
          const pick = mode === 'min' ? alts[0] : alts[alts.length - 1];
          if (pick) out.push(...argvFor([{ ...pick, flags: pick.flags?.filter((f) => f !== 'optional') }], mode, counter));
          break;
        }
        case 'block':
          out.push(...argvFor(a.arguments, mode, counter));
          break;
        default:
          out.push('v');
      }
    }
  }
  return out;
}

describe('Command.getKeys() finds the keys the key specs declare', () => {
  const keyed = entries.filter((c) => {
    const ref = commandReference.get(c.fullname);
    return c.subcommands === null && ref !== undefined && ref.key_specs.some((s) => !s.flags.includes('not_key'));
  });

  it('covers the commands with keys', () => {
    expect(keyed.map((c) => c.fullname)).toContain('get');
  });

  it.each(keyed.map((c) => [c.fullname, c] as const))('%s', (fullname, c) => {
    const ref = commandReference.get(fullname)!;
    for (const mode of ['min', 'max'] as const) {
      const argv = [...fullname.split('|'), ...argvFor(ref.docs.arguments, mode)];
      if ((c.arity > 0 && argv.length !== c.arity) || argv.length < -c.arity) continue;
      const fromSpecs = keysFromKeySpecs(c, argv);
      // Where Redis does not rely on the key specs, its own key extraction is the reference.
      if (fromSpecs === null) continue;
      const line = argv.join(' ');
      expect([...c.getKeys(argv)].sort((a, b) => a - b), line).toEqual(fromSpecs.map((k) => k.pos).sort((a, b) => a - b));
    }
  });
});
