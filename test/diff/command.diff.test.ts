/**
 * COMMAND against a real redis-server, for every command Nodis implements.
 *
 * Nodis implements a subset of Redis's commands, so whole-table replies
 * (COMMAND, COMMAND COUNT, COMMAND LIST, COMMAND DOCS without names) are
 * compared per command or as a subset. Redis orders its command dicts by a
 * hash seeded at random on each start, so the subcommands nested under a
 * container are compared sorted by name (and restricted to the ones Nodis
 * has). Everything else is compared byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair, fmtArgs } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { parseReply, RawClient, type Arg, type Reply } from '../helpers/resp.js';
import { commandReference, type ArgRef } from '../../src/commands/command.js';

warnIfNoRedis('diff/command');

/** Serialize a parsed reply back to RESP bytes (latin1 string). */
function serialize(r: Reply): string {
  switch (r.t) {
    case 'status':
      return `+${r.v}\r\n`;
    case 'error':
      return `-${r.v}\r\n`;
    case 'int':
      return `:${r.v}\r\n`;
    case 'bulk':
      return r.v === null ? '$-1\r\n' : `$${r.v.length}\r\n${r.v.latin1Slice()}\r\n`;
    case 'null':
      return '_\r\n';
    case 'double':
      return `,${r.v}\r\n`;
    case 'bool':
      return `#${r.v ? 't' : 'f'}\r\n`;
    case 'bignum':
      return `(${r.v}\r\n`;
    case 'verbatim':
      return `=${r.v.length}\r\n${r.v.latin1Slice()}\r\n`;
    case 'array': {
      if (r.v === null) return `${r.kind}-1\r\n`;
      const n = r.kind === '%' || r.kind === '|' ? r.v.length / 2 : r.v.length;
      return `${r.kind}${n}\r\n` + r.v.map(serialize).join('');
    }
  }
}

const bulkStr = (r: Reply): string => (r.t === 'bulk' && r.v !== null ? r.v.latin1Slice() : '');
const isArray = (r: Reply): r is { t: 'array'; v: Reply[]; kind: string } => r.t === 'array' && r.v !== null;

/** Pairs of a map reply (RESP3 '%' or RESP2 flat array). */
function pairs(r: { v: Reply[] }): [Reply, Reply][] {
  const out: [Reply, Reply][] = [];
  for (let i = 0; i < r.v.length; i += 2) out.push([r.v[i], r.v[i + 1]]);
  return out;
}

/** A COMMAND INFO entry with its nested subcommands restricted to `keep` and sorted. */
function canonInfo(r: Reply, keep: Set<string>): Reply {
  if (!isArray(r) || r.v.length !== 10) return r;
  const subs = r.v[9];
  if (!isArray(subs) || subs.kind !== '*') return r;
  const items = subs.v
    .filter((s) => isArray(s) && keep.has(bulkStr(s.v[0])))
    .map((s) => canonInfo(s, keep))
    .sort((a, b) => (bulkStr((a as { v: Reply[] }).v[0]) < bulkStr((b as { v: Reply[] }).v[0]) ? -1 : 1));
  return { ...r, v: [...r.v.slice(0, 9), { t: 'array', kind: '*', v: items }] };
}

/** A COMMAND DOCS map of one command, with the subcommands map restricted and sorted. */
function canonDocs(r: Reply, keep: Set<string>): Reply {
  if (!isArray(r)) return r;
  const out: Reply[] = [];
  for (const [k, v] of pairs(r)) {
    if (bulkStr(k) === 'subcommands' && isArray(v)) {
      const subs = pairs(v)
        .filter(([name]) => keep.has(bulkStr(name)))
        .map(([name, d]) => [name, canonDocs(d, keep)] as [Reply, Reply])
        .sort((a, b) => (bulkStr(a[0]) < bulkStr(b[0]) ? -1 : 1));
      out.push(k, { t: 'array', kind: v.kind, v: subs.flat() });
    } else {
      out.push(k, v);
    }
  }
  return { ...r, v: out };
}

