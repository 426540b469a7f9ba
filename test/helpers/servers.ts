/**
 * Start servers for tests: Nodis in-process on a random port, and a real
 * redis-server (when installed) on a free port, for differential tests.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type ServerHandle, type StartOptions } from '../../src/index.js';
import { RawClient } from './resp.js';

/**
 * An in-process Nodis on a free port. Unless the test names a `dir`, the
 * server works in a fresh temporary directory (removed on close), so no
 * test loads or leaves a dump.rdb / appendonlydir in the working directory.
 */
export async function startNodis(opts: StartOptions = {}): Promise<ServerHandle> {
  if (opts.config?.dir !== undefined) return startServer({ port: 0, ...opts });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-test-'));
  const rm = () => fs.rmSync(dir, { recursive: true, force: true });
  let h: ServerHandle;
  try {
    h = await startServer({ port: 0, ...opts, config: { dir, ...(opts.config ?? {}) } });
  } catch (e) {
    rm();
    throw e;
  }
  const close = h.close;
  h.close = async () => {
    try {
      await close();
    } finally {
      rm();
    }
  };
  return h;
}

let redisPath: string | null | undefined;

/** Path of redis-server, or null when it is not installed. */
export function redisServerPath(): string | null {
  if (redisPath !== undefined) return redisPath;
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  redisPath = r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null;
  return redisPath;
}

export const HAVE_REDIS = redisServerPath() !== null;

/** Say loudly why differential tests are skipped. */
export function warnIfNoRedis(suite: string): void {
  if (!HAVE_REDIS) {
    console.warn(`[${suite}] SKIPPED: redis-server is not installed (apt-get install -y redis-server); differential tests did not run`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address() as net.AddressInfo;
      srv.close(() => resolve(addr.port));
    });
    srv.on('error', reject);
  });
}

export interface RedisHandle {
  port: number;
  dir: string;
  proc: ChildProcess;
  close(): Promise<void>;
}

/** Start a real redis-server with no persistence on a free loopback port. */
/**
 * What a start waits for: `pong` (the default) until PING answers PONG;
 * `accept` only until a connection is accepted (a server still loading
 * its dataset answers LOADING).
 */
export type ReadyWhen = 'pong' | 'accept';

export async function startRedis(extraArgs: string[] = [], ready: ReadyWhen = 'pong'): Promise<RedisHandle> {
  const bin = redisServerPath();
  if (bin === null) throw new Error('redis-server is not installed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-redis-'));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const proc = spawn(
      bin,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', ...extraArgs],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    const ok = await waitReady(port, 5000, proc, ready);
    if (ok) {
      return {
        port,
        dir,
        proc,
        close: () =>
          new Promise<void>((resolve) => {
            if (proc.exitCode !== null) {
              fs.rmSync(dir, { recursive: true, force: true });
              resolve();
              return;
            }
            proc.once('exit', () => {
              fs.rmSync(dir, { recursive: true, force: true });
              resolve();
            });
            proc.kill('SIGKILL');
          }),
      };
    }
    proc.kill('SIGKILL');
    if (attempt >= 3) throw new Error(`redis-server did not start: ${out}`);
  }
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The nodis-server executable (runs dist/: `npm test` builds it first). */
export const NODIS_BIN = path.join(ROOT, 'bin', 'nodis-server');

export interface NodisProcess {
  proc: ChildProcess;
  port: number;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** What it logged so far. */
  output(): string;
  /** SIGKILL unless it has already exited. */
  kill(): void;
}

/**
 * The nodis-server executable on a free loopback port, started with `args`
 * after --port/--bind; resolves once it answers PING. For what needs a
 * server of its own process: kill -9, a script that holds its thread.
 * `nodeArgs` go to node; null runs the executable itself (its shebang's
 * node flags).
 */
export async function spawnNodisServer(args: string[], nodeArgs: string[] | null = [], ready: ReadyWhen = 'pong'): Promise<NodisProcess> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'server', 'cli.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  }
  const port = await freePort();
  // Unless the test names a directory (here or in its config file), the
  // server works in a fresh one, removed once it exits: no test loads or
  // leaves a dump.rdb in the working directory.
  const confFile = args.length > 0 && !args[0].startsWith('-') ? args[0] : null;
  const confDir = confFile !== null && /^\s*dir\s/m.test(fs.readFileSync(confFile, 'latin1'));
  let ownDir: string | null = null;
  if (!args.includes('--dir') && !confDir) {
    ownDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-spawn-'));
    args = [...args, '--dir', ownDir];
  }
  const serverArgs = [NODIS_BIN, '--port', String(port), '--bind', '127.0.0.1', ...args];
  const proc = spawn(nodeArgs === null ? serverArgs[0] : process.execPath, nodeArgs === null ? serverArgs.slice(1) : [...nodeArgs, ...serverArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODIS_DAEMONIZED: '' },
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) =>
    proc.on('exit', () => {
      if (ownDir !== null) fs.rmSync(ownDir, { recursive: true, force: true });
      resolve();
    }),
  );
  const kill = (): void => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    // Also now: the test's worker may end before the exit event.
    if (ownDir !== null) fs.rmSync(ownDir, { recursive: true, force: true });
  };
  if (!(await waitReady(port, 20000, proc, ready))) {
    kill();
    throw new Error(`nodis-server did not start: ${out}`);
  }
  return { proc, port, exited, output: () => out, kill };
}

async function waitReady(port: number, timeoutMs: number, proc: ChildProcess, ready: ReadyWhen): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) return false;
    try {
      const c = await RawClient.connect(port);
      if (ready === 'accept') {
        c.close();
        return true;
      }
      const r = await c.callStr('PING');
      c.close();
      if (r === '+PONG\r\n') return true;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
