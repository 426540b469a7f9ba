/**
 * Value representations held in the keyspace.
 *
 * Strings are the bulk of most datasets, so a string value is the latin1 JS
 * string itself (one char per byte; V8 stores it as a one-byte string) or,
 * once mutated in place by SETRANGE/SETBIT/APPEND on large values, a Buffer.
 * Every other type is an object with a `type` tag.
 */

import { sdigits10 } from '../util/numbers.js';

export type RedisType = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

/** Encoding thresholds read from the config (hash-max-listpack-entries...). */
export interface EncodingConfig {
  num(name: string): number;
  /** Changes on every stored value (Config): limits derived from it may be kept until it moves. */
  readonly generation?: number;
}

/**
 * A reader of limits derived from an EncodingConfig, answering the same
 * object until the config (or its generation) changes; a config without a
 * generation is read each time.
 */
export function limitsReader<T>(read: (cfg: EncodingConfig) => T): (cfg: EncodingConfig) => T {
  let lastCfg: EncodingConfig | null = null;
  let lastGen: number | undefined = undefined;
  let last: T | undefined = undefined;
  return (cfg) => {
    const gen = cfg.generation;
    if (cfg === lastCfg && gen === lastGen && gen !== undefined) return last!;
    last = read(cfg);
    lastCfg = cfg;
    lastGen = gen;
    return last;
  };
}

/** Base of all non-string values (lists, sets, zsets, hashes, streams). */
export interface RObjectBase {
  readonly type: Exclude<RedisType, 'string'>;
  /** Deep copy (COPY, snapshots). */
  dup(): RObjectBase;
  /** OBJECT ENCODING name, per Redis's size thresholds. */
  encoding(cfg: EncodingConfig): string;
}

/**
 * A string value: a latin1 JS string, a Buffer (see encoding.ts), or a
 * number: the integer results of INCR, DECR, INCRBY and DECRBY within
 * +-(2^53 - 1), held as Redis holds them (OBJ_ENCODING_INT) so that a
 * counter is neither formatted when it changes nor parsed when it changes
 * again; its bytes are its decimal digits.
 */
export type RString = string | Buffer | number;

/** A string value as bytes: an integer value as its digits. */
export type RBytes = string | Buffer;

export type RValue = RString | RObjectBase;

export function isString(v: RValue): v is RString {
  return !isObject(v);
}

/** Not a string value: a collection (list, set, zset, hash, stream). */
export function isObject(v: RValue): v is RObjectBase {
  return typeof v === 'object' && !Buffer.isBuffer(v);
}

export function typeOf(v: RValue): RedisType {
  return isObject(v) ? v.type : 'string';
}

/** Byte length of a string value. */
export function strLen(v: RString): number {
  return typeof v === 'number' ? sdigits10(v) : v.length;
}

/** Byte `i` of a string value held as a latin1 string or a Buffer. */
export function byteAt(v: RBytes, i: number): number {
  return typeof v === 'string' ? v.charCodeAt(i) : v[i];
}

/** A string value as bytes: an integer value (INCR's) as its digits. */
export function strBytes(v: RString): RBytes {
  return typeof v === 'number' ? String(v) : v;
}

/** A string value as a latin1 JS string. */
export function strValue(v: RString): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : v.latin1Slice(0, v.length);
}

/** A string value as a Buffer (copying a JS string). */
export function strBuffer(v: RString): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : typeof v === 'number' ? Buffer.from(String(v), 'latin1') : v;
}
