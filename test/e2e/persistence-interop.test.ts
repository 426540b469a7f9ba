/**
 * RDB files across Nodis and redis-server 7.0: a dataset with every type in
 * its small and large encodings (listpack/intset vs quicklist/hashtable/
 * skiplist, int and LZF strings), binary keys and values, TTLs and several
 * dbs. Nodis's BGSAVE file passes redis-check-rdb and loads into
 * redis-server; redis-server's dump.rdb loads at Nodis start-up; both sides
 * then hold the same keyspace, read back with commands.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/resp.js';
import { HAVE_REDIS, startNodis, startRedis, warnIfNoRedis } from '../helpers/servers.js';
import { pictureOverWire, sortedPicture } from '../helpers/keyspace.js';

warnIfNoRedis('e2e/persistence-interop');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-persist-interop-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const B = '\xff\x00\xc3';

/** Commands building the dataset (the same on both servers). */
function dataset(): string[][] {
  const cmds: string[][] = [];
  const far = String(Math.floor(Date.now() / 1000) + 30 * 24 * 3600);
  for (const db of [0, 1, 7]) {
    cmds.push(['SELECT', String(db)]);
    cmds.push(['SET', `str${B}`, `plain ${B} value`]);
    cmds.push(['SET', 'int', '-123456789012']);
    cmds.push(['SET', 'small-int', '7']);
    cmds.push(['SET', 'long', 'x'.repeat(5000) + B + 'y'.repeat(3000)]);
    cmds.push(['SET', 'ttl', 'v', 'EXAT', far]);
    cmds.push(['SET', '', 'empty key']);
    cmds.push(['SET', 'empty-value', '']);
    cmds.push(['SETRANGE', `mutable${B}`, '10', 'in place']);
    cmds.push(['RPUSH', 'list-small', 'a', B, '12345', '']);
    const big: string[] = ['RPUSH', 'list-big'];
    for (let i = 0; i < 1000; i++) big.push(i % 3 === 0 ? String(i) : `item-${i}-${B}`);
    cmds.push(big);
    cmds.push(['RPUSH', 'list-huge-elements', 'z'.repeat(10000), 'small', 'w'.repeat(9000)]);
    cmds.push(['SADD', 'set-int', '1', '2', '-3', '99999999999']);
    const setBig: string[] = ['SADD', 'set-big-int'];
    for (let i = 0; i < 600; i++) setBig.push(String(i * 7));
    cmds.push(setBig);
    cmds.push(['SADD', 'set-str', 'a', B, 'c']);
    const setStrBig: string[] = ['SADD', 'set-str-big'];
    for (let i = 0; i < 300; i++) setStrBig.push(`m${i}${B}`);
    cmds.push(setStrBig);
    cmds.push(['HSET', `hash${B}`, 'f1', 'v1', B, B, 'num', '42']);
    const hBig: string[] = ['HSET', 'hash-big'];
    for (let i = 0; i < 300; i++) hBig.push(`field${i}`, i % 2 ? String(i) : `value-${i}-${B}`);
    cmds.push(hBig);
    cmds.push(['HSET', 'hash-long-value', 'f', 'q'.repeat(100)]);
    cmds.push(['ZADD', 'zset', '1', 'a', '2.5', B, '-inf', 'neg', '+inf', 'pos', '0.1', 'tenth']);
    const zBig: string[] = ['ZADD', 'zset-big'];
    for (let i = 0; i < 300; i++) zBig.push(String(i / 7), `z${i}${B}`);
    cmds.push(zBig);
    cmds.push(['PEXPIREAT', 'zset-big', far + '123']);
    cmds.push(['PEXPIRE', 'hash-big', String(20 * 24 * 3600 * 1000)]);
  }
  return cmds;
}

async function load(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    for (const cmd of dataset()) {
      const r = await c.callStr(...cmd.map((a) => Buffer.from(a, 'latin1')));
      if (r.startsWith('-')) throw new Error(`${cmd[0]}: ${r}`);
    }
  } finally {
    c.close();
  }
}

async function waitBgsave(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    const end = Date.now() + 30000;
    for (;;) {
      const s = await c.callStr('INFO', 'persistence');
      if (s.includes('rdb_bgsave_in_progress:0') && s.includes('rdb_saves:1')) {
        expect(s).toContain('rdb_last_bgsave_status:ok');
        return;
      }
      if (Date.now() > end) throw new Error('BGSAVE did not finish');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    c.close();
  }
}

describe.skipIf(!HAVE_REDIS)('RDB interop with redis-server 7.0', () => {
  for (const [compression, checksum] of [
    ['yes', 'yes'],
    ['no', 'no'],
  ]) {
    it(`a Nodis BGSAVE file passes redis-check-rdb and loads into redis-server (rdbcompression ${compression}, rdbchecksum ${checksum})`, async () => {
      const dir = fs.mkdtempSync(path.join(tmp, 'n2r-'));
      const nodis = await startNodis({ config: { dir, rdbcompression: compression, rdbchecksum: checksum } });
      try {
        await load(nodis.port);
        const c = await RawClient.connect(nodis.port);
        expect(await c.callStr('BGSAVE')).toBe('+Background saving started\r\n');
        c.close();
        await waitBgsave(nodis.port);
        const file = path.join(dir, 'dump.rdb');
        const check = spawnSync('redis-check-rdb', [file], { encoding: 'latin1' });
        expect(check.stdout + check.stderr).toContain('RDB looks OK!');
        expect(check.status).toBe(0);
        const expected = await pictureOverWire(nodis.port);
        const redis = await startRedis(['--dir', dir, '--dbfilename', 'dump.rdb', '--rdbchecksum', checksum]);
        try {
          expect(sortedPicture(await pictureOverWire(redis.port))).toEqual(sortedPicture(expected));
        } finally {
          await redis.close();
        }
      } finally {
        await nodis.close();
      }
    });
  }

  it("redis-server's dump.rdb loads at Nodis start-up with the same keyspace", async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'r2n-'));
    const redis = await startRedis(['--dir', dir]);
    let expected;
    try {
      await load(redis.port);
      const c = await RawClient.connect(redis.port);
      expect(await c.callStr('SAVE')).toBe('+OK\r\n');
      c.close();
      expected = await pictureOverWire(redis.port);
    } finally {
      await redis.close();
    }
    // Starting a server loads dir/dbfilename (loadDataFromDisk()).
    const nodis = await startNodis({ config: { dir } });
    try {
      const info = await RawClient.connect(nodis.port);
      expect(await info.callStr('INFO', 'persistence')).toContain(`rdb_last_load_keys_loaded:${[...expected.values()].reduce((n, m) => n + m.size, 0)}\r\n`);
      info.close();
      expect(sortedPicture(await pictureOverWire(nodis.port))).toEqual(sortedPicture(expected));
      // And what Nodis writes back is still the same for redis-server.
      const c = await RawClient.connect(nodis.port);
      expect(await c.callStr('SAVE')).toBe('+OK\r\n');
      c.close();
      const check = spawnSync('redis-check-rdb', [path.join(dir, 'dump.rdb')], { encoding: 'latin1' });
      expect(check.status).toBe(0);
    } finally {
      await nodis.close();
    }
  });
});
