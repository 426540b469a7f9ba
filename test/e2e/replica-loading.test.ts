/**
 * A replica loading its primary's RDB serves the clients already connected
 * meanwhile: LOADING while the new dataset replaces the old one, or, with
 * repl-diskless-load swapdb on a resync of the same history (async
 * loading), the old dataset until the new one is swapped in.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/resp.js';
import { HAVE_REDIS, spawnNodisServer, startRedis, type NodisProcess, type RedisHandle } from '../helpers/servers.js';

const KEY = 'k\xff\x00\xe9';
const VAL = '\xfe\x00\xc3\x28';
const KEYS = 3000;
const LOADING = '-LOADING Redis is loading the dataset in memory\r\n';

const procs: NodisProcess[] = [];
const redises: RedisHandle[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) p.kill();
  for (const r of redises.splice(0)) await r.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function spawn(args: string[]): Promise<{ port: number; c: RawClient }> {
  const p = await spawnNodisServer(['--save', '', '--enable-debug-command', 'yes', ...args]);
  procs.push(p);
  return { port: p.port, c: await RawClient.connect(p.port) };
}

/** INFO <section> as name -> value, over `c` (a loading replica accepts no new connection). */
async function infoOf(c: RawClient, section: string): Promise<Record<string, string>> {
  const text = (await c.call('INFO', section)).latin1Slice();
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function until(what: string, cond: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const str = (c: RawClient, ...args: string[]): Promise<string> => c.callStr(...args.map((a) => Buffer.from(a, 'latin1')));

/** A primary holding KEYS populated keys and KEY, with diskless sync. */
async function primary(): Promise<{ port: number; c: RawClient }> {
  const p = await spawn(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']);
  await str(p.c, 'DEBUG', 'POPULATE', String(KEYS), 'key', '100');
  await str(p.c, 'SET', KEY, VAL);
  return p;
}

/**
 * Drop the primary's replicas and overflow its backlog (10 keys more,
 * in one transaction): they must resync in full, in the same history.
 */
async function forceFullResync(primary: RawClient): Promise<void> {
  await str(primary, 'CONFIG', 'SET', 'repl-backlog-size', '16384');
  await str(primary, 'MULTI');
  await str(primary, 'CLIENT', 'KILL', 'TYPE', 'replica');
  for (let i = 0; i < 10; i++) await str(primary, 'SET', `big${i}`, 'A'.repeat(16384));
  await str(primary, 'EXEC');
}

/** A replica that loads slowly: half a millisecond per key, events every KB. */
const SLOW = ['--key-load-delay', '500', '--loading-process-events-interval-bytes', '1024'];

describe('a replica loading the primary’s dataset', () => {
  it('answers LOADING to its clients until the new dataset is in', async () => {
    const m = await primary();
    const r = await spawn(['--repl-diskless-load', 'on-empty-db', ...SLOW]);
    expect(await str(r.c, 'REPLICAOF', '127.0.0.1', String(m.port))).toBe('+OK\r\n');
    await until('loading:1', async () => (await infoOf(r.c, 'persistence')).loading === '1');
    expect(await str(r.c, 'GET', KEY)).toBe(LOADING);
    expect(await str(r.c, 'DBSIZE')).toBe(LOADING);
    const p = await infoOf(r.c, 'persistence');
    expect(p.async_loading).toBe('0');
    // A streamed payload (EOF mark) has no announced size: Redis reports (size_t)-1.
    expect(p.loading_total_bytes).toBe('18446744073709551615');
    // The parse lets the event loop turn: a new connection is accepted and served.
    const n = await RawClient.connect(r.port);
    expect((await infoOf(n, 'persistence')).loading).toBe('1');
    expect(await str(n, 'GET', KEY)).toBe(LOADING);
    n.close();
    await until('the link is up', async () => (await infoOf(r.c, 'replication')).master_link_status === 'up');
    expect(await str(r.c, 'GET', KEY)).toBe(`$${VAL.length}\r\n${VAL}\r\n`);
    expect(await str(r.c, 'DBSIZE')).toBe(`:${KEYS + 1}\r\n`);
    expect((await infoOf(r.c, 'persistence')).loading).toBe('0');
  });

  it('parses a diskless transfer as it comes, not once it is whole', async () => {
    const m = await spawn(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']);
    // 300 values of 4 KB that do not compress: the payload goes out in
    // several chunks, over 1.5 s of save delay.
    for (let i = 0; i < 300; i++) {
      expect(await str(m.c, 'SET', `big\xff${i}`, randomBytes(4096).latin1Slice())).toBe('+OK\r\n');
    }
    expect(await str(m.c, 'SET', KEY, VAL)).toBe('+OK\r\n');
    expect(await str(m.c, 'CONFIG', 'SET', 'rdb-key-save-delay', '5000')).toBe('+OK\r\n');
    const r = await spawn(['--repl-diskless-load', 'on-empty-db']);
    expect(await str(r.c, 'REPLICAOF', '127.0.0.1', String(m.port))).toBe('+OK\r\n');
    await until('the transfer', async () => (await infoOf(m.c, 'persistence')).rdb_bgsave_in_progress === '1');
    // Keys are in while the primary still writes the payload.
    const keysNow = async (): Promise<number> => Number(/keys=(\d+)/.exec((await infoOf(r.c, 'keyspace')).db0 ?? '')?.[1] ?? 0);
    await until('keys loaded mid-transfer', async () => (await keysNow()) > 0);
    expect((await infoOf(m.c, 'persistence')).rdb_bgsave_in_progress).toBe('1');
    expect((await infoOf(r.c, 'persistence')).loading).toBe('1');
    expect(await keysNow()).toBeLessThan(301);
    await until('the link is up', async () => (await infoOf(r.c, 'replication')).master_link_status === 'up');
    expect(await str(r.c, 'GET', KEY)).toBe(`$${VAL.length}\r\n${VAL}\r\n`);
    expect(await str(r.c, 'DBSIZE')).toBe(':301\r\n');
  });

  it('keeps serving its dataset while a swapdb resync of the same history loads aside', async () => {
    const m = await primary();
    const r = await spawn(['--repl-diskless-load', 'swapdb', '--replica-read-only', 'no']);
    expect(await str(r.c, 'REPLICAOF', '127.0.0.1', String(m.port))).toBe('+OK\r\n');
    await until('the first sync', async () => (await infoOf(r.c, 'replication')).master_link_status === 'up');
    // Only on the replica: visible until the resync's dataset is swapped in.
    expect(await str(r.c, 'SET', 'mine\xff', 'old')).toBe('+OK\r\n');
    const lib = (v: string): string => `#!lua name=lib\nredis.register_function('f', function() return '${v}' end)`;
    expect(await str(r.c, 'FUNCTION', 'LOAD', lib('replica'))).toBe('$3\r\nlib\r\n');
    expect(await str(m.c, 'FUNCTION', 'LOAD', lib('primary'))).toBe('$3\r\nlib\r\n');
    for (const [k, v] of Object.entries({ 'key-load-delay': '500', 'loading-process-events-interval-bytes': '1024' })) {
      expect(await str(r.c, 'CONFIG', 'SET', k, v)).toBe('+OK\r\n');
    }
    await forceFullResync(m.c);

    await until('async_loading:1', async () => (await infoOf(r.c, 'persistence')).async_loading === '1');
    expect((await infoOf(r.c, 'persistence')).loading).toBe('0');
    expect(await str(r.c, 'REPLICAOF', 'NO', 'ONE')).toBe(LOADING);
    expect(await str(r.c, 'CONFIG', 'SET', 'appendonly', 'no')).toBe(LOADING);
    expect(await str(r.c, 'GET', 'mine\xff')).toBe('$3\r\nold\r\n');
    // The replica's libraries serve until the primary's are swapped in with the dataset.
    // A call made while async_loading was still 1 afterwards ran during the load.
    let calls = 0;
    for (let i = 0; i < 20; i++) {
      const reply = await str(r.c, 'FCALL', 'f', '0');
      if ((await infoOf(r.c, 'persistence')).async_loading !== '1') break;
      expect(reply).toBe('$7\r\nreplica\r\n');
      calls++;
    }
    expect(calls).toBeGreaterThan(0);

    await until('the swap', async () => (await infoOf(r.c, 'persistence')).async_loading === '0');
    await until('the link is up', async () => (await infoOf(r.c, 'replication')).master_link_status === 'up');
    expect(await str(r.c, 'GET', 'mine\xff')).toBe('$-1\r\n');
    expect(await str(r.c, 'GET', KEY)).toBe(`$${VAL.length}\r\n${VAL}\r\n`);
    expect(await str(r.c, 'DBSIZE')).toBe(`:${KEYS + 11}\r\n`);
    expect(await str(r.c, 'FCALL', 'f', '0')).toBe('$7\r\nprimary\r\n');
  });

  it('times blocked clients out only once the load is over, as Redis does', async () => {
    const m = await primary();
    const r = await spawn(['--repl-diskless-load', 'swapdb', '--replica-read-only', 'no']);
    const b = await RawClient.connect(r.port);
    expect(await str(r.c, 'REPLICAOF', '127.0.0.1', String(m.port))).toBe('+OK\r\n');
    await until('the first sync', async () => (await infoOf(r.c, 'replication')).master_link_status === 'up');
    // The transfer itself is slow (1.5 s of save delay): the replica's event
    // loop runs while it comes in, and its timers fall due.
    expect(await str(m.c, 'CONFIG', 'SET', 'rdb-key-save-delay', '500')).toBe('+OK\r\n');
    await forceFullResync(m.c);
    await until('async_loading:1', async () => (await infoOf(r.c, 'persistence')).async_loading === '1');

    b.write('*3\r\n$5\r\nBLPOP\r\n$4\r\nl\xff\x00\xe9\r\n$4\r\n0.05\r\n');
    await until('b blocked', async () => (await infoOf(r.c, 'clients')).blocked_clients === '1');
    await new Promise((res) => setTimeout(res, 300));
    // Well past its deadline, but the load still runs: no reply yet.
    expect((await infoOf(r.c, 'persistence')).async_loading).toBe('1');
    expect(b.pending().length).toBe(0);
    expect((await infoOf(r.c, 'clients')).blocked_clients).toBe('1');

    await until('the swap', async () => (await infoOf(r.c, 'persistence')).async_loading === '0');
    expect((await b.readReply()).latin1Slice()).toBe('*-1\r\n');
    expect((await infoOf(r.c, 'clients')).blocked_clients).toBe('0');
    b.close();
  });

  /** A primary holding KEYS keys and KEY that times a silent replica out after 2 s. */
  const impatient: [string, () => Promise<{ port: number; c: RawClient }>][] = [];
  impatient.push([
    'Nodis',
    async () => {
      const m = await primary();
      expect(await str(m.c, 'CONFIG', 'SET', 'repl-timeout', '2')).toBe('+OK\r\n');
      return m;
    },
  ]);
  if (HAVE_REDIS) {
    impatient.push([
      'redis-server',
      async () => {
        const args = ['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0', '--repl-timeout', '2'];
        const h = await startRedis(['--enable-debug-command', 'yes', ...args]);
        redises.push(h);
        const c = await RawClient.connect(h.port);
        await str(c, 'DEBUG', 'POPULATE', String(KEYS), 'key', '100');
        await str(c, 'SET', KEY, VAL);
        return { port: h.port, c };
      },
    ]);
  }

  for (const [name, start] of impatient) {
    it(`keeps the link to a ${name} primary alive while the RDB loads for longer than its repl-timeout`, async () => {
      const m = await start();
      // About 6 s of loading from the received file.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-replica-'));
      dirs.push(dir);
      const r = await spawn(['--dir', dir, '--key-load-delay', '2000', '--loading-process-events-interval-bytes', '1024']);
      expect(await str(r.c, 'REPLICAOF', '127.0.0.1', String(m.port))).toBe('+OK\r\n');
      await until('loading:1', async () => (await infoOf(r.c, 'persistence')).loading === '1');
      await until('the link is up', async () => (await infoOf(r.c, 'replication')).master_link_status === 'up');
      expect(await str(r.c, 'GET', KEY)).toBe(`$${VAL.length}\r\n${VAL}\r\n`);
      expect(await str(r.c, 'DBSIZE')).toBe(`:${KEYS + 1}\r\n`);
      // Past the primary's next timeout check: the newlines kept the replica
      // in, with no second sync.
      await new Promise((res) => setTimeout(res, 2500));
      const stats = await infoOf(m.c, 'stats');
      expect([stats.sync_full, stats.sync_partial_ok]).toEqual(['1', '0']);
      expect((await infoOf(m.c, 'replication')).connected_slaves).toBe('1');
      expect((await infoOf(r.c, 'replication')).master_link_status).toBe('up');
    });
  }
});
