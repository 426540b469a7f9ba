/**
 * Helpers for tests of busy scripts and functions: a busy script holds the
 * thread of the server that runs it, so these tests talk to server
 * processes (a spawned nodis-server from dist/, and redis-server).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { RawClient } from './resp.js';
import { spawnNodisServer, startRedis } from './servers.js';

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const f of cleanups.splice(0)) await f();
});

/** A nodis-server process in a fresh directory, killed after the test; its port. */
export async function spawnNodis(extraArgs: string[] = []): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-busy-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const p = await spawnNodisServer(['--save', '', '--dir', dir, ...extraArgs]);
  cleanups.push(p.kill);
  return p.port;
}

/** A redis-server, stopped after the test; its port. */
export async function spawnRedis(extraArgs: string[] = []): Promise<number> {
  const r = await startRedis(extraArgs);
  cleanups.push(() => r.close());
  return r.port;
}

/** PING from `c` until the server answers BUSY (the script passed the threshold); the BUSY reply. */
export async function untilBusy(c: RawClient): Promise<string> {
  const deadline = Date.now() + 20000;
  for (;;) {
    const r = await c.callStr('PING');
    if (r !== '+PONG\r\n' || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 10));
  }
}
