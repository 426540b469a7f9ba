/**
 * The AOF of the nodis-server executable killed with SIGKILL: every write
 * a client saw acknowledged is replayed after a restart. With appendfsync
 * always the kill comes while clients write (a reply follows the write and
 * its fsync). With everysec a write may wait for a slow background fsync
 * after its reply (up to 2 seconds, as in Redis), so the kill comes once
 * INFO shows an empty AOF buffer. Runs dist/ (`npm test` builds it first).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/resp.js';
import { spawnNodisServer } from '../helpers/servers.js';

let dir: string;
const procs: ChildProcess[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aof-kill-'));
});
afterEach(() => {
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

async function spawnServer(args: string[]): Promise<{ proc: ChildProcess; port: number; exited: Promise<void> }> {
  const p = await spawnNodisServer(['--save', '', '--dir', dir, '--appendonly', 'yes', ...args]);
  procs.push(p.proc);
  return p;
}

/**
 * Clients write until the server is killed; returns the writes they saw
 * acknowledged, as key -> value.
 */
async function writeUntilKilled(
  port: number,
  proc: ChildProcess,
  exited: Promise<void>,
  quiesce = false,
): Promise<Map<string, string>> {
  const acked = new Map<string, string>();
  const clients = await Promise.all(Array.from({ length: 6 }, () => RawClient.connect(port)));
  let killed = false;
  const writers = clients.map(async (c, n) => {
    for (let i = 0; !killed; i++) {
      const key = `c${n}:${i % 200}:\xff`;
      const value = `v${i}\x00${n}`;
      let r: string;
      try {
        r = (await c.call('SET', Buffer.from(key, 'latin1'), Buffer.from(value, 'latin1'))).toString('latin1');
      } catch {
        return;
      }
      if (r !== '+OK\r\n') return;
      acked.set(key, value);
      if (i % 5 === 0) {
        try {
          r = (await c.call('RPUSH', `list${n}`, String(i))).toString();
        } catch {
          return;
        }
        if (!r.startsWith(':')) return;
        acked.set(`list${n}`, r.slice(1, -2));
      }
    }
  });
  // Kill once a good number of writes were acknowledged.
  while (acked.size < 600) await new Promise((r) => setTimeout(r, 5));
  if (quiesce) {
    killed = true;
    await Promise.all(writers);
    const c = await RawClient.connect(port);
    for (;;) {
      const info = await c.callStr('INFO', 'persistence');
      if (/aof_buffer_length:0\r\n/.test(info)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    c.close();
  }
  proc.kill('SIGKILL');
  killed = true;
  await exited;
  await Promise.all(writers);
  for (const c of clients) c.close();
  return acked;
}

async function checkAcked(port: number, acked: Map<string, string>): Promise<void> {
  const c = await RawClient.connect(port);
  for (const [key, value] of acked) {
    if (key.startsWith('list')) {
      // The list holds at least as many items as the last acknowledged RPUSH reported.
      const len = Number((await c.callStr('LLEN', key)).slice(1, -2));
      expect(len).toBeGreaterThanOrEqual(Number(value));
      continue;
    }
    const got = (await c.call('GET', Buffer.from(key, 'latin1'))).toString('latin1');
    // A later unacknowledged write of the same key may have made it: the value
    // is this one or a newer one of the same client.
    expect(got.startsWith('$')).toBe(true);
    const v = got.slice(got.indexOf('\r\n') + 2, -2);
    const [num] = v.slice(1).split('\x00');
    expect(Number(num)).toBeGreaterThanOrEqual(Number(value.slice(1).split('\x00')[0]));
  }
  c.close();
}

describe('kill -9 loses no acknowledged write', () => {
  for (const policy of ['always', 'everysec']) {
    it(`appendfsync ${policy}`, async () => {
      const a = await spawnServer(['--appendfsync', policy]);
      const acked = await writeUntilKilled(a.port, a.proc, a.exited, policy === 'everysec');
      expect(acked.size).toBeGreaterThanOrEqual(600);
      const b = await spawnServer(['--appendfsync', policy]);
      await checkAcked(b.port, acked);
      b.proc.kill('SIGKILL');
      await b.exited;
    });
  }

  it('a torn last command from the kill is truncated at start-up', async () => {
    const a = await spawnServer([]);
    const c = await RawClient.connect(a.port);
    expect(await c.callStr('SET', 'k', 'v')).toBe('+OK\r\n');
    c.close();
    a.proc.kill('SIGKILL');
    await a.exited;
    fs.appendFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), '*3\r\n$3\r\nSET\r\n$1');
    const b = await spawnServer([]);
    const d = await RawClient.connect(b.port);
    expect(await d.callStr('GET', 'k')).toBe('$1\r\nv\r\n');
    d.close();
  });

  it('SHUTDOWN fsyncs the AOF and the next start replays it', async () => {
    const a = await spawnServer([]);
    const c = await RawClient.connect(a.port);
    for (let i = 0; i < 50; i++) await c.callStr('INCR', 'n');
    c.write('SHUTDOWN\r\n');
    await a.exited;
    c.close();
    const b = await spawnServer([]);
    const d = await RawClient.connect(b.port);
    expect(await d.callStr('GET', 'n')).toBe('$2\r\n50\r\n');
    d.close();
  });
});
