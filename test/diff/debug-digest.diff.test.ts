/**
 * DEBUG DIGEST / DIGEST-VALUE give redis-server's exact hex for the same
 * data: every type and encoding, binary data, TTLs, several dbs.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';

warnIfNoRedis('debug-digest');

describe.skipIf(!HAVE_REDIS)('DEBUG DIGEST', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start(['--enable-debug-command', 'yes'], { 'enable-debug-command': 'yes' });
  });
  afterAll(async () => {
    await d?.close();
  });

  it('empty dataset, then every type', async () => {
    await d.same('DEBUG', 'DIGEST');
    await d.same('SET', 's\xff', 'v\x00');
    await d.same('SET', 'n', '12345');
    await d.same('RPUSH', 'l', 'a', '1', '\xfe', '-7');
    await d.same('SADD', 'is', '3', '1', '2');
    await d.same('SADD', 'hs', 'x', 'y\x00', 'z');
    await d.same('ZADD', 'z', '1.5', 'a', '-inf', 'b', '0.1', 'c', '3', '7', '-0', 'negz');
    await d.same('HSET', 'h', 'f', 'v', 'n', '1');
    await d.same('DEBUG', 'DIGEST');
    await d.same('DEBUG', 'DIGEST-VALUE', 's\xff', 'n', 'l', 'is', 'hs', 'z', 'h', 'missing');
    await d.same('EXPIRE', 'h', '1000');
    await d.same('DEBUG', 'DIGEST-VALUE', 'h');
    await d.same('SELECT', '4');
    await d.same('SET', 'other', 'db');
    await d.same('DEBUG', 'DIGEST');
  });

  it('large encodings: skiplist zset, hashtable hash, quicklist list', async () => {
    const z = ['ZADD', 'bz'];
    const h = ['HSET', 'bh'];
    const l = ['RPUSH', 'bl'];
    for (let i = 0; i < 300; i++) {
      z.push(String(i / 3), `m${i}`);
      h.push(`f${i}`, `v${i}`);
      l.push(`e${i}`);
    }
    await d.same(...z);
    await d.same(...h);
    await d.same(...l);
    await d.same('DEBUG', 'DIGEST-VALUE', 'bz', 'bh', 'bl');
    await d.same('DEBUG', 'DIGEST');
  });

  it('streams: live entries in order, binary fields, tombstones and groups left out', async () => {
    await d.same('SELECT', '0');
    await d.same('XADD', 'st\xff', '1-1', 'f', 'v', '\xff\x00', '\xc3');
    await d.same('XADD', 'st\xff', '1-2', 'f', 'w');
    await d.same('XADD', 'st\xff', '18446744073709551615-3', 'n', '-12', 'f', 'x');
    await d.same('DEBUG', 'DIGEST-VALUE', 'st\xff');
    await d.same('XDEL', 'st\xff', '1-2');
    await d.same('DEBUG', 'DIGEST-VALUE', 'st\xff');
    await d.same('XGROUP', 'CREATE', 'st\xff', 'g', '0');
    await d.same('DEBUG', 'DIGEST-VALUE', 'st\xff');
    await d.same('XGROUP', 'CREATE', 'empty', 'g', '$', 'MKSTREAM');
    await d.same('DEBUG', 'DIGEST-VALUE', 'empty', 'st\xff');
    await d.same('DEBUG', 'DIGEST');
  });
});
