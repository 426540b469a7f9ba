import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Config } from '../../src/server/config.js';
import { RdbWriter, rdbEncodeValue, encodeIntset, defaultAux } from '../../src/persistence/rdb/writer.js';
import { ChunkSource, NEED_MORE_STEP, fdSource, loadRdb, loadRdbSteps, rdbDecodeValue, RdbLoadError, type RdbFileSource, type RdbSink } from '../../src/persistence/rdb/reader.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LoadAbandoned, runLoadSteps, runLoadStepsAsync } from '../../src/persistence/load-steps.js';
import { createDumpPayload, verifyDumpPayload } from '../../src/persistence/rdb/payload.js';
import { crc64 } from '../../src/persistence/rdb/crc64.js';
import { ListpackBuilder } from '../../src/persistence/rdb/listpack.js';
import { parseListpack } from '../../src/persistence/rdb/decode.js';
import { RList } from '../../src/store/list.js';
import { RSet } from '../../src/store/set.js';
import { RHash, hashLimits } from '../../src/store/hash.js';
import { ZSet, zsetLimits } from '../../src/store/zset.js';
import type { RValue } from '../../src/store/types.js';
import { isString, strValue } from '../../src/store/types.js';

const cfg = new Config();

interface Loaded {
  db: number;
  key: string;
  value: RValue;
  expire: number;
  idle?: number;
  freq?: number;
}

interface Collected {
  keys: Loaded[];
  aux: [string, string][];
  dbs: number[];
}

/** A sink that keeps what a load hands it. */
function collector(): Collected & { sink: RdbSink } {
  const c: Collected = { keys: [], aux: [], dbs: [] };
  const sink: RdbSink = {
    aux: (k, v) => c.aux.push([k, v]),
    selectDb: (id) => c.dbs.push(id),
    key: (db, key, value, expire, idle, freq) => c.keys.push({ db, key, value, expire, idle, freq }),
  };
  return { ...c, sink };
}

function collect(buf: Buffer | RdbFileSource, opts = {}): Collected & { result: ReturnType<typeof loadRdb> } {
  const { sink, ...c } = collector();
  return { ...c, result: loadRdb(buf, sink, opts) };
}

/** A comparable rendering of a value: type, encoding and elements. */
function render(v: RValue): string {
  if (isString(v)) return `string:${Buffer.from(strValue(v), 'latin1').toString('hex')}`;
  const enc = v.encoding(cfg);
  if (v instanceof RList) return `list/${enc}:${JSON.stringify(v.toArray())}`;
  if (v instanceof RSet) return `set/${enc}:${JSON.stringify(v.members().sort())}`;
  if (v instanceof RHash) {
    const p = v.pairs();
    const pairs: string[] = [];
    for (let i = 0; i < p.length; i += 2) pairs.push(JSON.stringify([p[i], p[i + 1]]));
    return `hash/${enc}:${JSON.stringify(enc === 'listpack' ? pairs : pairs.sort())}`;
  }
  if (v instanceof ZSet) {
    const out: string[] = [];
    v.forEach((e, s) => out.push(`${JSON.stringify(e)}=${Object.is(s, -0) ? '-0' : s}`));
    return `zset/${enc}:${out.join(',')}`;
  }
  return 'other';
}

function hash(pairs: string[]): RHash {
  return RHash.from(pairs, hashLimits(cfg));
}

function set(members: string[]): RSet {
  const s = RSet.create(members[0]);
  for (const m of members) s.add(m, 512);
  return s;
}

function zset(pairs: [number, string][]): ZSet {
  const lim = zsetLimits(cfg);
  const z = ZSet.forFirstMember(pairs[0][1], lim);
  for (const [sc, e] of pairs) z.add(sc, e, 0, lim);
  return z;
}

/** Values of every type and encoding. */
function sampleValues(): [string, RValue][] {
  const bigList = RList.from(Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? String(i * 1000003) : `item-${i}-\xff`)));
  return [
    ['str-empty', ''],
    ['str-int', '-12345'],
    ['str-int64', '9223372036854775807'],
    ['str-bin', '\xff\x00\xc3\x80'],
    ['str-lzf', 'abc'.repeat(200)],
    ['str-buf', Buffer.from('buffer value \xff', 'latin1')],
    ['list-small', RList.from(['a', '1', '-70000', '9223372036854775807', '', 'x'.repeat(5000)])],
    ['list-big', bigList],
    ['set-intset', set(['1', '-5', '70000', '-9223372036854775808'])],
    ['set-ht', set(['a', 'b', '\xff\x00', '3'])],
    ['set-ht-large', set(Array.from({ length: 40 }, (_, i) => `m${i}`))],
    ['hash-lp', hash(['f', 'v', 'n', '42', '\xff', '\x00'])],
    ['hash-ht', hash(['f', 'v'.repeat(100), 'g', 'w'])],
    ['zset-lp', zset([[1, 'a'], [2.5, 'b'], [-Infinity, 'c'], [Infinity, 'd'], [1e20, 'e'], [-0.125, 'f']])],
    ['zset-sl', zset(Array.from({ length: 200 }, (_, i) => [i / 3, `z${i}`] as [number, string]))],
  ];
}

