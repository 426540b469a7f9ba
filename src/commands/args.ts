/**
 * Argument helpers shared by command handlers, mirroring Redis's
 * get*FromObjectOrReply() family (object.c): they throw RedisError with
 * Redis's exact text instead of replying.
 */
import { RedisError, Errors } from './types.js';
import { string2ll, string2llBig, string2d } from '../util/numbers.js';
import type { RValue, RString, RBytes } from '../store/types.js';
import { isString, strBytes } from '../store/types.js';

/** getLongLongFromObjectOrReply(). Exact for |v| <= 2^53. */
export function getLongLong(s: string, msg: string = Errors.notInteger): number {
  const v = string2ll(s);
  if (v === null) throw new RedisError(msg);
  return v;
}

/** Exact 64-bit parse (INCRBY, EXPIRE arithmetic). */
export function getLongLongBig(s: string, msg: string = Errors.notInteger): bigint {
  const v = string2llBig(s);
  if (v === null) throw new RedisError(msg);
  return v;
}

/**
 * An expire time argument without BigInt, when that is exact: `s` as an
 * integer of up to 15 digits, at least `min`, in ms (times 1000 for
 * seconds) plus `base` ms, if the scaled value and the sum are safe
 * integers. Otherwise null, and the caller's 64-bit path decides (with its
 * errors).
 */
export function exactExpireMs(s: string, seconds: boolean, base: number, min: number): number | null {
  if (s.length > 15) return null;
  const n = string2ll(s);
  if (n === null || n < min) return null;
  const scaled = seconds ? n * 1000 : n;
  const ms = scaled + base;
  return Number.isSafeInteger(scaled) && Number.isSafeInteger(ms) ? ms : null;
}

/** getRangeLongFromObjectOrReply(). */
export function getRangeLong(s: string, min: number, max: number, msg?: string): number {
  const v = string2ll(s);
  if (v === null) throw new RedisError(msg ?? Errors.notInteger);
  if (v < min || v > max) {
    throw new RedisError(msg ?? `value is out of range, value must between ${min} and ${max}`);
  }
  return v;
}

/** getPositiveLongFromObjectOrReply(). */
export function getPositiveLong(s: string, msg?: string): number {
  const v = string2ll(s);
  if (v === null || v < 0) throw new RedisError(msg ?? 'value is out of range, must be positive');
  return v;
}

/** getDoubleFromObjectOrReply(). */
export function getDouble(s: string, msg: string = Errors.notFloat): number {
  const v = string2d(s);
  if (v === null) throw new RedisError(msg);
  return v;
}

/** getIntFromObjectOrReply(): a 32-bit int; `msg` replaces both errors. */
export function getInt(s: string, msg?: string): number {
  return getRangeLong(s, -2147483648, 2147483647, msg);
}

/** Case-insensitive token comparison for option names. */
export function eqi(a: string, lower: string): boolean {
  return a.length === lower.length && a.toLowerCase() === lower;
}

/**
 * The key must hold a string (or be missing): checkType() for strings. An
 * integer value (INCR's) comes as its digits.
 */
export function asString(v: RValue | undefined): RBytes | undefined {
  if (v === undefined) return undefined;
  if (!isString(v)) throw new RedisError(Errors.wrongType);
  return strBytes(v);
}

/** asString() that leaves an integer value a number. */
export function asStringOrInt(v: RValue | undefined): RString | undefined {
  if (v === undefined) return undefined;
  if (!isString(v)) throw new RedisError(Errors.wrongType);
  return v;
}

/** checkType(): the value must have the given type tag. */
export function asType<T extends RValue>(v: RValue | undefined, type: string): T | undefined {
  if (v === undefined) return undefined;
  if (isString(v) ? type !== 'string' : (v as { type: string }).type !== type) {
    throw new RedisError(Errors.wrongType);
  }
  return v as T;
}

export function syntaxError(): never {
  throw new RedisError(Errors.syntax);
}
