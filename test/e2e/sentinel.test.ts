/**
 * redis-sentinel 7.0 watching a Nodis primary with two Nodis replicas:
 * Sentinel discovers the replicas from INFO, detects the primary's death,
 * promotes a replica (MULTI; SLAVEOF NO ONE; CONFIG REWRITE; CLIENT KILL
 * TYPE normal; EXEC), points the other replica at it, and an ioredis client
 * configured with `sentinels:` follows the failover. down-after-milliseconds
 * is small; every wait polls state with a generous cap.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import type { ServerHandle } from '../../src/index.js';
import { freePort, startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';
import { B, dataset, info, rawOn, run, waitFor, waitSynced } from '../helpers/repl.js';
import { pictureOverWire, sortedPicture } from '../helpers/keyspace.js';

function sentinelPath(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v redis-sentinel'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null;
}

const SENTINEL = sentinelPath();
if (SENTINEL === null) {
  console.warn('[e2e/sentinel] SKIPPED: redis-sentinel is not installed (apt-get install -y redis-sentinel); the failover test did not run');
}

const servers: ServerHandle[] = [];
let sentinel: ChildProcess | null = null;
let dir = '';

afterAll(async () => {
  if (sentinel !== null && sentinel.exitCode === null) {
    const gone = new Promise((r) => sentinel!.once('exit', r));
    sentinel.kill('SIGKILL');
    await gone;
  }
  for (const s of servers) await s.close();
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
});

/** A Nodis server with its own config file (Sentinel's CONFIG REWRITE writes it). */
async function nodis(name: string, config: Record<string, string>): Promise<ServerHandle> {
  const file = path.join(dir, `${name}.conf`);
  fs.writeFileSync(file, '');
  const s = await startNodis({ configFile: file, config: { dir, 'repl-diskless-sync-delay': '0', ...config } });
  servers.push(s);
  return s;
}

async function sentinelCmd(port: number, ...args: string[]): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    return await c.callStr(...args);
  } finally {
    c.close();
  }
}

describe.skipIf(SENTINEL === null)('redis-sentinel with Nodis', () => {
  it('promotes a replica when the primary dies, and ioredis follows', { timeout: 120000 }, async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-sentinel-'));
    const p = await nodis('primary', {});
    await run(p.port, dataset());
    const r1 = await nodis('replica1', { replicaof: `127.0.0.1 ${p.port}` });
    const r2 = await nodis('replica2', { replicaof: `127.0.0.1 ${p.port}`, 'replica-priority': '50' });
    await waitSynced(p.port, [r1.port, r2.port]);

    const sport = await freePort();
    const conf = path.join(dir, 'sentinel.conf');
    fs.writeFileSync(
      conf,
      [
        `port ${sport}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor mymaster 127.0.0.1 ${p.port} 1`,
        'sentinel down-after-milliseconds mymaster 1000',
        'sentinel failover-timeout mymaster 10000',
        '',
      ].join('\n'),
    );
    let log = '';
    sentinel = spawn(SENTINEL!, [conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    sentinel.stdout!.on('data', (d) => (log += d));
    sentinel.stderr!.on('data', (d) => (log += d));
    // Sentinel finds the replicas in the primary's INFO.
    await waitFor(
      'sentinel to know both replicas',
      async () => {
        const r = await sentinelCmd(sport, 'SENTINEL', 'REPLICAS', 'mymaster');
        return r.includes(`$${String(r1.port).length}\r\n${r1.port}\r\n`) && r.includes(`$${String(r2.port).length}\r\n${r2.port}\r\n`);
      },
      60000,
    );

    const client = new Redis({
      sentinels: [{ host: '127.0.0.1', port: sport }],
      name: 'mymaster',
      lazyConnect: true,
    });
    // Connection errors while the primary is down are expected; ioredis retries.
    client.on('error', () => {});
    try {
      await client.connect();
      await client.set(`via-sentinel${B}`, '1');
      expect(await client.get(`via-sentinel${B}`)).toBe('1');
      await waitSynced(p.port, [r1.port, r2.port]);
      const before = sortedPicture(await pictureOverWire(p.port));

      await p.close();
      servers.splice(servers.indexOf(p), 1);

      // The replica with the better priority (lower) becomes the primary.
      await waitFor(
        'sentinel to switch the primary',
        async () => (await sentinelCmd(sport, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')).includes(String(r2.port)),
        90000,
      );
      await waitFor('the promoted replica to be a primary', async () => (await info(r2.port)).role === 'master', 30000);
      await waitFor(
        'the other replica to follow the new primary',
        async () => {
          const i = await info(r1.port);
          return i.master_port === String(r2.port) && i.master_link_status === 'up';
        },
        60000,
      );
      // The promoted server kept the dataset; CONFIG REWRITE dropped its replicaof line.
      expect(sortedPicture(await pictureOverWire(r2.port))).toEqual(before);
      expect(fs.readFileSync(path.join(dir, 'replica2.conf'), 'utf8')).not.toMatch(/^replicaof /m);
      expect(fs.readFileSync(path.join(dir, 'replica1.conf'), 'utf8')).toMatch(new RegExp(`^replicaof 127\\.0\\.0\\.1 ${r2.port}$`, 'm'));

      // ioredis reconnects through Sentinel to the new primary.
      await waitFor(
        'ioredis to write to the new primary',
        async () => (await client.set('after-failover', 'yes')) === 'OK',
        60000,
      );
      expect(await rawOn(r2.port, 'GET', 'after-failover')).toBe('$3\r\nyes\r\n');
      await waitSynced(r2.port, [r1.port]);
      expect(await rawOn(r1.port, 'GET', 'after-failover')).toBe('$3\r\nyes\r\n');
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- sentinel log ---\n${log}`);
    } finally {
      client.disconnect();
    }
  });
});
