/**
 * The append-only file end to end, with in-process servers restarted on the
 * same directory: the multi-part layout and manifest, replay of every type
 * (binary keys, TTLs, transactions, several dbs), CONFIG SET appendonly at
 * runtime, BGREWRITEAOF while clients write, automatic rewrites, the upgrade
 * of an old single-file appendonly.aof, truncated and corrupt files at
 * start-up, DEBUG LOADAOF and the INFO persistence fields.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../../src/index.js';
import { RawClient } from '../helpers/resp.js';
import { pictureOverWire, sortedPicture } from '../helpers/keyspace.js';
import { encodeCommand } from '../../src/persistence/aof/resp.js';

let dir: string;
const running: ServerHandle[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aof-e2e-'));
});
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * appendfsync no unless a test says otherwise: files are read right after
 * replies, and with everysec a write may wait for a background fsync.
 */
async function start(config: Record<string, string> = {}): Promise<ServerHandle> {
  const s = await startServer({ config: { dir, appendonly: 'yes', appendfsync: 'no', ...config } });
  running.push(s);
  return s;
}

async function stop(s: ServerHandle): Promise<void> {
  running.splice(running.indexOf(s), 1);
  await s.close();
}

function aofDir(): string {
  return path.join(dir, 'appendonlydir');
}

function manifest(): string {
  return fs.readFileSync(path.join(aofDir(), 'appendonly.aof.manifest'), 'latin1');
}

function files(): string[] {
  return fs.readdirSync(aofDir()).sort();
}

async function info(c: RawClient, field: string): Promise<string> {
  const text = (await c.call('INFO', 'persistence')).toString('latin1');
  const m = new RegExp(`^${field}:(.*)\\r$`, 'm').exec(text);
  if (!m) throw new Error(`no ${field} in INFO`);
  return m[1];
}

