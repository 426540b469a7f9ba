/**
 * A replica loading its primary's RDB serves the clients already connected
 * meanwhile: LOADING while the new dataset replaces the old one, or, with
 * repl-diskless-load swapdb on a resync of the same history (async
 * loading), the old dataset until the new one is swapped in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/resp.js';
import { spawnNodisServer, type NodisProcess } from '../helpers/servers.js';

const KEY = 'k\xff\x00\xe9';
const VAL = '\xfe\x00\xc3\x28';
const KEYS = 3000;
const LOADING = '-LOADING Redis is loading the dataset in memory\r\n';

const procs: NodisProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.kill();
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
    await until('the link is up', async () => (await infoOf(r.c, 'replication')).master_link_status === 'up');
    expect(await str(r.c, 'GET', KEY)).toBe(`$${VAL.length}\r\n${VAL}\r\n`);
    expect(await str(r.c, 'DBSIZE')).toBe(`:${KEYS + 1}\r\n`);
    expect((await infoOf(r.c, 'persistence')).loading).toBe('0');
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
    // Drop the link and overflow the backlog: the replica must resync in full, same replid.
    await str(m.c, 'CONFIG', 'SET', 'repl-backlog-size', '16384');
    await str(m.c, 'MULTI');
    await str(m.c, 'CLIENT', 'KILL', 'TYPE', 'replica');
    for (let i = 0; i < 10; i++) await str(m.c, 'SET', `big${i}`, 'A'.repeat(16384));
    await str(m.c, 'EXEC');

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
});