/** A COMMAND DOCS reply (map name -> docs) canonicalized. */
function canonDocsReply(buf: Buffer, keep: Set<string>): string {
  const [r] = parseReply(buf);
  if (!isArray(r)) return serialize(r);
  const out: Reply[] = [];
  for (const [name, d] of pairs(r)) out.push(name, canonDocs(d, keep));
  return serialize({ ...r, v: out });
}

function canonInfoReply(buf: Buffer, keep: Set<string>): string {
  const [r] = parseReply(buf);
  if (!isArray(r)) return serialize(r);
  return serialize({ ...r, v: r.v.map((e) => canonInfo(e, keep)) });
}

function listOf(buf: Buffer): string[] {
  const [r] = parseReply(buf);
  if (!isArray(r)) throw new Error(`not a list: ${buf.latin1Slice()}`);
  return r.v.map(bulkStr);
}

/**
 * Switch a Nodis connection to RESP3. Uses HELLO 3 when Nodis has it;
 * otherwise sets the protocol of the server-side client directly.
 */
async function resp3Pair(d: DiffPair): Promise<[RawClient, RawClient]> {
  const [n, r] = await d.connectBoth();
  await r.call('HELLO', '3');
  const reply = (await n.call('HELLO', '3')).latin1Slice();
  if (reply.startsWith('-')) {
    const clients = [...d.nodis.server.clients.values()];
    const newest = clients.reduce((a, b) => (b.id > a.id ? b : a));
    newest.resp = 3;
  }
  return [n, r];
}

/** Command lines built from the reference's argument docs. */
let keyCounter = 0;
function argvFor(args: readonly ArgRef[] | undefined, mode: 'min' | 'max'): string[] {
  const out: string[] = [];
  for (const a of args ?? []) {
    const optional = a.flags?.includes('optional') ?? false;
    if (optional && mode === 'min') continue;
    const reps = a.flags?.includes('multiple') && mode === 'max' ? 2 : 1;
    const multipleToken = a.flags?.includes('multiple_token') ?? false;
    for (let i = 0; i < reps; i++) {
      if (a.token !== undefined && (i === 0 || multipleToken)) out.push(a.token);
      out.push(...argValue(a, mode));
    }
  }
  return out;
}

function argValue(a: ArgRef, mode: 'min' | 'max'): string[] {
  switch (a.type) {
    case 'key':
      return [`k\xff${keyCounter++}`];
    case 'integer':
      return ['1'];
    case 'double':
      return ['1.5'];
    case 'pattern':
      return ['p*'];
    case 'unix-time':
      return ['1000'];
    case 'pure-token':
      return [];
    case 'oneof': {
      const alts = a.arguments ?? [];
      if (alts.length === 0) return [];
      const pick = mode === 'min' ? alts[0] : alts[alts.length - 1];
      return argvFor([{ ...pick, flags: (pick.flags ?? []).filter((f) => f !== 'optional') }], mode);
    }
    case 'block':
      return argvFor(a.arguments, mode);
    default:
      return ['v\x00\xc3'];
  }
}

