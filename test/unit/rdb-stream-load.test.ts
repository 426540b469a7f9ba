import { describe, it, expect } from 'vitest';
import { Config } from '../../src/server/config.js';
import { rdbEncodeValue } from '../../src/persistence/rdb/writer.js';
import { rdbDecodeValue, RdbLoadError } from '../../src/persistence/rdb/reader.js';
import { ListpackBuilder } from '../../src/persistence/rdb/listpack.js';
import { RStream, IdMap, makeId, type StreamNACK, type StreamConsumer } from '../../src/store/stream.js';

const cfg = new Config();
const limits = { maxBytes: 4096, maxEntries: 3 };

/** A stream with several nodes, a tombstone, binary data, two groups with PELs. */
function sample(): RStream {
  const s = new RStream();
  for (let i = 1; i <= 8; i++) {
    const fv = i % 3 === 0 ? ['\xff\x00\xc3', `v${i}`] : ['f', String(i * 70000), 'g', 'x'.repeat(i)];
    s.append(makeId(BigInt(100 + i), BigInt(i)), fv, limits);
  }
  s.delete(makeId(102n, 2n));
  s.maxDeletedId = makeId(102n, 2n);
  const g = s.createGroup('g1', makeId(105n, 5n), 5)!;
  const c1: StreamConsumer = { name: 'alice', seenTime: 1_700_000_000_123, pel: new IdMap<StreamNACK>() };
  const c2: StreamConsumer = { name: 'b\xffb', seenTime: 1_700_000_000_456, pel: new IdMap<StreamNACK>() };
  g.consumers.set(c1.name, c1);
  g.consumers.set(c2.name, c2);
  for (const [id, c] of [
    [makeId(101n, 1n), c1],
    [makeId(103n, 3n), c2],
    [makeId(104n, 4n), c1],
  ] as const) {
    const nack: StreamNACK = { deliveryTime: 1_700_000_000_000 + Number(id >> 64n), deliveryCount: 2, consumer: c };
    g.pel.set(id, nack);
    c.pel.set(id, nack);
  }
  s.createGroup('empty', 0n, 0);
  return s;
}

function decode(payload: Buffer, deep: boolean): RStream {
  const { value, pos } = rdbDecodeValue(payload[0], payload, 1, { config: cfg, deep });
  expect(pos).toBe(payload.length);
  expect(value).toBeInstanceOf(RStream);
  return value as RStream;
}

