/**
 * DEBUG HTSTATS and HTSTATS-KEY: the bucket tables of a database's keyspace
 * and expires, or of a key's hash, set or sorted set, as debug.c prints them
 * (dictGetStats()). Nodis's dicts are chained tables like Redis's, so the
 * figures are the tables' own; the chains differ from Redis's as the hash
 * function does.
 */
import { registerDebugSubcommand } from './server.js';
import { Errors, RedisError } from './types.js';
import { getLongLong } from './args.js';
import type { Dict, DictTableStats } from '../store/dict.js';
import { DICT_STATS_VECTLEN } from '../store/dict.js';
import { LOOKUP_NONOTIFY, LOOKUP_NOTOUCH } from '../store/db.js';
import { RSet } from '../store/set.js';
import { RHash } from '../store/hash.js';
import { ZSet } from '../store/zset.js';
import { fmtFixed } from '../server/info.js';

/** dictGetStats() writes into a 4096-byte buffer: at most 4095 chars. */
const STATS_BUF = 4096;

const f32 = Math.fround;

/** _dictGetStatsHt() of table `idx` (0 main, 1 rehashing target). */
function tableStatsText(st: DictTableStats, idx: number): string {
  const name = `Hash table ${idx} stats (${idx === 0 ? 'main hash table' : 'rehashing target'}):\n`;
  if (st.used === 0) return name + 'No stats available for empty dictionaries\n';
  // (float) arithmetic, printed with %.02f.
  const counted = f32(f32(st.used) / f32(st.slots));
  let s =
    name +
    ` table size: ${st.size}\n` +
    ` number of elements: ${st.used}\n` +
    ` different slots: ${st.slots}\n` +
    ` max chain length: ${st.maxChain}\n` +
    ` avg chain length (counted): ${fmtFixed(counted, 2)}\n` +
    ` avg chain length (computed): ${fmtFixed(counted, 2)}\n` +
    ' Chain length distribution:\n';
  for (let i = 0; i < DICT_STATS_VECTLEN - 1; i++) {
    const n = st.chains[i];
    if (n === 0) continue;
    s += `   ${i}: ${n} (${fmtFixed(f32(f32(f32(n) / f32(st.size)) * 100), 2)}%)\n`;
  }
  return s;
}

/** dictGetStats(). */
export function dictStatsText(d: Dict<unknown>): string {
  let s = '';
  d.tableStats().forEach((st, idx) => {
    s += tableStatsText(st, idx);
  });
  return s.length < STATS_BUF ? s : s.slice(0, STATS_BUF - 1);
}

registerDebugSubcommand({
  name: 'htstats',
  argcOk: (n) => n === 3,
  help: ['HTSTATS <dbid>', '    Return hash table statistics of the specified Redis database.'],
  handler: (c, argv) => {
    const dbid = getLongLong(argv[2]);
    if (dbid < 0 || dbid >= c.server.dbs.length) throw new RedisError('Out of range database');
    const db = c.server.dbs[dbid];
    c.addReplyVerbatim(`[Dictionary HT]\n${dictStatsText(db.dict)}[Expires HT]\n${dictStatsText(db.expires)}`, 'txt');
  },
});

registerDebugSubcommand({
  name: 'htstats-key',
  argcOk: (n) => n === 3,
  help: ['HTSTATS-KEY <key>', "    Like HTSTATS but for the hash table stored at <key>'s value."],
  handler: (c, argv) => {
    // objectCommandLookupOrReply(): an expired key is missing.
    const v = c.db.lookupRead(argv[2], LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
    if (v === undefined) throw new RedisError(Errors.noSuchKey);
    let ht: Dict<unknown> | null = null;
    if (v instanceof RSet) ht = v.hashTable();
    else if (v instanceof RHash || v instanceof ZSet) ht = v.dict;
    if (ht === null) throw new RedisError('The value stored at the specified key is not represented using an hash table');
    c.addReplyVerbatim(dictStatsText(ht), 'txt');
  },
});
