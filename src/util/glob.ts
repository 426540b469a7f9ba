/**
 * Glob-style pattern matching with the semantics of Redis's stringmatchlen()
 * (util.c), used by KEYS, SCAN MATCH, CONFIG GET, PUBSUB and ACL patterns.
 *
 *   *        any sequence, including the empty one
 *   ?        exactly one byte
 *   [abc]    one byte of the set; [^abc] negates; [a-z] ranges (either
 *            order); `\x` inside a class is the literal x
 *   \x       the literal x
 *
 * Redis's quirks are kept on purpose, because patterns written against Redis
 * must select the same keys here:
 *  - an unterminated class ("[abc") behaves as if it were closed at the end
 *    of the pattern; "[" alone never matches and "[^" matches any one byte;
 *  - a trailing "\" matches a literal backslash;
 *  - "a-]" inside a class is a range from 'a' down to ']' and leaves the
 *    class unterminated;
 *  - range bounds compare bytes as signed chars (x86-64), so a range with a
 *    byte >= 0x80 as one end spans through the control characters;
 *  - the nocase variant folds only ASCII A-Z, and never folds an escaped
 *    character inside a class;
 *  - "*" followed by the end of the subject only matches when the whole
 *    remaining pattern is stars, but the pattern "*" (or "**") against an
 *    empty subject does not match: callers that want "*" to mean "all"
 *    (KEYS, SCAN) test for it before matching, as Redis does.
 *
 * Redis recurses once per star and cuts the search short once a star has
 * tried every suffix of the subject without success (no later star can do
 * better). That makes the search equivalent to keeping only the most recent
 * star as a backtracking point, which is what this loop does; so matching is
 * O(pattern * subject) at worst and never deep-recurses on long patterns.
 *
 * Bytes are latin1 string chars (one char per byte). Reading past the end of
 * the pattern yields 0, like the NUL terminator the C code relies on.
 */

const STAR = 42; // *
const QMARK = 63; // ?
const LBRACKET = 91; // [
const RBRACKET = 93; // ]
const BACKSLASH = 92; // \
const CARET = 94; // ^
const DASH = 45; // -

/** A byte as a signed char. */
function s8(c: number): number {
  return c >= 128 ? c - 256 : c;
}

/** tolower() of the C locale. */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/**
 * stringmatchlen(): true when `str` matches the glob `pattern`. Both are
 * binary (latin1) strings. With `nocase`, ASCII letters compare without case.
 */
export function stringMatch(pattern: string, str: string, nocase = false): boolean {
  const pl = pattern.length;
  const sl = str.length;
  const at = (i: number): number => (i < pl ? pattern.charCodeAt(i) : 0);
  let p = 0;
  let s = 0;
  // The innermost star: its pattern index and the subject index it tried last.
  let starP = -1;
  let starS = 0;

  for (;;) {
    let failed = false;
    while (p < pl && s < sl) {
      const pc = pattern.charCodeAt(p);
      if (pc === STAR) {
        while (at(p + 1) === STAR) p++;
        if (pl - p === 1) return true;
        // Try the rest of the pattern at every position from here on.
        starP = p;
        starS = s;
        p++;
        continue;
      }
      const sc = str.charCodeAt(s);
      if (pc === QMARK) {
        s++;
      } else if (pc === LBRACKET) {
        p++;
        const not = at(p) === CARET;
        if (not) p++;
        let match = false;
        for (;;) {
          const rest = pl - p;
          const c0 = at(p);
          if (c0 === BACKSLASH && rest >= 2) {
            p++;
            if (at(p) === sc) match = true;
          } else if (c0 === RBRACKET) {
            break;
          } else if (rest === 0) {
            // Unterminated class: closed at the end of the pattern.
            p--;
            break;
          } else if (rest >= 3 && at(p + 1) === DASH) {
            let start = s8(c0);
            let end = s8(at(p + 2));
            let c = s8(sc);
            if (start > end) {
              const t = start;
              start = end;
              end = t;
            }
            if (nocase) {
              start = lower(start);
              end = lower(end);
              c = lower(c);
            }
            p += 2;
            if (c >= start && c <= end) match = true;
          } else if (nocase ? lower(c0) === lower(sc) : c0 === sc) {
            match = true;
          }
          p++;
        }
        if (not) match = !match;
        if (!match) {
          failed = true;
          break;
        }
        s++;
      } else {
        let lit = pc;
        if (pc === BACKSLASH && pl - p >= 2) {
          p++;
          lit = pattern.charCodeAt(p);
        }
        if (nocase ? lower(lit) !== lower(sc) : lit !== sc) {
          failed = true;
          break;
        }
        s++;
      }
      p++;
      if (s === sl) {
        while (at(p) === STAR) p++;
        break;
      }
    }
    if (!failed && p === pl && s === sl) return true;
    // This attempt failed: let the innermost star swallow one more byte.
    if (starP === -1) return false;
    starS++;
    if (starS >= sl) return false;
    p = starP + 1;
    s = starS;
  }
}