function writeFile(entries: [string, RValue][], opts = { compression: true, checksum: true }, expire = -1): Buffer {
  const w = new RdbWriter(opts);
  w.writeHeader(defaultAux(undefined, { ctime: 1700000000, usedMem: 12345 }));
  w.writeSelectDb(0, entries.length, expire === -1 ? 0 : entries.length);
  const chunks: Buffer[] = [];
  for (const [k, v] of entries) {
    w.writeKeyValue(k, v, expire, cfg);
    if (w.pending > 1000) chunks.push(Buffer.from(w.take()));
  }
  w.writeEof();
  chunks.push(w.take());
  return Buffer.concat(chunks);
}

/** `buf` read as a file through a window of `window` bytes, at most `maxRead` per read. */
function windowed(buf: Buffer, window: number, maxRead = Infinity): RdbFileSource {
  return {
    size: buf.length,
    window,
    read(out, off, len, position) {
      const n = Math.max(0, Math.min(len, maxRead, buf.length - position));
      buf.copy(out, off, position, position + n);
      return n;
    },
  };
}

/** What a load gives, comparable: the collected contents, or the error's text, offset and kind. */
function outcomeOf(load: () => Collected & { result: unknown }): unknown {
  try {
    const r = load();
    return { keys: r.keys.map((k) => [k.db, k.key, render(k.value), k.expire, k.idle, k.freq]), aux: r.aux, dbs: r.dbs, result: r.result };
  } catch (e) {
    const err = e as RdbLoadError;
    return { error: err.message, offset: err.offset, truncated: err.truncated, checksum: err.checksumMismatch };
  }
}

function outcome(input: Buffer | RdbFileSource, opts = {}): unknown {
  return outcomeOf(() => collect(input, opts));
}

