/**
 * Cost primitives of the memory accounting (see memory.ts): V8 layout
 * constants and the account/tracking types. Kept free of imports of the
 * value types so that they can use it.
 */
import { isObject, isString, type RString, type RValue } from './types.js';
import { stringAllocSize } from './encoding.js';

/** Running total of the keys and values of one database. */
export class MemAccount {
  bytes = 0;
}

/** A value whose estimated size is maintained incrementally. */
export interface MemTracked {
  /** Estimated bytes of the value: its objects, arrays and element strings. */
  memBytes: number;
  /** The account of the database holding the value (null while it is in none). */
  memOwner: MemAccount | null;
}

/** Record a change of `delta` bytes in a tracked value and its owner. */
export function memAdjust(o: MemTracked, delta: number): void {
  o.memBytes += delta;
  const a = o.memOwner;
  if (a !== null) a.bytes += delta;
}

/** A JS object with `fields` in-object fields. */
export function objectBytes(fields: number): number {
  return 24 + 8 * fields;
}

/** A JS array of `slots` slots (object plus backing store). */
export function arrayBytes(slots: number): number {
  return 48 + 8 * slots;
}

/** An empty Dict: the object, two JS arrays and five typed arrays. */
export const EMPTY_DICT_BYTES = 1100;
/** One entry of a Dict at its average load (slots and buckets). */
export const DICT_ENTRY_BYTES = 52;
/** A boxed double (an array of numbers or object field holding a non-Smi). */
export const HEAP_NUMBER_BYTES = 16;
/**
 * A typed array with its own ArrayBuffer (the intset's BigInt64Array, a
 * Buffer written in place): the two objects and the backing store's
 * allocation header, without the bytes.
 */
export const TYPED_ARRAY_BYTES = 200;
/** A Buffer carved from Node's shared pool (Buffer.from()): the view only. */
export const POOLED_BUFFER_BYTES = 130;
/**
 * One skiplist element: the node object (six fields, a boxed score), its
 * upper levels on average (one node in four has some, 4/3 levels each),
 * and its dict entry.
 */
export const ZSKIPLIST_ENTRY_BYTES = 88 + 17 + DICT_ENTRY_BYTES;
/** A SkipList object with its 32-level header node. */
export const EMPTY_SKIPLIST_BYTES = 400;

/** A latin1 JS string of `len` chars (a sequential one-byte string). */
export function stringBytes(len: number): number {
  // Values are at most 512 MB (proto-max-bulk-len), so 32-bit math is exact.
  return 16 + ((len + 7) & -8);
}

/** An integer value (INCR's): nothing past its slot as a small integer (V8's Smi), else a heap number. */
function intValueBytes(v: number): number {
  return (v | 0) === v ? 0 : 16;
}

/** A string value: JS string, Buffer or integer. */
export function strValueBytes(v: RString): number {
  if (typeof v === 'string') return stringBytes(v.length);
  if (typeof v === 'number') return intValueBytes(v);
  const alloc = stringAllocSize(v);
  return alloc < 0 ? POOLED_BUFFER_BYTES + v.length : TYPED_ARRAY_BYTES + alloc;
}

/** Bytes of a stored value as the accounting has it (O(1)). */
export function trackedValueBytes(v: RValue): number {
  if (typeof v === 'string') return stringBytes(v.length);
  if (isString(v)) return strValueBytes(v);
  return (v as unknown as MemTracked).memBytes ?? 0;
}

/** Charge a new key and its value to `acct` (dbAdd()). */
export function chargeEntry(acct: MemAccount, key: string, v: RValue): void {
  acct.bytes += stringBytes(key.length) + trackedValueBytes(v);
  if (isObject(v)) (v as unknown as MemTracked).memOwner = acct;
}

/** Release a deleted key and its value from `acct` (dbDelete()). */
export function releaseEntry(acct: MemAccount, key: string, v: RValue): void {
  acct.bytes -= stringBytes(key.length) + trackedValueBytes(v);
}

/** A key's value was replaced by `next` (dbOverwrite()). */
export function replaceValue(acct: MemAccount, prev: RValue, next: RValue): void {
  acct.bytes += trackedValueBytes(next) - trackedValueBytes(prev);
  if (isObject(next)) (next as unknown as MemTracked).memOwner = acct;
}
