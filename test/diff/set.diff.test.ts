import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { parseReply, type RawClient, type Reply } from '../helpers/resp.js';

warnIfNoRedis('diff/set');

const BIN = '\xff\x00\xc3';
const BIN2 = 'm\x00\xfe\x80';

function strings(r: Reply): string[] {
  if (r.t !== 'array' || r.v === null) throw new Error(`not an array: ${JSON.stringify(r)}`);
  return r.v.map((x) => {
    if (x.t !== 'bulk' || x.v === null) throw new Error(`unexpected element ${JSON.stringify(x)}`);
    return x.v.latin1Slice();
  });
}

/** A whole SSCAN walk: every member returned (sorted, with repeats). */
async function sscanAll(c: RawClient, key: string, extra: string[] = []): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  let calls = 0;
  do {
    const [r] = parseReply(await c.call('SSCAN', key, cursor, ...extra));
    if (r.t !== 'array' || r.v === null) throw new Error(`bad SSCAN reply ${JSON.stringify(r)}`);
    const [cur, items] = r.v as [Reply, Reply];
    cursor = (cur as { v: Buffer }).v.latin1Slice();
    out.push(...strings(items));
    if (++calls > 100000) throw new Error('SSCAN does not terminate');
  } while (cursor !== '0');
  return out.sort();
}

