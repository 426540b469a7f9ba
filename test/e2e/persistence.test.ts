/**
 * RDB persistence end to end: SAVE, BGSAVE (while writes go on), LASTSAVE,
 * INFO persistence, save points, FLUSHALL, DEBUG RELOAD, MISCONF when the
 * directory is gone, and through the nodis-server executable: restart with
 * the data and TTLs, SHUTDOWN SAVE/NOSAVE, save on SIGTERM, and a corrupt
 * or truncated file refusing start-up without being touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { RawClient } from '../helpers/resp.js';
import { freePort, startNodis } from '../helpers/servers.js';
import { pictureOf, pictureOverWire, sortedPicture, canonValue, type KeyspacePicture } from '../helpers/keyspace.js';
import { loadRdb } from '../../src/persistence/rdb/reader.js';
import { RdbWriter } from '../../src/persistence/rdb/writer.js';
import { Config } from '../../src/server/config.js';
import { RSet } from '../../src/store/set.js';
import { RList } from '../../src/store/list.js';
import type { ServerHandle } from '../../src/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'nodis-server');
const BIN_KEY = 'k\xff\x00\xc3';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-persist-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const handles: ServerHandle[] = [];
const clients: (RawClient | Redis)[] = [];
const procs: ChildProcess[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) {
    if (c instanceof RawClient) c.close();
    else c.disconnect();
  }
  for (const h of handles.splice(0)) await h.close();
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

function freshDir(): string {
  return fs.mkdtempSync(path.join(tmp, 'd-'));
}

async function nodis(config: Record<string, string>): Promise<{ h: ServerHandle; c: RawClient }> {
  const h = await startNodis({ config });
  handles.push(h);
  const c = await RawClient.connect(h.port);
  clients.push(c);
  return { h, c };
}

async function info(c: RawClient, field: string, section = 'persistence'): Promise<string> {
  const s = await c.callStr('INFO', section);
  const m = new RegExp(`\\r\\n${field}:([^\\r]*)\\r\\n`).exec(s);
  if (!m) throw new Error(`no ${field} in INFO`);
  return m[1];
}

/** Poll until `fn` holds (generous cap; no timing assumptions). */
async function until(fn: () => Promise<boolean> | boolean, what: string, capMs = 20000): Promise<void> {
  const end = Date.now() + capMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function bgsaveDone(c: RawClient): Promise<void> {
  return until(async () => (await info(c, 'rdb_bgsave_in_progress')) === '0', 'the BGSAVE to end');
}

/** What an RDB file holds, as a picture (every key, expired ones included). */
function pictureOfFile(file: string): KeyspacePicture {
  const p: KeyspacePicture = new Map();
  loadRdb(fs.readFileSync(file), {
    selectDb() {},
    key(db, key, value, expire) {
      let m = p.get(db);
      if (m === undefined) p.set(db, (m = new Map()));
      if (m.has(key)) throw new Error(`duplicate key ${key}`);
      m.set(key, { value: canonValue(value), expire });
    },
  });
  return p;
}

async function populate(c: RawClient, n: number): Promise<void> {
  let batch = '';
  const cmd = (...a: string[]): string => `*${a.length}\r\n` + a.map((x) => `$${Buffer.byteLength(x, 'latin1')}\r\n${x}\r\n`).join('');
  for (let i = 0; i < n; i++) {
    const k = `${BIN_KEY}:${i}`;
    switch (i % 6) {
      case 0:
        batch += cmd('SET', k, `value \xff ${i}`);
        break;
      case 1:
        batch += cmd('SET', k, String(i * 1000), 'PX', String(3_600_000 + i));
        break;
      case 2:
        batch += cmd('RPUSH', k, 'a', `\x00${i}`, 'c');
        break;
      case 3:
        batch += cmd('SADD', k, 'x', `${i}`, '\xc3');
        break;
      case 4:
        batch += cmd('ZADD', k, '1.5', 'one', String(i), `m${i}`);
        break;
      case 5:
        batch += cmd('HSET', k, 'f', `v${i}`, '\xff', '\x00');
        break;
    }
  }
  const raw = Buffer.from(batch, 'latin1');
  c.write(raw);
  for (let i = 0; i < n; i++) await c.readReply();
}

describe('SAVE, BGSAVE, LASTSAVE, INFO persistence', () => {
  it('SAVE writes dir/dbfilename with every key and TTL; LASTSAVE and INFO follow', async () => {
    const dir = freshDir();
    const { h, c } = await nodis({ dir, dbfilename: 'my.rdb' });
    await populate(c, 300);
    await c.call('SELECT', '3');
    await c.call('SET', 'in-db3', '\x00\x01');
    expect(Number(await info(c, 'rdb_changes_since_last_save'))).toBeGreaterThan(300);
    const before = pictureOf(h.server);
    expect(await c.callStr('SAVE')).toBe('+OK\r\n');
    const file = path.join(dir, 'my.rdb');
    expect(fs.readFileSync(file).latin1Slice(0, 9)).toBe('REDIS0010');
    expect(fs.readdirSync(dir)).toEqual(['my.rdb']);
    expect(sortedPicture(pictureOfFile(file))).toEqual(sortedPicture(before));
    expect(await info(c, 'rdb_changes_since_last_save')).toBe('0');
    expect(await info(c, 'rdb_saves')).toBe('1');
    const last = await c.callStr('LASTSAVE');
    expect(last).toBe(`:${await info(c, 'rdb_last_save_time')}\r\n`);
    expect(Math.abs(Number(last.slice(1)) - Date.now() / 1000)).toBeLessThan(60);
  });

  it('INFO persistence has Redis 7.0 fields in order', async () => {
    const { c } = await nodis({ dir: freshDir() });
    const s = await c.callStr('INFO', 'persistence');
    const names = s
      .split('\r\n')
      .filter((l) => l.includes(':'))
      .map((l) => l.slice(0, l.indexOf(':')));
    expect(names).toEqual([
      'loading',
      'async_loading',
      'current_cow_peak',
      'current_cow_size',
      'current_cow_size_age',
      'current_fork_perc',
      'current_save_keys_processed',
      'current_save_keys_total',
      'rdb_changes_since_last_save',
      'rdb_bgsave_in_progress',
      'rdb_last_save_time',
      'rdb_last_bgsave_status',
      'rdb_last_bgsave_time_sec',
      'rdb_current_bgsave_time_sec',
      'rdb_saves',
      'rdb_last_cow_size',
      'rdb_last_load_keys_expired',
      'rdb_last_load_keys_loaded',
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
    ]);
  });

  it('BGSAVE writes the keyspace as it was when it started while writes go on', async () => {
    const dir = freshDir();
    const { h, c } = await nodis({ dir });
    await populate(c, 30000);
    const atStart = pictureOf(h.server);
    // BGSAVE and a burst of changes in one write: they run right after the snapshot began.
    let burst = '*1\r\n$6\r\nBGSAVE\r\n';
    const changes = 3000;
    for (let i = 0; i < changes; i++) {
      const k = `${BIN_KEY}:${(i * 7919) % 30000}`;
      const op = i % 4;
      if (op === 0) burst += `*2\r\n$3\r\nDEL\r\n$${k.length}\r\n${k}\r\n`;
      else if (op === 1) burst += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$3\r\nnew\r\n`;
      else if (op === 2) burst += `*3\r\n$6\r\nEXPIRE\r\n$${k.length}\r\n${k}\r\n$1\r\n9\r\n`;
      else burst += `*3\r\n$3\r\nSET\r\n$${`fresh:${i}`.length}\r\nfresh:${i}\r\n$1\r\nx\r\n`;
    }
    c.write(Buffer.from(burst, 'latin1'));
    expect((await c.readReply()).latin1Slice()).toBe('+Background saving started\r\n');
    for (let i = 0; i < changes; i++) await c.readReply();
    await bgsaveDone(c);
    expect(await info(c, 'rdb_last_bgsave_status')).toBe('ok');
    expect(await info(c, 'rdb_saves')).toBe('1');
    expect(sortedPicture(pictureOfFile(path.join(dir, 'dump.rdb')))).toEqual(sortedPicture(atStart));
    expect(fs.readdirSync(dir)).toEqual(['dump.rdb']);
    // Only the changes made after the snapshot began remain unsaved.
    expect(Number(await info(c, 'rdb_changes_since_last_save'))).toBeLessThanOrEqual(changes);
    expect(Number(await info(c, 'rdb_changes_since_last_save'))).toBeGreaterThan(changes / 2);
    expect(Number(await info(c, 'rdb_last_bgsave_time_sec'))).toBeGreaterThanOrEqual(0);
  });

  it('refuses a second save while a BGSAVE runs; FLUSHALL stops it without an error', async () => {
    const dir = freshDir();
    const { c } = await nodis({ dir, 'rdb-key-save-delay': '200000' });
    for (let i = 0; i < 20; i++) await c.call('SET', `k${i}`, 'v');
    expect(await c.callStr('BGSAVE')).toBe('+Background saving started\r\n');
    expect(await c.callStr('BGSAVE')).toBe('-ERR Background save already in progress\r\n');
    expect(await c.callStr('BGSAVE', 'SCHEDULE')).toBe('-ERR Background save already in progress\r\n');
    expect(await c.callStr('SAVE')).toBe('-ERR Background save already in progress\r\n');
    expect(await info(c, 'rdb_bgsave_in_progress')).toBe('1');
    expect(await info(c, 'current_save_keys_total')).toBe('20');
    expect(Number(await info(c, 'rdb_current_bgsave_time_sec'))).toBeGreaterThanOrEqual(0);
    expect(fs.readdirSync(dir)).toEqual([`temp-${process.pid}.rdb`]);
    expect(await c.callStr('FLUSHALL')).toBe('+OK\r\n');
    expect(await info(c, 'rdb_bgsave_in_progress')).toBe('0');
    expect(await info(c, 'rdb_last_bgsave_status')).toBe('ok');
    expect(await info(c, 'rdb_current_bgsave_time_sec')).toBe('-1');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('rdb-key-save-delay paces a BGSAVE per key, keys changed during it included', async () => {
    const dir = freshDir();
    // 20 keys at 50 ms each: a forked child would take a second, whatever the parent does.
    const { c } = await nodis({ dir, 'rdb-key-save-delay': '50000' });
    for (let i = 0; i < 20; i++) await c.call('SET', `k${i}\xff`, 'v');
    const t0 = performance.now();
    expect(await c.callStr('BGSAVE')).toBe('+Background saving started\r\n');
    // Every key changes at once: each is written ahead of the walk, with its old value.
    for (let i = 0; i < 20; i++) await c.call('SET', `k${i}\xff`, 'new');
    await sleep(300);
    expect(await info(c, 'rdb_bgsave_in_progress')).toBe('1');
    expect(await info(c, 'current_save_keys_processed')).toBe('20');
    await until(async () => (await info(c, 'rdb_bgsave_in_progress')) === '0', 'the save', 10_000);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950);
    const keys = pictureOfFile(path.join(dir, 'dump.rdb')).get(0)!;
    expect(keys.size).toBe(20);
    expect(keys.get('k0\xff')?.value).toEqual({ t: 'string', v: 'v' });
  });

  it('BGSAVE arguments, SAVE inside MULTI, BGSAVE inside MULTI is scheduled', async () => {
    const dir = freshDir();
    const { c } = await nodis({ dir, hz: '100' });
    expect(await c.callStr('BGSAVE', 'x')).toBe('-ERR syntax error\r\n');
    expect(await c.callStr('BGSAVE', 'SCHEDULE', 'x')).toBe('-ERR syntax error\r\n');
    await c.call('SET', 'a', '1');
    expect(await c.callStr('MULTI')).toBe('+OK\r\n');
    expect(await c.callStr('SAVE')).toBe('-ERR Command not allowed inside a transaction\r\n');
    expect(await c.callStr('DISCARD')).toBe('+OK\r\n');
    await c.call('MULTI');
    expect(await c.callStr('BGSAVE')).toBe('+QUEUED\r\n');
    expect(await c.callStr('EXEC')).toBe('*1\r\n+Background saving scheduled\r\n');
    await until(async () => (await info(c, 'rdb_saves')) === '1' && (await info(c, 'rdb_bgsave_in_progress')) === '0', 'the scheduled BGSAVE');
    expect(fs.existsSync(path.join(dir, 'dump.rdb'))).toBe(true);
    expect(await c.callStr('BGSAVE', 'schedule')).toBe('+Background saving started\r\n');
    await bgsaveDone(c);
  });

  it('total_forks and latest_fork_usec count the snapshots of BGSAVE and BGREWRITEAOF; RESETSTAT clears them', async () => {
    const dir = freshDir();
    const { c } = await nodis({ dir });
    expect(await info(c, 'total_forks', 'stats')).toBe('0');
    await c.call('SET', 'a\xff', '1');
    expect(await c.callStr('SAVE')).toBe('+OK\r\n');
    expect(await info(c, 'total_forks', 'stats')).toBe('0');
    expect(await c.callStr('BGSAVE')).toBe('+Background saving started\r\n');
    await bgsaveDone(c);
    expect(await info(c, 'total_forks', 'stats')).toBe('1');
    expect(Number(await info(c, 'latest_fork_usec', 'stats'))).toBeGreaterThanOrEqual(0);
    expect(await c.callStr('BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
    await until(async () => (await info(c, 'aof_rewrite_in_progress')) === '0', 'the rewrite');
    expect(await info(c, 'total_forks', 'stats')).toBe('2');
    expect(await c.callStr('CONFIG', 'RESETSTAT')).toBe('+OK\r\n');
    expect([await info(c, 'total_forks', 'stats'), await info(c, 'latest_fork_usec', 'stats')]).toEqual(['0', '0']);
  });

  it('save points start a BGSAVE from the cron', async () => {
    const dir = freshDir();
    const { c } = await nodis({ dir, hz: '100' });
    expect(await c.callStr('CONFIG', 'SET', 'save', '1 2')).toBe('+OK\r\n');
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '2');
    await until(() => fs.existsSync(path.join(dir, 'dump.rdb')), 'a save point BGSAVE');
    await bgsaveDone(c);
    expect(await info(c, 'rdb_changes_since_last_save')).toBe('0');
    expect(await info(c, 'rdb_saves')).toBe('1');
  });

  it('FLUSHALL with save points saves the empty dataset at once', async () => {
    const dir = freshDir();
    const { c } = await nodis({ dir, save: '3600 1' });
    await c.call('SET', 'a', '1');
    expect(await c.callStr('FLUSHALL')).toBe('+OK\r\n');
    const file = path.join(dir, 'dump.rdb');
    expect(fs.existsSync(file)).toBe(true);
    expect(pictureOfFile(file).size).toBe(0);
    expect(await info(c, 'rdb_changes_since_last_save')).toBe('0');
  });

  it('FLUSHALL without save points writes nothing', async () => {
    const dir = freshDir();
    const { c } = await nodis({ dir });
    await c.call('SET', 'a', '1');
    await c.call('FLUSHALL');
    expect(fs.readdirSync(dir)).toEqual([]);
    // One for SET, one per key FLUSHALL removed.
    expect(await info(c, 'rdb_changes_since_last_save')).toBe('2');
  });

  it('DEBUG RELOAD saves, empties and loads the dataset back', async () => {
    const dir = freshDir();
    const { h, c } = await nodis({ dir, 'enable-debug-command': 'yes' });
    await populate(c, 200);
    const before = pictureOf(h.server);
    expect(await c.callStr('DEBUG', 'RELOAD')).toBe('+OK\r\n');
    expect(sortedPicture(pictureOf(h.server))).toEqual(sortedPicture(before));
    expect(await info(c, 'rdb_last_load_keys_loaded')).toBe('200');
    expect(await c.callStr('DEBUG', 'RELOAD', 'bogus')).toBe(
      '-ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.\r\n',
    );
    await c.call('SET', 'extra', '1');
    expect(await c.callStr('DEBUG', 'RELOAD', 'NOSAVE')).toBe('+OK\r\n');
    expect(await c.callStr('EXISTS', 'extra')).toBe(':0\r\n');
    await c.call('SET', 'extra', '1');
    expect(await c.callStr('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE')).toBe('+OK\r\n');
    expect(await c.callStr('EXISTS', 'extra')).toBe(':1\r\n');
    fs.unlinkSync(path.join(dir, 'dump.rdb'));
    expect(await c.callStr('DEBUG', 'RELOAD', 'NOSAVE')).toBe('-ERR Error trying to load the RDB dump\r\n');
  });
});

describe('SHUTDOWN while a BGSAVE runs', () => {
  it('SHUTDOWN NOSAVE stops the BGSAVE and removes its temp file', async () => {
    const dir = freshDir();
    const { c } = await nodis({ dir, 'rdb-key-save-delay': '200000' });
    for (let i = 0; i < 10; i++) await c.call('SET', `k${i}`, 'v');
    expect(await c.callStr('BGSAVE')).toBe('+Background saving started\r\n');
    expect(fs.readdirSync(dir)).toEqual([`temp-${process.pid}.rdb`]);
    c.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
    await until(() => handles[0].server.isClosed(), 'the shutdown');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('SHUTDOWN SAVE stops the BGSAVE and saves the current dataset', async () => {
    const dir = freshDir();
    const { c } = await nodis({ dir, 'rdb-key-save-delay': '200000' });
    for (let i = 0; i < 10; i++) await c.call('SET', `k${i}`, 'v');
    expect(await c.callStr('BGSAVE')).toBe('+Background saving started\r\n');
    await c.call('SET', 'after', 'the start');
    c.write('*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n');
    await until(() => handles[0].server.isClosed(), 'the shutdown');
    expect(fs.readdirSync(dir)).toEqual(['dump.rdb']);
    const keys = pictureOfFile(path.join(dir, 'dump.rdb')).get(0)!;
    expect(keys.size).toBe(11);
    expect(keys.get('after')?.value).toEqual({ t: 'string', v: 'the start' });
  });
});

describe('a server closed while its BGSAVE runs', () => {
  it('stops the BGSAVE and removes the temp file', async () => {
    const dir = freshDir();
    const { h, c } = await nodis({ dir, 'rdb-key-save-delay': '100000' });
    for (let i = 0; i < 10; i++) await c.call('SET', `k${i}`, 'v');
    expect(await c.callStr('BGSAVE')).toBe('+Background saving started\r\n');
    expect(fs.readdirSync(dir)).toEqual([`temp-${process.pid}.rdb`]);
    await h.close();
    await until(() => fs.readdirSync(dir).length === 0, 'the temp file to go');
  });
});

describe('MISCONF', () => {
  it('a failed BGSAVE with save points refuses writes and PING until it works again', async () => {
    const dir = freshDir();
    const sub = path.join(dir, 'gone');
    fs.mkdirSync(sub);
    const { c } = await nodis({ dir: sub, save: '3600 1' });
    const r = new Redis({ port: handles[0].port, lazyConnect: true, maxRetriesPerRequest: 0 });
    clients.push(r);
    const tx = await RawClient.connect(handles[0].port);
    clients.push(tx);
    await c.call('SET', 'a', '1');
    // A transaction queued before the failure: its EXEC is refused as a write.
    expect(await tx.callStr('MULTI')).toBe('+OK\r\n');
    expect(await tx.callStr('INCR', 'a')).toBe('+QUEUED\r\n');
    fs.rmdirSync(sub);
    expect(await c.callStr('SAVE')).toBe('-ERR\r\n');
    expect(await info(c, 'rdb_last_bgsave_status')).toBe('ok');
    expect(await c.callStr('BGSAVE')).toBe('+Background saving started\r\n');
    await until(async () => (await info(c, 'rdb_last_bgsave_status')) === 'err', 'the BGSAVE to fail');
    const misconf =
      "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.\r\n";
    expect(await c.callStr('SET', 'b', '2')).toBe(misconf);
    expect(await c.callStr('PING')).toBe(misconf);
    expect(await c.callStr('GET', 'a')).toBe('$1\r\n1\r\n');
    await expect(r.set('c', '3')).rejects.toThrow(/^MISCONF Redis is configured to save RDB snapshots/);
    expect(await tx.callStr('EXEC')).toBe('-EXECABORT Transaction discarded because of: ' + misconf.slice(1));
    await c.call('MULTI');
    expect(await c.callStr('SET', 'b', '2')).toBe(misconf);
    expect(await c.callStr('GET', 'a')).toBe('+QUEUED\r\n');
    expect(await c.callStr('EXEC')).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    expect(await c.callStr('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no')).toBe('+OK\r\n');
    expect(await c.callStr('SET', 'b', '2')).toBe('+OK\r\n');
    expect(await c.callStr('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes')).toBe('+OK\r\n');
    expect(await c.callStr('SET', 'b', '2')).toBe(misconf);
    fs.mkdirSync(sub);
    expect(await c.callStr('BGSAVE')).toBe('+Background saving started\r\n');
    await bgsaveDone(c);
    expect(await info(c, 'rdb_last_bgsave_status')).toBe('ok');
    expect(await c.callStr('SET', 'b', '2')).toBe('+OK\r\n');
  });

  it('without save points a failed BGSAVE does not refuse writes', async () => {
    const dir = freshDir();
    const sub = path.join(dir, 'gone');
    fs.mkdirSync(sub);
    const { c } = await nodis({ dir: sub });
    fs.rmdirSync(sub);
    expect(await c.callStr('BGSAVE')).toBe('+Background saving started\r\n');
    await until(async () => (await info(c, 'rdb_last_bgsave_status')) === 'err', 'the BGSAVE to fail');
    expect(await c.callStr('SET', 'b', '2')).toBe('+OK\r\n');
  });
});

// ---- the executable -------------------------------------------------------------------

interface Proc {
  proc: ChildProcess;
  port: number;
  out: () => string;
  exit: Promise<number | null>;
}

async function startProc(dir: string, args: string[], waitReady = true): Promise<Proc> {
  const port = await freePort();
  const proc = spawn(process.execPath, [BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODIS_DAEMONIZED: '' },
  });
  procs.push(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const p = { proc, port, out: () => out, exit };
  if (waitReady) {
    await until(async () => {
      if (proc.exitCode !== null) throw new Error(`nodis-server exited: ${out}`);
      try {
        const c = await RawClient.connect(port);
        const r = await c.callStr('PING');
        c.close();
        return r === '+PONG\r\n';
      } catch {
        return false;
      }
    }, 'nodis-server to accept connections');
  }
  return p;
}

describe('nodis-server start-up and shutdown', () => {
  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'server', 'cli.js'))) {
      throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    }
  });

  it('SHUTDOWN SAVE, then a restart loads every key with its TTL', async () => {
    const dir = freshDir();
    const p1 = await startProc(dir, ['--save', '']);
    const c = await RawClient.connect(p1.port);
    clients.push(c);
    await populate(c, 600);
    await c.call('SELECT', '5');
    await c.call('SET', BIN_KEY, 'db5', 'EXAT', String(Math.floor(Date.now() / 1000) + 7200));
    const before = await pictureOverWire(p1.port);
    c.write('*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n');
    expect(await p1.exit).toBe(0);
    expect(p1.out()).toContain('DB saved on disk');
    const p2 = await startProc(dir, ['--save', '']);
    // The log is written asynchronously: wait for the lines.
    await until(() => p2.out().includes('DB loaded from disk'), 'the load log line');
    expect(p2.out()).toContain('Done loading RDB, keys loaded: 601, keys expired: 0.');
    expect(sortedPicture(await pictureOverWire(p2.port))).toEqual(sortedPicture(before));
  });

  it('SIGTERM saves when save points exist, and not otherwise', async () => {
    const dir = freshDir();
    const p1 = await startProc(dir, ['--save', '3600', '100']);
    const c = await RawClient.connect(p1.port);
    clients.push(c);
    await c.call('SET', BIN_KEY, 'kept');
    await c.call('RPUSH', 'list', 'a', 'b');
    p1.proc.kill('SIGTERM');
    // (The server's log is the message: an exit by a signal once made this fail under load.)
    expect(await p1.exit, p1.out()).toBe(0);
    expect(p1.out()).toContain('Saving the final RDB snapshot before exiting.');
    expect(fs.existsSync(path.join(dir, 'dump.rdb'))).toBe(true);
    const p2 = await startProc(dir, ['--save', '']);
    const c2 = await RawClient.connect(p2.port);
    clients.push(c2);
    expect(await c2.callStr('GET', BIN_KEY)).toBe('$4\r\nkept\r\n');
    expect(await c2.callStr('LRANGE', 'list', '0', '-1')).toBe('*2\r\n$1\r\na\r\n$1\r\nb\r\n');
    await c2.call('SET', BIN_KEY, 'changed');
    p2.proc.kill('SIGTERM');
    expect(await p2.exit, p2.out()).toBe(0);
    const p3 = await startProc(dir, ['--save', '']);
    const c3 = await RawClient.connect(p3.port);
    clients.push(c3);
    expect(await c3.callStr('GET', BIN_KEY)).toBe('$4\r\nkept\r\n');
  });

  it('SHUTDOWN NOSAVE writes nothing even with save points', async () => {
    const dir = freshDir();
    const p1 = await startProc(dir, ['--save', '3600', '1']);
    const c = await RawClient.connect(p1.port);
    clients.push(c);
    await c.call('SET', 'a', '1');
    c.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
    expect(await p1.exit).toBe(0);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('keys already expired in the file are not loaded', async () => {
    const dir = freshDir();
    const p1 = await startProc(dir, ['--save', '']);
    const c = await RawClient.connect(p1.port);
    clients.push(c);
    await c.call('SET', 'soon', '1', 'PX', '300');
    await c.call('SET', 'later', '1', 'EX', '3600');
    await c.call('SAVE');
    c.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
    await p1.exit;
    await new Promise((r) => setTimeout(r, 400));
    const p2 = await startProc(dir, ['--save', '']);
    await until(() => p2.out().includes('Done loading RDB, keys loaded: 1, keys expired: 1.'), 'the load log line');
    const c2 = await RawClient.connect(p2.port);
    clients.push(c2);
    expect(await c2.callStr('KEYS', '*')).toBe('*1\r\n$5\r\nlater\r\n');
    expect((await c2.callStr('INFO', 'persistence')).includes('rdb_last_load_keys_expired:1\r\n')).toBe(true);
  });

  for (const [name, mangle] of [
    ['truncated', (b: Buffer) => b.subarray(0, b.length - 20)],
    ['with a flipped byte (checksum)', (b: Buffer) => Buffer.concat([b.subarray(0, 40), Buffer.from([b[40] ^ 0x55]), b.subarray(41)])],
    ['with a bad signature', (b: Buffer) => Buffer.concat([Buffer.from('RXDIS'), b.subarray(5)])],
  ] as const) {
    it(`refuses to start from a file ${name}, leaving it as it was`, async () => {
      const dir = freshDir();
      const p1 = await startProc(dir, ['--save', '']);
      const c = await RawClient.connect(p1.port);
      clients.push(c);
      await populate(c, 50);
      c.write('*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n');
      expect(await p1.exit).toBe(0);
      const file = path.join(dir, 'dump.rdb');
      const bad = mangle(fs.readFileSync(file));
      fs.writeFileSync(file, bad);
      const p2 = await startProc(dir, ['--save', '3600 1'], false);
      expect(await p2.exit).toBe(1);
      expect(p2.out()).toContain('Terminating server after rdb file reading failure.');
      // The redis-check-rdb report comes first: the file checked, and where it failed.
      expect(p2.out()).toContain('[offset 0] Checking RDB file dump.rdb');
      expect(p2.out()).toContain('--- RDB ERROR DETECTED ---');
      expect(p2.out()).toMatch(/\[additional info\] While doing: [a-z-]+/);
      expect(fs.readFileSync(file).equals(bad)).toBe(true);
      expect(fs.readdirSync(dir)).toEqual(['dump.rdb']);
    });
  }

  it('keys with empty values are skipped with a warning each, and counted', async () => {
    const dir = freshDir();
    const w = new RdbWriter({ compression: false, checksum: true });
    w.writeHeader([['redis-ver', '7.0.15']]);
    w.writeSelectDb(0, 3, 0);
    w.writeKeyValue('kept', 'v', -1, new Config());
    w.writeKeyValue('empty\xff', RSet.createHashtable(), -1, new Config());
    w.writeKeyValue('nolist', RList.from([]), -1, new Config());
    w.writeEof();
    fs.writeFileSync(path.join(dir, 'dump.rdb'), w.take());
    const p = await startProc(dir, ['--save', '']);
    await until(async () => p.out().includes('empty keys skipped'), 'the load log line');
    expect(p.out()).toContain('rdbLoadObject skipping empty key: empty');
    expect(p.out()).toContain('rdbLoadObject skipping empty key: nolist');
    expect(p.out()).toContain('Done loading RDB, keys loaded: 1, keys expired: 0, empty keys skipped: 2.');
    const c = await RawClient.connect(p.port);
    clients.push(c);
    expect(await c.callStr('DBSIZE')).toBe(':1\r\n');
  });

  it('an unreadable dbfilename (a directory) is a fatal error', async () => {
    const dir = freshDir();
    fs.mkdirSync(path.join(dir, 'dump.rdb'));
    const p = await startProc(dir, ['--save', ''], false);
    expect(await p.exit).toBe(1);
    expect(p.out()).toContain('Fatal error loading the DB: Is a directory. Exiting.');
  });
});
