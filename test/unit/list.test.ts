/**
 * RList (ring-buffer deque) against a plain array model: every operation,
 * wrap-around at both ends, growth and shrinking, middle inserts/removes.
 */
import { describe, expect, it } from 'vitest';
import { RList, LIST_HEAD, LIST_TAIL, isList } from '../../src/store/list.js';

function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
}

describe('RList', () => {
  it('is a list value reporting the quicklist encoding', () => {
    const l = new RList();
    expect(l.type).toBe('list');
    expect(l.encoding()).toBe('quicklist');
    expect(isList(l)).toBe(true);
    expect(isList('x')).toBe(false);
  });

  it('push and pop at both ends', () => {
    const l = new RList();
    l.pushTail('b');
    l.pushHead('a');
    l.push('c', LIST_TAIL);
    l.push('\xff\x00', LIST_HEAD);
    expect(l.toArray()).toEqual(['\xff\x00', 'a', 'b', 'c']);
    expect(l.pop(LIST_HEAD)).toBe('\xff\x00');
    expect(l.pop(LIST_TAIL)).toBe('c');
    expect(l.popHead()).toBe('a');
    expect(l.popTail()).toBe('b');
    expect(l.popTail()).toBeUndefined();
    expect(l.popHead()).toBeUndefined();
    expect(l.length).toBe(0);
  });

  it('resolves Redis indexes', () => {
    const l = RList.from(['a', 'b', 'c']);
    expect([0, 2, 3, -1, -3, -4].map((i) => l.resolveIndex(i))).toEqual([0, 2, -1, 2, 0, -1]);
  });

  it('dup() is a deep, independent copy', () => {
    const l = RList.from(['a', 'b']);
    const d = l.dup();
    d.pushTail('c');
    d.set(0, 'z');
    expect(l.toArray()).toEqual(['a', 'b']);
    expect(d.toArray()).toEqual(['z', 'b', 'c']);
  });

  it('a large list built from the head keeps its order', () => {
    const l = new RList();
    const n = 200_000;
    for (let i = 0; i < n; i++) l.pushHead(String(i));
    expect(l.length).toBe(n);
    expect(l.get(0)).toBe(String(n - 1));
    expect(l.get(n - 1)).toBe('0');
    for (let i = 0; i < n - 1; i++) l.popTail();
    expect(l.toArray()).toEqual([String(n - 1)]);
  });

  it('removeMatches from head and tail with limits', () => {
    const seed = ['a', 'b', 'a', 'c', 'a', 'b', 'a'];
    const cases: [number, boolean, string[]][] = [
      [0, false, ['b', 'c', 'b']],
      [1, false, ['b', 'a', 'c', 'a', 'b', 'a']],
      [2, true, ['a', 'b', 'a', 'c', 'b']],
      [10, true, ['b', 'c', 'b']],
    ];
    for (const [limit, fromTail, want] of cases) {
      const l = RList.from(seed);
      l.pushHead('x');
      l.popHead(); // shift the ring so the data wraps
      expect(l.removeMatches('a', limit, fromTail)).toBe(seed.length - want.length);
      expect(l.toArray()).toEqual(want);
    }
  });

  it('matches an array model under random operations', () => {
    const r = rng(42);
    for (let round = 0; round < 20; round++) {
      const l = new RList();
      const m: string[] = [];
      for (let step = 0; step < 3000; step++) {
        const v = String(r(20));
        switch (r(12)) {
          case 0:
          case 1:
            l.pushHead(v);
            m.unshift(v);
            break;
          case 2:
          case 3:
            l.pushTail(v);
            m.push(v);
            break;
          case 4:
            expect(l.popHead()).toBe(m.shift());
            break;
          case 5:
            expect(l.popTail()).toBe(m.pop());
            break;
          case 6: {
            const i = r(m.length + 1);
            l.insertAt(i, v);
            m.splice(i, 0, v);
            break;
          }
          case 7:
            if (m.length > 0) {
              const i = r(m.length);
              l.removeAt(i);
              m.splice(i, 1);
            }
            break;
          case 8: {
            const n = r(5);
            l.removeHead(n);
            m.splice(0, n);
            const k = r(5);
            l.removeTail(k);
            m.splice(Math.max(0, m.length - k), k);
            break;
          }
          case 9:
            if (m.length > 0) {
              const i = r(m.length);
              l.set(i, v);
              m[i] = v;
            }
            break;
          case 10: {
            const limit = r(3);
            const fromTail = r(2) === 1;
            let removed = 0;
            if (!fromTail) {
              for (let i = 0; i < m.length; ) {
                if (m[i] === v && (limit === 0 || removed < limit)) {
                  m.splice(i, 1);
                  removed++;
                } else i++;
              }
            } else {
              for (let i = m.length - 1; i >= 0; i--) {
                if (m[i] === v && (limit === 0 || removed < limit)) {
                  m.splice(i, 1);
                  removed++;
                }
              }
            }
            expect(l.removeMatches(v, limit, fromTail)).toBe(removed);
            break;
          }
          default:
            // bursts make the ring grow and shrink
            if (r(2)) for (let i = 0; i < 50; i++) (l.pushTail(v), m.push(v));
            else for (let i = 0; i < 50 && m.length > 0; i++) expect(l.popHead()).toBe(m.shift());
        }
        expect(l.length).toBe(m.length);
        if (step % 97 === 0) {
          expect(l.toArray()).toEqual(m);
          expect([...l]).toEqual(m);
          expect(l.indexOf(v)).toBe(m.indexOf(v));
          if (m.length > 0) {
            const a = r(m.length);
            const b = a + r(m.length - a);
            expect(l.slice(a, b)).toEqual(m.slice(a, b + 1));
            expect(l.get(a)).toBe(m[a]);
          }
        }
      }
      expect(l.toArray()).toEqual(m);
    }
  });
});
