/**
 * Unmodified client libraries and redis-cli against Nodis: connection
 * handshakes (INFO ready check, HELLO 3, CLIENT SETINFO), binary values,
 * INFO parsing, client names and clean disconnects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import IORedis from 'ioredis';
import IORedis6 from 'ioredis6';
import { createClient, RESP_TYPES } from 'redis';
import { startNodis } from '../helpers/servers.js';
import type { ServerHandle } from '../../src/index.js';

const BIN_KEY = Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x0d, 0x0a]);
const BIN_VAL = Buffer.from([0x80, 0x00, 0xfe, 0xc3, 0xa9, 0xff, 0x0d]);

let srv: ServerHandle;
beforeAll(async () => {
  srv = await startNodis();
});
afterAll(async () => {
  await srv.close();
});

/** Names of the clients currently connected (CLIENT LIST from the server side). */
function connectedIds(): number[] {
  return [...srv.server.clients.keys()];
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function haveRedisCli(): boolean {
  return spawnSync('sh', ['-c', 'command -v redis-cli']).status === 0;
}

describe('ioredis 5', () => {
  it('connects with the INFO ready check and CLIENT SETINFO, handles binary values, names and INFO', async () => {
    const before = new Set(connectedIds());
    const infoCalls = srv.server.commands.get('info')!.stats.calls;
    const r = new IORedis(srv.port, '127.0.0.1', { lazyConnect: true, connectionName: 'io5' });
    const errors: Error[] = [];
    r.on('error', (e) => errors.push(e));
    await r.connect();
    // The ready check parsed INFO (loading:0) and the client is usable.
    expect(r.status).toBe('ready');
    expect(srv.server.commands.get('info')!.stats.calls).toBe(infoCalls + 1);
    expect(await r.client('GETNAME')).toBe('io5');
    expect(await r.set(BIN_KEY, BIN_VAL)).toBe('OK');
    expect(await r.getBuffer(BIN_KEY)).toEqual(BIN_VAL);
    const info = await r.info('server');
    expect(info).toMatch(/^# Server\r\nredis_version:7\.0\.15\r\n/);
    expect(await r.client('SETNAME', 'io5-renamed')).toBe('OK');
    expect(await r.client('GETNAME')).toBe('io5-renamed');
    const id = (await r.client('ID')) as number;
    const list = (await r.client('LIST')) as string;
    expect(list).toContain(`id=${id} `);
    expect(list).toContain('name=io5-renamed');
    // CLIENT SETINFO is 7.2 syntax: Redis 7.0 (and Nodis) refuse it, ioredis ignores that.
    await expect(r.client('SETINFO', 'LIB-NAME', 'x')).rejects.toThrow(/unknown subcommand 'SETINFO'/);
    expect(errors).toEqual([]);
    await r.quit();
    await waitFor(() => !srv.server.clients.has(id), 'ioredis 5 to disconnect');
    expect(connectedIds().filter((x) => !before.has(x))).toEqual([]);
    expect(await r.del(BIN_KEY).catch(() => 'closed')).toBe('closed');
  });
});

describe('ioredis 6', () => {
  it('negotiates RESP3 with HELLO 3 by default and works unchanged', async () => {
    const r = new IORedis6(srv.port, '127.0.0.1', { lazyConnect: true, connectionName: 'io6' });
    const errors: Error[] = [];
    r.on('error', (e: Error) => errors.push(e));
    await r.connect();
    const id = (await r.client('ID')) as number;
    const c = srv.server.clients.get(id)!;
    expect(c.resp).toBe(3);
    expect(await r.client('GETNAME')).toBe('io6');
    expect(await r.set(BIN_KEY, BIN_VAL)).toBe('OK');
    expect(await r.getBuffer(BIN_KEY)).toEqual(BIN_VAL);
    const info = (await r.info()) as string;
    expect(info).toContain('redis_version:7.0.15');
    expect(info).toContain('\r\n# Keyspace\r\n');
    expect(await r.client('SETNAME', 'io6-b')).toBe('OK');
    expect(await r.client('GETNAME')).toBe('io6-b');
    expect(await r.del(BIN_KEY)).toBe(1);
    expect(errors).toEqual([]);
    await r.quit();
    await waitFor(() => !srv.server.clients.has(id), 'ioredis 6 to disconnect');
  });

  it('can stay on RESP2 when asked', async () => {
    const r = new IORedis6(srv.port, '127.0.0.1', { lazyConnect: true, protocol: 2 });
    await r.connect();
    const id = (await r.client('ID')) as number;
    expect(srv.server.clients.get(id)!.resp).toBe(2);
    expect(await r.ping()).toBe('PONG');
    r.disconnect();
  });
});

describe('node-redis 5', () => {
  for (const resp of [2, 3] as const) {
    it(`works over RESP${resp}`, async () => {
      const client = createClient({ socket: { port: srv.port, host: '127.0.0.1' }, RESP: resp, name: `nr${resp}` });
      const errors: Error[] = [];
      client.on('error', (e: Error) => errors.push(e));
      await client.connect();
      const id = await client.clientId();
      expect(srv.server.clients.get(id)!.resp).toBe(resp);
      expect(await client.clientGetName()).toBe(`nr${resp}`);
      const bin = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
      expect(await client.set(BIN_KEY, BIN_VAL)).toBe('OK');
      expect(await bin.get(BIN_KEY)).toEqual(BIN_VAL);
      const info = String(await client.info('keyspace'));
      expect(info).toMatch(/^# Keyspace\r\ndb0:keys=\d+,expires=\d+,avg_ttl=\d+\r\n/);
      expect(await client.clientSetName(`nr${resp}-b`)).toBe('OK');
      expect(await client.clientGetName()).toBe(`nr${resp}-b`);
      expect(await client.del(BIN_KEY)).toBe(1);
      expect(errors).toEqual([]);
      client.destroy();
      await waitFor(() => !srv.server.clients.has(id), 'node-redis to disconnect');
    });
  }
});

describe.skipIf(!haveRedisCli())('redis-cli', () => {
  /** Run redis-cli (asynchronously: the server lives in this process). */
  const cli = (args: string[], input?: string | Buffer): Promise<{ stdout: string; stderr: string; status: number | null }> =>
    new Promise((resolve, reject) => {
      const p = spawn('redis-cli', ['-p', String(srv.port), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d.latin1Slice()));
      p.stderr.on('data', (d: Buffer) => (stderr += d.latin1Slice()));
      const timer = setTimeout(() => p.kill('SIGKILL'), 20000);
      p.on('error', reject);
      p.on('close', (status) => {
        clearTimeout(timer);
        resolve({ stdout, stderr, status });
      });
      p.stdin.end(input ?? '');
    });

  it('runs plain commands', async () => {
    expect((await cli(['PING'])).stdout).toBe('PONG\n');
    expect((await cli(['SET', 'cli:k', 'a b'])).stdout).toBe('OK\n');
    expect((await cli(['GET', 'cli:k'])).stdout).toBe('a b\n');
    expect((await cli(['--no-raw', 'GET', 'nosuchkey'])).stdout).toBe('(nil)\n');
    expect((await cli(['--no-raw', 'HELLO', '3'])).stdout).toContain('2# "version" => "7.0.15"\n');
    const info = (await cli(['INFO', 'server'])).stdout;
    expect(info).toMatch(/^# Server\r?\nredis_version:7\.0\.15/);
    // Binary-safe through -x (value from stdin, kept byte for byte).
    expect((await cli(['-x', 'SET', 'cli:bin'], Buffer.from([0xff, 0x00, 0xc3, 0x0a]))).stdout).toBe('OK\n');
    expect(srv.server.dbs[0].peek('cli:bin')).toBe('\xff\x00\xc3\x0a');
    expect((await cli(['DEL', 'cli:k', 'cli:bin'])).stdout).toBe('2\n');
  });

  it('reads several commands from stdin on one connection', async () => {
    const out = (await cli([], 'CLIENT SETNAME clicon\nCLIENT GETNAME\nCLIENT INFO\n')).stdout;
    const lines = out.split('\n');
    expect(lines[0]).toBe('OK');
    expect(lines[1]).toBe('clicon');
    expect(lines[2]).toMatch(/^id=\d+ addr=127\.0\.0\.1:\d+ .* name=clicon .* cmd=client\|info /);
  });

  it('mass-inserts with --pipe and reports its summary', async () => {
    const n = 3000;
    let payload = '';
    for (let i = 0; i < n; i++) payload += `*3\r\n$3\r\nSET\r\n$${`pipe:${i}`.length}\r\npipe:${i}\r\n$${`v${i}`.length}\r\nv${i}\r\n`;
    const r = await cli(['--pipe'], payload);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`errors: 0, replies: ${n}`);
    expect(srv.server.dbs[0].peek('pipe:2999')).toBe('v2999');
    // Errors are counted too.
    const bad = await cli(['--pipe'], '*1\r\n$7\r\nNOSUCH!\r\n*2\r\n$3\r\nGET\r\n$6\r\npipe:0\r\n');
    expect(bad.stdout).toContain('errors: 1, replies: 2');
    for (let i = 0; i < n; i++) srv.server.dbs[0].delete(`pipe:${i}`);
  });
});
