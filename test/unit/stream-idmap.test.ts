/**
 * IdMap (a PEL): sorted chunks behave as a sorted map of stream IDs, across
 * chunk splits and removals, for IDs that differ only in their millisecond
 * part (sequence 0, the IDs XADD * gives) and in their sequence part.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IdMap, makeId, type StreamID } from '../../src/store/stream.js';

const idArb = fc.oneof(
  fc.integer({ min: 0, max: 3000 }).map((ms) => makeId(BigInt(ms), 0n)),
  fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })).map(([ms, seq]) => makeId(BigInt(ms), BigInt(seq))),
  fc.constant(makeId((1n << 64n) - 1n, (1n << 64n) - 1n)),
);

type Op =
  | { op: 'set'; id: StreamID; v: number }
  | { op: 'run'; from: number; n: number }
  | { op: 'del'; id: StreamID }
  | { op: 'delRun'; from: number; n: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), id: idArb, v: fc.integer() }),
  // Runs of ascending IDs fill chunks past their split size.
  fc.record({ op: fc.constant('run' as const), from: fc.integer({ min: 0, max: 3000 }), n: fc.integer({ min: 1, max: 700 }) }),
  fc.record({ op: fc.constant('del' as const), id: idArb }),
  fc.record({ op: fc.constant('delRun' as const), from: fc.integer({ min: 0, max: 3000 }), n: fc.integer({ min: 1, max: 700 }) }),
);

describe('IdMap', () => {
  it('matches a sorted-map model: get, has, set, delete, first, last, range, entries, size', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), fc.array(fc.tuple(idArb, idArb, fc.nat(20)), { maxLength: 10 }), (ops, ranges) => {
        const m = new IdMap<number>();
        const model = new Map<string, number>();
        const key = (id: StreamID): string => id.toString();
        const apply = (id: StreamID, v: number): void => {
          expect(m.set(id, v)).toBe(!model.has(key(id)));
          model.set(key(id), v);
        };
        const remove = (id: StreamID): void => {
          expect(m.delete(id)).toBe(model.delete(key(id)));
        };
        for (const o of ops) {
          if (o.op === 'set') apply(o.id, o.v);
          else if (o.op === 'del') remove(o.id);
          else for (let i = 0; i < o.n; i++) (o.op === 'run' ? (id: StreamID) => apply(id, i) : remove)(makeId(BigInt(o.from + i), 0n));
        }
        const sorted = [...model.keys()].map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        expect(m.size).toBe(sorted.length);
        expect(m.allKeys()).toEqual(sorted);
        expect(m.first()).toBe(sorted[0]);
        expect(m.last()).toBe(sorted[sorted.length - 1]);
        expect(sorted.map((id) => m.get(id))).toEqual(sorted.map((id) => model.get(key(id))));
        expect(sorted.every((id) => m.has(id))).toBe(true);
        for (const [a, b, count] of ranges) {
          const want = sorted.filter((id) => id >= a && id <= b);
          expect(m.range(a, b, count)).toEqual(count > 0 ? want.slice(0, count) : want);
          expect([...m.entries(a, b)]).toEqual(want.map((id) => [id, model.get(key(id))]));
          if (!model.has(key(a))) {
            expect(m.get(a)).toBeUndefined();
            expect(m.has(a)).toBe(false);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('holds 100,000 IDs of sequence 0 in order', () => {
    const m = new IdMap<number>();
    for (let i = 100_000; i >= 1; i -= 2) m.set(makeId(BigInt(i), 0n), i);
    for (let i = 1; i <= 100_000; i += 2) m.set(makeId(BigInt(i), 0n), i);
    expect(m.size).toBe(100_000);
    expect(m.range(makeId(500n, 0n), makeId(504n, 0n))).toEqual([500n, 501n, 502n, 503n, 504n].map((ms) => makeId(ms, 0n)));
    for (let i = 1; i <= 100_000; i += 3) m.delete(makeId(BigInt(i), 0n));
    expect(m.get(makeId(2n, 0n))).toBe(2);
    expect(m.get(makeId(4n, 0n))).toBeUndefined();
    expect(m.size).toBe(100_000 - 33_334);
  });
});
