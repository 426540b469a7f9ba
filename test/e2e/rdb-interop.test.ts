/**
 * RDB interoperability with redis-server 7.0:
 * - a file written by Nodis's RdbWriter loads into redis-server with an
 *   identical keyspace and passes redis-check-rdb;
 * - a file written by redis-server's SAVE loads through loadRdb() into an
 *   identical Nodis keyspace.
 * Mixed types and encodings, TTLs, non-UTF-8 keys, several databases and
 * values big enough for LZF and multi-node quicklists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNodis, startRedis, HAVE_REDIS, warnIfNoRedis, type RedisHandle } from '../helpers/servers.js';
import { RawClient, parseReply, type Arg, type Reply } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';
import { RdbWriter, defaultAux } from '../../src/persistence/rdb/writer.js';
import { loadRdb } from '../../src/persistence/rdb/reader.js';

warnIfNoRedis('rdb-interop');

const BIN_KEY = 'bin\xff\x00\xc3key';

/** Pseudo-random bytes (deterministic). */
function noise(n: number, seed: number): string {
  let x = seed;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += String.fromCharCode(x >>> 24);
  }
  return s;
}

/** Commands building the test keyspace (db 0 unless a SELECT says otherwise). */
function datasetCommands(): Arg[][] {
  const cmds: Arg[][] = [
    ['SET', 'int', '12345'],
    ['SET', 'negative', '-9223372036854775808'],
    ['SET', BIN_KEY, '\xff\xfe\x00value\xc3'],
    ['SET', 'lzf', 'compress me! '.repeat(8000)],
    ['SET', 'noise', noise(20000, 7)],
    ['SET', 'ttl', 'expiring', 'EX', '100000'],
    ['SET', 'empty', ''],
    ['RPUSH', 'list-small', 'a', '1', '\xff\x00', '-70000'],
    ['RPUSH', 'list-big', ...Array.from({ length: 5000 }, (_, i) => (i % 2 ? `e${i}` : String(i * 977)))],
    ['SADD', 'set-int', '1', '2', '-300', '9223372036854775807'],
    ['SADD', 'set-str', 'a', 'b', '\xff'],
    ['SADD', 'set-big', ...Array.from({ length: 1000 }, (_, i) => `member:${i}`)],
    ['HSET', 'hash-small', 'f', 'v', 'n', '7', '\xff\x00', '\xc3'],
    ['HSET', 'hash-big', ...Array.from({ length: 600 }, (_, i) => [`f${i}`, `value-${i}`.repeat(3)]).flat()],
    ['HSET', 'hash-long', 'f', 'x'.repeat(300)],
    ['PEXPIREAT', 'hash-small', String(Date.now() + 500_000_000)],
    ['ZADD', 'zset-small', '1', 'a', '-2.5', 'b', 'inf', 'c', '1e100', '\xff'],
    ['ZADD', 'zset-big', ...Array.from({ length: 500 }, (_, i) => [String(i / 7), `z${i}`]).flat()],
    ['SELECT', '3'],
    ['SET', 'db3-key', 'in db 3'],
    ['RPUSH', BIN_KEY, 'x'],
    ['EXPIRE', BIN_KEY, '200000'],
    ['SELECT', '15'],
    ['ZADD', 'last-db', '0', 'zero'],
    ['SELECT', '0'],
  ];
  return cmds;
}

async function runAll(c: RawClient, cmds: Arg[][]): Promise<void> {
  for (const cmd of cmds) {
    const rep = (await c.call(...cmd)).latin1Slice();
    if (rep.startsWith('-')) throw new Error(`${cmd[0]} failed: ${rep}`);
  }
}

function strings(r: Reply): string[] {
  if (r.t !== 'array' || r.v === null) throw new Error(`expected an array, got ${JSON.stringify(r)}`);
  return r.v.map((e) => (e.t === 'bulk' && e.v !== null ? e.v.latin1Slice() : JSON.stringify(e)));
}

