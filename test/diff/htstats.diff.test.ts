/**
 * DEBUG HTSTATS and HTSTATS-KEY against redis-server: the same text where
 * the hash function cannot matter (empty tables, one element), the same
 * table sizes and element counts as tables grow and shrink (Redis 7.0's
 * resize policy), and the same errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import type { RawClient } from '../helpers/resp.js';

warnIfNoRedis('htstats');

/** The table sizes and element counts of a stats text (the chains depend on the hash function). */
function sizes(text: string): string {
  return text
    .split('\n')
    .filter((l) => /^(\[|Hash table|No stats| table size| number of elements)/.test(l))
    .join('\n');
}

/**
 * The stats text once no table of it is rehashing: the cron finishes a
 * keyspace's rehash; a key's moves on a bucket per lookup (`poke`).
 */
async function settled(c: RawClient, args: string[], poke?: string[]): Promise<string> {
  for (let i = 0; ; i++) {
    const text = (await c.callStr('DEBUG', ...args)).replace(/^\$\d+\r\n/, '');
    if (!text.includes('rehashing target') || i === 2000) return text;
    if (poke !== undefined) await c.call(...poke);
    else await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(!HAVE_REDIS)('DEBUG HTSTATS', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start(['--enable-debug-command', 'yes'], { 'enable-debug-command': 'yes' });
  });
  afterAll(async () => {
    await d?.close();
  });

  it('empty and one-element tables read the same, byte for byte', async () => {
    await d.same('DEBUG', 'HTSTATS', '0');
    await d.same('SET', 'k\xff', 'v');
    await d.same('DEBUG', 'HTSTATS', '0');
    await d.same('PEXPIRE', 'k\xff', '100000');
    await d.same('DEBUG', 'HTSTATS', '0');
    await d.same('SELECT', '3');
    await d.same('DEBUG', 'HTSTATS', '3');
    await d.same('HSET', 'h', 'f\x00', 'v');
    await d.same('CONFIG', 'SET', 'hash-max-listpack-entries', '0');
    await d.same('HSET', 'h', 'g', 'v');
    await d.same('HDEL', 'h', 'g');
    await d.same('DEBUG', 'HTSTATS-KEY', 'h');
    await d.same('CONFIG', 'SET', 'hash-max-listpack-entries', '128');
    await d.same('FLUSHALL');
  });

  it('tables grow and shrink to the same sizes', async () => {
    await d.same('SELECT', '0');
    for (const n of ['5', '17', '1000', '4096', '4097']) {
      await d.same('FLUSHALL');
      await d.same('DEBUG', 'POPULATE', n, 'key\xfe');
      const [nt, rt] = await Promise.all([settled(d.n, ['HTSTATS', '0']), settled(d.r, ['HTSTATS', '0'])]);
      expect(sizes(nt), `${n} keys: ${nt}`).toBe(sizes(rt));
      expect(sizes(nt)).toContain(` number of elements: ${n}`);
    }
    // Deleting keys leaves the keyspace's table to the cron, which shrinks it.
    const keys = Array.from({ length: 4090 }, (_, i) => `key\xfe:${i}`);
    await d.same('DEL', ...keys);
    const shrunk = async (c: RawClient): Promise<string> => {
      for (let i = 0; i < 300; i++) {
        const text = await settled(c, ['HTSTATS', '0']);
        if (!text.includes('table size: 8192')) return text;
        await new Promise((r) => setTimeout(r, 10));
      }
      return 'not shrunk';
    };
    const [ns, rs] = await Promise.all([shrunk(d.n), shrunk(d.r)]);
    expect(sizes(ns)).toBe(sizes(rs));
    expect(sizes(ns)).toContain(' table size: 8\n number of elements: 7');
    await d.same('FLUSHALL');
    const s = ['SADD', 's'];
    const z = ['ZADD', 'z'];
    for (let i = 0; i < 300; i++) {
      s.push(`m\xff${i}`);
      z.push(String(i), `m${i}`);
    }
    await d.same(...s);
    await d.same(...z);
    const pokes: Record<string, string[]> = { s: ['SISMEMBER', 's', 'none'], z: ['ZSCORE', 'z', 'none'] };
    for (const key of ['s', 'z']) {
      const args = ['HTSTATS-KEY', key];
      const [nt, rt] = await Promise.all([settled(d.n, args, pokes[key]), settled(d.r, args, pokes[key])]);
      expect(sizes(nt), key).toBe(sizes(rt));
    }
    // Removing nearly every member shrinks the table (htNeedsResize()). A
    // set checks after each deletion, but not while a shrink is under way,
    // which ends after a number of steps that depends on the hash: members
    // go one at a time, each rehash settled. A range deletion shrinks once.
    for (const m of s.slice(2, 297)) {
      await d.same('SREM', 's', m);
      await Promise.all([settled(d.n, ['HTSTATS-KEY', 's'], pokes.s), settled(d.r, ['HTSTATS-KEY', 's'], pokes.s)]);
    }
    await d.same('ZREMRANGEBYRANK', 'z', '0', '294');
    for (const key of ['s', 'z']) {
      const args = ['HTSTATS-KEY', key];
      const [nt, rt] = await Promise.all([settled(d.n, args, pokes[key]), settled(d.r, args, pokes[key])]);
      expect(sizes(nt), key).toBe(sizes(rt));
      expect(sizes(nt)).toContain(' number of elements: 5');
    }
  });

  it('a small set of strings has a table too; errors are the same', async () => {
    await d.same('FLUSHALL');
    await d.same('SADD', 'small', 'a');
    await d.same('DEBUG', 'HTSTATS-KEY', 'small');
    await d.same('SADD', 'ints', '1', '2');
    await d.same('RPUSH', 'l', 'a');
    await d.same('SET', 'str', 'v');
    await d.same('ZADD', 'lz', '1', 'a');
    for (const key of ['ints', 'l', 'str', 'lz', 'missing']) await d.same('DEBUG', 'HTSTATS-KEY', key);
    await d.same('SET', 'gone', 'v', 'PX', '1');
    await new Promise((r) => setTimeout(r, 20));
    await d.same('DEBUG', 'HTSTATS-KEY', 'gone');
    for (const db of ['16', '-1', 'x', '99999999999999999999']) await d.same('DEBUG', 'HTSTATS', db);
    await d.same('DEBUG', 'HTSTATS');
    await d.same('DEBUG', 'HTSTATS-KEY');
    await d.same('DEBUG', 'HTSTATS', '0', '1');
  });

  it('RESP3 replies with a verbatim string', async () => {
    await d.both('HELLO', '3');
    await d.same('SELECT', '5');
    await d.same('SET', 'one', 'v');
    await d.same('DEBUG', 'HTSTATS', '5');
    await d.same('SADD', 'small', 'a');
    await d.same('DEBUG', 'HTSTATS-KEY', 'small');
    await d.both('HELLO', '2');
  });
});