/** Hand-written key extraction cases; those whose command Nodis lacks are skipped. */
const GETKEYS_CASES: string[][] = [
  ['get', 'k\xff'],
  ['set', 'k', 'v'],
  ['set', 'k', 'v', 'GET'],
  ['set', 'k', 'v', 'EX', '10', 'get'],
  ['set', 'k', 'get'],
  ['setnx', 'k', 'v'],
  ['setex', 'k', '10', 'v'],
  ['psetex', 'k', '10', 'v'],
  ['mset', 'a', '1', 'b', '2'],
  ['mset', 'a', '1', 'b'],
  ['msetnx', 'a', '1', 'b', '2'],
  ['mget', 'a', 'b', 'c'],
  ['del', 'a', 'b'],
  ['exists', 'a'],
  ['rename', 'a', 'b'],
  ['copy', 'a', 'b', 'DB', '1'],
  ['lmove', 'a', 'b', 'LEFT', 'RIGHT'],
  ['blmove', 'a', 'b', 'LEFT', 'RIGHT', '0'],
  ['blpop', 'a', 'b', '0'],
  ['lmpop', '2', 'a', 'b', 'LEFT'],
  ['lmpop', '0', 'a', 'LEFT'],
  ['lmpop', 'x', 'a', 'LEFT'],
  ['blmpop', '0', '2', 'a', 'b', 'LEFT'],
  ['zunionstore', 'd', '2', 'a', 'b'],
  ['zunionstore', 'd', '3', 'a', 'b'],
  ['zunionstore', 'd', '-1', 'a', 'b'],
  ['zinterstore', 'd', '1', 'a', 'WEIGHTS', '2'],
  ['zdiffstore', 'd', '2', 'a', 'b'],
  ['zunion', '2', 'a', 'b'],
  ['zintercard', '2', 'a', 'b', 'LIMIT', '1'],
  ['sintercard', '2', 'a', 'b'],
  ['zmpop', '1', 'a', 'MIN'],
  ['bzmpop', '0', '1', 'a', 'MIN'],
  ['smove', 'a', 'b', 'm'],
  ['sunionstore', 'd', 'a', 'b'],
  ['eval', 'return 1', '2', 'a', 'b', 'x'],
  ['eval', 'return 1', '0'],
  ['eval', 'return 1', '5', 'a'],
  ['evalsha_ro', 'abc', '1', 'a'],
  ['fcall', 'f', '1', 'a', 'arg'],
  ['sort', 'a'],
  ['sort', 'a', 'BY', 'w*', 'STORE', 'd'],
  ['sort', 'a', 'STORE', 'd1', 'STORE', 'd2'],
  ['sort', 'a', 'LIMIT', '0', '1', 'GET', '#', 'STORE'],
  ['sort_ro', 'a', 'BY', 'x'],
  ['migrate', 'h', '1', 'k', '0', '10'],
  ['migrate', 'h', '1', '', '0', '10', 'COPY', 'KEYS', 'a', 'b'],
  ['migrate', 'h', '1', '', '0', '10', 'AUTH', 'keys', 'KEYS', 'a'],
  ['migrate', 'h', '1', 'x', '0', '10', 'KEYS', 'a'],
  ['migrate', 'h', '1', '', '0', '10', 'AUTH2', 'keys', 'keys', 'constructor', 'KEYS', 'a', '\xff'],
  ['migrate', 'h', '1', '', '0', '10', 'REPLACE', 'BOGUS', 'keys'],
  ['georadius', 'g', '0', '0', '1', 'km', 'STORE', 's'],
  ['georadius', 'g', '0', '0', '1', 'km', 'STOREDIST', 's', 'STORE', 't'],
  ['georadiusbymember', 'g', 'm', '1', 'km', 'STORE', 's'],
  ['geosearchstore', 'd', 's', 'FROMMEMBER', 'm', 'BYRADIUS', '1', 'km'],
  ['xread', 'COUNT', '1', 'STREAMS', 'a', 'b', '0', '0'],
  ['xread', 'STREAMS', 'a', 'b', '0'],
  ['xread', 'COUNT', '1', 'a'],
  ['xreadgroup', 'GROUP', 'g', 'c', 'STREAMS', 'a', '>'],
  ['xadd', 's', '*', 'f', 'v'],
  ['bitfield', 'k', 'GET', 'u8', '0'],
  ['bitfield', 'k', 'GET', 'u8', '0', 'SET', 'u8', '0', '1'],
  ['bitfield', 'k', 'OVERFLOW', 'SAT', 'GET', 'u8', '0'],
  ['bitfield', 'k', 'bogus'],
  ['bitfield_ro', 'k', 'GET', 'u8', '0'],
  ['bitop', 'AND', 'd', 'a', 'b'],
  ['pfcount', 'a', 'b'],
  ['pfmerge', 'd', 'a'],
  ['object', 'encoding', 'k'],
  ['OBJECT', 'FREQ', 'k'],
  ['memory', 'usage', 'k'],
  ['debug', 'object', 'k'],
  ['watch', 'a', 'b'],
  ['publish', 'ch', 'm'],
  ['spublish', 'ch', 'm'],
  ['ssubscribe', 'ch'],
  ['subscribe', 'ch'],
  ['ping'],
  ['config', 'get', 'x'],
  ['client', 'list'],
  ['command', 'info'],
  ['getex', 'k', 'PERSIST'],
  ['getdel', 'k'],
  ['append', 'k', 'v'],
  ['incrbyfloat', 'k', '1.5'],
  ['lcs', 'a', 'b'],
  ['expire', 'k', '10'],
  ['touch', 'a', 'b'],
  ['unlink', 'a'],
];