/** Every key of every db: type, encoding, content and TTL (to the second). */
async function snapshot(c: RawClient): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (let db = 0; db < 16; db++) {
    await c.call('SELECT', String(db));
    const keys = strings(parseReply(await c.call('KEYS', '*'))[0]).sort();
    for (const key of keys) {
      const type = (await c.callStr('TYPE', key)).trim();
      const enc = (await c.callStr('OBJECT', 'ENCODING', key)).trim();
      const pttl = Number((await c.callStr('PTTL', key)).slice(1));
      let body: string[];
      if (type === '+string') body = [parseReply(await c.call('GET', key))[0].t === 'bulk' ? (await c.call('GET', key)).toString('hex') : ''];
      else if (type === '+list') body = strings(parseReply(await c.call('LRANGE', key, '0', '-1'))[0]);
      else if (type === '+set') body = strings(parseReply(await c.call('SMEMBERS', key))[0]).sort();
      else if (type === '+zset') body = strings(parseReply(await c.call('ZRANGE', key, '0', '-1', 'WITHSCORES'))[0]);
      else {
        const kv = strings(parseReply(await c.call('HGETALL', key))[0]);
        const pairs: string[] = [];
        for (let i = 0; i < kv.length; i += 2) pairs.push(`${kv[i]}=${kv[i + 1]}`);
        body = pairs.sort();
      }
      // TTLs are compared to the second (the two servers read them moments apart).
      const ttl = pttl < 0 ? String(pttl) : String(Math.round(pttl / 10000));
      out[`${db}/${Buffer.from(key, 'latin1').toString('hex')}`] = JSON.stringify({ type, enc, ttl, body });
    }
  }
  await c.call('SELECT', '0');
  return out;
}

/** The whole keyspace of a Nodis server as an RDB file, through RdbWriter. */
function writeNodisRdb(srv: ServerHandle): Buffer {
  const server = srv.server;
  const w = new RdbWriter({ compression: true, checksum: true });
  w.writeHeader(defaultAux(server));
  const chunks: Buffer[] = [];
  for (const db of server.dbs) {
    if (db.size === 0) continue;
    w.writeSelectDb(db.id, db.size, db.expires.size);
    db.dict.forEach((key, value) => {
      w.writeKeyValue(key, value, db.getExpire(key), server.config);
      if (w.pending > 65536) chunks.push(w.take());
    });
  }
  w.writeEof();
  chunks.push(w.take());
  return Buffer.concat(chunks);
}

describe.skipIf(!HAVE_REDIS)('RDB files between Nodis and redis-server', () => {
  let nodis: ServerHandle;
  let nc: RawClient;
  let dir: string;

  beforeAll(async () => {
    nodis = await startNodis();
    nc = await RawClient.connect(nodis.port);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-rdb-interop-'));
  });

  afterAll(async () => {
    nc?.close();
    await nodis?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a Nodis RDB loads into redis-server with the same keyspace and passes redis-check-rdb', async () => {
    await nc.call('FLUSHALL');
    await runAll(nc, datasetCommands());
    const file = writeNodisRdb(nodis);
    const rdbPath = path.join(dir, 'nodis.rdb');
    fs.writeFileSync(rdbPath, file);

    const check = spawnSync('redis-check-rdb', [rdbPath], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toContain('RDB looks OK!');
    expect(check.status).toBe(0);

    let redis: RedisHandle | null = null;
    let rc: RawClient | null = null;
    try {
      redis = await startRedis(['--dir', dir, '--dbfilename', 'nodis.rdb']);
      rc = await RawClient.connect(redis.port);
      const [fromNodis, fromRedis] = [await snapshot(nc), await snapshot(rc)];
      expect(Object.keys(fromRedis).length).toBe(Object.keys(fromNodis).length);
      expect(fromRedis).toEqual(fromNodis);
      // Every command but SELECT/PEXPIREAT/EXPIRE created one key.
      expect(Object.keys(fromNodis).length).toBe(datasetCommands().filter((c) => !['SELECT', 'PEXPIREAT', 'EXPIRE'].includes(String(c[0]))).length);
    } finally {
      rc?.close();
      await redis?.close();
    }
  });

  it("redis-server's SAVE loads through loadRdb() into the same keyspace", async () => {
    const redis = await startRedis();
    const rc = await RawClient.connect(redis.port);
    try {
      await runAll(rc, datasetCommands());
      expect(await rc.callStr('SAVE')).toBe('+OK\r\n');
      const file = fs.readFileSync(path.join(redis.dir, 'dump.rdb'));

      await nc.call('FLUSHALL');
      const server = nodis.server;
      const aux: Record<string, string> = {};
      const result = loadRdb(
        file,
        {
          aux: (k, v) => {
            aux[k] = v;
          },
          selectDb: () => {},
          key: (dbid, key, value, expireMs) => {
            const db = server.dbs[dbid];
            db.add(key, value);
            if (expireMs !== -1) db.setExpire(key, expireMs);
          },
        },
        { config: server.config },
      );
      expect(result.end).toBe(file.length);
      expect(aux['redis-ver']).toBe('7.0.15');
      expect(await snapshot(nc)).toEqual(await snapshot(rc));
    } finally {
      rc.close();
      await redis.close();
    }
  });
});
