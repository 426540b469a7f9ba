/**
 * The stream's memory accounting: every operation that adds or removes
 * entries, nodes, groups, consumers or PEL entries moves memBytes (and the
 * owning database account) by the same amount it later gives back.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RStream, makeId } from '../../src/store/stream.js';
import { MemAccount } from '../../src/store/memcost.js';

const LIMITS = { maxBytes: 4096, maxEntries: 5 };
const B = '\xff\x00\xc3';

function filled(n: number): RStream {
  const s = new RStream();
  for (let i = 1; i <= n; i++) s.append(makeId(BigInt(i), 0n), [`f${B}${i % 3}`, `v${B}`.repeat(i % 7)], LIMITS);
  return s;
}

describe('stream memory accounting', () => {
  it('appends grow it; deleting every entry gives back all but the empty stream', () => {
    const base = new RStream().memBytes;
    const s = filled(40);
    expect(s.memBytes).toBeGreaterThan(base + 40 * 100);
    // A tombstone keeps its memory until its node empties.
    const before = s.memBytes;
    expect(s.delete(makeId(2n, 0n))).toBe(true);
    expect(s.memBytes).toBe(before);
    for (let i = 1; i <= 40; i++) s.delete(makeId(BigInt(i), 0n));
    expect(s.length).toBe(0);
    expect(s.memBytes).toBe(base);
  });

  it('the database account follows the stream it holds', () => {
    const acct = new MemAccount();
    const s = new RStream();
    s.memOwner = acct;
    acct.bytes = s.memBytes;
    for (let i = 1; i <= 12; i++) s.append(makeId(BigInt(i), 0n), ['f', `v${i}`], LIMITS);
    expect(acct.bytes).toBe(s.memBytes);
    s.trim(3, null, false, 0);
    expect(acct.bytes).toBe(s.memBytes);
  });

  it('random operations: dup() costs the same, and undoing everything returns to the empty stream', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('add' as const), n: fc.integer({ min: 1, max: 30 }) }),
            fc.record({ op: fc.constant('del' as const), id: fc.integer({ min: 1, max: 200 }) }),
            fc.record({ op: fc.constant('trim' as const), maxlen: fc.integer({ min: 0, max: 50 }), approx: fc.boolean() }),
            fc.record({ op: fc.constant('group' as const), name: fc.constantFrom('g1', `g${B}`) }),
            fc.record({ op: fc.constant('claim' as const), consumer: fc.constantFrom('a', `c${B}`), id: fc.integer({ min: 1, max: 200 }) }),
            fc.record({ op: fc.constant('delconsumer' as const), consumer: fc.constantFrom('a', `c${B}`) }),
            fc.record({ op: fc.constant('destroy' as const), name: fc.constantFrom('g1', `g${B}`) }),
          ),
          { maxLength: 60 },
        ),
        (ops) => {
          const base = new RStream().memBytes;
          const s = new RStream();
          let next = 1;
          for (const o of ops) {
            s.raxNodeCount(); // cached between operations
            if (o.op === 'add') {
              for (let i = 0; i < o.n; i++, next++) s.append(makeId(BigInt(next), 0n), [`f${next % 2}`, `v${B}`.repeat(next % 5)], LIMITS);
            } else if (o.op === 'del') {
              s.delete(makeId(BigInt(o.id), 0n));
            } else if (o.op === 'trim') {
              s.trim(o.maxlen, null, o.approx, 0);
            } else if (o.op === 'group') {
              s.createGroup(o.name, 0n, 0);
            } else if (o.op === 'destroy') {
              s.destroyGroup(o.name);
            } else {
              for (const [, cg] of s.sortedGroups()) {
                const c = cg.consumers.get(o.consumer);
                if (o.op === 'delconsumer') {
                  if (c !== undefined) s.removeConsumer(cg, c);
                  continue;
                }
                const consumer = c ?? s.addConsumer(cg, o.consumer, 0);
                const id = makeId(BigInt(o.id), 0n);
                const prev = cg.pel.get(id);
                if (prev !== undefined) prev.consumer.pel.delete(id);
                const nack = { deliveryTime: 0, deliveryCount: 1, consumer };
                cg.pel.set(id, nack);
                consumer.pel.set(id, nack);
              }
            }
          }
          expect(s.dup().memBytes).toBe(s.memBytes);
          // The cached radix tree node count (XINFO) follows the nodes (dup() computes it afresh).
          expect(s.raxNodeCount()).toBe(s.dup().raxNodeCount());
          for (const [name] of s.sortedGroups()) s.destroyGroup(name);
          s.trim(0, null, false, 0);
          // A group's map, once made, stays (as the empty cgroups rax in Redis).
          const once = new RStream();
          once.createGroup('x', 0n, 0);
          once.destroyGroup('x');
          expect(s.memBytes).toBe(s.cgroups !== null ? once.memBytes : base);
        },
      ),
      { numRuns: 300 },
    );
  });
});
