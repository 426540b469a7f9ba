/**
 * A primary's shutdown waits for lagging replicas (Redis 7.0's
 * shutdown-timeout): SHUTDOWN blocks, writes pause, the replicas are asked
 * for an ACK, and the shutdown completes once they acknowledge the whole
 * stream or the timeout passes; SHUTDOWN ABORT cancels it and the blocked
 * SHUTDOWN clients get an error. The replica here is a raw connection that
 * acknowledges only what the test tells it to.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/index.js';
import { startNodis } from '../helpers/servers.js';
import { shutdownOnSignal } from '../../src/commands/shutdown.js';
import { RawClient } from '../helpers/resp.js';
import { capturingLogger } from '../helpers/logs.js';
import { B, info, rawReplicaSync, waitFor } from '../helpers/repl.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

interface Primary {
  h: ServerHandle;
  lines: string[];
  exited: Promise<number>;
}

async function primary(config: Record<string, string> = {}): Promise<Primary> {
  const lines: string[] = [];
  const h = await startNodis({ logger: capturingLogger(lines, 'info'), config: { 'repl-diskless-sync-delay': '0', save: '', ...config } });
  cleanups.push(() => h.close());
  const exited = new Promise<number>((resolve) => {
    h.server.exitProcess = (code) => resolve(code);
  });
  return { h, lines, exited };
}

async function raw(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  cleanups.push(() => c.close());
  return c;
}

/** A replica that synced and acknowledged offset 0, then a write it does not acknowledge until told. */
async function laggingReplica(port: number): Promise<RawClient> {
  const r = await raw(port);
  expect(await r.callStr('REPLCONF', 'listening-port', '12345')).toBe('+OK\r\n');
  await rawReplicaSync(r, port);
  const w = await raw(port);
  expect(await w.callStr('SET', `lag${B}`, `x${B}`)).toBe('+OK\r\n');
  await waitFor('the write streamed', async () => r.pending().latin1Slice().includes(`lag${B}`));
  expect(Number(await field(port, 'replication', 'master_repl_offset'))).toBeGreaterThan(0);
  return r;
}

async function field(port: number, section: string, name: string): Promise<string | undefined> {
  return (await info(port, section))[name];
}

function clientField(list: string, name: string, key: string): string | undefined {
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  return line === undefined ? undefined : new RegExp(`(?:^| )${key}=(\\S*)`).exec(line)?.[1];
}