describe.skipIf(!HAVE_REDIS)('differential: COMMAND', () => {
  let d: DiffPair;
  /** Every command and subcommand Nodis has (its COMMAND LIST). */
  let nodisNames: string[];
  let keep: Set<string>;
  let topLevel: string[];
  let containers: Set<string>;

  beforeAll(async () => {
    d = await DiffPair.start();
    nodisNames = listOf(await d.n.call('COMMAND', 'LIST'));
    keep = new Set(nodisNames);
    topLevel = nodisNames.filter((n) => !n.includes('|'));
    containers = new Set(nodisNames.filter((n) => n.includes('|')).map((n) => n.split('|')[0]));
  });
  afterAll(async () => {
    await d?.close();
  });

  /** Compare an INFO/DOCS-shaped reply, canonicalizing only where containers are involved. */
  async function sameInfo(n: RawClient, r: RawClient, args: Arg[], docs = false): Promise<void> {
    const [nb, rb] = await Promise.all([n.call(...args), r.call(...args)]);
    const canon = docs ? canonDocsReply : canonInfoReply;
    const touchesContainer = args.slice(2).some((a) => containers.has(String(a).toLowerCase()));
    if (touchesContainer) {
      expect(canon(nb, keep), `reply to ${fmtArgs(args)}`).toBe(canon(rb, keep));
    } else {
      expect(nb.latin1Slice(), `reply to ${fmtArgs(args)}`).toBe(rb.latin1Slice());
    }
  }

  it('Nodis lists only commands Redis has (or Nodis-only ones), and COMMAND COUNT agrees with its own list', async () => {
    const redisNames = new Set(listOf(await d.r.call('COMMAND', 'LIST')));
    const unknown = nodisNames.filter((n) => !redisNames.has(n) && commandReference.has(n));
    expect(unknown).toEqual([]);
    expect(new Set(nodisNames).size).toBe(nodisNames.length);
    expect((await d.n.call('COMMAND', 'COUNT')).latin1Slice()).toBe(`:${topLevel.length}\r\n`);
    expect((await d.r.call('COMMAND', 'COUNT')).latin1Slice()).toBe(':240\r\n');
  });

  it('COMMAND INFO <name> for every command and subcommand, RESP2 and RESP3', async () => {
    const [n3, r3] = await resp3Pair(d);
    try {
      for (const name of nodisNames) {
        await sameInfo(d.n, d.r, ['COMMAND', 'INFO', name]);
        await sameInfo(n3, r3, ['COMMAND', 'INFO', name]);
      }
    } finally {
      n3.close();
      r3.close();
    }
  });

  it('COMMAND DOCS <name> for every command and subcommand, RESP2 and RESP3', async () => {
    const [n3, r3] = await resp3Pair(d);
    try {
      for (const name of nodisNames) {
        await sameInfo(d.n, d.r, ['COMMAND', 'DOCS', name], true);
        await sameInfo(n3, r3, ['COMMAND', 'DOCS', name], true);
      }
    } finally {
      n3.close();
      r3.close();
    }
  });

  it('COMMAND and COMMAND INFO without names: each entry as Redis reports it', async () => {
    for (const args of [['COMMAND'], ['COMMAND', 'INFO']]) {
      const [all] = parseReply(await d.n.call(...args));
      expect(all.t).toBe('array');
      const entries = (all as { v: Reply[] }).v;
      expect(entries.map((e) => bulkStr((e as { v: Reply[] }).v[0]))).toEqual(topLevel);
      for (const e of entries) {
        const name = bulkStr((e as { v: Reply[] }).v[0]);
        const [redisEntry] = parseReply(await d.r.call('COMMAND', 'INFO', name));
        const want = serialize(canonInfo((redisEntry as { v: Reply[] }).v[0], keep));
        expect(serialize(canonInfo(e, keep)), name).toBe(want);
      }
    }
  });

  it('COMMAND DOCS without names: each entry as Redis reports it', async () => {
    const [all] = parseReply(await d.n.call('COMMAND', 'DOCS'));
    const entries = pairs(all as { v: Reply[] });
    expect(entries.map(([k]) => bulkStr(k))).toEqual(topLevel);
    for (const [k, v] of entries) {
      const [redisMap] = parseReply(await d.r.call('COMMAND', 'DOCS', bulkStr(k)));
      const want = serialize(canonDocs((redisMap as { v: Reply[] }).v[1], keep));
      expect(serialize(canonDocs(v, keep)), bulkStr(k)).toBe(want);
    }
  });

  it('COMMAND INFO / DOCS name lookup: case, subcommand syntax, unknown names', async () => {
    const [n3, r3] = await resp3Pair(d);
    try {
      const cases: Arg[][] = [
        ['COMMAND', 'INFO', 'GET'],
        ['COMMAND', 'INFO', 'nosuch', 'get', 'nosuch\xff'],
        ['COMMAND', 'INFO', ''],
        ['COMMAND', 'INFO', '|'],
        ['COMMAND', 'INFO', 'get|x'],
        ['COMMAND', 'INFO', 'command|INFO'],
        ['COMMAND', 'INFO', 'COMMAND|count', 'command|nosuch', 'command|info|x'],
        ['COMMAND', 'DOCS', 'nosuch'],
        ['COMMAND', 'DOCS', 'nosuch', 'GET', ''],
        ['COMMAND', 'DOCS', 'command|help', 'Command|Count'],
        ['COMMAND', 'DOCS', 'get|x', 'a|b|c'],
      ];
      for (const args of cases) {
        await sameInfo(d.n, d.r, args, args[1] === 'DOCS');
        await sameInfo(n3, r3, args, args[1] === 'DOCS');
      }
      // A name with a NUL byte: redis-server hashes all of it but compares
      // with strcasecmp(), so it finds GET only when both land in one bucket
      // of its (randomly seeded) command table. Nodis answers what Redis
      // answers otherwise.
      const [nulN, nulR] = await d.both('COMMAND', 'INFO', 'get\x00');
      expect(nulN.latin1Slice()).toBe('*1\r\n$-1\r\n');
      if (nulR.latin1Slice() !== '*1\r\n$-1\r\n') expect(nulR.latin1Slice()).toBe((await d.r.call('COMMAND', 'INFO', 'get')).latin1Slice());
      // A container reports its subcommands nested.
      await sameInfo(d.n, d.r, ['COMMAND', 'INFO', 'command']);
      await sameInfo(n3, r3, ['COMMAND', 'DOCS', 'command'], true);
    } finally {
      n3.close();
      r3.close();
    }
  });

  it('COMMAND LIST with and without filters: Redis\'s list restricted to the commands Nodis has', async () => {
    const filters: string[][] = [
      [],
      ['FILTERBY', 'ACLCAT', 'read'],
      ['FILTERBY', 'aclcat', 'CONNECTION'],
      ['filterby', 'ACLCAT', 'slow'],
      ['FILTERBY', 'ACLCAT', 'nosuchcat'],
      ['FILTERBY', 'ACLCAT', '@read'],
      ['FILTERBY', 'PATTERN', 'c*'],
      ['FILTERBY', 'PATTERN', 'COMMAND|*'],
      ['FILTERBY', 'PATTERN', '*et*'],
      ['FILTERBY', 'PATTERN', '[gs]et'],
      ['FILTERBY', 'PATTERN', '*|*'],
      ['FILTERBY', 'PATTERN', '\xff*'],
      ['FILTERBY', 'MODULE', 'nosuchmodule'],
    ];
    for (const f of filters) {
      const args = ['COMMAND', 'LIST', ...f];
      const [nb, rb] = await d.both(...args);
      const nl = listOf(nb);
      const rl = listOf(rb).filter((x) => keep.has(x));
      expect([...nl].sort(), fmtArgs(args)).toEqual([...rl].sort());
    }
  });

  it('COMMAND LIST syntax errors', async () => {
    await d.same('COMMAND', 'LIST', 'FILTERBY');
    await d.same('COMMAND', 'LIST', 'FILTERBY', 'PATTERN');
    await d.same('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'x', 'y');
    await d.same('COMMAND', 'LIST', 'FILTERBY', 'BOGUS', 'x');
    await d.same('COMMAND', 'LIST', 'extra');
    await d.same('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'x', 'FILTERBY', 'ACLCAT', 'read');
  });

  it('COMMAND GETKEYS / GETKEYSANDFLAGS on hand-written command lines', async () => {
    const [n3, r3] = await resp3Pair(d);
    try {
      let compared = 0;
      for (const line of GETKEYS_CASES) {
        const target = line[0].toLowerCase();
        if (!keep.has(target)) continue;
        if (containers.has(target) && !keep.has(`${target}|${line[1].toLowerCase()}`)) continue;
        compared++;
        for (const sub of ['GETKEYS', 'GETKEYSANDFLAGS']) {
          await d.same('COMMAND', sub, ...line);
          const args = ['COMMAND', sub, ...line];
          expect((await n3.call(...args)).latin1Slice(), `RESP3 ${fmtArgs(args)}`).toBe((await r3.call(...args)).latin1Slice());
        }
      }
      expect(compared).toBeGreaterThan(3);
    } finally {
      n3.close();
      r3.close();
    }
  });

  it('COMMAND GETKEYS / GETKEYSANDFLAGS on command lines built from the docs of every command', async () => {
    for (const name of nodisNames) {
      if (containers.has(name)) continue;
      const ref = commandReference.get(name);
      if (ref === undefined) continue;
      const head = name.split('|');
      for (const mode of ['min', 'max'] as const) {
        const line = [...head, ...argvFor(ref.docs.arguments, mode)];
        await d.same('COMMAND', 'GETKEYS', ...line);
        await d.same('COMMAND', 'GETKEYSANDFLAGS', ...line);
      }
    }
  });

  it('COMMAND GETKEYS errors', async () => {
    await d.same('COMMAND', 'GETKEYS', 'nosuch', 'a');
    await d.same('COMMAND', 'GETKEYS', 'ping', 'a');
    await d.same('COMMAND', 'GETKEYS', 'get', 'a', 'b');
    await d.same('COMMAND', 'GETKEYS', 'set', 'a');
    await d.same('COMMAND', 'GETKEYSANDFLAGS', 'get', 'a', 'b');
    await d.same('COMMAND', 'GETKEYSANDFLAGS', 'nosuch', 'a', 'b');
    await d.same('COMMAND', 'GETKEYS', 'command', 'nosuch');
    await d.same('COMMAND', 'GETKEYS', 'command', 'info');
    await d.same('COMMAND', 'GETKEYS', 'COMMAND', 'getkeys', 'get', 'k');
    // Arity of the subcommands themselves.
    await d.same('COMMAND', 'GETKEYS');
    await d.same('COMMAND', 'GETKEYS', 'get');
    await d.same('COMMAND', 'GETKEYSANDFLAGS', 'get');
  });

  it('COMMAND HELP, COUNT arity and unknown subcommands', async () => {
    await d.same('COMMAND', 'HELP');
    await d.same('command', 'help');
    await d.same('COMMAND', 'HELP', 'x');
    await d.same('COMMAND', 'COUNT', 'x');
    await d.same('COMMAND', 'nosuch');
    await d.same('COMMAND', 'nosuch\xff', 'a');
    await d.same('COMMAND', 'DOCS', 'get', 'nosuch', 'set');
  });
});
