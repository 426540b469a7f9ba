/**
 * Value representations held in the keyspace.
 *
 * Strings are the bulk of most datasets, so a string value is the latin1 JS
 * string itself (one char per byte; V8 stores it as a one-byte string) or,
 * once mutated in place by SETRANGE/SETBIT/APPEND on large values, a Buffer.
 * Every other type is an object with a `type` tag.
 */

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

export type RString = string | Buffer;

export type RValue = RString | RObjectBase;

export function isString(v: RValue): v is RString {
  return typeof v === 'string' || Buffer.isBuffer(v);
}

export function typeOf(v: RValue): RedisType {
  return typeof v === 'string' || Buffer.isBuffer(v) ? 'string' : (v as RObjectBase).type;
}

/** Byte length of a string value. */
export function strLen(v: RString): number {
  return v.length;
}

/** A string value as a latin1 JS string. */
export function strValue(v: RString): string {
  return typeof v === 'string' ? v : v.latin1Slice(0, v.length);
}

/** A string value as a Buffer (copying a JS string). */
export function strBuffer(v: RString): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
}
