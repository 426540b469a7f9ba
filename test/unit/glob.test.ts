import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringMatch } from '../../src/util/glob.js';

/**
 * [pattern, subject, matches]. Every row was checked against redis-server
 * 7.0.15 by storing `subject` as the only key and running `KEYS pattern`
 * (which calls stringmatchlen() for every pattern except exactly "*").
 */
const KEYS_CASES: [string, string, boolean][] = [
  ['**', '', false],
  ['?', '', false],
  ['', '', true],
  ['', 'a', false],
  ['a*', 'a', true],
  ['*a', 'a', true],
  ['a*b', 'ab', true],
  ['a*b', 'axxb', true],
  ['a*b', 'axxbc', false],
  ['a?c', 'abc', true],
  ['a?c', 'ac', false],
  ['*?', 'a', true],
  ['*?', '', false],
  ['h[ae]llo', 'hello', true],
  ['h[ae]llo', 'hillo', false],
  ['h[^e]llo', 'hallo', true],
  ['h[^e]llo', 'hello', false],
  ['h[a-b]llo', 'hbllo', true],
  ['h[b-a]llo', 'hallo', true],
  ['h\\[llo', 'h[llo', true],
  ['\\*', '*', true],
  ['\\*', 'a', false],
  ['a\\', 'a\\', true],
  ['a\\', 'a', false],
  ['[', '[', false],
  ['[', 'a', false],
  ['[^', 'a', true],
  ['[^', '', false],
  ['[^', 'ab', false],
  ['[abc', 'b', true],
  ['[abc', 'd', false],
  ['[a-]', 'a', true],
  ['[a-]', ']', true],
  ['[a-]', '^', true],
  ['[a-]', 'b', false],
  ['[a-]', '-', false],
  ['[\\]]', ']', true],
  ['[\\', '\\', true],
  ['[\\', 'a', false],
  ['[]', ']', false],
  ['[]', '', false],
  ['[]]', ']', false],
  ['[]a]', 'a', false],
  ['[]a]', ']', false],
  ['[]a]', ']a]', false],
  ['[^]', 'x', true],
  ['[!a]', 'b', false],
  ['[a-\xff]', '\x00', true],
  ['[a-\xff]', 'a', true],
  ['[a-\xff]', 'b', false],
  ['[a-\xff]', '\xff', true],
  ['[a-\xff]', '\x80', false],
  ['[\x80-\xff]', '\x90', true],
  ['[\x80-\xff]', 'a', false],
  ['[\x01-\x80]', 'a', false],
  ['[\x01-\x80]', '\xc3', true],
  ['*a*b*c', 'aXbXc', true],
  ['*a*b*c', 'abcc', true],
  ['*a*b*c', 'abcX', false],
  ['a*a*a*a*b', 'aaaaaaaaaaaaaaaa', false],
  ['a*a*a*a*b', 'aaaaaaaaaaaaaaab', true],
  ['*[a', 'xa', true],
  ['*\\', 'x\\', true],
  ['[a-c-e]', 'd', false],
  ['[a-c-e]', '-', true],
  ['[a-c-e]', 'e', true],
  ['[-a]', '-', true],
  ['[a-]b', 'ab', false],
  ['[a-]b', 'a', true],
  ['?*?', 'ab', true],
  ['?*?', 'a', false],
  ['a\x00b', 'a\x00b', true],
  ['a?b', 'a\x00b', true],
  ['[\x00]', '\x00', true],
  ['a[', 'a', false],
  ['a[', 'a[', false],
  ['a[', 'ab', false],
  ['ab[', 'ab', false],
  ['*[', 'x', false],
  ['**a', 'a', true],
  ['a**', 'a', true],
  ['a\\*', 'a*', true],
  ['a\\*', 'ab', false],
  ['*b', 'abab', true],
  ['*ab', 'aab', true],
  ['a*', '', false],
  ['*x*', 'abc', false],
  ['*?*', '', false],
  ['[a-z]*', 'A', false],
  ['h\\ello', 'hello', true],
  ['h\\ello', 'h\\ello', false],
  ['[\\-]', '-', true],
  ['[\\-]', '\\', false],
  ['[a\\-z]', 'b', false],
  ['[a\\-z]', '-', true],
  ['[a-\\]', 'b', false],
  ['[a-\\]', '\\', true],
  ['[a-\\]', ']', true],
  ['[z-a]', 'm', true],
  ['*[^a]', 'ba', false],
  ['*[^a]', 'ab', true],
  ['[^a-c]', 'b', false],
  ['[^a-c]', 'd', true],
  ['\\', '\\', true],
  ['\\', '', false],
  ['\\\\', '\\', true],
  ['*\\\\', 'ab\\', true],
  ['a*?', 'a', false],
  ['a*?', 'ab', true],
  ['*a?', 'ab', true],
  ['*a?', 'abab', true],
  ['*a?', 'aba', false],
  ['[ab][cd]', 'ad', true],
  ['[ab][cd]', 'da', false],
  ['[^^]', '^', false],
  ['[^^]', 'a', true],
  ['[\\^]', '^', true],
  ['[^', '^', true],
  ['[^\\', 'a', true],
  ['[^\\', '\\', false],
  ['[a-', 'a', true],
  ['[a-', '-', true],
  ['[a-', 'b', false],
  ['a[b', 'ab', true],
  ['a[b', 'ac', false],
  ['a[b-', 'ab', true],
  ['a[b-', 'a-', true],
  ['**b**', 'xbx', true],
  ['*a*', 'a', true],
  ['?', '\xff', true],
  ['\xc3*', '\xc3\xa9', true],
];

