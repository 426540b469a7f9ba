/**
 * AOF interoperability with Redis 7.0 (skipped, loudly, without
 * redis-server): redis-check-aof accepts Nodis's manifest and files,
 * redis-server started on Nodis's appendonlydir loads the same keyspace,
 * and Nodis loads redis-server's appendonlydir, with RDB and commands
 * bases, BASE + INCR after a rewrite, binary data, every type and TTLs.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../../src/index.js';
import { RawClient } from '../helpers/resp.js';
import { HAVE_REDIS, startRedis, warnIfNoRedis, type RedisHandle } from '../helpers/servers.js';
import { pictureOverWire, sortedPicture } from '../helpers/keyspace.js';

warnIfNoRedis('aof-interop');

let dir: string;
const cleanup: (() => Promise<void>)[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aof-interop-'));
});
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function nodis(config: Record<string, string>): Promise<ServerHandle> {
  const s = await startServer({ config: { dir, appendonly: 'yes', ...config } });
  cleanup.push(() => s.close());
  return s;
}

async function redis(args: string[]): Promise<RedisHandle> {
  const r = await startRedis(['--dir', dir, '--appendonly', 'yes', ...args]);
  cleanup.push(() => r.close());
  return r;
}

async function send(port: number, cmds: string[][]): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    for (const argv of cmds) {
      const r = (await c.call(...argv.map((a) => Buffer.from(a, 'latin1')))).toString('latin1');
      if (r.startsWith('-')) throw new Error(`${argv.join(' ')} -> ${r}`);
    }
  } finally {
    c.close();
  }
}

async function waitRewrite(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    for (let i = 0; i < 1000; i++) {
      const info = await c.callStr('INFO', 'persistence');
      if (/aof_rewrite_in_progress:0\r\n/.test(info) && /aof_rewrite_scheduled:0\r\n/.test(info)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the rewrite did not finish');
  } finally {
    c.close();
  }
}

const far = String(Date.now() + 3_600_000);

/** Data of every type and encoding; written before a rewrite. */
function firstBatch(): string[][] {
  const cmds: string[][] = [
    ['SET', 'str\xff\x00', 'v\xc3\x28\r\n'],
    ['SET', 'int', '12345'],
    ['SET', 'neg', '-9223372036854775808'],
    ['SET', 'big', 'x'.repeat(5000)],
    ['SET', 'ttl', 'v', 'PXAT', far],
    ['RPUSH', 'list', 'a', '\xff', '1', '-2', ''],
    ['SADD', 'intset', '1', '2', '-3', '100000'],
    ['SADD', 'set', 'a', 'b\x00', '\xfe'],
    ['ZADD', 'zset', '1.5', 'a', '-inf', 'b', 'inf', 'c', '0.1', '\xff'],
    ['HSET', 'hash', 'f\xff', 'v', 'n', '1'],
    ['PEXPIREAT', 'hash', far],
    ['SELECT', '9'],
    ['SET', 'db9', 'nine'],
    ['SELECT', '0'],
  ];
  const bigList = ['RPUSH', 'biglist'];
  const bigHash = ['HSET', 'bighash'];
  const bigSet = ['SADD', 'bigset'];
  const bigZ = ['ZADD', 'bigzset'];
  for (let i = 0; i < 300; i++) {
    bigList.push(`item${i}`);
    bigHash.push(`f${i}`, `v${i}`);
    bigSet.push(`m${i}`);
    bigZ.push(String(i / 7), `z${i}`);
  }
  cmds.push(bigList, bigHash, bigSet, bigZ);
  return cmds;
}

/** Writes after the rewrite (they land in the INCR file). */
function secondBatch(): string[][] {
  return [
    ['SET', 'after', '1'],
    ['INCRBYFLOAT', 'after', '0.5'],
    ['LPOP', 'list'],
    ['SREM', 'set', 'a'],
    ['ZINCRBY', 'zset', '2', 'a'],
    ['HDEL', 'hash', 'n'],
    ['SET', 'ex', 'v', 'EX', '5000'],
    ['MULTI'],
    ['SET', 'tx', '1'],
    ['SELECT', '3'],
    ['SET', 'tx3', '3'],
    ['EXEC'],
    ['SELECT', '0'],
    ['DEL', 'big'],
  ];
}

