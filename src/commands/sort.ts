/**
 * SORT and SORT_RO (sort.c).
 *
 * Patterns, option names and numeric weights are read the way Redis's C
 * code reads them: as C strings, so a NUL byte ends them. Sorting without
 * a LIMIT (or without BY) is a stable sort, as glibc's qsort() (a merge
 * sort) is; BY with a LIMIT uses the partial quicksort below, so elements
 * whose weights compare equal come out in the same order as in Redis.
 */
import type { Client } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { getLongLong } from './args.js';
import { lookupRead, setKey, dbDelete } from './db-ops.js';
import { NOTIFY_GENERIC, NOTIFY_LIST } from '../server/notify.js';
import { isString, strValue } from '../store/types.js';
import { RList } from '../store/list.js';
import type { RSet } from '../store/set.js';
import type { ZSet } from '../store/zset.js';
import type { RHash } from '../store/hash.js';
import { string2d } from '../util/numbers.js';
import { pqsort } from '../util/pqsort.js';
import { KEY_PERM_READ } from '../server/acl.js';

/** The part of `s` a C string function sees: up to the first NUL. */
function cstr(s: string): string {
  const z = s.indexOf('\0');
  return z === -1 ? s : s.slice(0, z);
}

/** strcasecmp(s, lower) === 0. */
function copt(s: string, lower: string): boolean {
  const t = cstr(s);
  return t.length === lower.length && t.toLowerCase() === lower;
}

/** memcmp()-then-length order (compareStringObjects()); only the sign matters. */
function binCmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** strcoll() in the C/C.UTF-8 locale: byte order of the C strings. */
function collCmp(a: string, b: string): number {
  return binCmp(cstr(a), cstr(b));
}

const DBL_MIN = 2.2250738585072014e-308;

/**
 * strtod() as SORT checks it: the C string must be consumed whole (leading
 * white space allowed, an empty string is 0), without ERANGE and not NaN.
 * Returns null on a conversion error.
 */
function sortScore(s: string): number | null {
  const t = cstr(s);
  if (t.length === 0) return 0;
  let i = 0;
  for (; i < t.length; i++) {
    const ch = t.charCodeAt(i);
    if (ch !== 32 && (ch < 9 || ch > 13)) break;
  }
  if (i === t.length) return null;
  const body = i === 0 ? t : t.slice(i);
  const v = string2d(body);
  if (v === null) return null;
  // Decimal results in the subnormal range are inexact: glibc sets ERANGE.
  if (v !== 0 && Math.abs(v) < DBL_MIN && !/^[+-]?0[xX]/.test(body)) return null;
  return v;
}

/**
 * lookupKeyByPattern(): "#" is the element itself; otherwise the first '*'
 * is replaced by the element and the key read as a string, or, with
 * "->field" after the '*', as a hash field. Null when there is nothing.
 */
function lookupByPattern(c: Client, pattern: string, subst: string): string | null {
  const cp = cstr(pattern);
  if (cp === '#') return subst;
  const p = cp.indexOf('*');
  if (p === -1) return null;
  let field: string | null = null;
  let postfixEnd = pattern.length;
  const f = cp.indexOf('->', p + 1);
  if (f !== -1 && f + 2 < cp.length) {
    field = pattern.slice(f + 2);
    postfixEnd = f;
  }
  const key = pattern.slice(0, p) + subst + pattern.slice(p + 1, postfixEnd);
  const o = lookupRead(c, key);
  if (o === undefined) return null;
  if (field !== null) {
    if (isString(o) || (o as { type: string }).type !== 'hash') return null;
    return (o as RHash).get(field) ?? null;
  }
  if (!isString(o)) return null;
  return strValue(o);
}

interface SortItem {
  obj: string;
  score: number;
  cmpobj: string | null;
}

type Cmp = (a: SortItem, b: SortItem) => number;

