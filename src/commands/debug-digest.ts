/**
 * DEBUG DIGEST and DEBUG DIGEST-VALUE (debug.c): Redis's SHA1-based digest
 * of the dataset or of single values, so a dataset can be compared before
 * and after a reload (DEBUG RELOAD, DEBUG LOADAOF) or across servers. The
 * same mixing as xorObjectDigest()/computeDatasetDigest(): ordered parts
 * (list elements, a key then its value) are chained, unordered ones (keys,
 * set members, hash fields) xored.
 */
import { createHash } from 'node:crypto';
import type { Client } from '../server/client.js';
import type { Db } from '../store/db.js';
import { isString, strBytes, typeOf, type RValue } from '../store/types.js';
import type { RList } from '../store/list.js';
import type { RSet } from '../store/set.js';
import type { ZSet } from '../store/zset.js';
import type { RHash } from '../store/hash.js';
import { MAX_ID, idMs, idSeq, type RStream } from '../store/stream.js';
import { formatG } from '../util/numbers.js';
import { registerDebugSubcommand } from './server.js';

const OBJ_TYPES: Record<string, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };

function sha1(data: Buffer | string): Buffer {
  return createHash('sha1')
    .update(typeof data === 'string' ? Buffer.from(data, 'latin1') : data)
    .digest();
}

/** digest ^= SHA1(data). */
function xorDigest(digest: Buffer, data: Buffer | string): void {
  const h = sha1(data);
  for (let j = 0; j < 20; j++) digest[j] ^= h[j];
}

/** digest = SHA1(digest ^ SHA1(data)). */
function mixDigest(digest: Buffer, data: Buffer | string): void {
  xorDigest(digest, data);
  sha1(digest).copy(digest);
}

/** "%.17g", as snprintf() prints a score. */
function score17g(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (Object.is(d, -0)) return '-0';
  return formatG(d, 17);
}

/** xorObjectDigest(): mix the value (and whether it has a TTL) into `digest`. */
function xorObjectDigest(db: Db, key: string, digest: Buffer, o: RValue): void {
  const type = typeOf(o);
  const aux = Buffer.alloc(4);
  aux.writeUInt32BE(OBJ_TYPES[type] ?? 0);
  mixDigest(digest, aux);
  if (isString(o)) {
    mixDigest(digest, strBytes(o));
  } else if (type === 'list') {
    for (const v of o as RList) mixDigest(digest, v);
  } else if (type === 'set') {
    (o as RSet).forEach((m) => xorDigest(digest, m));
  } else if (type === 'zset') {
    (o as ZSet).forEach((ele, score) => {
      const e = Buffer.alloc(20);
      mixDigest(e, ele);
      mixDigest(e, score17g(score));
      xorDigest(digest, e);
    });
  } else if (type === 'hash') {
    (o as RHash).forEach((f, v) => {
      const e = Buffer.alloc(20);
      mixDigest(e, f);
      mixDigest(e, v);
      xorDigest(digest, e);
    });
  } else if (type === 'stream') {
    // Live entries in order: "ms.seq", then each field and value (groups are not digested).
    for (const e of (o as RStream).range(0n, MAX_ID)) {
      mixDigest(digest, `${idMs(e.id)}.${idSeq(e.id)}`);
      for (let i = 0; i < e.fv.length; i++) mixDigest(digest, e.fv[i]);
    }
  }
  if (db.expires.get(key) !== undefined) xorDigest(digest, '!!expire!!');
}

/** computeDatasetDigest(). */
export function datasetDigest(dbs: readonly Db[]): Buffer {
  const final = Buffer.alloc(20);
  for (const db of dbs) {
    if (db.dict.size === 0) continue;
    const aux = Buffer.alloc(4);
    aux.writeUInt32BE(db.id);
    mixDigest(final, aux);
    db.dict.forEach((key, val) => {
      const digest = Buffer.alloc(20);
      mixDigest(digest, key);
      xorObjectDigest(db, key, digest, val);
      xorDigest(final, digest);
    });
  }
  return final;
}

registerDebugSubcommand({
  name: 'digest',
  argcOk: (n) => n === 2,
  help: ['DIGEST', '    Output a hex signature representing the current DB content.'],
  handler: (c: Client) => {
    c.addReplyStatus(datasetDigest(c.server.dbs).toString('hex'));
  },
});

registerDebugSubcommand({
  name: 'digest-value',
  argcOk: (n) => n >= 2,
  help: ['DIGEST-VALUE <key> [<key> ...]', '    Output a hex signature of the values of all the specified keys.'],
  handler: (c: Client, argv: string[]) => {
    c.addReplyArrayLen(argv.length - 2);
    for (let j = 2; j < argv.length; j++) {
      const digest = Buffer.alloc(20);
      // Logically expired keys count too: no lookup, no lazy expiry.
      const slot = c.db.dict.find(argv[j]);
      if (slot !== -1) xorObjectDigest(c.db, argv[j], digest, c.db.dict.valueAt(slot));
      c.addReplyStatus(digest.toString('hex'));
    }
  },
});
