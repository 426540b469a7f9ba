/**
 * Start-up while the RDB file loads: clients connect at once and get
 * LOADING; a client library that waits for the load (ioredis's ready
 * check) is served once it ends; a shutdown signal during the load exits
 * without saving, so the file is never replaced by part of the dataset.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/resp.js';
import { spawnNodisServer, type NodisProcess } from '../helpers/servers.js';

const KEY = 'k\xff\x00\xe9';
const VAL = Buffer.from([0xfe, 0x00, 0xc3, 0x28]);
const KEYS = 3000;

describe('loading a dataset', () => {
  let rdb: Buffer;
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const f of cleanups.splice(0)) f();
  });

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-loading-'));
    const p = await spawnNodisServer(['--save', '', '--dir', dir, '--enable-debug-command', 'yes']);
    const c = await RawClient.connect(p.port);
    await c.call('DEBUG', 'POPULATE', KEYS, 'key', 100);
    await c.call('SET', Buffer.from(KEY, 'latin1'), VAL);
    expect(await c.callStr('SAVE')).toBe('+OK\r\n');
    c.close();
    p.kill();
    await p.exited;
    rdb = fs.readFileSync(path.join(dir, 'dump.rdb'));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A server started on a copy of the file, loading it at `delayUs` per key. */
  async function loadingServer(delayUs: number, extra: string[] = []): Promise<{ p: NodisProcess; dir: string }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-loading-'));
    fs.writeFileSync(path.join(dir, 'dump.rdb'), rdb);
    const args = ['--save', '', '--dir', dir, '--key-load-delay', String(delayUs), '--loading-process-events-interval-bytes', '1024', ...extra];
    const p = await spawnNodisServer(args, [], 'accept');
    cleanups.push(() => {
      p.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    return { p, dir };
  }

  it('serves LOADING during the load and the dataset after it', async () => {
    const { p } = await loadingServer(600);
    const c = await RawClient.connect(p.port);
    expect(await c.callStr('GET', Buffer.from(KEY, 'latin1'))).toBe('-LOADING Redis is loading the dataset in memory\r\n');
    expect(await c.callStr('INFO', 'persistence')).toContain('loading:1\r\n');
    // ioredis's ready check reads INFO and waits while loading:1; commands queue meanwhile.
    const io = new Redis({ port: p.port, maxLoadingRetryTime: 50, lazyConnect: false });
    try {
      const v = await io.getBuffer(Buffer.from(KEY, 'latin1'));
      expect(v).toEqual(VAL);
      expect(await io.dbsize()).toBe(KEYS + 1);
      expect(p.output()).toContain('Ready to accept connections');
    } finally {
      io.disconnect();
    }
    expect(await c.callStr('INFO', 'persistence')).toContain('loading:0\r\n');
    expect(await c.callStr('PING')).toBe('+PONG\r\n');
    c.close();
    // The replies came while the load was under way, not after it.
    const out = p.output();
    expect(out.indexOf('Ready to accept connections')).toBeGreaterThan(out.indexOf('DB loaded from disk'));
  });

  it('serves LOADING while an AOF loads, its RDB base and then its commands', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-loading-aof-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const aofArgs = ['--save', '', '--dir', dir, '--appendonly', 'yes'];
    const maker = await spawnNodisServer([...aofArgs, '--enable-debug-command', 'yes']);
    const m = await RawClient.connect(maker.port);
    await m.call('DEBUG', 'POPULATE', KEYS, 'key', 100);
    expect(await m.callStr('BGREWRITEAOF')).toContain('rewriting started');
    for (;;) {
      const info = await m.callStr('INFO', 'persistence');
      if (info.includes('aof_rewrite_in_progress:0') && info.includes('aof_rewrite_scheduled:0')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // After the rewrite: in the INCR file, replayed after the RDB base.
    await m.call('SET', Buffer.from(KEY, 'latin1'), VAL);
    m.close();
    maker.proc.kill('SIGTERM');
    await maker.exited;
    expect(fs.readdirSync(path.join(dir, 'appendonlydir')).some((f) => f.endsWith('.base.rdb'))).toBe(true);

    const p = await spawnNodisServer([...aofArgs, '--key-load-delay', '600', '--loading-process-events-interval-bytes', '1024'], [], 'accept');
    cleanups.push(() => p.kill());
    const c = await RawClient.connect(p.port);
    expect(await c.callStr('DBSIZE')).toBe('-LOADING Redis is loading the dataset in memory\r\n');
    const info = await c.callStr('INFO', 'persistence');
    expect(info).toContain('loading:1\r\n');
    // As in Redis, appending is off while the files are replayed.
    expect(info).toContain('aof_enabled:0\r\n');
    // Read from the RDB base's AUX fields, as in Redis.
    expect(Number(/loading_rdb_used_mem:(\d+)/.exec(info)![1])).toBeGreaterThan(0);
    const total = Number(/loading_total_bytes:(\d+)/.exec(info)![1]);
    const files = fs.readdirSync(path.join(dir, 'appendonlydir')).filter((f) => !f.endsWith('.manifest'));
    expect(total).toBe(files.reduce((n, f) => n + fs.statSync(path.join(dir, 'appendonlydir', f)).size, 0));
    const io = new Redis({ port: p.port, maxLoadingRetryTime: 50 });
    try {
      expect(await io.getBuffer(Buffer.from(KEY, 'latin1'))).toEqual(VAL);
      expect(await io.dbsize()).toBe(KEYS + 1);
    } finally {
      io.disconnect();
    }
    expect(p.output()).toContain('DB loaded from append only file');
    c.close();
  });

  it('serves LOADING to the other clients during DEBUG RELOAD', async () => {
    const { p } = await loadingServer(0, ['--enable-debug-command', 'yes']);
    const a = await RawClient.connect(p.port);
    const b = await RawClient.connect(p.port);
    // The start-up load first (it serves events every KB too).
    while ((await b.callStr('PING')) !== '+PONG\r\n') await new Promise((r) => setTimeout(r, 10));
    await a.call('CONFIG', 'SET', 'key-load-delay', '600');
    // The reply to DEBUG RELOAD comes once the file is loaded again.
    let reloaded = false;
    const reload = a.callStr('DEBUG', 'RELOAD').finally(() => (reloaded = true));
    let seen = '';
    while (seen !== '-LOADING Redis is loading the dataset in memory\r\n' && !reloaded) {
      seen = await b.callStr('GET', Buffer.from(KEY, 'latin1'));
      expect(seen).toMatch(/^(-LOADING|\$4\r\n)/);
    }
    expect(seen).toBe('-LOADING Redis is loading the dataset in memory\r\n');
    expect(await b.callStr('INFO', 'persistence')).toContain('loading:1\r\n');
    expect(await reload).toBe('+OK\r\n');
    expect(await b.callStr('GET', Buffer.from(KEY, 'latin1'))).toBe(`$4\r\n${VAL.latin1Slice()}\r\n`);
    a.close();
    b.close();
  });

  it('reads key-load-delay again during the load', async () => {
    // 10 ms a key: 30 s for the file unless the new value is taken.
    const { p } = await loadingServer(10000);
    const c = await RawClient.connect(p.port);
    expect(await c.callStr('PING')).toBe('-LOADING Redis is loading the dataset in memory\r\n');
    expect(await c.callStr('CONFIG', 'SET', 'key-load-delay', '0')).toBe('+OK\r\n');
    const deadline = Date.now() + 10000;
    while ((await c.callStr('PING')) !== '+PONG\r\n') {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 20));
    }
    c.close();
  });

  it('connects to its primary (replicaof) only once its own dataset is loaded', async () => {
    const primary = await spawnNodisServer(['--save', '', '--repl-diskless-sync-delay', '0']);
    cleanups.push(() => primary.kill());
    const { p } = await loadingServer(600, ['--replicaof', '127.0.0.1', String(primary.port)]);
    const c = await RawClient.connect(p.port);
    expect(await c.callStr('INFO', 'persistence')).toContain('loading:1\r\n');
    // Long enough for several cron ticks, still loading.
    await new Promise((r) => setTimeout(r, 300));
    expect(await c.callStr('INFO', 'persistence')).toContain('loading:1\r\n');
    expect(p.output()).not.toContain('Connecting to MASTER');
    while (!(await c.callStr('INFO', 'replication')).includes('master_link_status:up')) await new Promise((r) => setTimeout(r, 20));
    const out = p.output();
    expect(out.indexOf('Connecting to MASTER')).toBeGreaterThan(out.indexOf('DB loaded from disk'));
    c.close();
  });

  it('exits without saving on SIGTERM during the load', async () => {
    // Save points are configured: a normal shutdown would SAVE.
    const { p, dir } = await loadingServer(2000, ['--save', '3600 1']);
    const c = await RawClient.connect(p.port);
    expect(await c.callStr('PING')).toBe('-LOADING Redis is loading the dataset in memory\r\n');
    c.close();
    const code = new Promise<number | null>((resolve) => p.proc.on('exit', (n) => resolve(n)));
    p.proc.kill('SIGTERM');
    expect(await code).toBe(0);
    const out = p.output();
    expect(out).toContain('Received shutdown signal during loading, scheduling shutdown.');
    expect(out).not.toContain('DB saved on disk');
    expect(out).not.toContain('Ready to accept connections');
    expect(fs.readFileSync(path.join(dir, 'dump.rdb')).equals(rdb)).toBe(true);
  });
});