/** Checked with CONFIG GET <pattern> (stringmatch() with nocase) on 7.0.15. */
const NOCASE_CASES: [string, string, boolean][] = [
  ['MAXMEMORY-POLIC[X-Z]', 'maxmemory-policy', true],
  ['maxmemory-polic[\\Y]', 'maxmemory-policy', false],
  ['[L-M]AXMEMORY-POLICY', 'maxmemory-policy', true],
  ['MAXMEMORY-POLIC[^Y]', 'maxmemory-policy', false],
  ['maxmemory-polic[^\\Y]', 'maxmemory-policy', true],
  ['MAXMEMORY-POLIC?', 'maxmemory-policy', true],
  ['*-POLICY', 'maxmemory-policy', true],
];

/**
 * An independent, directly recursive rendering of the algorithm (one call
 * per star, with the "a star exhausted the subject" cut-off) used as an
 * oracle for the iterative implementation.
 */
function reference(pattern: string, str: string, nocase: boolean): boolean {
  const at = (i: number): number => (i < pattern.length ? pattern.charCodeAt(i) : 0);
  const s8 = (c: number): number => (c >= 128 ? c - 256 : c);
  const low = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);
  const state = { skip: false };
  const rec = (p: number, s: number): boolean => {
    const pend = pattern.length;
    const send = str.length;
    while (p < pend && s < send) {
      const pc = at(p);
      if (pc === 42) {
        while (at(p + 1) === 42) p++;
        if (pend - p === 1) return true;
        while (s < send) {
          if (rec(p + 1, s)) return true;
          if (state.skip) return false;
          s++;
        }
        state.skip = true;
        return false;
      } else if (pc === 63) {
        s++;
      } else if (pc === 91) {
        p++;
        const neg = at(p) === 94;
        if (neg) p++;
        let m = false;
        for (;;) {
          const left = pend - p;
          if (at(p) === 92 && left >= 2) {
            p++;
            if (at(p) === str.charCodeAt(s)) m = true;
          } else if (at(p) === 93) {
            break;
          } else if (left === 0) {
            p--;
            break;
          } else if (left >= 3 && at(p + 1) === 45) {
            let a = s8(at(p));
            let b = s8(at(p + 2));
            let c = s8(str.charCodeAt(s));
            if (a > b) [a, b] = [b, a];
            if (nocase) [a, b, c] = [low(a), low(b), low(c)];
            p += 2;
            if (c >= a && c <= b) m = true;
          } else if (nocase ? low(at(p)) === low(str.charCodeAt(s)) : at(p) === str.charCodeAt(s)) {
            m = true;
          }
          p++;
        }
        if (neg) m = !m;
        if (!m) return false;
        s++;
      } else {
        if (pc === 92 && pend - p >= 2) p++;
        const a = at(p);
        const b = str.charCodeAt(s);
        if (nocase ? low(a) !== low(b) : a !== b) return false;
        s++;
      }
      p++;
      if (s === send) {
        while (at(p) === 42) p++;
        break;
      }
    }
    return p === pattern.length && s === str.length;
  };
  return rec(0, 0);
}

describe('stringMatch (stringmatchlen semantics)', () => {
  it.each(KEYS_CASES)('KEYS %j against %j -> %s', (pattern, subject, expected) => {
    expect(stringMatch(pattern, subject)).toBe(expected);
  });

  it.each(NOCASE_CASES)('nocase %j against %j -> %s', (pattern, subject, expected) => {
    expect(stringMatch(pattern, subject, true)).toBe(expected);
    expect(stringMatch(pattern.toLowerCase(), subject, false)).toBe(stringMatch(pattern.toLowerCase(), subject, true));
  });

  it('folds only ASCII letters without case', () => {
    expect(stringMatch('ABC', 'abc', true)).toBe(true);
    expect(stringMatch('ABC', 'abc', false)).toBe(false);
    expect(stringMatch('\xc3', '\xe3', true)).toBe(false);
    expect(stringMatch('[A-C]', 'b', true)).toBe(true);
    expect(stringMatch('[a-c]', 'B', true)).toBe(true);
    expect(stringMatch('[a-c]', 'B', false)).toBe(false);
  });

  it('matches binary subjects byte by byte', () => {
    expect(stringMatch('\xff\x00*', '\xff\x00\xc3(')).toBe(true);
    expect(stringMatch('?\x00?', '\xff\x00\xc3')).toBe(true);
    expect(stringMatch('\xff\x01*', '\xff\x00\xc3')).toBe(false);
  });

  it('handles pathological star patterns quickly and without deep recursion', () => {
    const subject = 'a'.repeat(20000);
    expect(stringMatch('a*'.repeat(5000) + 'b', subject)).toBe(false);
    expect(stringMatch('*a'.repeat(5000), subject)).toBe(true);
    expect(stringMatch('*'.repeat(100000) + 'a', subject)).toBe(true);
  });

  it('agrees with the recursive reference on random patterns', () => {
    const alphabet = ['a', 'b', '*', '?', '[', ']', '^', '-', '\\', '\xff', '\x00', 'A'];
    const tok = fc.constantFrom(...alphabet);
    fc.assert(
      fc.property(
        fc.array(tok, { maxLength: 10 }).map((a) => a.join('')),
        fc.array(fc.constantFrom('a', 'b', 'A', ']', '-', '\\', '\xff', '\x00', '^'), { maxLength: 8 }).map((a) => a.join('')),
        fc.boolean(),
        (pattern, subject, nocase) => stringMatch(pattern, subject, nocase) === reference(pattern, subject, nocase),
      ),
      { numRuns: 20000 },
    );
  });
});
