/**
 * Replication between Nodis and redis-server 7.0 in both directions: the
 * same PSYNC protocol, RDB transfers (diskless `$EOF:` and disk-based
 * `$<len>`) and command stream, so either can be the primary. Keyspaces
 * are compared key by key (type-aware reads, absolute expire times) after
 * the full sync and after live writes with transactions, db switches,
 * expiries and evictions. Partial resyncs (a dropped link, a restarted
 * redis-server replica that reloads its RDB), mixed chains, PSYNC2 after a
 * promotion, WAIT and INFO replication's field names are covered too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/index.js';
import { HAVE_REDIS, freePort, redisServerPath, startNodis, startRedis, warnIfNoRedis, type RedisHandle } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';
import { pictureOverWire, sortedPicture } from '../helpers/keyspace.js';
import { B, cmdOn, dataset, info, infoFieldNames, liveWrites, rawOn, run, sleep, waitFor, waitSynced } from '../helpers/repl.js';

warnIfNoRedis('e2e/replication-interop');

const nodisOpen: ServerHandle[] = [];
const redisOpen: RedisHandle[] = [];
const dirs: string[] = [];
const procs: ChildProcess[] = [];

afterEach(async () => {
  for (const s of nodisOpen.splice(0)) await s.close();
  for (const r of redisOpen.splice(0)) await r.close();
  for (const p of procs.splice(0)) {
    if (p.exitCode === null) {
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await gone;
    }
  }
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmpdir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-repl-interop-'));
  dirs.push(d);
  return d;
}

async function nodis(config: Record<string, string> = {}): Promise<ServerHandle> {
  const s = await startNodis({ config: { 'repl-diskless-sync-delay': '0', dir: tmpdir(), ...config } });
  nodisOpen.push(s);
  return s;
}

async function redis(args: string[] = []): Promise<RedisHandle> {
  const r = await startRedis(['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes', ...args]);
  redisOpen.push(r);
  return r;
}

async function sameKeyspace(a: number, b: number): Promise<void> {
  expect(sortedPicture(await pictureOverWire(b))).toEqual(sortedPicture(await pictureOverWire(a)));
}

/** keys= and expires= of every db in INFO keyspace (expired keys not yet deleted included). */
async function keyCounts(port: number): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [db, v] of Object.entries(await info(port, 'keyspace'))) out[db] = v.replace(/,avg_ttl=\d+$/, '');
  return out;
}

