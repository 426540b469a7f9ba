/**
 * Replication between Nodis servers: full sync (diskless and disk-based,
 * every repl-diskless-load mode), the live stream with transactions and
 * db switches, expiry only through the primary's DELs, partial resync
 * after a broken link, chains, PSYNC2 after a promotion, WAIT, READONLY,
 * NOREPLICAS, MASTERDOWN, ROLE and FAILOVER. Every wait polls observable
 * state with a generous cap.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import type { ServerHandle } from '../../src/index.js';
import { freePort, startNodis } from '../helpers/servers.js';
import { HAVE_OPENSSL, generateCerts, tlsConfig } from '../helpers/tls-certs.js';
import { RawClient } from '../helpers/resp.js';
import { pictureOverWire, sortedPicture } from '../helpers/keyspace.js';
import { B, ask, cmdOn, dataset, info, liveWrites, rawOn, rawReplicaSync, run, sleep, waitFor, waitSynced } from '../helpers/repl.js';

const open: ServerHandle[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmpdir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-repl-'));
  dirs.push(d);
  return d;
}

async function nodis(config: Record<string, string> = {}, port = 0): Promise<ServerHandle> {
  const s = await startNodis({ port, config: { 'repl-diskless-sync-delay': '0', dir: tmpdir(), ...config } });
  open.push(s);
  return s;
}

async function replicaOf(primary: ServerHandle, config: Record<string, string> = {}): Promise<ServerHandle> {
  return nodis({ replicaof: `127.0.0.1 ${primary.port}`, ...config });
}

async function sameKeyspace(a: number, b: number): Promise<void> {
  expect(sortedPicture(await pictureOverWire(b))).toEqual(sortedPicture(await pictureOverWire(a)));
}

describe('full synchronization', () => {
  for (const [label, primaryCfg, replicaCfg] of [
    ['diskless transfer, loaded from a temp file', { 'repl-diskless-sync': 'yes' }, {}],
    ['disk-based transfer ($<len>)', { 'repl-diskless-sync': 'no' }, {}],
    ['diskless transfer, repl-diskless-load swapdb', { 'repl-diskless-sync': 'yes' }, { 'repl-diskless-load': 'swapdb' }],
    ['disk-based transfer, repl-diskless-load on-empty-db', { 'repl-diskless-sync': 'no' }, { 'repl-diskless-load': 'on-empty-db' }],
  ] as const) {
    it(`${label}: dataset, then live writes`, async () => {
      const p = await nodis(primaryCfg);
      await run(p.port, dataset());
      const r = await replicaOf(p, replicaCfg);
      await waitSynced(p.port, [r.port]);
      await sameKeyspace(p.port, r.port);
      await run(p.port, liveWrites());
      await waitSynced(p.port, [r.port]);
      await sameKeyspace(p.port, r.port);
      // The replica follows the primary's replication id and offset.
      const [pi, ri] = [await info(p.port), await info(r.port)];
      expect(ri.master_replid).toBe(pi.master_replid);
      expect(ri.master_repl_offset).toBe(pi.master_repl_offset);
      expect((await info(p.port, 'stats')).sync_full).toBe('1');
      // The snapshot the sync started from counts as the primary's fork.
      expect((await info(p.port, 'stats')).total_forks).toBe('1');
    });
  }

  it('a replica that had data drops it for the primary dataset', async () => {
    const p = await nodis();
    await run(p.port, [['SET', 'from-primary', '1']]);
    const r = await nodis();
    await run(r.port, [['SET', 'stale', 'x'], ['SELECT', '3'], ['SET', 'stale3', 'y']]);
    expect(await rawOn(r.port, 'REPLICAOF', '127.0.0.1', String(p.port))).toBe('+OK\r\n');
    await waitSynced(p.port, [r.port]);
    await sameKeyspace(p.port, r.port);
  });

  it('the disk-based sync leaves the received RDB as dbfilename on the replica, with repl-* AUX fields', async () => {
    const p = await nodis({ 'repl-diskless-sync': 'no' });
    await run(p.port, [['SET', 'k', 'v']]);
    const r = await replicaOf(p);
    await waitSynced(p.port, [r.port]);
    const file = path.join(r.server.config.str('dir'), 'dump.rdb');
    const rdb = fs.readFileSync(file).latin1Slice();
    expect(rdb).toContain('repl-id');
    expect(rdb).toContain((await info(p.port)).master_replid);
    expect(rdb).toContain('repl-stream-db');
  });

  it('writes during the transfer reach the replica after the snapshot', async () => {
    // rdb-key-save-delay slows the snapshot so writes interleave with it.
    const p = await nodis({ 'rdb-key-save-delay': '2000' });
    const cmds: string[][] = [];
    for (let i = 0; i < 200; i++) cmds.push(['SET', `k${i}`, `v${i}`]);
    await run(p.port, cmds);
    const r = await replicaOf(p);
    await waitFor('the transfer to start', async () => (await info(p.port)).slave0?.includes('state=wait_bgsave') === true);
    // The transfer shows as an RDB save in progress, as Redis's child with socket target.
    expect((await info(p.port, 'persistence')).rdb_bgsave_in_progress).toBe('1');
    const writes: string[][] = [];
    for (let i = 0; i < 200; i += 2) writes.push(['SET', `k${i}`, `new${i}`], ['DEL', `k${i + 1}`]);
    writes.push(['SET', 'added', 'during sync']);
    await run(p.port, writes);
    await p.server.config.set('rdb-key-save-delay', '0');
    await waitSynced(p.port, [r.port]);
    await sameKeyspace(p.port, r.port);
    expect(await rawOn(r.port, 'GET', 'added')).toBe('$11\r\nduring sync\r\n');
  });
});

describe('authentication', () => {
  it('masterauth with requirepass, masteruser with an ACL user; a wrong password keeps the link down', async () => {
    const p = await nodis({ requirepass: `pw${B}` });
    await run(p.port, [['AUTH', `pw${B}`], ['ACL', 'SETUSER', 'repl', 'on', '>replpw', '+psync', '+replconf', '+ping']]);
    const r1 = await replicaOf(p, { masterauth: `pw${B}` });
    const r2 = await replicaOf(p, { masteruser: 'repl', masterauth: 'replpw' });
    const r3 = await replicaOf(p, { masterauth: 'wrong' });
    const offsets = async (port: number): Promise<string> => {
      const c = await RawClient.connect(port);
      try {
        await c.call('AUTH', Buffer.from(`pw${B}`, 'latin1'));
        const text = (await c.call('INFO', 'replication')).latin1Slice();
        return /master_repl_offset:(\d+)/.exec(text)![1];
      } finally {
        c.close();
      }
    };
    await waitFor('authenticated replicas to sync', async () => {
      const want = await offsets(p.port);
      const i1 = await info(r1.port);
      const i2 = await info(r2.port);
      return i1.master_link_status === 'up' && i2.master_link_status === 'up' && i1.slave_repl_offset === want && i2.slave_repl_offset === want;
    });
    await sleep(300);
    expect((await info(r3.port)).master_link_status).toBe('down');
  });
});

describe('the replica keyspace', () => {
  it('expired keys stay until the primary deletes them', async () => {
    const p = await nodis();
    const r = await replicaOf(p);
    await waitSynced(p.port, [r.port]);
    p.server.activeExpireEnabled = false;
    await run(p.port, [['SET', `short${B}`, 'v', 'PX', '50'], ['SET', 'other', 'x']]);
    await waitSynced(p.port, [r.port]);
    await sleep(150);
    // Logically expired on the replica, but only the primary's DEL removes it.
    expect(await rawOn(r.port, 'GET', `short${B}`)).toBe('$-1\r\n');
    expect(await rawOn(r.port, 'DBSIZE')).toBe(':2\r\n');
    await sleep(200);
    expect(await rawOn(r.port, 'DBSIZE')).toBe(':2\r\n');
    // An access on the primary expires it and propagates the DEL.
    expect(await rawOn(p.port, 'GET', `short${B}`)).toBe('$-1\r\n');
    await waitSynced(p.port, [r.port]);
    expect(await rawOn(r.port, 'DBSIZE')).toBe(':1\r\n');
  });

  it('READONLY on a read-only replica; replica-read-only no takes local writes', async () => {
    const p = await nodis();
    const r = await replicaOf(p);
    await waitSynced(p.port, [r.port]);
    expect(await rawOn(r.port, 'SET', 'x', '1')).toBe("-READONLY You can't write against a read only replica.\r\n");
    const c = await RawClient.connect(r.port);
    expect(await c.callStr('MULTI')).toBe('+OK\r\n');
    expect(await c.callStr('INCR', 'x')).toBe("-READONLY You can't write against a read only replica.\r\n");
    expect(await c.callStr('EXEC')).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    expect(await c.callStr('GET', 'x')).toBe('$-1\r\n');
    expect(await c.callStr('CONFIG', 'SET', 'replica-read-only', 'no')).toBe('+OK\r\n');
    expect(await c.callStr('SET', 'x', '1')).toBe('+OK\r\n');
    c.close();
  });

  it("a writable replica expires the keys its own clients gave a TTL, not the primary's", async () => {
    const p = await nodis();
    const r = await replicaOf(p, { 'replica-read-only': 'no' });
    await waitSynced(p.port, [r.port]);
    p.server.activeExpireEnabled = false;
    await run(p.port, [['SET', 'from-primary', 'v', 'PX', '50']]);
    await waitSynced(p.port, [r.port]);
    await run(r.port, [['SET', `local${B}`, 'v', 'PX', '50'], ['SET', 'local2', 'v', 'PX', '50']]);
    expect((await info(r.port, 'stats')).slave_expires_tracked_keys).toBe('2');
    await waitFor('the local keys to expire', async () => (await rawOn(r.port, 'DBSIZE')) === ':1\r\n');
    expect((await info(r.port, 'stats')).slave_expires_tracked_keys).toBe('0');
    // The primary's key is logically expired but stays until the primary deletes it;
    // a write on the writable replica may delete and re-create it.
    expect(await rawOn(r.port, 'EXISTS', 'from-primary')).toBe(':0\r\n');
    expect(await rawOn(r.port, 'INCR', 'from-primary')).toBe(':1\r\n');
    expect(await rawOn(r.port, 'TTL', 'from-primary')).toBe(':-1\r\n');
  });

  it('MASTERDOWN with replica-serve-stale-data no while the link is down', async () => {
    const p = await nodis();
    const r = await replicaOf(p, { 'replica-serve-stale-data': 'no' });
    await waitSynced(p.port, [r.port]);
    expect(await rawOn(r.port, 'GET', 'x')).toBe('$-1\r\n');
    await p.close();
    open.splice(open.indexOf(p), 1);
    await waitFor('the link to go down', async () => (await info(r.port)).master_link_status === 'down');
    expect(await rawOn(r.port, 'GET', 'x')).toBe(
      "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n",
    );
    // Commands flagged stale still run (PING is not one of them).
    expect(await rawOn(r.port, 'PING')).toBe(
      "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n",
    );
    expect(await rawOn(r.port, 'CONFIG', 'GET', 'replica-serve-stale-data')).toBe(
      '*2\r\n$24\r\nreplica-serve-stale-data\r\n$2\r\nno\r\n',
    );
    const ri = await info(r.port);
    expect(Number(ri.master_link_down_since_seconds)).toBeGreaterThanOrEqual(0);
  });
});

describe('partial resynchronization', () => {
  it('a replica whose link is killed continues with +CONTINUE', async () => {
    const p = await nodis();
    await run(p.port, dataset());
    const r = await replicaOf(p);
    await waitSynced(p.port, [r.port]);
    expect(await rawOn(r.port, 'CLIENT', 'KILL', 'TYPE', 'master')).toBe(':1\r\n');
    await run(p.port, liveWrites());
    await waitSynced(p.port, [r.port]);
    await sameKeyspace(p.port, r.port);
    const stats = await info(p.port, 'stats');
    expect(stats.sync_full).toBe('1');
    expect(stats.sync_partial_ok).toBe('1');
  });

  it('a replica dropped by the primary continues from the backlog', async () => {
    const p = await nodis();
    const r = await replicaOf(p);
    await waitSynced(p.port, [r.port]);
    await run(p.port, [['SET', 'before', '1']]);
    expect(await rawOn(p.port, 'CLIENT', 'KILL', 'TYPE', 'replica')).toBe(':1\r\n');
    await run(p.port, [['SET', 'while-down', '2'], ['SELECT', '4'], ['SET', 'in4', '4']]);
    await waitSynced(p.port, [r.port]);
    await sameKeyspace(p.port, r.port);
    expect((await info(p.port, 'stats')).sync_partial_ok).toBe('1');
  });

  it('replicas and a chained replica whose links keep breaking under writes end identical', async () => {
    // A small backlog: whether a reconnecting replica continues or resyncs
    // in full depends on how far behind the others are; either way the
    // data must arrive whole and in order, from the shared buffer's blocks.
    const p = await nodis({ 'repl-backlog-size': '16384' });
    const r1 = await replicaOf(p);
    const r2 = await replicaOf(p);
    const chained = await replicaOf(r1);
    await waitSynced(p.port, [r1.port, r2.port]);
    await waitSynced(r1.port, [chained.port]);
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    // r2's link is never broken: a stream that lost or garbled a byte would
    // make it (or r1) reconnect, which the primary's sync count shows.
    const links = [r1, chained];
    let r1Kills = 0;
    for (let round = 0; round < 8; round++) {
      const cmds: string[][] = [];
      for (let i = 0; i < 40; i++) {
        const size = rand(4) === 0 ? 30000 + rand(30000) : rand(300);
        cmds.push(['SET', `k${rand(50)}${B}`, String.fromCharCode(128 + rand(128)).repeat(size)]);
        if (rand(5) === 0) cmds.push(['APPEND', `log${B}`, `${round}:${i},`]);
      }
      const writes = run(p.port, cmds);
      // A link breaks while the writes stream.
      const which = rand(2);
      const killed = await rawOn(links[which].port, 'CLIENT', 'KILL', 'TYPE', 'master');
      if (which === 0 && killed === ':1\r\n') r1Kills++;
      await writes;
    }
    await waitSynced(p.port, [r1.port, r2.port]);
    await waitSynced(r1.port, [chained.port]);
    await sameKeyspace(p.port, r1.port);
    await sameKeyspace(p.port, r2.port);
    await sameKeyspace(p.port, chained.port);
    const stats = await info(p.port, 'stats');
    expect(r1Kills).toBeGreaterThan(0);
    expect(Number(stats.sync_full) + Number(stats.sync_partial_ok)).toBe(2 + r1Kills);
  });

  it('a replica too far behind for the backlog needs a full sync', async () => {
    const p = await nodis({ 'repl-backlog-size': '16384' });
    const r = await replicaOf(p);
    await waitSynced(p.port, [r.port]);
    await cmdOn(r.port, 'REPLICAOF', 'NO', 'ONE');
    await run(p.port, [['SET', 'big', 'x'.repeat(40000)]]);
    await cmdOn(r.port, 'REPLICAOF', '127.0.0.1', String(p.port));
    await waitSynced(p.port, [r.port]);
    await sameKeyspace(p.port, r.port);
    const stats = await info(p.port, 'stats');
    expect(stats.sync_full).toBe('2');
    expect(stats.sync_partial_err).toBe('1');
    expect(Number(stats.total_net_repl_output_bytes)).toBeGreaterThan(0);
    expect(Number((await info(r.port, 'stats')).total_net_repl_input_bytes)).toBeGreaterThan(0);
    // CONFIG RESETSTAT clears the replication counters too.
    await cmdOn(p.port, 'CONFIG', 'RESETSTAT');
    expect((await info(p.port, 'stats')).sync_full).toBe('0');
  });

  it('PSYNC2: after a promotion the other replicas continue with the new primary', async () => {
    const p = await nodis();
    await run(p.port, dataset());
    const a = await replicaOf(p);
    const b = await replicaOf(p);
    await waitSynced(p.port, [a.port, b.port]);
    const oldId = (await info(p.port)).master_replid;
    expect(await rawOn(a.port, 'REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    const ai = await info(a.port);
    expect(ai.role).toBe('master');
    expect(ai.master_replid2).toBe(oldId);
    expect(Number(ai.second_repl_offset)).toBe(Number(ai.master_repl_offset) + 1);
    expect(await rawOn(b.port, 'REPLICAOF', '127.0.0.1', String(a.port))).toBe('+OK\r\n');
    await run(a.port, [['SET', 'after-promotion', '1']]);
    await waitSynced(a.port, [b.port]);
    await sameKeyspace(a.port, b.port);
    const stats = await info(a.port, 'stats');
    expect(stats.sync_full).toBe('0');
    expect(stats.sync_partial_ok).toBe('1');
    expect((await info(b.port)).master_replid).toBe((await info(a.port)).master_replid);
    // The old primary demoted to a replica of the new one continues too.
    expect(await rawOn(p.port, 'REPLICAOF', '127.0.0.1', String(a.port))).toBe('+OK\r\n');
    await waitSynced(a.port, [p.port, b.port]);
    await sameKeyspace(a.port, p.port);
    expect((await info(a.port, 'stats')).sync_partial_ok).toBe('2');
  });
});

describe('restarts', () => {
  it('a replica restarted from its RDB continues with PSYNC', async () => {
    const p = await nodis();
    await run(p.port, dataset());
    const dir = tmpdir();
    let r = await replicaOf(p, { dir });
    await waitSynced(p.port, [r.port]);
    // The RDB records the primary's replid and the offset the replica reached.
    expect(await rawOn(r.port, 'SAVE')).toBe('+OK\r\n');
    await r.close();
    open.splice(open.indexOf(r), 1);
    await run(p.port, liveWrites());
    r = await replicaOf(p, { dir });
    const ri = await info(r.port);
    expect(ri.master_replid).toBe((await info(p.port)).master_replid);
    await waitSynced(p.port, [r.port]);
    await sameKeyspace(p.port, r.port);
    const stats = await info(p.port, 'stats');
    expect(stats.sync_full).toBe('1');
    expect(stats.sync_partial_ok).toBe('1');
  });

  it('a primary restarted from its RDB keeps its history as replid2; its replica continues', async () => {
    const dir = tmpdir();
    let p = await nodis({ dir });
    await run(p.port, dataset());
    const r = await replicaOf(p);
    await waitSynced(p.port, [r.port]);
    const port = p.port;
    const before = await info(p.port);
    await run(p.port, [['SET', 'expires-while-down', 'v', 'PX', '100']]);
    await waitSynced(p.port, [r.port]);
    expect(await rawOn(p.port, 'SAVE')).toBe('+OK\r\n');
    await p.close();
    open.splice(open.indexOf(p), 1);
    await sleep(200);
    p = await startNodis({ port, config: { dir, 'repl-diskless-sync-delay': '0' } });
    open.push(p);
    const pi = await info(p.port);
    expect(pi.master_replid2).toBe(before.master_replid);
    expect(pi.master_replid).not.toBe(before.master_replid);
    await waitSynced(p.port, [r.port]);
    // The key that expired while the primary was down is deleted on the replica too.
    expect(await rawOn(r.port, 'DBSIZE')).toBe(await rawOn(p.port, 'DBSIZE'));
    await sameKeyspace(p.port, r.port);
    expect((await info(p.port, 'stats')).sync_partial_ok).toBe('1');
    expect((await info(r.port)).master_replid).toBe(pi.master_replid);
  });
});

describe('chained replication', () => {
  it('a three-node chain converges; the middle forwards the stream with the primary replid', async () => {
    const p = await nodis();
    await run(p.port, dataset());
    const mid = await replicaOf(p);
    const leaf = await replicaOf(mid);
    await waitSynced(p.port, [mid.port]);
    await waitSynced(mid.port, [leaf.port]);
    await run(p.port, liveWrites());
    await waitSynced(p.port, [mid.port, leaf.port]);
    await sameKeyspace(p.port, leaf.port);
    const [pi, mi, li] = [await info(p.port), await info(mid.port), await info(leaf.port)];
    expect(mi.master_replid).toBe(pi.master_replid);
    expect(li.master_replid).toBe(pi.master_replid);
    expect(li.master_repl_offset).toBe(pi.master_repl_offset);
    expect(mi.connected_slaves).toBe('1');
    // A sub-replica can't sync from a replica whose own link is down.
    await p.close();
    open.splice(open.indexOf(p), 1);
    await waitFor('the middle link to go down', async () => (await info(mid.port)).master_link_status === 'down');
    expect(await rawOn(mid.port, 'PSYNC', '?', '-1')).toBe("-NOMASTERLINK Can't SYNC while not connected with my master\r\n");
  });
});

describe('WAIT, min-replicas, ROLE, introspection', () => {
  it('WAIT counts the replicas that acknowledged the last write', async () => {
    const p = await nodis();
    const r = await replicaOf(p);
    await waitSynced(p.port, [r.port]);
    const c = await RawClient.connect(p.port);
    await c.callStr('SET', 'w', '1');
    expect(await c.callStr('WAIT', '1', '0')).toBe(':1\r\n');
    await c.callStr('SET', 'w', '2');
    // Two replicas never answer: the timeout ends the wait with the count so far.
    expect(await c.callStr('WAIT', '2', '200')).toBe(':1\r\n');
    expect(await c.callStr('WAIT', '0', '0')).toBe(':1\r\n');
    expect(await c.callStr('WAIT', 'x', '0')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await c.callStr('WAIT', '1', '-1')).toBe('-ERR timeout is negative\r\n');
    expect(await c.callStr('WAIT', '1', 'x')).toBe('-ERR timeout is not an integer or out of range\r\n');
    // A WAIT blocked forever is released by CLIENT UNBLOCK with the count.
    const id = (await c.callStr('CLIENT', 'ID')).slice(1, -2);
    c.write('*3\r\n$4\r\nWAIT\r\n$1\r\n5\r\n$1\r\n0\r\n');
    await waitFor('WAIT to block', async () => (await info(p.port, 'clients')).blocked_clients === '1');
    expect(await rawOn(p.port, 'CLIENT', 'UNBLOCK', id)).toBe(':1\r\n');
    expect((await c.readReply()).latin1Slice()).toBe(':1\r\n');
    c.close();
    expect(await rawOn(r.port, 'WAIT', '1', '0')).toMatch(/^-ERR WAIT cannot be used with replica instances/);
  });

  it('min-replicas-to-write refuses writes without enough good replicas', async () => {
    const p = await nodis({ 'min-replicas-to-write': '1', 'min-replicas-max-lag': '10' });
    expect(await rawOn(p.port, 'SET', 'x', '1')).toBe('-NOREPLICAS Not enough good replicas to write.\r\n');
    expect(await rawOn(p.port, 'GET', 'x')).toBe('$-1\r\n');
    const r = await replicaOf(p);
    await waitSynced(p.port, [r.port]);
    await waitFor('a good replica', async () => (await info(p.port)).min_slaves_good_slaves === '1');
    expect(await rawOn(p.port, 'SET', 'x', '1')).toBe('+OK\r\n');
  });

  it('ROLE on both sides and INFO replication fields', async () => {
    const p = await nodis();
    const r = await replicaOf(p, { 'replica-announce-ip': '10.1.2.3', 'replica-priority': '42' });
    await waitSynced(p.port, [r.port]);
    const pr = await cmdOn(p.port, 'ROLE');
    const offset = (await info(p.port)).master_repl_offset;
    expect(pr).toEqual({
      t: 'array',
      kind: '*',
      v: [
        { t: 'bulk', v: Buffer.from('master') },
        { t: 'int', v: BigInt(offset) },
        {
          t: 'array',
          kind: '*',
          v: [
            {
              t: 'array',
              kind: '*',
              v: [
                { t: 'bulk', v: Buffer.from('10.1.2.3') },
                { t: 'bulk', v: Buffer.from(String(r.port)) },
                expect.objectContaining({ t: 'bulk' }),
              ],
            },
          ],
        },
      ],
    });
    const rr = await rawOn(r.port, 'ROLE');
    expect(rr).toBe(`*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:${p.port}\r\n$9\r\nconnected\r\n:${(await info(r.port)).slave_repl_offset}\r\n`);
    const pi = await info(p.port);
    expect(pi.connected_slaves).toBe('1');
    expect(pi.slave0).toMatch(new RegExp(`^ip=10\\.1\\.2\\.3,port=${r.port},state=online,offset=\\d+,lag=\\d+$`));
    const ri = await info(r.port);
    expect(ri.role).toBe('slave');
    expect(ri.master_port).toBe(String(p.port));
    expect(ri.slave_priority).toBe('42');
    expect(ri.slave_read_only).toBe('1');
    // CLIENT LIST: the replica connection on the primary (S), the primary's on the replica (M).
    expect(await rawOn(p.port, 'CLIENT', 'LIST', 'TYPE', 'replica')).toMatch(/ flags=S /);
    expect(await rawOn(r.port, 'CLIENT', 'LIST', 'TYPE', 'master')).toMatch(/ flags=M .* user=\(superuser\)/);
    // HELLO reports the role.
    expect(await rawOn(r.port, 'HELLO')).toContain('$4\r\nrole\r\n$7\r\nreplica\r\n');
  });

  it("redis.set_repl(): a script's commands go to the AOF, the replicas, both or neither", async () => {
    const p = await nodis({ appendonly: 'yes', 'enable-debug-command': 'yes' });
    const r = await replicaOf(p);
    await waitSynced(p.port, [r.port]);
    const script = [
      "redis.call('set', 'a', '1')",
      'redis.set_repl(redis.REPL_NONE)',
      "redis.call('set', 'b', '2')",
      'redis.set_repl(redis.REPL_AOF)',
      "redis.call('set', 'c', '3')",
      'redis.set_repl(redis.REPL_REPLICA)',
      "redis.call('set', 'e\xff', '5')",
      'redis.set_repl(redis.REPL_ALL)',
      "redis.call('set', 'd', '4')",
    ].join('\n');
    for (const fn of ['EVAL', 'FCALL']) {
      await rawOn(p.port, 'FLUSHALL');
      if (fn === 'EVAL') {
        expect(await rawOn(p.port, 'EVAL', script, '0')).toBe('$-1\r\n');
      } else {
        const lib = `#!lua name=repl\nredis.register_function('f', function()\n${script}\nend)`;
        await rawOn(p.port, 'FUNCTION', 'LOAD', 'REPLACE', lib);
        expect(await rawOn(p.port, 'FCALL', 'f', '0')).toBe('$-1\r\n');
      }
      await waitSynced(p.port, [r.port]);
      const mget = ['MGET', 'a', 'b', 'c', 'd', 'e\xff'];
      const nil = '$-1\r\n';
      expect(await rawOn(r.port, ...mget)).toBe(`*5\r\n$1\r\n1\r\n${nil}${nil}$1\r\n4\r\n$1\r\n5\r\n`);
      expect(await rawOn(p.port, ...mget)).toBe('*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n');
      // Reloaded from the AOF, the primary has what was sent there.
      expect(await rawOn(p.port, 'DEBUG', 'LOADAOF')).toBe('+OK\r\n');
      expect(await rawOn(p.port, ...mget)).toBe(`*5\r\n$1\r\n1\r\n${nil}$1\r\n3\r\n$1\r\n4\r\n${nil}`);
    }
  });

  it('DEBUG REPLICATE: a command only the replicas run; the error it gets there is logged and counted', async () => {
    const dir = tmpdir();
    const logfile = path.join(dir, 'replica.log');
    const p = await nodis({ 'enable-debug-command': 'yes' });
    // verbose: the server logs to its logfile instead of the tests' silent logger.
    const r = await startNodis({ verbose: true, config: { dir, replicaof: `127.0.0.1 ${p.port}`, logfile, loglevel: 'warning' } });
    open.push(r);
    await waitSynced(p.port, [r.port]);
    expect(await rawOn(p.port, 'DEBUG', 'REPLICATE', 'fake-command-1', 'x\xff')).toBe('+OK\r\n');
    expect(await rawOn(p.port, 'DEBUG', 'REPLICATE', 'SET', 'only-on-replica', '1')).toBe('+OK\r\n');
    expect(await rawOn(p.port, 'DEBUG', 'REPLICATE')).toBe("-ERR unknown subcommand or wrong number of arguments for 'REPLICATE'. Try DEBUG HELP.\r\n");
    await rawOn(p.port, 'SET', 'foo', 'bar2');
    await waitSynced(p.port, [r.port]);
    expect(await rawOn(r.port, 'GET', 'only-on-replica')).toBe('$1\r\n1\r\n');
    expect(await rawOn(p.port, 'GET', 'only-on-replica')).toBe('$-1\r\n');
    expect((await info(r.port, 'stats')).unexpected_error_replies).toBe('1');
    const log = fs.readFileSync(logfile, 'latin1');
    expect(log).toContain("== CRITICAL == This replica is sending an error to its master: 'unknown command 'fake-command-1'");
    // What the CRITICAL line is followed by when the backlog holds something: its last bytes.
    expect(r.server.replicationChecks?.latestBacklog()).toMatch(/\*3\r\n\$3\r\nSET\r\n\$3\r\nfoo\r\n\$4\r\nbar2\r\n$/);
  });

  it('bind-source-addr is the local address of the link to the primary', async () => {
    const p = await nodis({ 'protected-mode': 'no' });
    const r = await nodis({ 'bind-source-addr': '127.0.0.2' });
    expect(await rawOn(r.port, 'REPLICAOF', '127.0.0.1', String(p.port))).toBe('+OK\r\n');
    await waitSynced(p.port, [r.port]);
    expect((await info(p.port)).slave0).toMatch(/^ip=127\.0\.0\.2,/);
    expect(await rawOn(p.port, 'CLIENT', 'LIST', 'TYPE', 'replica')).toMatch(/ addr=127\.0\.0\.2:\d+ /);
  });

  it('REPLICAOF replies and errors', async () => {
    const p = await nodis();
    const r = await nodis();
    expect(await rawOn(r.port, 'REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    expect(await rawOn(r.port, 'REPLICAOF', '127.0.0.1', '70000')).toBe('-ERR Invalid master port\r\n');
    expect(await rawOn(r.port, 'SLAVEOF', '127.0.0.1', String(p.port))).toBe('+OK\r\n');
    expect(await rawOn(r.port, 'REPLICAOF', '127.0.0.1', String(p.port))).toBe('+OK Already connected to specified master\r\n');
    expect(await rawOn(r.port, 'CONFIG', 'GET', 'replicaof')).toBe(`*2\r\n$9\r\nreplicaof\r\n$${String(p.port).length + 10}\r\n127.0.0.1 ${p.port}\r\n`);
    await waitSynced(p.port, [r.port]);
    expect(await rawOn(r.port, 'REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    expect(await rawOn(r.port, 'CONFIG', 'GET', 'replicaof')).toBe('*2\r\n$9\r\nreplicaof\r\n$0\r\n\r\n');
    expect((await info(r.port)).role).toBe('master');
    expect(await rawOn(p.port, 'REPLCONF', 'listening-port')).toBe('-ERR syntax error\r\n');
    expect(await rawOn(p.port, 'REPLCONF', 'foo', 'bar')).toBe('-ERR Unrecognized REPLCONF option: foo\r\n');
    expect(await rawOn(p.port, 'REPLCONF', 'listening-port', '1', 'capa', 'eof', 'capa', 'whatever')).toBe('+OK\r\n');
    expect(await rawOn(p.port, 'PSYNC', '?', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await rawOn(p.port, 'FAILOVER')).toBe('-ERR FAILOVER requires connected replicas.\r\n');
    expect(await rawOn(p.port, 'FAILOVER', 'ABORT')).toBe('-ERR No failover in progress.\r\n');
  });

  it('a raw PSYNC gets +FULLRESYNC, an EOF-marked RDB and then the stream', async () => {
    const p = await nodis();
    await run(p.port, [['SET', 'k', 'v']]);
    const c = await RawClient.connect(p.port);
    expect(await c.callStr('REPLCONF', 'capa', 'eof', 'capa', 'psync2')).toBe('+OK\r\n');
    c.write('PSYNC ? -1\r\n');
    await waitFor('the RDB', async () => {
      const s = c.pending().latin1Slice();
      const m = /^\+FULLRESYNC [0-9a-f]{40} (\d+)\r\n\$EOF:([0-9a-f]{40})\r\n/.exec(s);
      return m !== null && s.endsWith(m[2]);
    });
    const s = c.pending().latin1Slice();
    expect(s).toContain('REDIS0010');
    expect(s).toContain('repl-offset');
    // Nothing of the stream before the first ACK.
    await run(p.port, [['SET', 'after', '1']]);
    await sleep(100);
    expect(c.pending().latin1Slice()).toBe(s);
    c.write('REPLCONF ACK 0\r\n');
    await waitFor('the stream', async () => c.pending().latin1Slice().includes('$5\r\nafter\r\n'));
    // (PINGs of the cron may come first.)
    expect(c.pending().latin1Slice().slice(s.length).replace(/\*1\r\n\$4\r\nPING\r\n/g, '')).toBe(
      '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$5\r\nafter\r\n$1\r\n1\r\n',
    );
    c.close();
  });
});

describe('replication buffer', () => {
  /** INFO memory's replication figures, and the replicas' omem in CLIENT LIST. */
  async function figures(port: number): Promise<{ total: number; backlog: number; slaves: number; omem: number[]; histlen: number }> {
    const m = await info(port, 'memory');
    const r = await info(port, 'replication');
    const l = await cmdOn(port, 'CLIENT', 'LIST', 'TYPE', 'replica');
    const list = l.t === 'bulk' && l.v !== null ? l.v.latin1Slice() : '';
    return {
      total: Number(m.mem_total_replication_buffers),
      backlog: Number(m.mem_replication_backlog),
      slaves: Number(m.mem_clients_slaves),
      omem: [...list.matchAll(/ omem=(\d+)/g)].map((x) => Number(x[1])),
      histlen: Number(r.repl_backlog_histlen),
    };
  }

  /** 8 MB of SETs with binary keys: more than loopback socket buffers take from a replica that does not read. */
  async function write8mb(port: number, tag: string): Promise<void> {
    const value = `${B}`.repeat(21846).slice(0, 65536);
    const cmds: string[][] = [];
    for (let i = 0; i < 128; i++) cmds.push(['SET', `big${tag}${i}${B}`, value]);
    await run(port, cmds);
  }

  async function onlineReplicas(port: number, n: number): Promise<void> {
    await waitFor(`${n} replicas online`, async () => {
      const r = await info(port, 'replication');
      return Object.keys(r).filter((k) => /^slave\d+$/.test(k) && r[k].includes('state=online')).length === n;
    });
  }

  it("is one block list: a replica's unsent stream is its range of it, freed once it goes", async () => {
    const p = await nodis({ 'repl-backlog-size': '16kb' });
    const c = await RawClient.connect(p.port);
    await rawReplicaSync(c, p.port);
    await run(p.port, [['SET', `k${B}`, 'v']]);
    await waitFor('the write sent', async () => c.pending().latin1Slice().includes(`k${B}`));
    // One block: 16 KB rounded up to jemalloc's 20 KB class, with its list
    // node; the replica, sent everything, is in it. Beyond the backlog size
    // it counts as the replica's (mem_clients_slaves), as in Redis.
    let f = await figures(p.port);
    expect(f.total).toBe(20504);
    expect(f.omem).toEqual([20504]);
    expect(f.backlog).toBe(16384 + 4);
    expect(f.slaves).toBe(20504 - 16384);
    c.pauseReading();
    await write8mb(p.port, 'a');
    await waitFor('the unsent stream counted', async () => (await figures(p.port)).omem[0] > 1024 * 1024, 10_000);
    f = await figures(p.port);
    // The backlog cannot drop what the replica has yet to be sent.
    expect(f.histlen).toBeGreaterThan(1024 * 1024);
    expect(f.total).toBeGreaterThanOrEqual(f.omem[0]);
    expect(f.slaves).toBe(f.total - 16384);
    c.close();
    await waitFor('the replica gone', async () => (await info(p.port)).connected_slaves === '0', 10_000);
    // Blocks nobody needs are freed (by the cron, 640 at a time): back to
    // the backlog's size plus at most two blocks, all the backlog's.
    await waitFor('the buffer trimmed', async () => (await figures(p.port)).total <= 16384 + 2 * 20504, 10_000);
    f = await figures(p.port);
    expect(f.slaves).toBe(0);
    expect(f.backlog).toBe(f.total + 4);
  });

  it('a replica that stops reading is sent the rest, byte for byte, once it reads again', async () => {
    const p = await nodis({ 'repl-backlog-size': '16kb' });
    const c = await RawClient.connect(p.port);
    await rawReplicaSync(c, p.port);
    const base = c.pending().length;
    const off0 = Number((await info(p.port)).master_repl_offset);
    c.pauseReading();
    await write8mb(p.port, 'r');
    // Held in the buffer's blocks beyond what the socket took.
    await waitFor('the replica behind', async () => (await figures(p.port)).omem[0] > 1024 * 1024, 10_000);
    const end = Number((await info(p.port)).master_repl_offset);
    c.resumeReading();
    await waitFor('the whole stream', async () => c.pending().length - base >= end - off0, 20_000);
    const stream = c.pending().subarray(base).latin1Slice();
    expect(stream.length).toBe(end - off0);
    const value = `${B}`.repeat(21846).slice(0, 65536);
    let expected = '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n';
    for (let i = 0; i < 128; i++) {
      const key = `bigr${i}${B}`;
      expected += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$65536\r\n${value}\r\n`;
    }
    // (A cron PING may fall between two SETs.)
    expect(stream.replace(/\*1\r\n\$4\r\nPING\r\n/g, '')).toBe(expected);
    // Sent everything: the replica's range is the last block again.
    await waitFor('the buffer trimmed', async () => (await figures(p.port)).omem[0] <= 20504 * 2, 10_000);
    c.close();
  });

  it('two replicas behind by the same bytes share them: the buffer does not double, nor shrink when one goes', async () => {
    const p = await nodis({ 'repl-backlog-size': '16kb' });
    const r1 = await RawClient.connect(p.port);
    await rawReplicaSync(r1, p.port);
    const r2 = await RawClient.connect(p.port);
    const ok = await r2.callStr('REPLCONF', 'capa', 'eof', 'capa', 'psync2');
    expect(ok).toBe('+OK\r\n');
    r2.write('PSYNC ? -1\r\n');
    await waitFor('the RDB', async () => /\$EOF:([0-9a-f]{40})\r\n[^]*\1$/.test(r2.pending().latin1Slice()));
    r2.write('REPLCONF ACK 0\r\n');
    await onlineReplicas(p.port, 2);
    r1.pauseReading();
    r2.pauseReading();
    await write8mb(p.port, 'b');
    await waitFor('both behind', async () => (await figures(p.port)).omem.every((m) => m > 1024 * 1024), 10_000);
    const f = await figures(p.port);
    expect(f.omem.length).toBe(2);
    // Each replica's range is counted in full, but held once.
    expect(f.total).toBeLessThan(f.omem[0] + f.omem[1]);
    expect(f.total).toBeLessThan(9 * 1024 * 1024);
    r1.close();
    await waitFor('one replica left', async () => (await info(p.port)).connected_slaves === '1', 10_000);
    // The other one still needs its range: nothing is freed.
    const after = await figures(p.port);
    expect(after.total).toBeGreaterThanOrEqual(Math.min(...f.omem));
    r2.close();
  });

  it('a lagging replica keeps the backlog past its size, so a replica that lost its link continues from there', async () => {
    const p = await nodis({ 'repl-backlog-size': '16kb' });
    const lagging = await RawClient.connect(p.port);
    await rawReplicaSync(lagging, p.port);
    lagging.pauseReading();
    // Far enough behind that its socket takes no more.
    await write8mb(p.port, 'lag');
    await waitFor('the replica behind', async () => (await figures(p.port)).omem[0] > 1024 * 1024, 10_000);
    const r = await info(p.port, 'replication');
    const replid = r.master_replid;
    const from = Number(r.master_repl_offset) + 1;
    // 1 MB after that offset, 64 times the backlog's size.
    const value = `${B}`.repeat(21846).slice(0, 65536);
    const cmds: string[][] = [];
    for (let i = 0; i < 16; i++) cmds.push(['SET', `more${i}${B}`, value]);
    await run(p.port, cmds);
    const end = Number((await info(p.port, 'replication')).master_repl_offset);
    expect(Number((await info(p.port, 'replication')).repl_backlog_first_byte_offset)).toBeLessThanOrEqual(from);
    const cont = await RawClient.connect(p.port);
    expect(await cont.callStr('REPLCONF', 'capa', 'eof', 'capa', 'psync2')).toBe('+OK\r\n');
    cont.write(`PSYNC ${replid} ${from}\r\n`);
    const head = `+CONTINUE ${replid}\r\n`;
    await waitFor('the stream from the offset', async () => cont.pending().length >= head.length + (end - from + 1), 10_000);
    const got = cont.pending();
    expect(got.subarray(0, head.length).latin1Slice()).toBe(head);
    const stream = got.subarray(head.length).latin1Slice();
    // Exactly the stream since `from`: the 16 SETs, whole (and any PING of the cron).
    expect(stream.length).toBe(end - from + 1);
    expect(stream.replace(/\*1\r\n\$4\r\nPING\r\n/g, '').startsWith(`*3\r\n$3\r\nSET\r\n$${`more0${B}`.length}\r\nmore0${B}\r\n$65536\r\n`)).toBe(true);
    expect(stream.split('\r\nSET\r\n').length - 1).toBe(16);
    expect((await info(p.port, 'stats')).sync_partial_ok).toBe('1');
    cont.close();
    // Without the lagging replica, the same request is beyond the backlog.
    lagging.close();
    await waitFor('the backlog trimmed', async () => Number((await info(p.port, 'replication')).repl_backlog_histlen) < 64 * 1024, 10_000);
    const late = await RawClient.connect(p.port);
    expect(await late.callStr('REPLCONF', 'capa', 'eof', 'capa', 'psync2')).toBe('+OK\r\n');
    late.write(`PSYNC ${replid} ${from}\r\n`);
    await waitFor('a full resync', async () => late.pending().latin1Slice().startsWith('+FULLRESYNC'));
    late.close();
  });
});

describe.skipIf(!HAVE_OPENSSL)('tls-replication', () => {
  it('a replica syncs and streams over TLS from the primary tls-port', async () => {
    const certs = generateCerts();
    try {
      const tlsPort = await freePort();
      // With a tls-port, port 0 would mean no TCP listener.
      const p = await nodis(tlsConfig(certs, tlsPort), await freePort());
      await run(p.port, dataset());
      const r = await nodis(
        { ...tlsConfig(certs, await freePort()), 'tls-replication': 'yes', replicaof: `127.0.0.1 ${tlsPort}` },
        await freePort(),
      );
      await waitSynced(p.port, [r.port]);
      await run(p.port, liveWrites());
      await waitSynced(p.port, [r.port]);
      await sameKeyspace(p.port, r.port);
      // The replica announces its TLS port as its listening port.
      expect((await info(p.port)).slave0).toContain(`port=${r.server.config.num('tls-port')},state=online`);
    } finally {
      certs.remove();
    }
  });
});

describe('pub/sub', () => {
  it("PUBLISH reaches the replicas' subscribers and stays out of the AOF", async () => {
    const p = await nodis({ appendonly: 'yes' });
    const r = await replicaOf(p);
    await waitSynced(p.port, [r.port]);
    const sub = await RawClient.connect(r.port);
    await sub.call('SUBSCRIBE', `ch${B}`);
    expect(await rawOn(p.port, 'PUBLISH', `ch${B}`, `msg${B}`)).toBe(':0\r\n');
    expect((await sub.readReply()).latin1Slice()).toBe(`*3\r\n$7\r\nmessage\r\n$5\r\nch${B}\r\n$6\r\nmsg${B}\r\n`);
    await run(p.port, [['MULTI'], ['SET', 'k', 'v'], ['PUBLISH', `ch${B}`, 'in-multi'], ['EXEC']]);
    expect((await sub.readReply()).latin1Slice()).toBe(`*3\r\n$7\r\nmessage\r\n$5\r\nch${B}\r\n$8\r\nin-multi\r\n`);
    sub.close();
    await waitSynced(p.port, [r.port]);
    expect(await rawOn(r.port, 'GET', 'k')).toBe('$1\r\nv\r\n');
    const aofDir = path.join(p.server.config.str('dir'), 'appendonlydir');
    await waitFor('the AOF to hold the SET', async () =>
      fs.readdirSync(aofDir).some((f) => fs.readFileSync(path.join(aofDir, f), 'latin1').includes('$1\r\nk\r\n')),
    );
    for (const f of fs.readdirSync(aofDir)) expect(fs.readFileSync(path.join(aofDir, f), 'latin1')).not.toMatch(/PUBLISH/i);
  });
});

describe('FAILOVER', () => {
  it('hands the primary role to a caught-up replica, which continues with the same data', async () => {
    const p = await nodis();
    await run(p.port, dataset());
    const r = await replicaOf(p);
    await waitSynced(p.port, [r.port]);
    expect(await rawOn(p.port, 'FAILOVER', 'TO', '127.0.0.1', String(r.port))).toBe('+OK\r\n');
    await waitFor('the roles to swap', async () => (await info(r.port)).role === 'master' && (await info(p.port)).role === 'slave');
    await waitFor('the failover to end', async () => (await info(p.port)).master_failover_state === 'no-failover');
    await waitSynced(r.port, [p.port]);
    await run(r.port, [['SET', 'on-new-primary', '1']]);
    await waitSynced(r.port, [p.port]);
    await sameKeyspace(r.port, p.port);
    expect((await info(r.port, 'stats')).sync_partial_ok).toBe('1');
  });
});

describe('clients of a replication setup', () => {
  it('ioredis reads from a replica what it wrote to the primary', async () => {
    const p = await nodis();
    const r = await replicaOf(p);
    await waitSynced(p.port, [r.port]);
    const w = new Redis(p.port, { lazyConnect: true });
    const rd = new Redis(r.port, { lazyConnect: true });
    try {
      await w.connect();
      await rd.connect();
      await w.set(Buffer.from(`k${B}`, 'latin1'), Buffer.from(`v${B}`, 'latin1'));
      expect(await w.wait(1, 5000)).toBe(1);
      expect((await rd.getBuffer(Buffer.from(`k${B}`, 'latin1')))!.latin1Slice()).toBe(`v${B}`);
      await expect(rd.set('x', '1')).rejects.toThrow(/READONLY/);
    } finally {
      w.disconnect();
      rd.disconnect();
    }
    void ask;
  });
});