function checkAof(manifest: string): { status: number | null; out: string } {
  const r = spawnSync('redis-check-aof', [manifest], { encoding: 'latin1' });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe.skipIf(!HAVE_REDIS)('AOF interop with redis-server 7.0', () => {
  for (const preamble of ['yes', 'no']) {
    it(`redis-check-aof accepts Nodis's AOF and redis-server loads it (aof-use-rdb-preamble ${preamble})`, async () => {
      const n = await nodis({ 'aof-use-rdb-preamble': preamble });
      await send(n.port, firstBatch());
      await send(n.port, [['BGREWRITEAOF']]);
      await waitRewrite(n.port);
      await send(n.port, secondBatch());
      const before = sortedPicture(await pictureOverWire(n.port));
      await cleanup.pop()!();
      const manifest = path.join(dir, 'appendonlydir', 'appendonly.aof.manifest');
      const ext = preamble === 'yes' ? 'rdb' : 'aof';
      expect(fs.readFileSync(manifest, 'latin1')).toBe(
        `file appendonly.aof.2.base.${ext} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n`,
      );
      const check = checkAof(manifest);
      expect(check.out).toContain('is valid');
      expect(check.status).toBe(0);
      const r = await redis(['--aof-use-rdb-preamble', preamble]);
      expect(sortedPicture(await pictureOverWire(r.port))).toEqual(before);
    });

    it(`Nodis loads redis-server's AOF (aof-use-rdb-preamble ${preamble})`, async () => {
      const r = await redis(['--aof-use-rdb-preamble', preamble, '--appendfsync', 'always']);
      await send(r.port, firstBatch());
      await send(r.port, [['BGREWRITEAOF']]);
      await waitRewrite(r.port);
      await send(r.port, secondBatch());
      const before = sortedPicture(await pictureOverWire(r.port));
      await cleanup.pop()!();
      const n = await nodis({ 'aof-use-rdb-preamble': preamble });
      expect(sortedPicture(await pictureOverWire(n.port))).toEqual(before);
      // Nodis goes on appending to redis-server's INCR file; redis-check-aof still agrees.
      await send(n.port, [['SET', 'from-nodis', '1']]);
      await cleanup.pop()!();
      expect(checkAof(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest')).status).toBe(0);
    });
  }

  for (const preamble of ['yes', 'no']) {
    it(`an old-style appendonly.aof (${preamble === 'yes' ? 'RDB preamble + commands' : 'commands'}) is upgraded by Nodis`, async () => {
      const r = await redis(['--aof-use-rdb-preamble', preamble, '--appendfsync', 'always']);
      await send(r.port, firstBatch());
      await send(r.port, [['BGREWRITEAOF']]);
      await waitRewrite(r.port);
      await send(r.port, secondBatch());
      const before = sortedPicture(await pictureOverWire(r.port));
      await cleanup.pop()!();
      // Make it a pre-7.0 layout: the base and incr files as one appendonly.aof in `dir`.
      const adir = path.join(dir, 'appendonlydir');
      const ext = preamble === 'yes' ? 'rdb' : 'aof';
      const parts = [`appendonly.aof.2.base.${ext}`, 'appendonly.aof.2.incr.aof'].map((f) => fs.readFileSync(path.join(adir, f)));
      fs.rmSync(adir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'appendonly.aof'), Buffer.concat(parts));
      const n = await nodis({});
      expect(sortedPicture(await pictureOverWire(n.port))).toEqual(before);
      expect(fs.existsSync(path.join(dir, 'appendonly.aof'))).toBe(false);
      expect(fs.readFileSync(path.join(adir, 'appendonly.aof.manifest'), 'latin1')).toBe(
        'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
      );
    });
  }

  it('a truncated INCR file: redis-server and Nodis truncate it at the same offset', async () => {
    const n = await nodis({});
    await send(n.port, [['SET', 'a', '1'], ['SET', 'b', '2'], ['RPUSH', 'l', 'x', 'y']]);
    await cleanup.pop()!();
    const incr = path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
    const full = fs.readFileSync(incr);
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aof-interop-copy-'));
    cleanup.push(async () => fs.rmSync(copy, { recursive: true, force: true }));
    for (const cut of [full.length - 1, full.length - 5, full.length - 20]) {
      fs.cpSync(path.join(dir, 'appendonlydir'), path.join(copy, 'appendonlydir'), { recursive: true });
      fs.writeFileSync(incr, full.subarray(0, cut));
      fs.writeFileSync(path.join(copy, 'appendonlydir', 'appendonly.aof.1.incr.aof'), full.subarray(0, cut));
      const s = await nodis({});
      const nPic = sortedPicture(await pictureOverWire(s.port));
      await cleanup.pop()!();
      const r = await startRedis(['--dir', copy, '--appendonly', 'yes']);
      const rPic = sortedPicture(await pictureOverWire(r.port));
      await r.close();
      expect(nPic).toEqual(rPic);
      expect(fs.statSync(incr).size).toBe(fs.statSync(path.join(copy, 'appendonlydir', 'appendonly.aof.1.incr.aof')).size);
      fs.writeFileSync(incr, full);
      fs.rmSync(path.join(copy, 'appendonlydir'), { recursive: true });
    }
  });
});