describe.skipIf(!HAVE_REDIS)('redis-server replicates a Nodis primary', () => {
  for (const diskless of ['yes', 'no']) {
    it(`full sync (repl-diskless-sync ${diskless}), live writes, MULTI, expiries`, async () => {
      const p = await nodis({ 'repl-diskless-sync': diskless });
      await run(p.port, dataset());
      const r = await redis(['--replicaof', '127.0.0.1', String(p.port)]);
      await waitSynced(p.port, [r.port]);
      await sameKeyspace(p.port, r.port);
      expect((await info(p.port, 'stats')).sync_full).toBe('1');

      await run(p.port, liveWrites());
      await waitSynced(p.port, [r.port]);
      await sameKeyspace(p.port, r.port);
      // A key that expires on the primary goes away on the replica with the primary's DEL.
      p.server.activeExpireEnabled = false;
      await run(p.port, [['SET', `short${B}`, 'v', 'PX', '200']]);
      await waitSynced(p.port, [r.port]);
      await sleep(300);
      const before = await keyCounts(r.port);
      expect(await rawOn(r.port, 'GET', `short${B}`)).toBe('$-1\r\n');
      expect(await rawOn(p.port, 'EXISTS', `short${B}`)).toBe(':0\r\n');
      await waitSynced(p.port, [r.port]);
      expect(await keyCounts(r.port)).not.toEqual(before);
      expect(await keyCounts(r.port)).toEqual(await keyCounts(p.port));
      await sameKeyspace(p.port, r.port);
      const ri = await info(r.port);
      expect(ri.master_replid).toBe((await info(p.port)).master_replid);
    });
  }

  it('evictions on the primary reach the replica as DELs', async () => {
    const p = await nodis({ 'maxmemory-policy': 'allkeys-random' });
    const r = await redis(['--replicaof', '127.0.0.1', String(p.port)]);
    await waitSynced(p.port, [r.port]);
    const cmds: string[][] = [];
    for (let i = 0; i < 300; i++) cmds.push(['SET', `k${i}`, 'x'.repeat(1000)]);
    await run(p.port, cmds);
    const used = Number((await info(p.port, 'memory')).used_memory);
    await run(p.port, [['CONFIG', 'SET', 'maxmemory', String(used - 100 * 1024)]]);
    await run(p.port, [['SET', 'trigger', '1']]);
    await waitFor('evictions', async () => Number((await info(p.port, 'stats')).evicted_keys) > 0);
    await waitSynced(p.port, [r.port]);
    await sameKeyspace(p.port, r.port);
  });

  it('a dropped replica continues with PSYNC; a restarted one continues from its RDB', async () => {
    const p = await nodis();
    await run(p.port, dataset());
    const dir = tmpdir();
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--replicaof', '127.0.0.1', String(p.port)];
    let proc = spawnRedis(args);
    await waitSynced(p.port, [port]);
    expect(await rawOn(p.port, 'CLIENT', 'KILL', 'TYPE', 'replica')).toBe(':1\r\n');
    await run(p.port, [['SET', 'while-down', '1']]);
    await waitSynced(p.port, [port]);
    expect((await info(p.port, 'stats')).sync_partial_ok).toBe('1');

    // SHUTDOWN SAVE writes the replication id and offset into its RDB.
    const exited = new Promise((r) => proc.once('exit', r));
    await rawOn(port, 'SHUTDOWN', 'SAVE').catch(() => '');
    await exited;
    await run(p.port, [['SET', 'while-stopped', '2'], ['SELECT', '5'], ['RPUSH', `l${B}`, 'a']]);
    proc = spawnRedis(args);
    await waitSynced(p.port, [port]);
    await sameKeyspace(p.port, port);
    const stats = await info(p.port, 'stats');
    expect(stats.sync_full).toBe('1');
    expect(stats.sync_partial_ok).toBe('2');
  });

  it('WAIT counts a redis-server replica', async () => {
    const p = await nodis();
    const r = await redis(['--replicaof', '127.0.0.1', String(p.port)]);
    await waitSynced(p.port, [r.port]);
    const c = await RawClient.connect(p.port);
    await c.callStr('SET', 'x', '1');
    expect(await c.callStr('WAIT', '1', '0')).toBe(':1\r\n');
    c.close();
  });
});