describe('shutdown with lagging replicas', () => {
  it('SHUTDOWN blocks and pauses writes; ABORT answers the blocked clients; an ACK of the whole stream completes it', async () => {
    const { h, lines, exited } = await primary();
    const port = h.port;
    const writer = await raw(port);
    expect(await writer.callStr('SET', `k${B}`, `v${B}`)).toBe('+OK\r\n');
    const replica = await laggingReplica(port);

    const first = await raw(port);
    const second = await raw(port);
    const admin = await raw(port);
    expect(await first.callStr('CLIENT', 'SETNAME', 'first')).toBe('+OK\r\n');
    first.write('*1\r\n$8\r\nSHUTDOWN\r\n');
    await waitFor('the first SHUTDOWN blocked', async () => (await field(port, 'clients', 'blocked_clients')) === '1');
    second.write('*1\r\n$8\r\nshutdown\r\n');
    await waitFor('the second SHUTDOWN blocked', async () => (await field(port, 'clients', 'blocked_clients')) === '2');
    const list = (await admin.callStr('CLIENT', 'LIST')).toString();
    expect(clientField(list, 'first', 'flags')).toBe('b');
    expect(clientField(list, 'first', 'cmd')).toBe('shutdown');
    const left = Number(await field(port, 'server', 'shutdown_in_milliseconds'));
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(10_000);
    expect(lines).toContain('Waiting for replicas before shutting down.');
    // The replicas were asked where they are.
    await waitFor('a GETACK', async () => replica.pending().latin1Slice().includes('GETACK'));

    // Reads go on, writes wait.
    expect(await admin.callStr('GET', `k${B}`)).toBe(`$4\r\nv${B}\r\n`);
    writer.write(`*3\r\n$3\r\nSET\r\n$4\r\nk${B}\r\n$2\r\nv2\r\n`);
    await waitFor('the SET held', async () => (await field(port, 'clients', 'blocked_clients')) === '3');
    expect(writer.pending().length).toBe(0);
    // CLIENT PAUSE/UNPAUSE are a pause of their own: ending it leaves the shutdown's in force.
    expect(await admin.callStr('CLIENT', 'PAUSE', '60000', 'WRITE')).toBe('+OK\r\n');
    expect(await admin.callStr('CLIENT', 'UNPAUSE')).toBe('+OK\r\n');
    expect(await admin.callStr('GET', `k${B}`)).toBe(`$4\r\nv${B}\r\n`);
    expect(await field(port, 'clients', 'blocked_clients')).toBe('3');
    expect(writer.pending().length).toBe(0);

    // A SHUTDOWN client cannot be unblocked by hand.
    const id = clientField(list, 'first', 'id')!;
    expect(await admin.callStr('CLIENT', 'UNBLOCK', id)).toBe(':0\r\n');
    expect(await admin.callStr('CLIENT', 'UNBLOCK', id, 'ERROR')).toBe(':0\r\n');

    expect(await admin.callStr('SHUTDOWN', 'ABORT')).toBe('+OK\r\n');
    expect((await first.readReply()).latin1Slice()).toBe('-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
    expect((await second.readReply()).latin1Slice()).toBe('-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
    expect((await writer.readReply()).latin1Slice()).toBe('+OK\r\n');
    expect(lines).toContain('Shutdown manually aborted.');
    expect(await field(port, 'server', 'shutdown_in_milliseconds')).toBeUndefined();
    expect(await field(port, 'clients', 'blocked_clients')).toBe('0');
    expect(await first.callStr('PING')).toBe('+PONG\r\n');
    expect(await admin.callStr('SHUTDOWN', 'ABORT')).toBe('-ERR No shutdown in progress.\r\n');

    // Again; this time the replica catches up.
    first.write('*1\r\n$8\r\nSHUTDOWN\r\n');
    await waitFor('SHUTDOWN blocked again', async () => (await field(port, 'clients', 'blocked_clients')) === '1');
    await waitFor('the GETACK', async () => (replica.pending().latin1Slice().match(/GETACK/g) ?? []).length === 2);
    const offset = await field(port, 'replication', 'master_repl_offset');
    replica.write(`REPLCONF ACK ${offset}\r\n`);
    expect(await exited).toBe(0);
    expect(first.closed || (await first.readUntilClose()).length === 0).toBe(true);
    expect(lines).toContain('1 of 1 replicas are in sync when shutting down.');
    expect(lines.some((l) => l.startsWith('Lagging replica'))).toBe(false);
  });

  it('a SIGTERM waits up to shutdown-timeout, then logs the lagging replica and exits; a second SIGINT exits at once', async () => {
    const { h, lines, exited } = await primary({ 'shutdown-timeout': '1' });
    const port = h.port;
    const replica = await laggingReplica(port);
    expect(shutdownOnSignal(h.server, 'SIGTERM')).toBeNull();
    await waitFor('the shutdown waiting', async () => (await field(port, 'server', 'shutdown_in_milliseconds')) !== undefined);
    const behind = Number(await field(port, 'replication', 'master_repl_offset'));
    expect(await exited).toBe(0);
    expect(lines.some((l) => /^Lagging replica 127\.0\.0\.1:12345 reported offset \d+ behind master, lag=\d+, state=online\.$/.test(l))).toBe(
      true,
    );
    const lag = lines.find((l) => l.startsWith('Lagging replica'))!;
    expect(Number(/offset (\d+) behind/.exec(lag)![1])).toBeGreaterThanOrEqual(behind);
    expect(lines).toContain('0 of 1 replicas are in sync when shutting down.');
    expect(lines.indexOf('0 of 1 replicas are in sync when shutting down.')).toBeLessThan(lines.indexOf('Nodis is now ready to exit, bye bye...'));
    replica.close();

    const other = await primary({ 'shutdown-timeout': '100' });
    await laggingReplica(other.h.port);
    expect(shutdownOnSignal(other.h.server, 'SIGTERM')).toBeNull();
    await waitFor('the shutdown waiting', async () => (await field(other.h.port, 'server', 'shutdown_in_milliseconds')) !== undefined);
    expect(shutdownOnSignal(other.h.server, 'SIGINT')).toBe(1);
    expect(other.lines).toContain('You insist... exiting now.');
  });

  for (const [label, config, args] of [
    ['SHUTDOWN NOW', {}, ['SHUTDOWN', 'NOW']],
    ['shutdown-timeout 0', { 'shutdown-timeout': '0' }, ['SHUTDOWN']],
  ] as const) {
    it(`${label} does not wait`, async () => {
      const { h, lines, exited } = await primary(config);
      await laggingReplica(h.port);
      const c = await raw(h.port);
      c.write(`*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join(''));
      expect(await exited).toBe(0);
      expect((await c.readUntilClose()).length).toBe(0);
      expect(lines).not.toContain('Waiting for replicas before shutting down.');
      expect(lines).toContain('0 of 1 replicas are in sync when shutting down.');
    });
  }

  it('replicas in sync: no wait', async () => {
    const { h, lines, exited } = await primary();
    const replica = await laggingReplica(h.port);
    replica.write(`REPLCONF ACK ${await field(h.port, 'replication', 'master_repl_offset')}\r\n`);
    await waitFor('the ACK', async () => ((await info(h.port)).slave0 ?? '').includes(`offset=${await field(h.port, 'replication', 'master_repl_offset')},`));
    const c = await raw(h.port);
    c.write('*1\r\n$8\r\nSHUTDOWN\r\n');
    expect(await exited).toBe(0);
    expect(lines).not.toContain('Waiting for replicas before shutting down.');
    expect(lines).toContain('1 of 1 replicas are in sync when shutting down.');
  });
});