describe.skipIf(!HAVE_REDIS)('differential: sets', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });
  beforeEach(async () => {
    await d.same('FLUSHALL');
    await d.same('CONFIG', 'SET', 'set-max-intset-entries', '512');
  });

  async function ints(key: string, from: number, n: number, step = 1): Promise<void> {
    const args: string[] = [];
    for (let i = 0; i < n; i++) args.push(String(from + i * step));
    await d.same('SADD', key, ...args);
  }

  async function strs(key: string, n: number, prefix = 'm'): Promise<void> {
    const args: string[] = [];
    for (let i = 0; i < n; i++) args.push(`${prefix}${i}${BIN}`);
    await d.same('SADD', key, ...args);
  }

  it('SADD, SREM, SCARD, SISMEMBER, SMISMEMBER with binary members', async () => {
    await d.same('SADD', 's', BIN, BIN2, 'a', BIN);
    await d.same('SADD', 's', 'a', 'b');
    await d.same('SCARD', 's');
    await d.same('SCARD', 'nokey');
    await d.same('SISMEMBER', 's', BIN);
    await d.same('SISMEMBER', 's', '\xff');
    await d.same('SISMEMBER', 'nokey', 'a');
    await d.same('SMISMEMBER', 's', 'a', 'nope', BIN2, 'a');
    await d.same('SMISMEMBER', 'nokey', 'a', 'b');
    await d.same('SREM', 's', 'a', 'a', 'nope');
    await d.same('SREM', 'nokey', 'a');
    await d.same(['SMEMBERS', 's'], { sort: true });
    await d.same('SREM', 's', BIN, BIN2, 'b', 'more');
    await d.same('EXISTS', 's');
    await d.same('SADD', 's');
    await d.same('SREM', 's');
    await d.same('SMISMEMBER', 's');
    await d.same('SISMEMBER', 's');
    await d.same('SADD', 'e', '');
    await d.same('SISMEMBER', 'e', '');
    await d.same('SMEMBERS', 'e');
  });

  it('intsets: canonical integers only, ascending order, exact bounds', async () => {
    await d.same('SADD', 'i', '5', '-1', '100', '9223372036854775807', '-9223372036854775808', '0', '5');
    await d.same('SMEMBERS', 'i');
    await d.same('OBJECT', 'ENCODING', 'i');
    await d.same('SISMEMBER', 'i', '05');
    await d.same('SISMEMBER', 'i', '+5');
    await d.same('SISMEMBER', 'i', '-0');
    await d.same('SISMEMBER', 'i', '9223372036854775808');
    await d.same('SMISMEMBER', 'i', '5', '5.0', ' 5', '0');
    await d.same('SREM', 'i', '05', '100');
    await d.same('SMEMBERS', 'i');
    await d.same('SRANDMEMBER', 'i', '100');
    for (const v of ['007', '+1', '-0', ' 1', '1 ', '1.0', '9223372036854775808', '-9223372036854775809', '', 'a']) {
      await d.same('DEL', 'j');
      await d.same('SADD', 'j', v);
      await d.same('OBJECT', 'ENCODING', 'j');
      await d.same('SADD', 'k', '1', '2');
      await d.same('SADD', 'k', v);
      await d.same('OBJECT', 'ENCODING', 'k');
      await d.same('DEL', 'k');
    }
    // A non-integer makes it a hashtable for good.
    await d.same('SADD', 'i', 'x');
    await d.same('SREM', 'i', 'x');
    await d.same('OBJECT', 'ENCODING', 'i');
    await d.same(['SMEMBERS', 'i'], { sort: true });
  });

  it('OBJECT ENCODING follows set-max-intset-entries', async () => {
    await ints('i', -100, 512, 3);
    await d.same('OBJECT', 'ENCODING', 'i');
    await d.same('SMEMBERS', 'i');
    await d.same('SADD', 'i', '-100');
    await d.same('OBJECT', 'ENCODING', 'i');
    await d.same('SADD', 'i', '1000000');
    await d.same('OBJECT', 'ENCODING', 'i');
    await d.same('SREM', 'i', '1000000', '-100');
    await d.same('OBJECT', 'ENCODING', 'i');
    await d.same('SADD', 'h', 'a', '1');
    await d.same('OBJECT', 'ENCODING', 'h');
    await d.same('SADD', 'h2', '1', 'a');
    await d.same('OBJECT', 'ENCODING', 'h2');
    await d.same('CONFIG', 'SET', 'set-max-intset-entries', '3');
    await d.same('SADD', 't', '1', '2', '3');
    await d.same('OBJECT', 'ENCODING', 't');
    await d.same('SADD', 't', '4');
    await d.same('OBJECT', 'ENCODING', 't');
    await d.same('CONFIG', 'SET', 'set-max-intset-entries', '0');
    await d.same('SADD', 'u', '1');
    await d.same('OBJECT', 'ENCODING', 'u');
    await d.same('CONFIG', 'SET', 'set-max-intset-entries', '512');
    // COPY keeps the encoding.
    await ints('small', 0, 10);
    await d.same('COPY', 'small', 'small-copy');
    await d.same('OBJECT', 'ENCODING', 'small-copy');
    await d.same('SMEMBERS', 'small-copy');
    await d.same('COPY', 'i', 'i-copy');
    await d.same('OBJECT', 'ENCODING', 'i-copy');
    await d.same('SCARD', 'i-copy');
  });

  it('WRONGTYPE on every set command', async () => {
    await d.same('SET', 'str', 'x');
    await d.same('HSET', 'hash', 'a', '1');
    await d.same('SADD', 'ok', 'a', 'b');
    for (const k of ['str', 'hash']) {
      await d.same('SADD', k, 'a');
      await d.same('SREM', k, 'a');
      await d.same('SCARD', k);
      await d.same('SISMEMBER', k, 'a');
      await d.same('SMISMEMBER', k, 'a');
      await d.same('SMEMBERS', k);
      await d.same('SPOP', k);
      await d.same('SPOP', k, '0');
      await d.same('SPOP', k, '3');
      await d.same('SRANDMEMBER', k);
      await d.same('SRANDMEMBER', k, '0');
      await d.same('SRANDMEMBER', k, '-3');
      await d.same('SINTER', k);
      await d.same('SINTER', 'ok', k);
      await d.same('SINTER', 'nokey', k);
      await d.same('SINTERCARD', '2', 'nokey', k);
      await d.same('SINTERSTORE', 'dst', 'ok', k);
      await d.same('SUNION', 'ok', k);
      await d.same('SUNIONSTORE', 'dst', 'ok', k);
      await d.same('SDIFF', 'ok', k);
      await d.same('SDIFF', 'nokey', k);
      await d.same('SDIFFSTORE', 'dst', 'ok', k);
      await d.same('SMOVE', k, 'ok', 'a');
      await d.same('SMOVE', 'ok', k, 'a');
      await d.same('SSCAN', k, '0');
      await d.same('SSCAN', k, 'x');
    }
    await d.same('SMOVE', 'nokey', 'str', 'a');
    await d.same(['SMEMBERS', 'ok'], { sort: true });
    await d.same('EXISTS', 'dst');
  });

  it('SINTER, SUNION, SDIFF and SMEMBERS: exact order for intset results', async () => {
    await d.same('SADD', 'a', '1', '2', '3', '4', '5');
    await d.same('SADD', 'b', '4', '5', '6', '7');
    await d.same('SADD', 'c', '5', 'x', '1');
    await d.same('SADD', 'd', '3', '5', '7', '9', '11', '13');
    await d.same('SINTER', 'a', 'b');
    await d.same('SINTER', 'b', 'a');
    await d.same('SINTER', 'a', 'd');
    await d.same('SINTER', 'a', 'b', 'd');
    await d.same('SINTER', 'a', 'a');
    await d.same('SINTER', 'a', 'nokey');
    await d.same('SINTER', 'nokey');
    await d.same(['SINTER', 'a', 'c'], { sort: true });
    await d.same('SUNION', 'a', 'b', 'd');
    await d.same('SUNION', 'nokey', 'a');
    await d.same('SUNION', 'nokey');
    await d.same(['SUNION', 'a', 'c'], { sort: true });
    await d.same('SDIFF', 'a', 'b');
    await d.same('SDIFF', 'a', 'b', 'd');
    await d.same('SDIFF', 'a', 'nokey');
    await d.same('SDIFF', 'nokey', 'a');
    await d.same('SDIFF', 'a', 'a');
    await d.same('SDIFF', 'a', 'b', 'a');
    await d.same('SDIFF', 'c', 'a');
    await d.same('SDIFF', 'a', 'c');
    await d.same('SMEMBERS', 'nokey');
    await d.same('SINTER');
    await d.same('SUNION');
    await d.same('SDIFF');
  });

  it('SDIFF picks its algorithm like Redis (visible in the result encoding)', async () => {
    // Many small subtrahends: the add-then-remove algorithm, whose
    // intermediate set converts to a hashtable.
    await ints('big', 0, 600);
    const sub: string[] = [];
    for (let j = 0; j < 10; j++) {
      await ints(`sub${j}`, j * 10, 10);
      sub.push(`sub${j}`);
    }
    await d.same('SDIFFSTORE', 'r1', 'big', ...sub);
    await d.same('OBJECT', 'ENCODING', 'r1');
    await d.same('SCARD', 'r1');
    // One large subtrahend: the member-by-member algorithm, intset result.
    await ints('mid', 0, 100);
    await d.same('SDIFFSTORE', 'r2', 'big', 'mid');
    await d.same('OBJECT', 'ENCODING', 'r2');
    await d.same('SCARD', 'r2');
    // A hashtable first set with only integer survivors.
    await d.same('SADD', 'mixed', 'a', '1', '2', 'b');
    await d.same('SADD', 'letters', 'a', 'b');
    await d.same('SDIFF', 'mixed', 'letters');
    await d.same('SDIFFSTORE', 'r3', 'mixed', 'letters');
    await d.same('OBJECT', 'ENCODING', 'r3');
    await d.same('SADD', 'l1', 'a');
    await d.same('SADD', 'l2', 'b');
    await d.same('SADD', 'l3', 'c');
    await d.same('SDIFFSTORE', 'r4', 'mixed', 'l1', 'l2', 'l3');
    await d.same('OBJECT', 'ENCODING', 'r4');
    await d.same(['SMEMBERS', 'r4'], { sort: true });
  });

  it('*STORE commands: results, overwrite of any type, empty results delete the destination', async () => {
    await d.same('SADD', 'a', '1', '2', '3', BIN);
    await d.same('SADD', 'b', '2', '3', '4', BIN);
    await d.same('SADD', 'n', '10', '20');
    await d.same('SET', 'dst', 'string');
    await d.same('EXPIRE', 'dst', '1000');
    await d.same('SINTERSTORE', 'dst', 'a', 'b');
    await d.same('TTL', 'dst');
    await d.same(['SMEMBERS', 'dst'], { sort: true });
    await d.same('OBJECT', 'ENCODING', 'dst');
    await d.same('SINTERSTORE', 'dst', 'a', 'n');
    await d.same('EXISTS', 'dst');
    await d.same('HSET', 'dst', 'f', 'v');
    await d.same('SINTERSTORE', 'dst', 'a', 'nokey');
    await d.same('EXISTS', 'dst');
    await d.same('SINTERSTORE', 'dst', 'a', 'b', 'n');
    await d.same('SINTERSTORE', 'ints', 'a', 'b', 'a');
    await d.same('SREM', 'a', BIN);
    await d.same('SINTERSTORE', 'ints', 'a', 'b');
    await d.same('SMEMBERS', 'ints');
    await d.same('OBJECT', 'ENCODING', 'ints');
    await d.same('SUNIONSTORE', 'u', 'a', 'b', 'n', 'nokey');
    await d.same(['SMEMBERS', 'u'], { sort: true });
    await d.same('SUNIONSTORE', 'u', 'a', 'n');
    await d.same('SMEMBERS', 'u');
    await d.same('OBJECT', 'ENCODING', 'u');
    await d.same('SUNIONSTORE', 'u', 'nokey');
    await d.same('EXISTS', 'u');
    await d.same('SDIFFSTORE', 'df', 'b', 'a');
    await d.same(['SMEMBERS', 'df'], { sort: true });
    await d.same('SDIFFSTORE', 'df', 'a', 'a');
    await d.same('EXISTS', 'df');
    await d.same('SDIFFSTORE', 'a', 'a', 'n');
    await d.same('SMEMBERS', 'a');
    await d.same('SUNIONSTORE', 'a', 'a', 'n');
    await d.same('SMEMBERS', 'a');
    await d.same('SINTERSTORE', 'dst');
    await d.same('SUNIONSTORE', 'dst');
    await d.same('SDIFFSTORE', 'dst');
    // Big unions convert past the intset limit.
    await ints('x', 0, 300);
    await ints('y', 1000, 300);
    await d.same('SUNIONSTORE', 'xy', 'x', 'y');
    await d.same('OBJECT', 'ENCODING', 'xy');
    await d.same('SCARD', 'xy');
    await d.same(['SUNION', 'x', 'y'], { sort: true });
    await d.same('SINTERSTORE', 'xx', 'x', 'xy');
    await d.same('OBJECT', 'ENCODING', 'xx');
    await d.same('SMEMBERS', 'xx');
  });

  it('SINTERCARD', async () => {
    await ints('a', 0, 50);
    await ints('b', 25, 50);
    await d.same('SADD', 'c', 'x', '30', '31', '100');
    await d.same('SINTERCARD', '2', 'a', 'b');
    await d.same('SINTERCARD', '2', 'a', 'b', 'LIMIT', '0');
    await d.same('SINTERCARD', '2', 'a', 'b', 'LIMIT', '10');
    await d.same('SINTERCARD', '2', 'a', 'b', 'limit', '1000');
    await d.same('SINTERCARD', '3', 'a', 'b', 'c');
    await d.same('SINTERCARD', '3', 'a', 'b', 'c', 'LIMIT', '1');
    await d.same('SINTERCARD', '1', 'c');
    await d.same('SINTERCARD', '2', 'a', 'nokey');
    await d.same('SINTERCARD', '1', 'nokey');
    await d.same('SINTERCARD', '2', 'a', 'a');
    await d.same('SINTERCARD', '0', 'a');
    await d.same('SINTERCARD', '-1', 'a');
    await d.same('SINTERCARD', 'x', 'a');
    await d.same('SINTERCARD', '9223372036854775808', 'a');
    await d.same('SINTERCARD', '3', 'a', 'b');
    await d.same('SINTERCARD', '2', 'a', 'b', 'LIMIT');
    await d.same('SINTERCARD', '2', 'a', 'b', 'LIMIT', '-1');
    await d.same('SINTERCARD', '2', 'a', 'b', 'LIMIT', 'x');
    await d.same('SINTERCARD', '2', 'a', 'b', 'LIMIT', '1', 'LIMIT', '2');
    await d.same('SINTERCARD', '2', 'a', 'b', 'FOO');
    await d.same('SINTERCARD', '1', 'a', 'b');
    await d.same('SINTERCARD', '1');
    await d.same('COMMAND', 'GETKEYS', 'SINTERCARD', '2', 'a', 'b', 'LIMIT', '1');
  });

  it('SMOVE', async () => {
    await d.same('SADD', 'src', '1', '2', 'a', BIN);
    await d.same('SADD', 'dst', '5');
    await d.same('SMOVE', 'src', 'dst', '1');
    await d.same('SMEMBERS', 'dst');
    await d.same('OBJECT', 'ENCODING', 'dst');
    await d.same('SMOVE', 'src', 'dst', BIN);
    await d.same('OBJECT', 'ENCODING', 'dst');
    await d.same('SMOVE', 'src', 'dst', 'nope');
    await d.same('SMOVE', 'src', 'src', 'a');
    await d.same('SMOVE', 'src', 'src', 'nope');
    await d.same('SMOVE', 'nokey', 'dst', 'a');
    await d.same('SMOVE', 'src', 'new', '2');
    await d.same('OBJECT', 'ENCODING', 'new');
    await d.same('SMOVE', 'src', 'new2', 'a');
    await d.same('OBJECT', 'ENCODING', 'new2');
    await d.same('EXISTS', 'src');
    await d.same('SADD', 'p', 'x');
    await d.same('SADD', 'q', 'x');
    await d.same('SMOVE', 'p', 'q', 'x');
    await d.same('EXISTS', 'p');
    await d.same('SMEMBERS', 'q');
    await d.same('SMOVE', 'q', 'p');
  });

  it('SPOP and SRANDMEMBER: errors, empty and whole-set replies', async () => {
    await d.same('SADD', 's', '3', '1', '2');
    await d.same('SPOP', 'nokey');
    await d.same('SPOP', 'nokey', '3');
    await d.same('SPOP', 'nokey', '-1');
    await d.same('SPOP', 's', '0');
    await d.same('SPOP', 's', '-1');
    await d.same('SPOP', 's', 'x');
    await d.same('SPOP', 's', '1.5');
    await d.same('SPOP', 's', '9223372036854775808');
    await d.same('SPOP', 's', '1', '2');
    await d.same('SRANDMEMBER', 'nokey');
    await d.same('SRANDMEMBER', 'nokey', '3');
    await d.same('SRANDMEMBER', 'nokey', '-3');
    await d.same('SRANDMEMBER', 'nokey', 'x');
    await d.same('SRANDMEMBER', 's', '0');
    await d.same('SRANDMEMBER', 's', 'x');
    await d.same('SRANDMEMBER', 's', '3');
    await d.same('SRANDMEMBER', 's', '100');
    await d.same('SRANDMEMBER', 's', '9223372036854775807');
    await d.same('SRANDMEMBER', 's', '-9223372036854775808');
    await d.same('SRANDMEMBER', 's', '9223372036854775808');
    await d.same('SRANDMEMBER', 's', '1', '2');
    await d.same('SRANDMEMBER', 's', 'x', '2');
    await d.same('SPOP', 's', '3');
    await d.same('EXISTS', 's');
    await d.same('SADD', 's', '3', '1', '2');
    await d.same('SPOP', 's', '100');
    await d.same('EXISTS', 's');
    // A hashtable holding only integers pops its members as an intset union.
    await d.same('SADD', 'h', 'x', '5', '-1', '3');
    await d.same('SREM', 'h', 'x');
    await d.same('SPOP', 'h', '3');
    await d.same('SADD', 'one', BIN);
    await d.same('SPOP', 'one');
    await d.same('EXISTS', 'one');
    await d.same('SADD', 'one', BIN);
    await d.same('SRANDMEMBER', 'one');
    await d.same('SRANDMEMBER', 'one', '-3');
    await d.same('SPOP', 'one', '1');
    await d.same('EXISTS', 'one');
  });

  it('SPOP and SRANDMEMBER with counts return members of the set', async () => {
    for (const [key, make, n] of [
      ['ints', () => ints('ints', 1, 40), 40],
      ['strs', () => strs('strs', 40), 40],
      ['big', () => strs('big', 800), 800],
      ['bigints', () => ints('bigints', 1, 700), 700],
    ] as const) {
      await make();
      const [all] = parseReply(await d.n.call('SMEMBERS', key));
      const members = new Set(strings(all));
      expect(members.size).toBe(n);
      for (const count of [1, 2, 5, Math.floor(n / 3) + 1, n - 1]) {
        const [nb, rb] = await d.both('SRANDMEMBER', key, String(count));
        for (const b of [nb, rb]) {
          const got = strings(parseReply(b)[0]);
          expect(got.length).toBe(count);
          expect(new Set(got).size).toBe(count);
          for (const m of got) expect(members.has(m)).toBe(true);
        }
        const [nb2, rb2] = await d.both('SRANDMEMBER', key, String(-count * 2));
        for (const b of [nb2, rb2]) {
          const got = strings(parseReply(b)[0]);
          expect(got.length).toBe(count * 2);
          for (const m of got) expect(members.has(m)).toBe(true);
        }
      }
      // Pop a little, then most of the rest (both strategies).
      let left = n;
      for (const count of [3, Math.floor(n / 2), 1]) {
        const [nb, rb] = await d.both('SPOP', key, String(count));
        const gotN = strings(parseReply(nb)[0]);
        const gotR = strings(parseReply(rb)[0]);
        expect(gotN.length).toBe(gotR.length);
        expect(gotN.length).toBe(count);
        for (const m of gotN) {
          expect(members.has(m)).toBe(true);
          members.delete(m);
        }
        left -= count;
        const [rest] = parseReply(await d.n.call('SMEMBERS', key));
        expect(strings(rest).sort()).toEqual([...members].sort());
        await d.same('SCARD', key);
      }
      expect(left).toBe(members.size);
      // Re-sync Redis's copy with Nodis's before comparing encodings.
      await d.same('DEL', key);
    }
  });

  it('SPOP leaves a rebuilt set with the encoding Redis gives it', async () => {
    await ints('h', 0, 600);
    await d.same('OBJECT', 'ENCODING', 'h');
    const [nb, rb] = await d.both('SPOP', 'h', '590');
    expect(strings(parseReply(nb)[0]).length).toBe(590);
    expect(strings(parseReply(rb)[0]).length).toBe(590);
    await d.same('OBJECT', 'ENCODING', 'h');
    await d.same('SCARD', 'h');
    await ints('k', 0, 600);
    await d.both('SPOP', 'k', '10');
    await d.same('OBJECT', 'ENCODING', 'k');
    await d.same('SCARD', 'k');
    await d.same('SADD', 'm', 'a', '1', '2', '3', '4', '5', '6', '7', '8', '9');
    await d.both('SPOP', 'm', '9');
    await d.same('SCARD', 'm');
  });

  it('SSCAN: small encodings in one call, errors, MATCH, COUNT', async () => {
    await d.same('SADD', 'i', '30', '1', '-5', '100', '12');
    await d.same('SSCAN', 'i', '0');
    await d.same('SSCAN', 'i', '77');
    await d.same('SSCAN', 'i', '0', 'MATCH', '1*');
    await d.same('SSCAN', 'i', '0', 'MATCH', '-*', 'COUNT', '1');
    await d.same('SSCAN', 'i', '0', 'COUNT', '0');
    await d.same('SSCAN', 'i', '0', 'COUNT', 'x');
    await d.same('SSCAN', 'i', '0', 'MATCH');
    await d.same('SSCAN', 'i', '0', 'TYPE', 'set');
    await d.same('SSCAN', 'i', 'x');
    await d.same('SSCAN', 'i', '-1');
    await d.same('SSCAN', 'nokey', '0');
    await d.same('SSCAN', 'nokey', '0', 'COUNT', '0');
    await d.same('SSCAN', 'nokey', 'x');
    await d.same('SSCAN', 'i');
    await d.same('SADD', 'one', BIN);
    await d.same('SSCAN', 'one', '0');
    await d.same('SSCAN', 'one', '0', 'MATCH', '\xff*');
    await d.same('SSCAN', 'one', '0', 'MATCH', 'x*');
  });

  it('SSCAN over a hashtable returns every member', async () => {
    await strs('big', 1500);
    const all = await sscanAll(d.n, 'big');
    expect(all.length).toBe(1500);
    expect(all).toEqual(await sscanAll(d.r, 'big'));
    const some = await sscanAll(d.n, 'big', ['MATCH', 'm1*', 'COUNT', '5']);
    expect(some).toEqual(await sscanAll(d.r, 'big', ['MATCH', 'm1*', 'COUNT', '5']));
    await ints('bigints', 0, 1000);
    expect(await sscanAll(d.n, 'bigints')).toEqual(await sscanAll(d.r, 'bigints'));
  });

  it('RESP3 replies', async () => {
    await d.both('HELLO', '3');
    await d.same('SADD', 'i', '3', '1', '2');
    await d.same('SADD', 'j', '2', '3', '4');
    await d.same('SMEMBERS', 'i');
    await d.same('SMEMBERS', 'nokey');
    await d.same('SINTER', 'i', 'j');
    await d.same('SINTER', 'i', 'nokey');
    await d.same('SUNION', 'i', 'j');
    await d.same('SDIFF', 'i', 'j');
    await d.same('SDIFF', 'nokey', 'j');
    await d.same('SINTERCARD', '2', 'i', 'j');
    await d.same('SMISMEMBER', 'i', '1', '5');
    await d.same('SRANDMEMBER', 'nokey');
    await d.same('SRANDMEMBER', 'nokey', '2');
    await d.same('SRANDMEMBER', 'i', '10');
    await d.same('SPOP', 'nokey');
    await d.same('SPOP', 'nokey', '2');
    await d.same('SPOP', 'i', '0');
    await d.same('SSCAN', 'i', '0');
    const [nb, rb] = await d.both('SPOP', 'j', '1');
    expect(nb[0]).toBe(rb[0]);
    await d.same('SPOP', 'i', '10');
    await d.both('HELLO', '2');
  });
});