describe('RDB files read through a window', () => {
  const file = writeFile(sampleValues(), { compression: true, checksum: true }, 4102444800000);

  it('load as the whole file does, whatever the window and the reads', () => {
    const whole = outcome(file);
    expect(whole).toHaveProperty('result');
    for (const [window, maxRead] of [[1, Infinity], [2, 1], [3, 5], [7, Infinity], [64, 3], [4096, Infinity], [1 << 20, 1000]]) {
      expect(outcome(windowed(file, window, maxRead)), `window ${window}, reads of ${maxRead}`).toEqual(whole);
    }
  });

  it('fail where the whole file does: truncated, corrupt, wrong checksum', () => {
    const cases: Buffer[] = [];
    for (const cut of [5, 9, 10, 100, file.length >> 1, file.length - 9, file.length - 1]) cases.push(file.subarray(0, cut));
    const badCrc = Buffer.from(file);
    badCrc[badCrc.length - 3] ^= 0xff;
    cases.push(badCrc);
    const badByte = Buffer.from(file);
    badByte[200] ^= 0x5a;
    cases.push(badByte);
    for (const [i, c] of cases.entries()) {
      const whole = outcome(c);
      expect(whole, `case ${i}`).toHaveProperty('error');
      for (const window of [1, 13, 4096]) expect(outcome(windowed(c, window, 7)), `case ${i}, window ${window}`).toEqual(whole);
    }
    // Without the check, the bad checksum goes unnoticed either way.
    expect(outcome(windowed(badCrc, 5), { checksum: false })).toEqual(outcome(file, { checksum: false }));
  });

  it('yield the same offsets in steps', () => {
    const offsets = (input: Buffer | RdbFileSource): number[] => {
      const seen: number[] = [];
      runLoadSteps(loadRdbSteps(input, { selectDb() {}, key() {} }, { yieldEvery: 100 }), (pos) => seen.push(pos));
      return seen;
    };
    const whole = offsets(file);
    expect(whole.length).toBeGreaterThan(5);
    expect(offsets(windowed(file, 10, 3))).toEqual(whole);
  });

  it('a ChunkSource reads the chunks of a transfer as received, letting them go', () => {
    const whole = outcome(file);
    const mark = Buffer.from('x'.repeat(40));
    for (const seed of [1, 2, 3, 4, 5]) {
      // Cut the file plus a trailing EOF mark at random points.
      const all = Buffer.concat([file, mark]);
      const chunks: Buffer[] = [];
      let rnd = seed;
      for (let at = 0; at < all.length; ) {
        rnd = (rnd * 1103515245 + 12345) % 2147483648;
        const n = 1 + (rnd % 3000);
        chunks.push(all.subarray(at, at + n));
        at += n;
      }
      const src = new ChunkSource(chunks, file.length);
      src.window = 1 + ((seed * 37) % 500);
      expect(outcome(src), `seed ${seed}`).toEqual(whole);
      // All but the chunks holding the end were let go.
      expect(chunks.slice(0, -3).every((c) => c.length === 0)).toBe(true);
    }
  });

  /**
   * Load `bytes` as they arrive in pieces of 1..maxPiece bytes: each time
   * the loader asks for more, the next piece comes; the end is announced
   * once all are in.
   */
  function arriving(bytes: Buffer, maxPiece: number, seed: number, holdMax?: number): { outcome: unknown; waited: boolean; heldBack: boolean } {
    const src = new ChunkSource([], 0, true);
    src.window = 1 + (seed % 50);
    src.holdMax = holdMax;
    let heldBack = false;
    let waits = 0;
    const got = outcomeOf(() => {
      const { sink, ...c } = collector();
      const steps = loadRdbSteps(src, sink);
      let at = 0;
      let rnd = seed;
      for (;;) {
        const r = steps.next();
        if (r.done === true) return { ...c, result: r.value };
        if (r.value !== NEED_MORE_STEP) continue;
        waits++;
        if (src.retryAt === Infinity) heldBack = true;
        if (at >= bytes.length) {
          src.finish(bytes.length);
          continue;
        }
        rnd = (rnd * 1103515245 + 12345) % 2147483648;
        const n = 1 + (rnd % maxPiece);
        src.push(bytes.subarray(at, at + n));
        at += n;
      }
    });
    return { outcome: got, waited: waits > 0, heldBack };
  }

  it('load as they arrive: a record not whole yet is read again once more has come', () => {
    const whole = outcome(file);
    for (const [seed, maxPiece] of [[1, 1], [2, 7], [3, 300], [4, 5000], [5, 100000]]) {
      const got = arriving(file, maxPiece, seed);
      expect([got.waited, got.heldBack], `seed ${seed}`).toEqual([true, false]);
      expect(got.outcome, `seed ${seed}, pieces up to ${maxPiece}`).toEqual(whole);
    }
  });

  it('a record larger than what may be held waits for the end, then loads through the window', () => {
    const got = arriving(file, 64, 6, 2000);
    expect(got.heldBack).toBe(true);
    expect(got.outcome).toEqual(outcome(file));
  });

  it('fail as they arrive where the whole input does', () => {
    const badCrc = Buffer.from(file);
    badCrc[badCrc.length - 3] ^= 0xff;
    for (const c of [file.subarray(0, 4), file.subarray(0, 300), file.subarray(0, file.length - 5), badCrc]) {
      expect(arriving(c, 40, 9).outcome).toEqual(outcome(c));
    }
  });

  it('fdSource() reads an open file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-rdb-'));
    try {
      const p = path.join(dir, 'dump.rdb');
      fs.writeFileSync(p, file);
      const fd = fs.openSync(p, 'r');
      try {
        expect(outcome({ ...fdSource(fd), window: 100 })).toEqual(outcome(file));
      } finally {
        fs.closeSync(fd);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RDB round trip', () => {
  it('every type and encoding survives writer -> reader', () => {
    const entries = sampleValues();
    const file = writeFile(entries);
    expect(file.latin1Slice(0, 9)).toBe('REDIS0010');
    const { keys, aux, dbs, result } = collect(file);
    expect(result.end).toBe(file.length);
    expect(result.version).toBe(10);
    expect(dbs).toEqual([0]);
    expect(aux).toEqual([
      ['redis-ver', '7.0.15'],
      ['redis-bits', '64'],
      ['ctime', '1700000000'],
      ['used-mem', '12345'],
      ['aof-base', '0'],
    ]);
    expect(keys.map((k) => k.key)).toEqual(entries.map(([k]) => k));
    for (let i = 0; i < entries.length; i++) {
      expect(render(keys[i].value), entries[i][0]).toBe(render(entries[i][1]));
      expect(keys[i].expire).toBe(-1);
    }
  });

  it('loads in steps: an offset every yieldEvery bytes, between records, then the same result', () => {
    const entries = sampleValues();
    const file = writeFile(entries);
    const whole = collect(file);
    const keys: string[] = [];
    const sink: RdbSink = { selectDb() {}, key: (_db, key) => keys.push(key) };
    const offsets: number[] = [];
    const seenAt: number[] = [];
    const result = runLoadSteps(loadRdbSteps(file, sink, { yieldEvery: 64 }), (pos) => {
      offsets.push(pos);
      seenAt.push(keys.length);
    });
    expect(result).toEqual(whole.result);
    expect(keys).toEqual(whole.keys.map((k) => k.key));
    expect(offsets.length).toBeGreaterThan(3);
    for (let i = 1; i < offsets.length; i++) expect(offsets[i] - offsets[i - 1]).toBeGreaterThanOrEqual(64);
    expect(offsets[offsets.length - 1]).toBeLessThan(file.length);
    // Each yield comes after the key that crossed the mark, before the next one.
    expect(seenAt[seenAt.length - 1]).toBeGreaterThan(seenAt[0]);
    // Without yieldEvery the loader runs in one go.
    let steps = 0;
    runLoadSteps(loadRdbSteps(file, sink), () => steps++);
    expect(steps).toBe(0);
  });

  it('an asynchronous load in steps ends early when told to, running the loader\'s finally', async () => {
    let closed = 0;
    function* loader(): Generator<number, string, void> {
      try {
        for (let i = 1; i <= 5; i++) yield i * 10;
        return 'done';
      } finally {
        closed++;
      }
    }
    const seen: number[] = [];
    expect(await runLoadStepsAsync(loader(), (pos) => seen.push(pos) > 0)).toBe('done');
    expect([seen, closed]).toEqual([[10, 20, 30, 40, 50], 1]);
    seen.length = 0;
    await expect(runLoadStepsAsync(loader(), (pos) => seen.push(pos) < 2)).rejects.toBeInstanceOf(LoadAbandoned);
    expect([seen, closed]).toEqual([[10, 20], 2]);
  });

  it('the errors of a load in steps carry the offset, as loadRdb()', () => {
    const file = writeFile(sampleValues());
    const cut = file.subarray(0, Math.floor(file.length / 2));
    let err: unknown;
    try {
      runLoadSteps(loadRdbSteps(cut, { selectDb() {}, key() {} }, { yieldEvery: 16 }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RdbLoadError);
    expect((err as RdbLoadError).truncated).toBe(true);
    expect((err as RdbLoadError).offset).toBeGreaterThan(0);
  });

  it('the trailer is the CRC64 of everything before it, or zeros without checksum', () => {
    const file = writeFile(sampleValues());
    const crc = crc64(0, file.subarray(0, file.length - 8));
    expect(file.readBigUInt64LE(file.length - 8)).toBe(crc);
    const plain = writeFile(sampleValues(), { compression: false, checksum: false });
    expect(plain.readBigUInt64LE(plain.length - 8)).toBe(0n);
    expect(plain.length).toBeGreaterThan(file.length);
    expect(collect(plain).keys.length).toBe(sampleValues().length);
  });

  it('keeps expire times, IDLE, FREQ and several databases', () => {
    const w = new RdbWriter({ compression: true, checksum: true });
    w.writeHeader([['redis-ver', '7.0.15']]);
    w.writeSelectDb(0, 1, 1);
    w.writeKeyValue('k0', 'v0', 1893456000123, cfg, { idleSec: 77 });
    w.writeSelectDb(5, 2, 0);
    w.writeKeyValue('k5', 'v5', -1, cfg, { freq: 200 });
    w.writeKeyValue('\xff\x00key', RList.from(['x']), -1, cfg);
    w.writeEof();
    const { keys, dbs } = collect(w.take());
    expect(dbs).toEqual([0, 5]);
    expect(keys.map((k) => [k.db, k.key, k.expire, k.idle, k.freq])).toEqual([
      [0, 'k0', 1893456000123, 77, undefined],
      [5, 'k5', -1, undefined, 200],
      [5, '\xff\x00key', -1, undefined, undefined],
    ]);
  });

  it('loads values with the encoding the config gives them', () => {
    const small = new Config();
    small.set('hash-max-listpack-entries', '2');
    small.set('zset-max-listpack-entries', '2');
    small.set('set-max-intset-entries', '2');
    const file = writeFile([
      ['h', hash(['a', '1', 'b', '2', 'c', '3'])],
      ['z', zset([[1, 'a'], [2, 'b'], [3, 'c']])],
      ['s', set(['1', '2', '3'])],
    ]);
    const { keys } = collect(file, { config: small });
    expect(keys.map((k) => (k.value as { encoding(c: Config): string }).encoding(small))).toEqual(['hashtable', 'skiplist', 'hashtable']);
    // A hashtable hash small enough comes back as a listpack; a skiplist zset too.
    const back = collect(writeFile([['h', hash(['f', 'v'.repeat(100)])]]), { config: new Config() }).keys[0].value as RHash;
    expect(back.encoding()).toBe('hashtable');
  });

  it('round-trips random strings, lists, hashes and sorted sets', () => {
    const bin = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 80 });
    const numStr = fc.oneof(fc.integer().map(String), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String));
    const elem = fc.oneof(bin, numStr);
    fc.assert(
      fc.property(
        fc.array(elem, { minLength: 1, maxLength: 60 }),
        fc.uniqueArray(elem, { minLength: 1, maxLength: 40 }),
        fc.array(fc.double({ noNaN: true }), { minLength: 40, maxLength: 40 }),
        fc.boolean(),
        (items, uniq, scores, compression) => {
          const entries: [string, RValue][] = [
            ['s', items.join('')],
            ['l', RList.from(items)],
            ['h', hash(uniq.flatMap((u, i) => [u, items[i % items.length]]))],
            ['z', zset(uniq.map((u, i) => [scores[i], u] as [number, string]))],
            ['set', set(uniq)],
          ];
          const { keys } = collect(writeFile(entries, { compression, checksum: true }));
          for (let i = 0; i < entries.length; i++) expect(render(keys[i].value)).toBe(render(entries[i][1]));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('RDB errors', () => {
  function expectLoadError(fn: () => unknown, re?: RegExp): RdbLoadError {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(RdbLoadError);
      if (re) expect((e as Error).message).toMatch(re);
      return e as RdbLoadError;
    }
    throw new Error('expected an RdbLoadError');
  }

  it('truncation at every byte offset is an RdbLoadError', () => {
    const entries = sampleValues().filter(([k]) => k !== 'list-big' && k !== 'zset-sl' && k !== 'str-lzf');
    entries.push(['ttl', 'v']);
    const file = writeFile(entries, { compression: true, checksum: true }, 1893456000000);
    for (let n = 0; n < file.length; n++) {
      const e = expectLoadError(() => collect(file.subarray(0, n)));
      expect(e.offset).toBeLessThanOrEqual(n);
    }
  });

  it('corrupted bytes give an RdbLoadError or a load, never another exception', () => {
    const file = writeFile(sampleValues().filter(([k]) => k !== 'list-big'), { compression: true, checksum: false });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
        const b = Buffer.from(file);
        for (const [pos, byte] of edits) b[9 + (pos % (b.length - 9))] = byte;
        try {
          collect(b);
        } catch (e) {
          expect(e).toBeInstanceOf(RdbLoadError);
        }
        try {
          collect(b, { deep: true });
        } catch (e) {
          expect(e).toBeInstanceOf(RdbLoadError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('checks the CRC64 unless it is zero or checking is off', () => {
    const file = writeFile([['k', 'v']]);
    const flipped = Buffer.from(file);
    flipped[flipped.length - 1] ^= 0xff;
    expectLoadError(() => collect(flipped), /^Wrong RDB checksum expected: \([0-9a-f]+\) but got \([0-9a-f]+\)\. Aborting now\.$/);
    expect(collect(flipped, { checksum: false }).keys.length).toBe(1);
    const zero = Buffer.from(file);
    zero.fill(0, zero.length - 8);
    expect(collect(zero).keys.length).toBe(1);
  });

  it('rejects a bad signature, unknown versions and too many databases', () => {
    expectLoadError(() => collect(Buffer.from('RADIS0010\xff', 'latin1')), /^Wrong signature trying to load DB from file$/);
    expectLoadError(() => collect(Buffer.from('REDIS0011\xff', 'latin1')), /^Can't handle RDB format version 11$/);
    expectLoadError(() => collect(Buffer.from('REDIS0000\xff', 'latin1')), /^Can't handle RDB format version 0$/);
    expectLoadError(() => collect(Buffer.from('REDIS0010\xfe\x10\xff', 'latin1')), /more than 16 databases/);
    expect(collect(Buffer.from('REDIS0010\xfe\x10\xff\0\0\0\0\0\0\0\0', 'latin1'), { dbnum: 32 }).dbs).toEqual([16]);
  });

  it('accepts versions 1 to 10; versions below 5 have no checksum', () => {
    for (let v = 1; v <= 10; v++) {
      const head = Buffer.from(`REDIS${String(v).padStart(4, '0')}\x00\x01k\x01v\xff`, 'latin1');
      const file = v >= 5 ? Buffer.concat([head, Buffer.alloc(8)]) : head;
      const { keys, result } = collect(file);
      expect(keys.map((k) => [k.key, k.value])).toEqual([['k', 'v']]);
      expect(result.end).toBe(file.length);
    }
  });

  it('rejects module values, module AUX data, truncated streams and functions without a handler', () => {
    // Module type id: name "mymodule1" (9 chars of 6 bits) and encoding version 3.
    const charset = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let id = 0n;
    for (const ch of 'mymodule1') id = (id << 6n) | BigInt(charset.indexOf(ch));
    id = (id << 10n) | 3n;
    const idBytes = Buffer.alloc(9);
    idBytes[0] = 0x81;
    idBytes.writeBigUInt64BE(id, 1);
    const mod = Buffer.concat([Buffer.from('REDIS0010\x07\x01k', 'latin1'), idBytes, Buffer.from([0])]);
    expectLoadError(() => collect(mod), /^The RDB file contains module data I can't load: no matching module type 'mymodule1'$/);
    const aux = Buffer.concat([Buffer.from('REDIS0010\xf7', 'latin1'), idBytes, Buffer.from([2, 2, 0])]);
    expectLoadError(() => collect(aux), /^The RDB file contains AUX module data I can't load: no matching module 'mymodule1'$/);
    expectLoadError(() => collect(Buffer.from('REDIS0010\x13\x01k\x00', 'latin1')), /^Unexpected EOF reading RDB file$/);
    expectLoadError(() => collect(Buffer.from('REDIS0010\x08\x01k\x00', 'latin1')), /^Unknown RDB encoding type 8$/);
    const fn = Buffer.from('REDIS0010\xf5\x1f#!lua name=lib\nreturn 1 -- code\xff\0\0\0\0\0\0\0\0', 'latin1');
    expectLoadError(() => collect(fn), /^Failed loading library, Engine 'lua' not found$/);
    const codes: string[] = [];
    loadRdb(fn, { selectDb() {}, key() {}, function: (c) => codes.push(c) });
    expect(codes).toEqual(['#!lua name=lib\nreturn 1 -- code']);
  });

  it('skips empty values as Redis does', () => {
    // An empty list (RDB_TYPE_LIST with 0 elements) and an empty set.
    const { keys, result } = collect(Buffer.from('REDIS0010\x01\x01a\x00\x02\x01b\x00\x00\x01c\x01v\xff\0\0\0\0\0\0\0\0', 'latin1'));
    expect(keys.map((k) => k.key)).toEqual(['c']);
    expect(result.emptyKeysSkipped).toBe(2);
  });

  it('rejects duplicates and NaN scores', () => {
    expectLoadError(() => collect(Buffer.from('REDIS0010\x02\x01s\x02\x01a\x01a\xff', 'latin1')), /Duplicate set members/);
    expectLoadError(() => collect(Buffer.from('REDIS0010\x03\x01z\x01\x01a\xfd\xff', 'latin1')), /NAN score/);
    expectLoadError(() => collect(Buffer.from('REDIS0010\x04\x01h\x02\x01a\x01x\x01a\x01y\xff', 'latin1')), /dup/);
  });
});

// ---- old encodings, built by hand ----------------------------------------------------------------

/** A ziplist of the given entries (strings, or numbers stored as integers). */
function ziplist(entries: (string | number | bigint)[]): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  let offset = 10;
  let tail = 10;
  for (const e of entries) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), u32le(prev)]);
    let head: Buffer;
    let data: Buffer;
    if (typeof e === 'string') {
      const len = e.length;
      head = len <= 63 ? Buffer.from([len]) : len <= 16383 ? Buffer.from([0x40 | (len >> 8), len & 0xff]) : Buffer.concat([Buffer.from([0x80]), u32be(len)]);
      data = Buffer.from(e, 'latin1');
    } else {
      const v = BigInt(e);
      data = Buffer.alloc(0);
      if (v >= 0n && v <= 12n) head = Buffer.from([0xf1 + Number(v)]);
      else if (v >= -128n && v <= 127n) {
        head = Buffer.from([0xfe]);
        data = Buffer.alloc(1);
        data.writeInt8(Number(v));
      } else if (v >= -32768n && v <= 32767n) {
        head = Buffer.from([0xc0]);
        data = Buffer.alloc(2);
        data.writeInt16LE(Number(v));
      } else if (v >= -8388608n && v <= 8388607n) {
        head = Buffer.from([0xf0]);
        data = Buffer.alloc(3);
        data.writeIntLE(Number(v), 0, 3);
      } else if (v >= -2147483648n && v <= 2147483647n) {
        head = Buffer.from([0xd0]);
        data = Buffer.alloc(4);
        data.writeInt32LE(Number(v));
      } else {
        head = Buffer.from([0xe0]);
        data = Buffer.alloc(8);
        data.writeBigInt64LE(v);
      }
    }
    const entry = Buffer.concat([prevlen, head, data]);
    tail = offset;
    offset += entry.length;
    prev = entry.length;
    parts.push(entry);
  }
  const body = Buffer.concat(parts);
  const total = 10 + body.length + 1;
  const hdr = Buffer.alloc(10);
  hdr.writeUInt32LE(total, 0);
  hdr.writeUInt32LE(entries.length === 0 ? 10 : tail, 4);
  hdr.writeUInt16LE(entries.length, 8);
  return Buffer.concat([hdr, body, Buffer.from([0xff])]);
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** An RDB string: 6/14/32-bit length + bytes. */
function rdbStr(b: Buffer | string): Buffer {
  const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  const n = buf.length;
  const len = n < 64 ? Buffer.from([n]) : n < 16384 ? Buffer.from([0x40 | (n >> 8), n & 0xff]) : Buffer.concat([Buffer.from([0x80]), u32be(n)]);
  return Buffer.concat([len, buf]);
}

function decode(type: number, payload: Buffer, opts = {}): RValue | null {
  const r = rdbDecodeValue(type, payload, 0, opts);
  expect(r.pos).toBe(payload.length);
  return r.value;
}

describe('old encodings', () => {
  it('ziplist lists (RDB_TYPE_LIST_ZIPLIST) and quicklists of ziplists', () => {
    const zl = ziplist(['a', 0, 12, 13, -1, 300, -70000, 8000000, 2147483648n, -9223372036854775808n, 'x'.repeat(300), 'y'.repeat(70)]);
    const expected = ['a', '0', '12', '13', '-1', '300', '-70000', '8000000', '2147483648', '-9223372036854775808', 'x'.repeat(300), 'y'.repeat(70)];
    expect(render(decode(10, rdbStr(zl))!)).toBe(render(RList.from(expected)));
    const ql = Buffer.concat([Buffer.from([2]), rdbStr(ziplist(['p', 'q'])), rdbStr(ziplist([1, 2, 3]))]);
    expect(render(decode(14, ql)!)).toBe(render(RList.from(['p', 'q', '1', '2', '3'])));
  });

  it('ziplist hashes and sorted sets', () => {
    const h = decode(13, rdbStr(ziplist(['f1', 'v1', 'n', 5, 'big', 'z'.repeat(100)])))!;
    expect(render(h)).toBe('hash/listpack:' + JSON.stringify([JSON.stringify(['f1', 'v1']), JSON.stringify(['n', '5']), JSON.stringify(['big', 'z'.repeat(100)])]));
    const z = decode(12, rdbStr(ziplist(['a', 1, 'b', '2.5', 'c', 'inf', 'd', '-3'])))!;
    expect(render(z)).toBe('zset/listpack:"d"=-3,"a"=1,"b"=2.5,"c"=Infinity');
    expect(() => decode(13, rdbStr(ziplist(['f1', 'v1', 'f1', 'v2'])))).toThrow(RdbLoadError);
    expect(() => decode(12, rdbStr(ziplist(['a', 1, 'b'])))).toThrow(RdbLoadError);
  });

  it('zipmap hashes (Redis 2.x)', () => {
    // count=2, "f1"->"v1" (1 free byte), "f2"->"v2".
    const zm = Buffer.from('\x02\x02f1\x02\x01v1\x00\x02f2\x02\x00v2\xff', 'latin1');
    expect(render(decode(9, rdbStr(zm))!)).toBe('hash/listpack:' + JSON.stringify([JSON.stringify(['f1', 'v1']), JSON.stringify(['f2', 'v2'])]));
    // A value longer than hash-max-listpack-value converts.
    const long = 'v'.repeat(100);
    const zm2 = Buffer.concat([Buffer.from('\x01\x01f', 'latin1'), Buffer.from([100, 0]), Buffer.from(long), Buffer.from([0xff])]);
    expect((decode(9, rdbStr(zm2)) as RHash).encoding()).toBe('hashtable');
    expect(() => decode(9, rdbStr(Buffer.from('\x03\x02f1\x02\x00v1\xff', 'latin1')))).toThrow(RdbLoadError);
  });

  it('intsets of each width, with sanitization of order', () => {
    for (const vals of [[1n, 2n, 3n], [-40000n, 5n, 70000n], [-(2n ** 63n), 0n, 2n ** 63n - 1n]]) {
      const s = decode(11, rdbStr(encodeIntset(vals))) as RSet;
      expect(s.encoding()).toBe('intset');
      expect(s.members()).toEqual(vals.map(String));
    }
    const unordered = Buffer.from(encodeIntset([3n, 1n]));
    expect((decode(11, rdbStr(unordered)) as RSet).members()).toEqual(['1', '3']);
    expect(() => decode(11, rdbStr(unordered), { deep: true })).toThrow(RdbLoadError);
    const empty = encodeIntset([]);
    expect(() => decode(11, rdbStr(empty))).toThrow(RdbLoadError);
    const badEnc = Buffer.from(encodeIntset([1n]));
    badEnc.writeUInt32LE(3, 0);
    expect(() => decode(11, rdbStr(badEnc))).toThrow(RdbLoadError);
  });

  it('linked lists, plain sets and ascii-double sorted sets', () => {
    expect(render(decode(1, Buffer.concat([Buffer.from([3]), rdbStr('a'), Buffer.from([0xc0, 0xfb]), rdbStr('c')]))!)).toBe(render(RList.from(['a', '-5', 'c'])));
    const z = Buffer.concat([Buffer.from([4]), rdbStr('a'), Buffer.from('\x031.5', 'latin1'), rdbStr('b'), Buffer.from([0xfe]), rdbStr('c'), Buffer.from([0xff]), rdbStr('d'), Buffer.from('\x050x1p4', 'latin1')]);
    expect(render(decode(3, z)!)).toBe('zset/listpack:"c"=-Infinity,"a"=1.5,"d"=16,"b"=Infinity');
  });

  it('listpack integrity: header, terminator, backlen and count', () => {
    const b = new ListpackBuilder();
    for (const s of ['a', '1', 'hello', '-100000']) b.add(s);
    const lp = b.encode();
    expect(parseListpack(lp, true)).toEqual(['a', '1', 'hello', '-100000']);
    const badTotal = Buffer.from(lp);
    badTotal.writeUInt32LE(lp.length + 1, 0);
    expect(parseListpack(badTotal, false)).toBeNull();
    const badEnd = Buffer.from(lp);
    badEnd[badEnd.length - 1] = 0;
    expect(parseListpack(badEnd, false)).toBeNull();
    const badBacklen = Buffer.from(lp);
    badBacklen[8] = 9; // backlen of the first entry ('a': 0x81 'a' 0x02)
    expect(parseListpack(badBacklen, false)).toBeNull();
    const badCount = Buffer.from(lp);
    badCount.writeUInt16LE(3, 4);
    expect(parseListpack(badCount, false)).not.toBeNull();
    expect(parseListpack(badCount, true)).toBeNull();
    // In an RDB value: a hash listpack with an odd number of entries.
    expect(() => decode(16, rdbStr(new ListpackBuilder().encode()))).not.toThrow();
    const odd = new ListpackBuilder();
    odd.add('f');
    expect(() => decode(16, rdbStr(odd.encode()))).toThrow(/Hash listpack integrity check failed/);
  });

  it('EXPIRETIME in seconds (old files)', () => {
    const file = Buffer.from('REDIS0006\xfd\x00\x00\x00\x00\x00\x01k\x01v\xff\0\0\0\0\0\0\0\0', 'latin1');
    file.writeInt32LE(2000000000, 10);
    expect(collect(file).keys[0].expire).toBe(2000000000000);
  });
});

describe('DUMP payloads', () => {
  it('wrap the value with the RDB version and a CRC64', () => {
    const p = createDumpPayload('hello', cfg);
    expect(p.subarray(0, p.length - 10).equals(rdbEncodeValue('hello', cfg))).toBe(true);
    expect(p.readUInt16LE(p.length - 10)).toBe(10);
    expect(p.readBigUInt64LE(p.length - 8)).toBe(crc64(0, p.subarray(0, p.length - 8)));
    expect(verifyDumpPayload(p)).toBe(true);
  });

  it('fail verification with a newer version or a wrong CRC', () => {
    const p = createDumpPayload('hello', cfg);
    const newer = Buffer.from(p);
    newer.writeUInt16LE(11, p.length - 10);
    expect(verifyDumpPayload(newer)).toBe(false);
    expect(verifyDumpPayload(newer, true)).toBe(false);
    const older = Buffer.from(p);
    older.writeUInt16LE(9, p.length - 10);
    expect(verifyDumpPayload(older)).toBe(false);
    expect(verifyDumpPayload(older, true)).toBe(true);
    expect(verifyDumpPayload(p.subarray(0, 9))).toBe(false);
  });
});
