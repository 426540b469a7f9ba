#!/usr/bin/env node
// BGSAVE under load: latency and memory while Nodis writes a snapshot of a
// large keyspace without forking.
//
//   npm run build && node bench/bgsave.mjs [--keys 1000000] [--clients 50]
//       [--requests 200000] [--rounds 3] [--node-flags "--max-semi-space-size=4"]
//       [--redis]   (the same measurements on redis-server, for reference)
//
// 1. Fills `--keys` keys `key:%012d` (the names redis-benchmark -r draws, so
//    its SETs overwrite keys the snapshot has not written yet) via redis-cli --pipe.
// 2. Idle: redis-benchmark -t get / -t set, -P 1, -r <keys>, --csv: p50/p99.
// 3. During: BGSAVE, then the same runs; each run counts only if the BGSAVE was
//    still in progress when it ended (else the run is repeated with fewer requests).
// 4. Memory: VmRSS before the BGSAVE (settled), and the peak during it, polled
//    from /proc/<pid>/status every 5 ms, plus VmHWM after resetting it
//    (clear_refs 5); once for a BGSAVE with no load, once under load. For
//    redis-server, the Pss of the server and its fork child, summed.
// Targets (issue 5): p99 during <= 2x idle p99; peak RSS <= 1.1x pre-save RSS.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const o = { keys: 1000000, clients: 50, requests: 200000, rounds: 3, nodeFlags: '--max-semi-space-size=4', redis: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => argv[++i];
    if (a === '--keys') o.keys = Number(val());
    else if (a === '--clients' || a === '-c') o.clients = Number(val());
    else if (a === '--requests' || a === '-n') o.requests = Number(val());
    else if (a === '--rounds') o.rounds = Number(val());
    else if (a === '--node-flags') o.nodeFlags = val();
    else if (a === '--redis') o.redis = true;
    else if (a === '-h' || a === '--help') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 20).join('\n'));
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function cli(port, ...args) {
  const r = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function infoField(port, field) {
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(cli(port, 'INFO', 'persistence'));
  return m ? m[1].trim() : null;
}

function procStatus(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function pss(pid) {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Memory of a process and its children (redis-server's fork): the sum of
 * their proportional set sizes, so pages the child still shares with the
 * parent count once.
 */
function rssTree(pid) {
  let total = pss(pid);
  try {
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
      const kids = fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      for (const k of kids.split(/\s+/).filter(Boolean)) total += pss(Number(k));
    }
  } catch {
    /* no children file */
  }
  return total;
}

function resetHwm(pid) {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

async function startServer(kind, dir) {
  const port = await freePort();
  let proc;
  if (kind === 'nodis') {
    const flags = opts.nodeFlags.split(/\s+/).filter(Boolean);
    proc = spawn(process.execPath, [...flags, path.join(root, 'bin', 'nodis-server'), '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--loglevel', 'warning'], {
      stdio: 'ignore',
    });
  } else {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  }
  for (let i = 0; i < 200; i++) {
    await sleep(50);
    const r = spawnSync('redis-cli', ['-p', String(port), 'PING'], { encoding: 'utf8' });
    if (r.stdout.trim() === 'PONG') return { port, proc, pid: proc.pid };
  }
  proc.kill('SIGKILL');
  throw new Error(`${kind} did not start`);
}

function fill(port, n) {
  let buf = '';
  const chunks = [];
  for (let i = 0; i < n; i++) {
    const k = `key:${String(i).padStart(12, '0')}`;
    const v = `val:${String(i).padStart(12, '0')}`;
    buf += `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`;
    if (buf.length > 1 << 20) {
      chunks.push(buf);
      buf = '';
    }
  }
  chunks.push(buf);
  const r = spawnSync('redis-cli', ['-p', String(port), '--pipe'], { input: chunks.join(''), maxBuffer: 1 << 26, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fill failed: ${r.stdout} ${r.stderr}`);
  const size = Number(cli(port, 'DBSIZE'));
  if (size !== n) throw new Error(`DBSIZE ${size}, expected ${n}`);
}

/** redis-benchmark --csv: { rps, p50, p99 } of one test (asynchronous: the RSS sampler keeps running). */
function benchmark(port, test, requests) {
  return new Promise((resolve, reject) => {
    const p = spawn('redis-benchmark', ['-p', String(port), '-c', String(opts.clients), '-n', String(requests), '-t', test, '-P', '1', '-r', String(opts.keys), '--csv']);
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`redis-benchmark: ${err}`));
      const line = out
        .trim()
        .split('\n')
        .find((l) => l.startsWith(`"${test.toUpperCase()}"`));
      const cols = line.split(',').map((c) => Number(c.replace(/"/g, '')));
      // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
      resolve({ rps: cols[1], p50: cols[4], p99: cols[6], max: cols[7] });
    });
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Poll RSS every 5 ms until stop() is called: { peak }. */
function rssSampler(pid, tree) {
  let peak = 0;
  let on = true;
  const tick = () => {
    if (!on) return;
    peak = Math.max(peak, tree ? rssTree(pid) : procStatus(pid, 'VmRSS'));
    setTimeout(tick, 5);
  };
  tick();
  return {
    stop() {
      on = false;
      return peak;
    },
  };
}

async function waitSaveEnd(port) {
  const t0 = Date.now();
  while (infoField(port, 'rdb_bgsave_in_progress') !== '0') await sleep(5);
  return (Date.now() - t0) / 1000;
}

async function settle(pid, tree) {
  // Let the collector finish with the fill's garbage: wait until RSS stops moving.
  const mem = () => (tree ? rssTree(pid) : procStatus(pid, 'VmRSS'));
  let last = mem();
  for (let i = 0; i < 40; i++) {
    await sleep(250);
    const now = mem();
    if (Math.abs(now - last) < 1 << 20) return now;
    last = now;
  }
  return last;
}

const mb = (b) => (b / (1 << 20)).toFixed(1);

async function measure(kind) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bgsave-bench-${kind}-`));
  const srv = await startServer(kind, dir);
  const tree = kind === 'redis';
  try {
    process.stdout.write(`[${kind}] filling ${opts.keys} keys... `);
    fill(srv.port, opts.keys);
    console.log('done');

    // Memory and duration of a BGSAVE with no load.
    const pre = await settle(srv.pid, tree);
    const hwmReset = resetHwm(srv.pid);
    let sampler = rssSampler(srv.pid, tree);
    const t0 = Date.now();
    if (cli(srv.port, 'BGSAVE') !== 'Background saving started') throw new Error('BGSAVE refused');
    await waitSaveEnd(srv.port);
    const idleSaveSec = (Date.now() - t0) / 1000;
    const idlePeak = sampler.stop();
    const idleHwm = hwmReset ? procStatus(srv.pid, 'VmHWM') : 0;
    console.log(`[${kind}] BGSAVE without load: ${idleSaveSec.toFixed(2)} s, RSS before ${mb(pre)} MB, peak ${mb(idlePeak)} MB${hwmReset ? `, VmHWM ${mb(idleHwm)} MB` : ''}`);

    // Latency with and without a BGSAVE running.
    const idle = { get: [], set: [] };
    const during = { get: [], set: [] };
    let loadPre = 0;
    let loadPeak = 0;
    let loadHwm = 0;
    const requests = { get: opts.requests, set: opts.requests };
    for (let round = 0; round < opts.rounds; round++) {
      for (const test of ['get', 'set']) {
        const base = await benchmark(srv.port, test, opts.requests);
        idle[test].push(base);
        // Aim for a run that ends while the BGSAVE (slower under load) still runs.
        if (round === 0) requests[test] = Math.max(5000, Math.min(opts.requests, Math.floor(base.rps * idleSaveSec * 0.6)));
        for (let attempt = 0; ; attempt++) {
          const before = await settle(srv.pid, tree);
          resetHwm(srv.pid);
          sampler = rssSampler(srv.pid, tree);
          if (cli(srv.port, 'BGSAVE') !== 'Background saving started') throw new Error('BGSAVE refused');
          const r = await benchmark(srv.port, test, requests[test]);
          const stillSaving = infoField(srv.port, 'rdb_bgsave_in_progress') === '1';
          await waitSaveEnd(srv.port);
          const peak = sampler.stop();
          if (stillSaving || attempt >= 4) {
            if (!stillSaving) console.log(`[${kind}] warning: the ${test} run outlasted the BGSAVE`);
            during[test].push(r);
            loadPre = Math.max(loadPre, before);
            loadPeak = Math.max(loadPeak, peak);
            if (hwmReset) loadHwm = Math.max(loadHwm, procStatus(srv.pid, 'VmHWM'));
            break;
          }
          requests[test] = Math.max(2000, Math.floor(requests[test] * 0.6));
          console.log(`[${kind}] the BGSAVE ended before the ${test} run: retrying with ${requests[test]} requests`);
        }
      }
    }
    const row = (test) => {
      const i = { p50: median(idle[test].map((x) => x.p50)), p99: median(idle[test].map((x) => x.p99)), rps: median(idle[test].map((x) => x.rps)) };
      const d = { p50: median(during[test].map((x) => x.p50)), p99: median(during[test].map((x) => x.p99)), rps: median(during[test].map((x) => x.rps)) };
      return { test, i, d };
    };
    return {
      kind,
      idleSaveSec,
      pre,
      idlePeak,
      idleHwm,
      loadPre,
      loadPeak,
      loadHwm,
      rows: [row('get'), row('set')],
      fileBytes: fs.statSync(path.join(dir, 'dump.rdb')).size,
    };
  } finally {
    srv.proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const results = [await measure('nodis')];
if (opts.redis) results.push(await measure('redis'));

console.log('');
console.log(`${opts.keys} keys, redis-benchmark -c ${opts.clients} -P 1 -r ${opts.keys}, median of ${opts.rounds} rounds, node ${process.version}`);
console.log('');
console.log('| server | test | idle p50 ms | idle p99 ms | BGSAVE p50 ms | BGSAVE p99 ms | p99 ratio | idle rps | BGSAVE rps |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  for (const { test, i, d } of r.rows) {
    console.log(`| ${r.kind} | ${test.toUpperCase()} | ${i.p50} | ${i.p99} | ${d.p50} | ${d.p99} | ${(d.p99 / i.p99).toFixed(2)} | ${Math.round(i.rps)} | ${Math.round(d.rps)} |`);
  }
}
console.log('');
console.log('| server | BGSAVE s (no load) | file MB | RSS before MB | peak RSS MB (no load) | ratio | peak RSS MB (under load) | ratio |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  console.log(
    `| ${r.kind} | ${r.idleSaveSec.toFixed(2)} | ${mb(r.fileBytes)} | ${mb(r.pre)} | ${mb(r.idlePeak)} | ${(r.idlePeak / r.pre).toFixed(3)} | ${mb(r.loadPeak)} | ${(r.loadPeak / r.loadPre).toFixed(3)} |`,
  );
}