function sortGeneric(c: Client, argv: string[], readonly: boolean): void {
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let dontsort = false;
  let sortby: string | null = null;
  let storekey: string | null = null;
  const gets: string[] = [];
  // BY and GET patterns reach keys the ACL check never saw: they need read access to every key.
  const fullKeyAccess = c.user.unrestricted || c.user.checkCmdWithUnrestrictedKeyAccess(c.cmd!, argv, KEY_PERM_READ);

  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j];
    if (copt(a, 'asc')) {
      desc = false;
    } else if (copt(a, 'desc')) {
      desc = true;
    } else if (copt(a, 'alpha')) {
      alpha = true;
    } else if (copt(a, 'limit') && left >= 2) {
      limitStart = getLongLong(argv[j + 1]);
      limitCount = getLongLong(argv[j + 2]);
      j += 2;
    } else if (!readonly && copt(a, 'store') && left >= 1) {
      storekey = argv[++j];
    } else if (copt(a, 'by') && left >= 1) {
      sortby = argv[++j];
      // A constant BY pattern means "do not sort" (and it sticks).
      if (cstr(sortby).indexOf('*') === -1) dontsort = true;
      else if (!fullKeyAccess) throw new RedisError('BY option of SORT denied due to insufficient ACL permissions.');
    } else if (copt(a, 'get') && left >= 1) {
      if (!fullKeyAccess) throw new RedisError('GET option of SORT denied due to insufficient ACL permissions.');
      gets.push(argv[++j]);
    } else {
      throw new RedisError(Errors.syntax);
    }
  }

  const val = lookupRead(c, argv[1]);
  let type = 'list';
  if (val !== undefined) {
    type = isString(val) ? 'string' : (val as { type: string }).type;
    if (type !== 'list' && type !== 'set' && type !== 'zset') throw new RedisError(Errors.wrongType);
  }

  // A set has no order of its own: storing it, or handing it to a script,
  // unsorted sorts it (the result must not depend on the set's layout).
  if (dontsort && type === 'set' && (storekey !== null || c.ext.isLua === true)) {
    dontsort = false;
    alpha = true;
    sortby = null;
  }

  if (type === 'zset') (val as ZSet).convertToSkiplist();

  const total =
    val === undefined
      ? 0
      : type === 'list'
        ? (val as RList).length
        : type === 'set'
          ? (val as RSet).size
          : (val as ZSet).size;

  let start = Math.min(Math.max(limitStart, 0), total);
  limitCount = Math.min(Math.max(limitCount, -1), total);
  let end = limitCount < 0 ? total - 1 : start + limitCount - 1;
  if (start >= total) {
    start = total - 1;
    end = total - 2;
  }
  if (end >= total) end = total - 1;

  let vector: SortItem[];
  const item = (obj: string): SortItem => ({ obj, score: 0, cmpobj: null });

  if (dontsort && (type === 'list' || type === 'zset')) {
    // Native order (reversed by DESC), loading only the LIMIT range.
    vector = [];
    if (end >= start) {
      const n = end - start + 1;
      if (type === 'list') {
        const l = val as RList;
        if (desc) {
          for (let i = total - start - 1, k = 0; k < n; i--, k++) vector.push(item(l.get(i)));
        } else {
          for (let i = start, k = 0; k < n; i++, k++) vector.push(item(l.get(i)));
        }
      } else {
        (val as ZSet).rangeByRank(start, end, desc, (ele) => {
          vector.push(item(ele));
        });
      }
    }
    end -= start;
    start = 0;
  } else {
    vector = [];
    if (val !== undefined) {
      if (type === 'list') {
        for (const e of (val as RList).toArray()) vector.push(item(e));
      } else if (type === 'set') {
        (val as RSet).forEach((m) => {
          vector.push(item(m));
        });
      } else {
        (val as ZSet).dict!.forEach((ele) => {
          vector.push(item(ele));
        });
      }
    }
  }

  let conversionError = false;
  if (!dontsort) {
    for (const it of vector) {
      let byval: string | null;
      if (sortby !== null) {
        byval = lookupByPattern(c, sortby, it.obj);
        if (byval === null) continue;
      } else {
        byval = it.obj;
      }
      if (alpha) {
        if (sortby !== null) it.cmpobj = byval;
      } else {
        const s = sortScore(byval);
        if (s === null) conversionError = true;
        else it.score = s;
      }
    }

    const bypattern = sortby !== null;
    const store = storekey !== null;
    let compare: Cmp;
    if (!alpha) {
      compare = (a, b) => (a.score > b.score ? 1 : a.score < b.score ? -1 : binCmp(a.obj, b.obj));
    } else if (bypattern) {
      const strCmp = store ? binCmp : collCmp;
      compare = (a, b) => {
        if (a.cmpobj === null || b.cmpobj === null) {
          return a.cmpobj === b.cmpobj ? 0 : a.cmpobj === null ? -1 : 1;
        }
        return strCmp(a.cmpobj, b.cmpobj);
      };
    } else {
      const strCmp = store ? binCmp : collCmp;
      compare = (a, b) => strCmp(a.obj, b.obj);
    }
    const cmpFn: Cmp = desc ? (a, b) => -compare(a, b) : compare;
    if (bypattern && (start !== 0 || end !== vector.length - 1)) pqsort(vector, cmpFn, start, end);
    else vector.sort(cmpFn);
  }

  const outputlen = gets.length > 0 ? gets.length * (end - start + 1) : end - start + 1;
  if (conversionError) throw new RedisError("One or more scores can't be converted into double");

  if (storekey === null) {
    c.addReplyArrayLen(outputlen);
    for (let j = start; j <= end; j++) {
      const obj = vector[j].obj;
      if (gets.length === 0) c.addReplyBulk(obj);
      for (const g of gets) {
        const v = lookupByPattern(c, g, obj);
        if (v === null) c.addReplyNull();
        else c.addReplyBulk(v);
      }
    }
    return;
  }

  const out: string[] = [];
  for (let j = start; j <= end; j++) {
    const obj = vector[j].obj;
    if (gets.length === 0) {
      out.push(obj);
    } else {
      for (const g of gets) out.push(lookupByPattern(c, g, obj) ?? '');
    }
  }
  const db = c.db;
  if (outputlen > 0) {
    setKey(c, db, storekey, RList.from(out));
    c.server.notifyKeyspaceEvent(NOTIFY_LIST, 'sortstore', storekey, db.id);
    c.server.dirty += outputlen;
  } else if (dbDelete(c, db, storekey)) {
    c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', storekey, db.id);
    c.server.dirty++;
  }
  c.addReplyLongLong(outputlen);
}

/** sortGetKeys(): the sorted key, and the destination of the last STORE. */
function sortGetKeys(argv: string[]): number[] {
  const keys = [1];
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (copt(a, 'limit')) i += 2;
    else if (copt(a, 'store') && i + 1 < argv.length) store = i + 1;
    else if (copt(a, 'get') || copt(a, 'by')) i += 1;
  }
  if (store !== -1) keys.push(store);
  return keys;
}

export const sortCommands: CommandSpec[] = [
  cmd('sort', -2, ['write', 'denyoom'], [1, 1, 1], {
    acl: ['set', 'sortedset', 'list', 'dangerous'],
    handler: (c, argv) => sortGeneric(c, argv, false),
    getKeys: sortGetKeys,
  }),
  cmd('sort_ro', -2, ['readonly'], [1, 1, 1], {
    acl: ['set', 'sortedset', 'list', 'dangerous'],
    handler: (c, argv) => sortGeneric(c, argv, true),
    getKeys: () => [1],
  }),
];
