#!/usr/bin/env node
// AOF write throughput and latency: redis-benchmark SETs against Nodis and
// redis-server with appendonly no, and yes with appendfsync no / everysec /
// always (always: one write+fsync per event-loop turn, covering every
// client served in it), plus a run during a BGREWRITEAOF of a filled
// keyspace.
//
//   npm run build && node bench/aof.mjs [--requests 100000] [--clients 50]
//       [--keys 200000] [--dir /path/on/the/disk/to/measure] [--no-redis]
//
// Each configuration starts a fresh server in a new directory under --dir
// (default: the OS temp dir; fsync cost depends on the filesystem there).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const o = { requests: 100000, clients: 50, keys: 200000, dir: os.tmpdir(), redis: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--requests' || a === '-n') o.requests = Number(val());
    else if (a === '--clients' || a === '-c') o.clients = Number(val());
    else if (a === '--keys') o.keys = Number(val());
    else if (a === '--dir') o.dir = val();
    else if (a === '--no-redis') o.redis = false;
    else if (a === '-h' || a === '--help') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 14).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function startServer(kind, dir, args) {
  const port = await freePort();
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--enable-debug-command', 'yes', '--dir', dir, ...args];
  const proc =
    kind === 'redis'
      ? spawn('redis-server', common, { stdio: 'ignore' })
      : spawn(process.execPath, ['--max-semi-space-size=4', path.join(root, 'bin', 'nodis-server'), ...common], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    const r = spawnSync('redis-cli', ['-p', String(port), 'PING'], { encoding: 'utf8' });
    if (r.stdout.trim() === 'PONG') return { port, proc };
    await new Promise((res) => setTimeout(res, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`${kind} did not start`);
}

function bench(port, o, extra = []) {
  const r = spawnSync(
    'redis-benchmark',
    ['-p', String(port), '-t', 'set', '-n', String(o.requests), '-c', String(o.clients), '-r', String(o.keys), '-P', '1', '--csv', ...extra],
    { encoding: 'utf8' },
  );
  const line = r.stdout.trim().split('\n').find((l) => l.startsWith('"SET"'));
  if (!line) throw new Error(`redis-benchmark: ${r.stdout} ${r.stderr}`);
  const f = line.split(',').map((x) => x.replace(/"/g, ''));
  return { rps: Number(f[1]), p50: Number(f[4]), p99: Number(f[6]) };
}

function info(port, field) {
  const r = spawnSync('redis-cli', ['-p', String(port), 'INFO', 'persistence'], { encoding: 'utf8' });
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(r.stdout);
  return m ? m[1].trim() : '';
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const kinds = o.redis ? ['nodis', 'redis'] : ['nodis'];
  const modes = [
    ['appendonly no', ['--appendonly', 'no']],
    ['appendfsync no', ['--appendonly', 'yes', '--appendfsync', 'no']],
    ['appendfsync everysec', ['--appendonly', 'yes', '--appendfsync', 'everysec']],
    ['appendfsync always', ['--appendonly', 'yes', '--appendfsync', 'always']],
  ];
  console.log(`SET, ${o.requests} requests, ${o.clients} clients, -P 1, ${o.keys} keys; files under ${o.dir}\n`);
  console.log('| server | configuration | req/s | p50 ms | p99 ms |\n| --- | --- | ---: | ---: | ---: |');
  for (const kind of kinds) {
    for (const [name, args] of modes) {
      const dir = fs.mkdtempSync(path.join(o.dir, `aofbench-${kind}-`));
      const s = await startServer(kind, dir, args);
      try {
        const r = bench(s.port, o);
        console.log(`| ${kind} | ${name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} |`);
      } finally {
        s.proc.kill('SIGKILL');
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    // During a rewrite: fill, start BGREWRITEAOF, measure while it runs.
    const dir = fs.mkdtempSync(path.join(o.dir, `aofbench-${kind}-`));
    const s = await startServer(kind, dir, ['--appendonly', 'yes', '--appendfsync', 'everysec', '--auto-aof-rewrite-percentage', '0']);
    try {
      spawnSync('redis-cli', ['-p', String(s.port), 'DEBUG', 'POPULATE', String(o.keys)], { encoding: 'utf8' });
      const idle = bench(s.port, o);
      spawnSync('redis-cli', ['-p', String(s.port), 'BGREWRITEAOF'], { encoding: 'utf8' });
      const during = bench(s.port, o);
      const still = info(s.port, 'aof_rewrite_in_progress') === '1';
      console.log(`| ${kind} | everysec, idle before the rewrite | ${idle.rps.toFixed(0)} | ${idle.p50} | ${idle.p99} |`);
      console.log(
        `| ${kind} | everysec, during BGREWRITEAOF of ${o.keys} keys${still ? '' : ' (ended before the run)'} | ${during.rps.toFixed(0)} | ${during.p50} | ${during.p99} |`,
      );
    } finally {
      s.proc.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
