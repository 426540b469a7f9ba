/**
 * MIGRATE between two Nodis servers: the source runs in this process
 * (watched: propagation, keyspace events), the target is a nodis-server
 * process, since the source blocks this process's event loop while it waits
 * for the target, as Redis blocks its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observedServer } from '../helpers/observe.js';
import { RawClient } from '../helpers/resp.js';
import { spawnNodisServer, type NodisProcess } from '../helpers/servers.js';

const t = observedServer({ 'notify-keyspace-events': 'KEA' });
let target: NodisProcess;
let tc: RawClient;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-migrate-'));
  target = await spawnNodisServer(['--save', '', '--dir', dir]);
  tc = await RawClient.connect(target.port);
});
afterAll(async () => {
  tc?.close();
  target?.kill();
  await target?.exited;
  fs.rmSync(dir, { recursive: true, force: true });
});

const migrate = (...rest: string[]) => t.c.callStr('MIGRATE', '127.0.0.1', String(target.port), ...rest);

describe('MIGRATE', () => {
  it('moves keys, propagates DEL of the moved keys and fires del events', async () => {
    await tc.call('FLUSHALL');
    await t.c.call('SET', 'a\xff', '\x00\xfe');
    await t.c.call('RPUSH', 'b', 'x', 'y');
    await t.c.call('PEXPIRE', 'b', '100000');
    t.propagated.length = 0;
    t.events.length = 0;
    expect(await migrate('', '0', '5000', 'KEYS', 'a\xff', 'missing', 'b')).toBe('+OK\r\n');
    expect(t.propagated).toEqual([['DEL', 'a\xff', 'b']]);
    expect(t.events).toEqual(['del a\xff', 'del b']);
    expect(await t.c.callStr('EXISTS', 'a\xff', 'b')).toBe(':0\r\n');
    expect(await tc.callStr('GET', 'a\xff')).toBe('$2\r\n\x00\xfe\r\n');
    expect(await tc.callStr('LRANGE', 'b', '0', '-1')).toBe('*2\r\n$1\r\nx\r\n$1\r\ny\r\n');
    const pttl = Number((await tc.callStr('PTTL', 'b')).slice(1, -2));
    expect(pttl).toBeGreaterThan(90000);
    expect(pttl).toBeLessThanOrEqual(100000);
  });

  it('COPY propagates nothing; a refused key stays and propagates nothing', async () => {
    await tc.call('FLUSHALL');
    await t.c.call('SET', 'k', 'v');
    t.propagated.length = 0;
    expect(await migrate('k', '0', '5000', 'COPY')).toBe('+OK\r\n');
    expect(t.propagated).toEqual([]);
    expect(await t.c.callStr('GET', 'k')).toBe('$1\r\nv\r\n');
    expect(await migrate('k', '0', '5000')).toBe('-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n');
    expect(t.propagated).toEqual([]);
    expect(await t.c.callStr('GET', 'k')).toBe('$1\r\nv\r\n');
  });

  it('keeps one connection per target, counted in INFO, with the password redacted in SLOWLOG', async () => {
    await tc.call('FLUSHALL');
    await tc.call('CONFIG', 'RESETSTAT');
    await t.c.call('MSET', 'p', '1', 'q', '2');
    await t.c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await t.c.call('SLOWLOG', 'RESET');
    await tc.call('CONFIG', 'SET', 'requirepass', 'pw\xff');
    try {
      expect(await migrate('p', '2', '5000', 'AUTH', 'pw\xff')).toBe('+OK\r\n');
      expect(await migrate('q', '2', '5000', 'AUTH', 'pw\xff')).toBe('+OK\r\n');
    } finally {
      await tc.call('AUTH', 'pw\xff');
      await tc.call('CONFIG', 'SET', 'requirepass', '');
    }
    expect(await t.c.callStr('INFO', 'stats')).toContain('migrate_cached_sockets:1\r\n');
    const log = await t.c.callStr('SLOWLOG', 'GET');
    expect(log).toContain('(redacted)');
    expect(log).not.toContain('pw\xff');
    await t.c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    // The target saw one connection from the source's links, selecting db 2 once.
    expect(await tc.callStr('INFO', 'commandstats')).toMatch(/cmdstat_select:calls=1,/);
    await tc.call('SELECT', '2');
    expect(await tc.callStr('MGET', 'p', 'q')).toBe('*2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    await tc.call('SELECT', '0');
  });

  it('a target that never answers times out; the key stays', async () => {
    // A listening socket nobody reads from: the target process, stopped.
    await t.c.call('SET', 'slow', 'v');
    target.proc.kill('SIGSTOP');
    try {
      expect(await t.c.callStr('MIGRATE', '127.0.0.1', String(target.port), 'slow', '5', '300')).toBe(
        '-IOERR error or timeout reading to target instance\r\n',
      );
    } finally {
      target.proc.kill('SIGCONT');
    }
    expect(await t.c.callStr('GET', 'slow')).toBe('$1\r\nv\r\n');
    expect(await t.c.callStr('INFO', 'stats')).toContain('migrate_cached_sockets:0\r\n');
    // The stopped target still had the RESTORE in its socket and ran it once
    // resumed, as redis-server would: after a timeout the key may be on both
    // sides. The next MIGRATE connects afresh.
    // (The resumed target may serve its own client first: wait for the key.)
    await tc.call('SELECT', '5');
    for (let i = 0; i < 100 && (await tc.callStr('EXISTS', 'slow')) !== ':1\r\n'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await tc.callStr('GET', 'slow')).toBe('$1\r\nv\r\n');
    await tc.call('SELECT', '0');
    expect(await migrate('slow', '5', '5000', 'REPLACE')).toBe('+OK\r\n');
    expect(await t.c.callStr('EXISTS', 'slow')).toBe(':0\r\n');
  });
});