async function until(cond: () => Promise<boolean> | boolean, what: string, ms = 20000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function picture(port: number): Promise<unknown> {
  return sortedPicture(await pictureOverWire(port));
}

/** Writes of every type, with binary keys and values, several dbs, TTLs and a transaction. */
async function writeMixed(c: RawClient): Promise<void> {
  const ok = async (...args: string[]): Promise<void> => {
    const r = (await c.call(...args.map((a) => Buffer.from(a, 'latin1')))).toString('latin1');
    if (r.startsWith('-')) throw new Error(`${args.join(' ')} -> ${r}`);
  };
  await ok('SET', 'str\xff\x00', 'v\xc3\x28\r\n');
  await ok('SET', 'ex', 'x', 'EX', '1000');
  await ok('SETEX', 'setex', '2000', 'y');
  await ok('SET', 'num', '10');
  await ok('INCRBYFLOAT', 'num', '1.5');
  await ok('APPEND', 'num', '\x00tail');
  await ok('RPUSH', 'list', 'a', 'b\xff', 'c');
  await ok('LPOP', 'list');
  await ok('SADD', 'set', '1', '2', '3', 'x\x00y');
  await ok('SPOP', 'set');
  await ok('ZADD', 'zset', '1.5', 'a', '-inf', 'b', '3', '\xfe');
  await ok('ZINCRBY', 'zset', '0.25', 'a');
  await ok('HSET', 'hash', 'f\xff', 'v', 'g', '1');
  await ok('HINCRBYFLOAT', 'hash', 'g', '0.5');
  await ok('EXPIRE', 'hash', '5000');
  await ok('MULTI');
  await ok('SET', 'tx1', 'a');
  await ok('INCR', 'tx2');
  await ok('EXEC');
  await ok('SELECT', '7');
  await ok('SET', 'db7', 'seven');
  await ok('PEXPIREAT', 'db7', String(Date.now() + 900000));
  await ok('SELECT', '0');
  await ok('GETEX', 'str\xff\x00', 'PX', '700000');
  await ok('DEL', 'nothing-here');
}

describe('AOF persistence', () => {
  it('starts with a base and an incr file and a manifest in appenddirname', async () => {
    const s = await start();
    expect(files()).toEqual(['appendonly.aof.1.base.rdb', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest']);
    expect(manifest()).toBe('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    const c = await RawClient.connect(s.port);
    await c.call('SET', 'a', 'b');
    expect(fs.readFileSync(path.join(aofDir(), 'appendonly.aof.1.incr.aof'), 'latin1')).toBe(
      encodeCommand(['SELECT', '0']) + encodeCommand(['SET', 'a', 'b']),
    );
    expect(await info(c, 'aof_enabled')).toBe('1');
    expect(await info(c, 'aof_last_write_status')).toBe('ok');
    // As Redis: the base created at start-up is not counted until a reload or rewrite.
    const incr = fs.statSync(path.join(aofDir(), 'appendonly.aof.1.incr.aof')).size;
    expect(Number(await info(c, 'aof_current_size'))).toBe(incr);
    expect(Number(await info(c, 'aof_base_size'))).toBe(0);
    c.close();
  });

  it('a restart replays every write: types, binary data, TTLs, transactions, dbs', async () => {
    const a = await start();
    const c = await RawClient.connect(a.port);
    await writeMixed(c);
    c.close();
    const before = await picture(a.port);
    await stop(a);
    const b = await start();
    expect(await picture(b.port)).toEqual(before);
    // Appending continues in the same incr file.
    expect(manifest()).toBe('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  });

  it('relative expiries are logged as absolute times', async () => {
    const s = await start();
    const c = await RawClient.connect(s.port);
    await c.call('SET', 'k', 'v', 'EX', '100');
    await c.call('EXPIRE', 'k', '200');
    const text = fs.readFileSync(path.join(aofDir(), 'appendonly.aof.1.incr.aof'), 'latin1');
    expect(text).toMatch(/\$4\r\nPXAT\r\n\$13\r\n\d{13}\r\n/);
    expect(text).toMatch(/\$9\r\nPEXPIREAT\r\n\$1\r\nk\r\n\$13\r\n\d{13}\r\n/);
    c.close();
  });

  it('appendonly no: nothing is written; CONFIG SET appendonly yes starts from the current data', async () => {
    const s = await start({ appendonly: 'no' });
    expect(fs.existsSync(aofDir())).toBe(false);
    const c = await RawClient.connect(s.port);
    await writeMixed(c);
    expect((await c.call('CONFIG', 'SET', 'appendonly', 'yes')).toString()).toBe('+OK\r\n');
    await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '0' && (await info(c, 'aof_enabled')) === '1', 'the first rewrite');
    await c.call('SET', 'after', 'on');
    const before = await picture(s.port);
    expect(manifest()).toBe('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    expect(await info(c, 'aof_rewrites')).toBe('1');
    c.close();
    await stop(s);
    const b = await start();
    expect(await picture(b.port)).toEqual(before);
  });

  it('CONFIG SET appendonly no stops logging; yes again rewrites', async () => {
    const s = await start();
    const c = await RawClient.connect(s.port);
    await c.call('SET', 'a', '1');
    await c.call('CONFIG', 'SET', 'appendonly', 'no');
    expect(await info(c, 'aof_enabled')).toBe('0');
    const size = fs.statSync(path.join(aofDir(), 'appendonly.aof.1.incr.aof')).size;
    await c.call('SET', 'b', '2');
    expect(fs.statSync(path.join(aofDir(), 'appendonly.aof.1.incr.aof')).size).toBe(size);
    await c.call('CONFIG', 'SET', 'appendonly', 'yes');
    await until(async () => (await info(c, 'aof_enabled')) === '1' && (await info(c, 'aof_rewrite_in_progress')) === '0', 'the rewrite');
    await until(() => files().length === 3, 'history files removed');
    expect(manifest()).toBe('file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    const before = await picture(s.port);
    c.close();
    await stop(s);
    const b = await start();
    expect(await picture(b.port)).toEqual(before);
  });

  for (const preamble of ['yes', 'no']) {
    it(`BGREWRITEAOF while clients write keeps every write (aof-use-rdb-preamble ${preamble})`, async () => {
      // 20 ms per key: the rewrite of these 130 keys is slow enough to write
      // during it; the delay is lifted once the writes are done.
      const s = await start({ 'aof-use-rdb-preamble': preamble, 'rdb-key-save-delay': '20000' });
      const c = await RawClient.connect(s.port);
      const w = await RawClient.connect(s.port);
      for (let i = 0; i < 300; i++) await c.call('RPUSH', `l${i % 30}`, `v${i}\xff`);
      for (let i = 0; i < 100; i++) await c.call('SET', `k${i}`, `old${i}`, 'PX', String(1000000 + i));
      expect((await c.call('BGREWRITEAOF')).toString()).toBe('+Background append only file rewriting started\r\n');
      expect(await info(c, 'aof_rewrite_in_progress')).toBe('1');
      expect((await c.call('BGREWRITEAOF')).toString()).toBe('-ERR Background append only file rewriting already in progress\r\n');
      // Writes while the base is being written: overwrites, deletes, new keys, other dbs.
      let i = 0;
      for (; i < 10; i++) {
        await w.call('SET', `k${i % 100}`, `new${i}`);
        await w.call('LPOP', `l${i % 30}`);
        await w.call('DEL', `k${(i + 50) % 100}`);
        await w.call('HSET', `h${i}`, 'f', String(i));
        await w.call('SELECT', String(1 + (i % 3)));
        await w.call('INCR', 'counter');
        await w.call('SELECT', '0');
      }
      expect(await info(c, 'aof_rewrite_in_progress')).toBe('1');
      await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
      await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '0', 'rewrite done');
      expect(await info(c, 'aof_last_bgrewrite_status')).toBe('ok');
      const ext = preamble === 'yes' ? 'rdb' : 'aof';
      expect(manifest()).toBe(`file appendonly.aof.2.base.${ext} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n`);
      await until(() => files().join() === [`appendonly.aof.2.base.${ext}`, 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest'].join(), 'history deleted');
      if (preamble === 'no') {
        const base = fs.readFileSync(path.join(aofDir(), 'appendonly.aof.2.base.aof'), 'latin1');
        expect(base.startsWith('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n')).toBe(true);
      } else {
        expect(fs.readFileSync(path.join(aofDir(), 'appendonly.aof.2.base.rdb')).subarray(0, 9).toString()).toBe('REDIS0010');
      }
      const before = await picture(s.port);
      c.close();
      w.close();
      await stop(s);
      const b = await start();
      expect(await picture(b.port)).toEqual(before);
    });
  }

  it('turning the AOF off kills a slow rewrite; the next rewrite completes', async () => {
    const s = await start();
    const c = await RawClient.connect(s.port);
    await c.call('SET', 'k', 'v');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '10000000');
    await c.call('BGREWRITEAOF');
    expect(await info(c, 'aof_rewrite_in_progress')).toBe('1');
    await c.call('CONFIG', 'SET', 'appendonly', 'no');
    expect(await info(c, 'aof_rewrite_in_progress')).toBe('0');
    await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await c.call('RPUSH', 'l', 'a', 'b');
    expect((await c.call('BGREWRITEAOF')).toString()).toBe('+Background append only file rewriting started\r\n');
    await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '0', 'the second rewrite');
    expect(await info(c, 'aof_last_bgrewrite_status')).toBe('ok');
    expect(manifest()).toMatch(/^file appendonly\.aof\.2\.base\.rdb seq 2 type b\n/);
    c.close();
  });

  it('SHUTDOWN refuses to exit while the first AOF is being written, unless FORCE', async () => {
    const s = await start({ appendonly: 'no', 'rdb-key-save-delay': '10000000' });
    const c = await RawClient.connect(s.port);
    await c.call('SET', 'k', 'v');
    await c.call('CONFIG', 'SET', 'appendonly', 'yes');
    expect(await info(c, 'aof_rewrite_in_progress')).toBe('1');
    expect((await c.call('SHUTDOWN', 'NOSAVE')).toString()).toBe('-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
    expect(await c.callStr('PING')).toBe('+PONG\r\n');
    c.write('*3\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n$5\r\nFORCE\r\n');
    await until(() => s.server.isClosed(), 'the shutdown');
    c.close();
  });

  it('BGREWRITEAOF inside MULTI is scheduled; with appendonly no it writes a base of the data', async () => {
    const s = await start({ appendonly: 'no' });
    const c = await RawClient.connect(s.port);
    await c.call('SET', 'a', '1');
    await c.call('MULTI');
    await c.call('BGREWRITEAOF');
    expect((await c.call('EXEC')).toString()).toBe('*1\r\n+Background append only file rewriting scheduled\r\n');
    await until(async () => (await info(c, 'aof_rewrites')) === '1' && (await info(c, 'aof_rewrite_in_progress')) === '0', 'the scheduled rewrite');
    expect(await info(c, 'aof_rewrite_scheduled')).toBe('0');
    expect(manifest()).toBe('file appendonly.aof.1.base.rdb seq 1 type b\n');
    c.close();
  });

  it('a BGREWRITEAOF during a BGSAVE is scheduled, and a BGSAVE during a rewrite is refused', async () => {
    const s = await start({ 'rdb-key-save-delay': '2000' });
    const c = await RawClient.connect(s.port);
    for (let i = 0; i < 100; i++) await c.call('SET', `k${i}`, 'v');
    expect((await c.call('BGSAVE')).toString()).toBe('+Background saving started\r\n');
    expect((await c.call('BGREWRITEAOF')).toString()).toBe('+Background append only file rewriting scheduled\r\n');
    expect(await info(c, 'aof_rewrite_scheduled')).toBe('1');
    await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '1', 'the scheduled rewrite to start');
    expect(await info(c, 'rdb_bgsave_in_progress')).toBe('0');
    expect((await c.call('BGSAVE')).toString()).toBe(
      "-ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n",
    );
    await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '0', 'the rewrite');
    expect(await info(c, 'aof_last_bgrewrite_status')).toBe('ok');
    c.close();
  });

  it('an automatic rewrite starts on growth (auto-aof-rewrite-percentage / min-size)', async () => {
    const s = await start({ 'auto-aof-rewrite-min-size': '1000', 'auto-aof-rewrite-percentage': '100' });
    const c = await RawClient.connect(s.port);
    for (let i = 0; i < 100; i++) await c.call('SET', 'same', 'x'.repeat(50));
    await until(async () => (await info(c, 'aof_rewrites')) === '1' && (await info(c, 'aof_rewrite_in_progress')) === '0', 'the automatic rewrite');
    expect(Number(await info(c, 'aof_base_size'))).toBeLessThan(1000);
    c.close();
  });

  it('upgrades an old single-file appendonly.aof into the directory', async () => {
    fs.writeFileSync(path.join(dir, 'appendonly.aof'), encodeCommand(['SET', 'old', 'style\xff']) + encodeCommand(['RPUSH', 'l', 'a']), 'latin1');
    const s = await start();
    expect(fs.existsSync(path.join(dir, 'appendonly.aof'))).toBe(false);
    expect(manifest()).toBe('file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    const c = await RawClient.connect(s.port);
    expect((await c.call('GET', 'old')).toString('latin1')).toBe('$6\r\nstyle\xff\r\n');
    await c.call('SET', 'new', '1');
    c.close();
    await stop(s);
    const b = await start();
    const d = await RawClient.connect(b.port);
    expect((await d.call('MGET', 'old', 'new')).toString('latin1')).toBe('*2\r\n$6\r\nstyle\xff\r\n$1\r\n1\r\n');
    d.close();
  });

  it('a torn tail is truncated with aof-load-truncated yes and refused with no', async () => {
    const a = await start();
    const c = await RawClient.connect(a.port);
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '2');
    c.close();
    await stop(a);
    const incr = path.join(aofDir(), 'appendonly.aof.1.incr.aof');
    const good = fs.statSync(incr).size;
    const torn = '*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1';
    fs.appendFileSync(incr, torn);
    await expect(start({ 'aof-load-truncated': 'no' })).rejects.toThrow();
    expect(fs.statSync(incr).size).toBe(good + torn.length);
    const b = await start();
    expect(fs.statSync(incr).size).toBe(good);
    const d = await RawClient.connect(b.port);
    expect((await d.call('MGET', 'a', 'b', 'c')).toString()).toBe('*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n');
    d.close();
  });

  it('a corrupt middle is fatal', async () => {
    const a = await start();
    const c = await RawClient.connect(a.port);
    await c.call('SET', 'a', '1');
    c.close();
    await stop(a);
    const incr = path.join(aofDir(), 'appendonly.aof.1.incr.aof');
    const text = fs.readFileSync(incr, 'latin1');
    fs.writeFileSync(incr, text.replace('$3\r\nSET', '!3\r\nSET') + encodeCommand(['SET', 'b', '2']), 'latin1');
    await expect(start()).rejects.toThrow();
  });

  it('appendonly yes ignores dump.rdb, as Redis', async () => {
    const a = await start({ appendonly: 'no' });
    const c = await RawClient.connect(a.port);
    await c.call('SET', 'in-rdb', '1');
    await c.call('SAVE');
    c.close();
    await stop(a);
    const b = await start();
    const d = await RawClient.connect(b.port);
    expect((await d.call('DBSIZE')).toString()).toBe(':0\r\n');
    d.close();
  });

  it('DEBUG LOADAOF flushes and reloads the AOF', async () => {
    const s = await start({ 'enable-debug-command': 'yes' });
    const c = await RawClient.connect(s.port);
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '\xff');
    expect((await c.call('DEBUG', 'LOADAOF')).toString()).toBe('+OK\r\n');
    expect((await c.call('MGET', 'a', 'b')).toString('latin1')).toBe('*2\r\n$1\r\n1\r\n$1\r\n\xff\r\n');
    const text = (await c.call('INFO', 'persistence')).toString();
    expect(text).toMatch(/rdb_changes_since_last_save:0\r\n/);
    c.close();
  });

  it('INFO persistence lists the aof_* fields in Redis order', async () => {
    const s = await start();
    const c = await RawClient.connect(s.port);
    const text = (await c.call('INFO', 'persistence')).toString();
    const names = text
      .split('\r\n')
      .filter((l) => l.includes(':'))
      .map((l) => l.split(':')[0]);
    const aof = names.slice(names.indexOf('aof_enabled'));
    expect(aof).toEqual([
      'aof_enabled',
      'aof_rewrite_in_progress',
      'aof_rewrite_scheduled',
      'aof_last_rewrite_time_sec',
      'aof_current_rewrite_time_sec',
      'aof_last_bgrewrite_status',
      'aof_rewrites',
      'aof_rewrites_consecutive_failures',
      'aof_last_write_status',
      'aof_last_cow_size',
      'module_fork_in_progress',
      'module_fork_last_cow_size',
      'aof_current_size',
      'aof_base_size',
      'aof_pending_rewrite',
      'aof_buffer_length',
      'aof_pending_bio_fsync',
      'aof_delayed_fsync',
    ]);
    await c.call('CONFIG', 'SET', 'appendonly', 'no');
    const off = (await c.call('INFO', 'persistence')).toString();
    expect(off).not.toMatch(/aof_current_size/);
    c.close();
  });

  it('appendfsync always: acknowledged writes of many clients are on disk', async () => {
    const s = await start({ appendfsync: 'always' });
    const clients = await Promise.all(Array.from({ length: 8 }, () => RawClient.connect(s.port)));
    await Promise.all(
      clients.map(async (c, n) => {
        for (let i = 0; i < 50; i++) await c.call('SET', `c${n}:${i}`, String(i));
      }),
    );
    // Every acknowledged write is in the file already (no close, no flush).
    const text = fs.readFileSync(path.join(aofDir(), 'appendonly.aof.1.incr.aof'), 'latin1');
    for (let n = 0; n < 8; n++) for (let i = 0; i < 50; i++) expect(text.includes(encodeCommand(['SET', `c${n}:${i}`, String(i)]))).toBe(true);
    for (const c of clients) c.close();
  });
});