describe.skipIf(!HAVE_REDIS)('Nodis replicates a redis-server primary', () => {
  for (const diskless of ['yes', 'no']) {
    it(`full sync (repl-diskless-sync ${diskless}), live writes, MULTI, expiries only through the primary`, async () => {
      const p = await redis(['--repl-diskless-sync', diskless]);
      await run(p.port, dataset());
      const r = await nodis({ replicaof: `127.0.0.1 ${p.port}` });
      await waitSynced(p.port, [r.port]);
      await sameKeyspace(p.port, r.port);
      await run(p.port, liveWrites());
      await waitSynced(p.port, [r.port]);
      await sameKeyspace(p.port, r.port);

      await run(p.port, [['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['SET', `short${B}`, 'v', 'PX', '200']]);
      await waitSynced(p.port, [r.port]);
      await sleep(300);
      // Expired, but the Nodis replica keeps it until the primary deletes it.
      expect(await rawOn(r.port, 'GET', `short${B}`)).toBe('$-1\r\n');
      const counts = await keyCounts(r.port);
      await sleep(300);
      expect(await keyCounts(r.port)).toEqual(counts);
      expect(await rawOn(p.port, 'GET', `short${B}`)).toBe('$-1\r\n');
      await waitSynced(p.port, [r.port]);
      expect(await keyCounts(r.port)).toEqual(await keyCounts(p.port));
      expect(await keyCounts(r.port)).not.toEqual(counts);
      const [pi, ri] = [await info(p.port), await info(r.port)];
      expect(ri.master_replid).toBe(pi.master_replid);
      expect(ri.master_repl_offset).toBe(pi.master_repl_offset);
      expect(ri.slave0).toBeUndefined();
      expect(pi.slave0).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${r.port},state=online,offset=\\d+,lag=\\d+$`));
    });
  }

  it('a killed link continues with PSYNC (+CONTINUE)', async () => {
    const p = await redis();
    await run(p.port, dataset());
    const r = await nodis({ replicaof: `127.0.0.1 ${p.port}` });
    await waitSynced(p.port, [r.port]);
    expect(await rawOn(r.port, 'CLIENT', 'KILL', 'TYPE', 'master')).toBe(':1\r\n');
    await run(p.port, liveWrites());
    await waitSynced(p.port, [r.port]);
    expect(await rawOn(p.port, 'CLIENT', 'KILL', 'TYPE', 'replica')).toBe(':1\r\n');
    await run(p.port, [['SET', 'after-second-kill', '1']]);
    await waitSynced(p.port, [r.port]);
    await sameKeyspace(p.port, r.port);
    const stats = await info(p.port, 'stats');
    expect(stats.sync_full).toBe('1');
    expect(stats.sync_partial_ok).toBe('2');
  });

  it('a Nodis replica restarted from its RDB continues with PSYNC', async () => {
    const p = await redis();
    await run(p.port, dataset());
    const dir = tmpdir();
    let r = await nodis({ replicaof: `127.0.0.1 ${p.port}`, dir });
    await waitSynced(p.port, [r.port]);
    expect(await rawOn(r.port, 'SAVE')).toBe('+OK\r\n');
    await r.close();
    nodisOpen.splice(nodisOpen.indexOf(r), 1);
    await run(p.port, liveWrites());
    r = await nodis({ replicaof: `127.0.0.1 ${p.port}`, dir });
    await waitSynced(p.port, [r.port]);
    await sameKeyspace(p.port, r.port);
    const stats = await info(p.port, 'stats');
    expect(stats.sync_full).toBe('1');
    expect(stats.sync_partial_ok).toBe('1');
  });

  it('writes made while the RDB is produced arrive after it', async () => {
    const p = await redis(['--rdb-key-save-delay', '2000']);
    const cmds: string[][] = [];
    for (let i = 0; i < 200; i++) cmds.push(['SET', `k${i}`, `v${i}`]);
    await run(p.port, cmds);
    const r = await nodis({ replicaof: `127.0.0.1 ${p.port}` });
    await waitFor('the transfer to start', async () => (await info(p.port)).slave0?.includes('state=wait_bgsave') === true);
    await run(p.port, [['SET', 'k1', 'changed'], ['DEL', 'k2'], ['SET', 'new', 'during sync']]);
    await run(p.port, [['CONFIG', 'SET', 'rdb-key-save-delay', '0']]);
    await waitSynced(p.port, [r.port]);
    await sameKeyspace(p.port, r.port);
  });
});

describe.skipIf(!HAVE_REDIS)('PUBLISH across servers', () => {
  it('reaches subscribers of a redis-server replica of Nodis, and of a Nodis replica of redis-server', async () => {
    const np = await nodis();
    const rr = await redis(['--replicaof', '127.0.0.1', String(np.port)]);
    const rp = await redis();
    const nr = await nodis({ replicaof: `127.0.0.1 ${rp.port}` });
    await waitSynced(np.port, [rr.port]);
    await waitSynced(rp.port, [nr.port]);
    for (const [primary, replica] of [
      [np.port, rr.port],
      [rp.port, nr.port],
    ]) {
      const sub = await RawClient.connect(replica);
      await sub.call('SUBSCRIBE', 'news');
      await rawOn(primary, 'PUBLISH', 'news', `hello${B}`);
      expect((await sub.readReply()).latin1Slice()).toBe(`*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$8\r\nhello${B}\r\n`);
      sub.close();
    }
  });
});

describe.skipIf(!HAVE_REDIS)('mixed topologies', () => {
  it('Nodis -> redis-server -> Nodis chain converges', async () => {
    const a = await nodis();
    await run(a.port, dataset());
    const b = await redis(['--replicaof', '127.0.0.1', String(a.port)]);
    const c = await nodis({ replicaof: `127.0.0.1 ${b.port}` });
    await waitSynced(a.port, [b.port]);
    await waitSynced(b.port, [c.port]);
    await run(a.port, liveWrites());
    await waitSynced(a.port, [b.port, c.port]);
    await sameKeyspace(a.port, c.port);
    const ids = await Promise.all([a, b, c].map(async (s) => (await info(s.port)).master_replid));
    expect(new Set(ids).size).toBe(1);
  });

  it('redis-server -> Nodis -> redis-server chain converges', async () => {
    const a = await redis();
    await run(a.port, dataset());
    const b = await nodis({ replicaof: `127.0.0.1 ${a.port}` });
    await waitSynced(a.port, [b.port]);
    const c = await redis(['--replicaof', '127.0.0.1', String(b.port)]);
    await waitSynced(b.port, [c.port]);
    await run(a.port, liveWrites());
    await waitSynced(a.port, [b.port, c.port]);
    await sameKeyspace(a.port, c.port);
    // The Nodis middle proxies the stream verbatim: the offsets agree.
    expect((await info(c.port)).master_repl_offset).toBe((await info(a.port)).master_repl_offset);
    // A dropped sub-replica continues from the middle's backlog.
    expect(await rawOn(b.port, 'CLIENT', 'KILL', 'TYPE', 'replica')).toBe(':1\r\n');
    await run(a.port, [['SET', 'more', '1']]);
    await waitSynced(a.port, [b.port, c.port]);
    expect((await info(b.port, 'stats')).sync_partial_ok).toBe('1');
  });

  it('PSYNC2: a promoted Nodis replica serves partial resyncs to a redis-server replica', async () => {
    const p = await redis();
    await run(p.port, dataset());
    const a = await nodis({ replicaof: `127.0.0.1 ${p.port}` });
    const b = await redis(['--replicaof', '127.0.0.1', String(p.port)]);
    await waitSynced(p.port, [a.port, b.port]);
    expect(await rawOn(a.port, 'REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    expect(await rawOn(b.port, 'REPLICAOF', '127.0.0.1', String(a.port))).toBe('+OK\r\n');
    await run(a.port, [['SET', 'on-promoted', '1']]);
    await waitSynced(a.port, [b.port]);
    await sameKeyspace(a.port, b.port);
    const stats = await info(a.port, 'stats');
    expect(stats.sync_full).toBe('0');
    expect(stats.sync_partial_ok).toBe('1');
    // And the other way: a promoted redis-server serves the old Nodis primary.
    expect(await rawOn(b.port, 'REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    expect(await rawOn(a.port, 'REPLICAOF', '127.0.0.1', String(b.port))).toBe('+OK\r\n');
    await run(b.port, [['SET', 'on-redis', '1']]);
    await waitSynced(b.port, [a.port]);
    await sameKeyspace(b.port, a.port);
    expect((await info(b.port, 'stats')).sync_partial_ok).toBe('1');
  });

  it('INFO replication has the same fields, in the same order, as redis-server in each role', async () => {
    const np = await nodis();
    const nr = await nodis({ replicaof: `127.0.0.1 ${np.port}`, 'min-replicas-to-write': '1' });
    const rp = await redis();
    const rr = await redis(['--replicaof', '127.0.0.1', String(rp.port), '--min-replicas-to-write', '1']);
    await waitSynced(np.port, [nr.port]);
    await waitSynced(rp.port, [rr.port]);
    expect(await infoFieldNames(np.port)).toEqual(await infoFieldNames(rp.port));
    expect(await infoFieldNames(nr.port)).toEqual(await infoFieldNames(rr.port));
    const names = async (port: number): Promise<string[]> =>
      (await cmdOn(port, 'ROLE')).t === 'array' ? ((await cmdOn(port, 'ROLE')) as { v: { t: string }[] }).v.map((x) => x.t) : [];
    expect(await names(np.port)).toEqual(await names(rp.port));
    expect(await names(nr.port)).toEqual(await names(rr.port));
    // A replica whose primary is gone.
    await cmdOn(nr.port, 'REPLICAOF', '127.0.0.1', String(await freePort()));
    await cmdOn(rr.port, 'REPLICAOF', '127.0.0.1', String(await freePort()));
    await waitFor('links down', async () => (await info(nr.port)).master_link_status === 'down' && (await info(rr.port)).master_link_status === 'down');
    expect(await infoFieldNames(nr.port)).toEqual(await infoFieldNames(rr.port));
  });
});

function spawnRedis(args: string[]): ChildProcess {
  const p = spawn(redisServerPath()!, args, { stdio: 'ignore' });
  procs.push(p);
  return p;
}
