/**
 * The shared replication buffer against redis-server: with one replica
 * that reads everything, the blocks' figures (INFO memory), the backlog's
 * span (INFO replication) and the replica's omem/oll (CLIENT LIST) follow
 * the same block sizes, trimming and accounting as the stream grows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';
import { B, cmdOn, info, rawReplicaSync, run, waitFor } from '../helpers/repl.js';

warnIfNoRedis('diff/replication-buffer');

/** The figures compared. */
async function figures(port: number): Promise<Record<string, string>> {
  const m = await info(port, 'memory');
  const r = await info(port, 'replication');
  const l = await cmdOn(port, 'CLIENT', 'LIST', 'TYPE', 'replica');
  const list = l.t === 'bulk' && l.v !== null ? l.v.latin1Slice() : '';
  return {
    mem_total_replication_buffers: m.mem_total_replication_buffers,
    mem_replication_backlog: m.mem_replication_backlog,
    mem_clients_slaves: m.mem_clients_slaves,
    master_repl_offset: r.master_repl_offset,
    repl_backlog_first_byte_offset: r.repl_backlog_first_byte_offset,
    repl_backlog_histlen: r.repl_backlog_histlen,
    oll: / oll=(\d+)/.exec(list)?.[1] ?? '?',
    omem: / omem=(\d+)/.exec(list)?.[1] ?? '?',
  };
}

describe.skipIf(!HAVE_REDIS)('differential: the shared replication buffer', () => {
  let d: DiffPair;
  // No PING in the stream while the test runs: both streams carry the same bytes.
  const settings = ['repl-diskless-sync-delay', '0', 'repl-ping-replica-period', '3600', 'repl-backlog-size', '16384'];
  beforeAll(async () => {
    const conf: Record<string, string> = {};
    for (let i = 0; i < settings.length; i += 2) conf[settings[i]] = settings[i + 1];
    d = await DiffPair.start(
      settings.map((s, i) => (i % 2 === 0 ? `--${s}` : s)),
      conf,
    );
  });
  afterAll(async () => {
    await d?.close();
  });

  it('blocks, backlog span and the replica figures as the stream grows', async () => {
    const ports = [d.nodis.port, d.redis.port];
    // A primary PINGs its replicas on its first replication cron, then
    // every repl-ping-replica-period (an hour here): the replicas attach
    // after both servers' first one, so neither stream carries a PING.
    await Promise.all(
      ports.map((p) => waitFor('the first replication cron', async () => Number((await info(p, 'server')).uptime_in_seconds) >= 2)),
    );
    const replicas = await Promise.all(ports.map((p) => RawClient.connect(p)));
    await Promise.all(replicas.map((c, i) => rawReplicaSync(c, ports[i])));
    const base = replicas.map((c) => c.pending().length);
    const off0 = await Promise.all(ports.map(async (p) => Number((await info(p)).master_repl_offset)));
    // Values of every size class a block meets: small ones filling a block,
    // ones spanning two, one larger than a block; binary bytes throughout.
    // Then steady small writes, so the backlog's length passes through every
    // phase of trimming (just under, at and over its size plus a block).
    const sizes = [10, 300, 5000, 16000, 30000, 1, 20440, 70000, 100, 3000, ...Array<number>(30).fill(2500)];
    let step = 0;
    const rounds: Array<[string | null, number[]]> = [
      [null, sizes],
      // A backlog of 1 MB: blocks up to a sixteenth of it (64 KB).
      ['1048576', [70000, 200000, 10, 65000, 3000]],
      // Shrunk back: trimmed to it.
      ['16384', [10]],
    ];
    for (const [backlog, list] of rounds) {
      if (backlog !== null) await Promise.all(ports.map((p) => cmdOn(p, 'CONFIG', 'SET', 'repl-backlog-size', backlog)));
      for (const size of list) {
        const value = String.fromCharCode(0x80 + (step % 128)).repeat(size);
        await Promise.all(ports.map((p) => run(p, [['SET', `k${step}${B}`, value]])));
        step++;
        // Each replica has been sent the whole stream: its cursor is in the last block.
        for (let i = 0; i < 2; i++) {
          const want = Number((await info(ports[i])).master_repl_offset) - off0[i];
          await waitFor('the stream sent', async () => replicas[i].pending().length - base[i] === want);
        }
        const [n, r] = await Promise.all(ports.map(figures));
        expect(n, `after a SET of ${size} bytes`).toEqual(r);
      }
    }
    for (const c of replicas) c.close();
  });
});
