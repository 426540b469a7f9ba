/**
 * What is logged is the effect, as Redis propagates it: the same commands
 * are sent to Nodis and to redis-server, both with appendonly yes, and
 * their INCR files are compared command by command. Absolute times (the
 * PXAT/PEXPIREAT forms of relative expiries) are compared within a few
 * seconds; everything else byte for byte.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../../src/index.js';
import { RawClient, type Arg } from '../helpers/resp.js';
import { HAVE_REDIS, startRedis, warnIfNoRedis, type RedisHandle } from '../helpers/servers.js';
import { StdioReader } from '../../src/persistence/aof/loader.js';

warnIfNoRedis('aof-propagation');

/** The commands of an AOF file. */
function readAof(file: string): string[][] {
  const fd = fs.openSync(file, 'r');
  const r = new StdioReader(fd);
  const out: string[][] = [];
  try {
    for (;;) {
      const l = r.fgets(1024);
      if (l === null) break;
      const argc = Number(l.latin1Slice(1).trim());
      const argv: string[] = [];
      for (let i = 0; i < argc; i++) {
        const len = Number(r.fgets(1024)!.latin1Slice(1).trim());
        argv.push(len > 0 ? r.fread(len)!.latin1Slice() : '');
        r.fread(2);
      }
      out.push(argv);
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

/** Absolute unix times in ms or s, compared loosely. */
function isTime(s: string): boolean {
  if (!/^\d{10}$|^\d{13}$/.test(s)) return false;
  const n = Number(s);
  const now = Date.now();
  return (n > now - 1e8 && n < now + 1e8) || (n * 1000 > now - 1e8 && n * 1000 < now + 1e8);
}

function sameEffects(nodis: string[][], redis: string[][]): void {
  const show = (a: string[][]): string[] => a.map((c) => c.map((x) => JSON.stringify(x)).join(' '));
  const n = nodis.map((c, k) => c.map((a, i) => (isTime(a) && isTime(redis[k]?.[i] ?? '') ? '<time>' : a)));
  const r = redis.map((c) => c.map((a) => (isTime(a) ? '<time>' : a)));
  expect(show(n)).toEqual(show(r));
  for (let i = 0; i < nodis.length; i++) {
    for (let j = 0; j < nodis[i].length; j++) {
      if (isTime(redis[i][j])) expect(Math.abs(Number(nodis[i][j]) - Number(redis[i][j]))).toBeLessThan(5000);
    }
  }
}

/** Keys expired by one SCAN go out in hash-table order: compare those runs as sets. */
function sortDelRuns(a: string[][]): string[][] {
  const out = a.slice();
  for (let i = 0; i < out.length; ) {
    let j = i;
    while (j < out.length && out[j][0] === 'DEL') j++;
    if (j > i) {
      const run = out.slice(i, j).sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
      out.splice(i, j - i, ...run);
      i = j;
    } else i++;
  }
  return out;
}

describe.skipIf(!HAVE_REDIS)('AOF: the propagated effects equal redis-server 7.0', () => {
  let redis: RedisHandle;
  let nodis: ServerHandle;
  let ndir: string;
  let n: RawClient;
  let r: RawClient;

  beforeAll(async () => {
    ndir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aofprop-'));
    // appendfsync no: with everysec a write may wait for a background fsync
    // after its reply (on both servers), and the files are read right away.
    redis = await startRedis(['--appendonly', 'yes', '--appendfsync', 'no', '--enable-debug-command', 'yes', '--aof-use-rdb-preamble', 'no']);
    nodis = await startServer({
      config: { dir: ndir, appendonly: 'yes', appendfsync: 'no', 'enable-debug-command': 'yes', 'aof-use-rdb-preamble': 'no' },
    });
    n = await RawClient.connect(nodis.port);
    r = await RawClient.connect(redis.port);
  });
  afterAll(async () => {
    n?.close();
    r?.close();
    await nodis?.close();
    await redis?.close();
    if (ndir) fs.rmSync(ndir, { recursive: true, force: true });
  });

  /** Run a scenario on both servers, starting from empty dbs, and compare what each appended. */
  async function scenario(
    run: (call: (...args: Arg[]) => Promise<void>, both: [RawClient, RawClient][]) => Promise<void>,
    opts: { sortDelRuns?: boolean } = {},
  ): Promise<void> {
    for (const c of [n, r]) {
      await c.call('FLUSHALL');
      await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      await c.call('SELECT', '0');
    }
    const nf = path.join(ndir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
    const rf = path.join(redis.dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
    const nStart = readAof(nf).length;
    const rStart = readAof(rf).length;
    const call = async (...args: Arg[]): Promise<void> => {
      const [a, b] = await Promise.all([n.call(...args), r.call(...args)]);
      expect(a.toString('latin1')).toEqual(b.toString('latin1'));
    };
    await run(call, [[n, r]]);
    // Both servers write the AOF before replying: a PING round trip later it is all there.
    await Promise.all([n.call('PING'), r.call('PING')]);
    const norm = (a: string[][]): string[][] => (opts.sortDelRuns ? sortDelRuns(a) : a);
    sameEffects(norm(readAof(nf).slice(nStart)), norm(readAof(rf).slice(rStart)));
  }

  it('strings: SET options, SETEX/PSETEX, GETEX, GETDEL, INCRBYFLOAT, APPEND, SETRANGE', async () => {
    await scenario(async (call) => {
      await call('SET', 'k\xff', 'v', 'EX', '100');
      await call('SET', 'k2', 'v', 'PX', '100000');
      await call('SET', 'k3', 'v', 'EXAT', String(Math.floor(Date.now() / 1000) + 500));
      await call('SET', 'k4', 'v', 'PXAT', String(Date.now() + 500000));
      await call('SET', 'k5', 'v', 'KEEPTTL');
      await call('SET', 'k\xff', 'w', 'GET');
      await call('SET', 'k6', 'v', 'NX', 'GET');
      await call('SET', 'k6', 'x', 'XX', 'EX', '30');
      await call('SET', 'k6', 'x', 'NX');
      await call('SETEX', 'se', '100', 'v');
      await call('PSETEX', 'pse', '100000', 'v');
      await call('SETNX', 'nx', '1');
      await call('MSET', 'a', '1', 'b', '2');
      await call('MSETNX', 'c', '1', 'a', '2');
      await call('GETEX', 'a', 'EX', '100');
      await call('GETEX', 'a', 'PERSIST');
      await call('GETEX', 'b', 'PXAT', String(Date.now() + 100000));
      await call('GETEX', 'b');
      await call('GETDEL', 'b');
      await call('GETDEL', 'b');
      await call('GETSET', 'gs', 'v');
      await call('INCRBYFLOAT', 'f', '1.5');
      await call('INCRBYFLOAT', 'f', '1e3');
      await call('INCR', 'i');
      await call('DECRBY', 'i', '5');
      await call('APPEND', 'ap', '\x00\xff');
      await call('SETRANGE', 'ap', '5', 'x');
      await call('SETBIT', 'bits', '7', '1');
      await call('BITOP', 'OR', 'dest', 'bits', 'ap');
      await call('BITFIELD', 'bf', 'SET', 'u8', '0', '255', 'GET', 'u8', '0');
    });
  });

  it('keys: EXPIRE family, PERSIST, past expiries, RENAME, MOVE, COPY, DEL, UNLINK, SWAPDB, FLUSHDB', async () => {
    await scenario(async (call) => {
      await call('SET', 'e', 'v');
      await call('EXPIRE', 'e', '100');
      await call('PEXPIRE', 'e', '200000', 'GT');
      await call('EXPIREAT', 'e', String(Math.floor(Date.now() / 1000) + 1000));
      await call('PEXPIREAT', 'e', String(Date.now() + 2000000));
      await call('EXPIRE', 'e', '100', 'NX');
      await call('PERSIST', 'e');
      await call('PERSIST', 'e');
      await call('SET', 'gone', 'v');
      await call('EXPIRE', 'gone', '-1');
      await call('SET', 'gone2', 'v');
      await call('PEXPIREAT', 'gone2', '1');
      await call('SET', 'r', 'v');
      await call('RENAME', 'r', 'r2');
      await call('RENAMENX', 'r2', 'r3');
      await call('MOVE', 'r3', '5');
      await call('SELECT', '5');
      await call('COPY', 'r3', 'r4', 'DB', '0');
      await call('SELECT', '0');
      await call('DEL', 'r4', 'nothing');
      await call('SET', 'u', 'v');
      await call('UNLINK', 'u');
      await call('SWAPDB', '0', '5');
      await call('FLUSHDB');
      await call('SELECT', '5');
      await call('FLUSHDB', 'ASYNC');
    });
  });

  it('lazy expiry of a key read after its TTL is logged as DEL', async () => {
    await scenario(async (call) => {
      await call('SET', 'short', 'v', 'PX', '1');
      await call('HSET', 'h', 'f', 'v');
      await call('PEXPIRE', 'h', '1');
      await new Promise((res) => setTimeout(res, 30));
      await call('GET', 'short');
      await call('HSET', 'h', 'g', 'w');
      await call('EXISTS', 'h');
    });
  });

  it('keys expired with lazyfree-lazy-expire yes are logged as UNLINK', async () => {
    await scenario(async (call) => {
      await call('CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes');
      try {
        await call('SET', 'k', 'v', 'PX', '1');
        await call('SET', 'k2', 'v');
        await call('PEXPIREAT', 'k2', '1');
        await new Promise((res) => setTimeout(res, 30));
        await call('GET', 'k');
        await call('SET', 'k', 'w');
      } finally {
        await call('CONFIG', 'SET', 'lazyfree-lazy-expire', 'no');
      }
    });
  });

  it('store commands and in-place edits', async () => {
    await scenario(async (call) => {
      await call('SADD', 'a', '1', '2', '3');
      await call('SADD', 'b', '2', '3', '4');
      await call('SINTERSTORE', 'i', 'a', 'b');
      await call('SUNIONSTORE', 'u', 'a', 'b');
      await call('SDIFFSTORE', 'd', 'a', 'b');
      await call('ZADD', 'z1', '1', 'x', '2', 'y');
      await call('ZADD', 'z2', '3', 'y', '4', 'w');
      await call('ZUNIONSTORE', 'zu', '2', 'z1', 'z2', 'WEIGHTS', '1', '2');
      await call('ZINTERSTORE', 'zi', '2', 'z1', 'z2');
      await call('ZRANGESTORE', 'zr', 'z1', '0', '-1');
      await call('ZREMRANGEBYSCORE', 'z1', '0', '1');
      await call('RPUSH', 'l', 'a', 'b', 'c');
      await call('LSET', 'l', '1', 'B');
      await call('LINSERT', 'l', 'BEFORE', 'B', 'x');
      await call('LTRIM', 'l', '1', '-1');
      await call('HSETNX', 'h', 'f', 'v');
      await call('HSETNX', 'h', 'f', 'w');
      await call('HMSET', 'h', 'a', '1', 'b', '2');
      await call('GEOADD', 'g', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania');
      await call('GEOSEARCHSTORE', 'gs', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km', 'ASC');
      await call('GEORADIUS', 'g', '15', '37', '200', 'km', 'STORE', 'gr');
      await call('SET', 'dump', 'v');
    });
  });

  it('SCAN and RANDOMKEY expire several keys without a transaction', async () => {
    await scenario(async (call) => {
      for (let i = 0; i < 3; i++) await call('SET', `t${i}`, 'v', 'PX', '1');
      await new Promise((res) => setTimeout(res, 30));
      await call('SCAN', '0', 'COUNT', '100');
      for (let i = 0; i < 3; i++) await call('SET', `t${i}`, 'v', 'PX', '1');
      await call('MULTI');
      await call('SET', 'x', '1');
      await call('EXEC');
    }, { sortDelRuns: true });
  });

  it('collections: SPOP, SMOVE, HINCRBYFLOAT, LMPOP, ZMPOP, ZPOP, LMOVE, SORT STORE, GEOADD', async () => {
    await scenario(async (call) => {
      await call('SADD', 's', 'only');
      await call('SPOP', 's');
      await call('SADD', 's', '3', '1', '2');
      await call('SPOP', 's', '5');
      await call('SADD', 's', 'a');
      await call('SPOP', 's', '1');
      await call('SADD', 's2', 'x', 'y');
      await call('SMOVE', 's2', 's3', 'x');
      await call('HSET', 'h', 'f', '1');
      await call('HINCRBYFLOAT', 'h', 'f', '2.5');
      await call('HINCRBY', 'h', 'g', '3');
      await call('HDEL', 'h', 'g', 'zz');
      await call('RPUSH', 'l', 'a', 'b', 'c', 'd');
      await call('LPOP', 'l');
      await call('RPOP', 'l', '2');
      await call('LMPOP', '2', 'nol', 'l', 'LEFT', 'COUNT', '5');
      await call('RPUSH', 'l2', 'x', 'y');
      await call('LMOVE', 'l2', 'l3', 'LEFT', 'RIGHT');
      await call('RPOPLPUSH', 'l2', 'l3');
      await call('LREM', 'l3', '0', 'zz');
      await call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
      await call('ZINCRBY', 'z', '0.5', 'a');
      await call('ZPOPMIN', 'z');
      await call('ZPOPMAX', 'z', '5');
      await call('ZADD', 'z', '1', 'a', '2', 'b');
      await call('ZMPOP', '1', 'z', 'MIN', 'COUNT', '1');
      await call('RPUSH', 'sortme', '3', '1', '2');
      await call('SORT', 'sortme', 'STORE', 'sorted');
      await call('GEOADD', 'geo', '13.361389', '38.115556', 'Palermo');
    });
  });

  it('blocking pops log the pop: served at once and served later by a push', async () => {
    const [n2, r2] = await Promise.all([RawClient.connect(nodis.port), RawClient.connect(redis.port)]);
    try {
      await scenario(async (call) => {
        await call('RPUSH', 'bl', 'a', 'b');
        await call('BLPOP', 'bl', '0');
        await call('BRPOPLPUSH', 'bl', 'dst', '0');
        await call('ZADD', 'bz', '1', 'm');
        await call('BZPOPMIN', 'bz', '0');
        // A client blocks; the push of another one serves it.
        for (const c of [n2, r2]) c.write('*3\r\n$5\r\nBLPOP\r\n$4\r\nwait\r\n$1\r\n0\r\n');
        await new Promise((res) => setTimeout(res, 100));
        await call('RPUSH', 'wait', 'x', 'y');
        await Promise.all([n2.readReply(), r2.readReply()]);
        for (const c of [n2, r2]) c.write('*6\r\n$5\r\nBLMOVE\r\n$5\r\nwait2\r\n$3\r\ndst\r\n$4\r\nLEFT\r\n$5\r\nRIGHT\r\n$1\r\n0\r\n');
        await new Promise((res) => setTimeout(res, 100));
        await call('LPUSH', 'wait2', 'z');
        await Promise.all([n2.readReply(), r2.readReply()]);
      });
    } finally {
      n2.close();
      r2.close();
    }
  });

  it('transactions: MULTI/EXEC wraps writes; read-only EXEC logs nothing', async () => {
    await scenario(async (call) => {
      await call('MULTI');
      await call('SET', 'a', '1');
      await call('INCR', 'a');
      await call('SELECT', '3');
      await call('SET', 'b', '2');
      await call('EXEC');
      await call('SELECT', '0');
      await call('MULTI');
      await call('GET', 'a');
      await call('EXEC');
      await call('MULTI');
      await call('SET', 'c', '1', 'EX', '100');
      await call('EXEC');
      await call('MULTI');
      await call('SADD', 'ss', 'x');
      await call('SPOP', 'ss');
      await call('EXPIRE', 'c', '-1');
      await call('EXEC');
    });
  });

  it('FLUSHALL and writes that change nothing', async () => {
    await scenario(async (call) => {
      await call('SET', 'a', '1');
      await call('FLUSHALL');
      await call('FLUSHALL');
      await call('DEL', 'a');
      await call('SREM', 'none', 'x');
      await call('HDEL', 'none', 'x');
      await call('EXPIRE', 'none', '10');
      await call('LTRIM', 'none', '0', '1');
    });
  });
});