describe('RDB stream loading', () => {
  for (const compression of [false, true]) {
    it(`round-trips type 19 (compression ${compression})`, () => {
      const s = sample();
      const payload = rdbEncodeValue(s, cfg, { compression });
      expect(payload[0]).toBe(19);
      for (const deep of [false, true]) {
        const t = decode(payload, deep);
        expect(rdbEncodeValue(t, cfg, { compression })).toEqual(payload);
        expect(t.length).toBe(7);
        expect(t.nodeCount).toBe(s.nodeCount);
        expect([...t.range(0n, makeId(200n, 0n))].map((e) => e.fv)).toEqual([...s.range(0n, makeId(200n, 0n))].map((e) => e.fv));
        const g = t.group('g1')!;
        expect(g.pel.allKeys()).toEqual([makeId(101n, 1n), makeId(103n, 3n), makeId(104n, 4n)]);
        expect(g.pel.get(makeId(103n, 3n))!.consumer.name).toBe('b\xffb');
        expect(g.consumers.get('alice')!.pel.get(makeId(104n, 4n))).toBe(g.pel.get(makeId(104n, 4n)));
        expect(g.consumers.get('alice')!.seenTime).toBe(1_700_000_000_123);
        expect(t.group('empty')!.pel.size).toBe(0);
      }
    });
  }

  it('counts one deep sanitization per node listpack', () => {
    const s = sample();
    const payload = rdbEncodeValue(s, cfg, { compression: false });
    const stats = { sanitizations: 0 };
    rdbDecodeValue(19, payload, 1, { config: cfg, deep: true, stats });
    expect(stats.sanitizations).toBe(s.nodeCount);
    const shallow = { sanitizations: 0 };
    rdbDecodeValue(19, payload, 1, { config: cfg, deep: false, stats: shallow });
    expect(shallow.sanitizations).toBe(0);
  });

  it('an empty stream with a group loads (it is not an empty key)', () => {
    const s = new RStream();
    s.createGroup('g', 0n, 0);
    const t = decode(rdbEncodeValue(s, cfg), false);
    expect(t.length).toBe(0);
    expect(t.group('g')).toBeDefined();
  });

  for (const deep of [false, true]) {
    it(`a truncation at every offset is an RdbLoadError (deep ${deep})`, () => {
      for (const compression of [false, true]) {
        const payload = rdbEncodeValue(sample(), cfg, { compression });
        for (let n = 1; n < payload.length; n++) {
          const cut = payload.subarray(0, n);
          let err: unknown = null;
          try {
            rdbDecodeValue(19, cut, 1, { config: cfg, deep });
          } catch (e) {
            err = e;
          }
          expect(err, `cut at ${n}`).toBeInstanceOf(RdbLoadError);
        }
      }
    });
  }

  it('corrupting any byte gives a stream or an RdbLoadError, never another exception', () => {
    const payload = rdbEncodeValue(sample(), cfg, { compression: false });
    let rejected = 0;
    for (let i = 1; i < payload.length; i++) {
      for (const x of [0x01, 0x80, 0xff]) {
        const bad = Buffer.from(payload);
        bad[i] ^= x;
        for (const deep of [false, true]) {
          try {
            rdbDecodeValue(19, bad, 1, { config: cfg, deep });
          } catch (e) {
            expect(e, `byte ${i} ^ ${x}`).toBeInstanceOf(RdbLoadError);
            rejected++;
          }
        }
      }
    }
    expect(rejected).toBeGreaterThan(payload.length);
  });

  /** A payload with one node built from raw listpack elements. */
  function withNode(elements: (string | number)[], length: number, trailer: number[] = [0, 0, 0, 0, 0, 0, 0]): Buffer {
    const lp = new ListpackBuilder();
    for (const e of elements) {
      if (typeof e === 'number') lp.addInt(e);
      else lp.add(e);
    }
    const lpb = lp.encode();
    const key = Buffer.alloc(16);
    key.writeBigUInt64BE(5n, 0);
    const parts = [Buffer.from([19, 1, 16]), key, Buffer.from([0x40 | (lpb.length >> 8), lpb.length & 0xff]), lpb];
    parts.push(Buffer.from([length, 5, 9, ...trailer.slice(2), 0]));
    return Buffer.concat(parts);
  }

  it('checks the node layout, the counters and the ID order', () => {
    // count 1, deleted 0, 1 master field, terminator, then one same-fields entry.
    const good = withNode([1, 0, 1, 'f', 0, 2, 0, 0, 'v', 4], 1);
    expect(decode(good, true).length).toBe(1);
    const bad: [string, Buffer][] = [
      ['lp-count', withNode([1, 0, 1, 'f', 0, 2, 0, 0, 'v', 5], 1)],
      ['master terminator', withNode([1, 0, 1, 'f', 1, 2, 0, 0, 'v', 4], 1)],
      ['live count', withNode([2, 0, 1, 'f', 0, 2, 0, 0, 'v', 4], 1)],
      ['stream length', withNode([1, 0, 1, 'f', 0, 2, 0, 0, 'v', 4], 2)],
      ['trailing element', withNode([1, 0, 1, 'f', 0, 2, 0, 0, 'v', 4, 7], 1)],
      ['empty listpack', withNode([], 0)],
      ['entry before its node', withNode([1, 0, 1, 'f', 0, 2, -1, 0, 'v', 4], 1)],
      ['last id below entries', withNode([1, 0, 1, 'f', 0, 2, 9, 0, 'v', 4], 1)],
      ['non-integer flags', withNode([1, 0, 1, 'f', 0, 'x', 0, 0, 'v', 4], 1)],
    ];
    for (const [what, b] of bad) {
      for (const deep of [false, true]) {
        expect(() => rdbDecodeValue(19, b, 1, { config: cfg, deep }), what).toThrow(RdbLoadError);
      }
    }
  });

  it('refuses duplicate groups, consumers and node keys', () => {
    const s = sample();
    s.createGroup('g2', 0n, 0);
    const payload = rdbEncodeValue(s, cfg, { compression: false });
    const patch = (from: string, to: string): Buffer => {
      const b = Buffer.from(payload);
      const i = b.indexOf(Buffer.from(from, 'latin1'));
      expect(i).toBeGreaterThan(0);
      Buffer.from(to, 'latin1').copy(b, i);
      return b;
    };
    expect(() => decode(patch('\x02g2', '\x02g3'), true)).not.toThrow();
    expect(() => rdbDecodeValue(19, patch('\x02g2', '\x02g1'), 1, { config: cfg })).toThrow(/Duplicated consumer group name g1/);
    expect(() => decode(patch('\x03b\xffb', '\x03abc'), true)).not.toThrow();
    // Same node key twice: the second node's key set to the first's.
    const keys: number[] = [];
    for (let i = payload.indexOf(0x10, 1); i > 0 && keys.length < 2; i = payload.indexOf(0x10, i + 1)) {
      if (payload.readBigUInt64BE(i + 1) >= 100n && payload.readBigUInt64BE(i + 1) < 110n) keys.push(i);
    }
    expect(keys.length).toBe(2);
    const dupKey = Buffer.from(payload);
    payload.copy(dupKey, keys[1] + 1, keys[0] + 1, keys[0] + 17);
    expect(() => rdbDecodeValue(19, dupKey, 1, { config: cfg })).toThrow(RdbLoadError);
  });
});
