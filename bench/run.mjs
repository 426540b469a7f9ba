#!/usr/bin/env node
// Throughput and memory of Nodis relative to redis-server, measured with
// redis-benchmark and redis-cli --pipe. Each server runs in its own process.
//
//   npm run build && npm run bench -- [--rounds 3] [--requests 100000]
//       [--tests set,get,incr,mset] [--pipelines 1,16] [--clients 50] [--data-size 3]  (redis-benchmark -d)
//       [--skip-memory] [--skip-throughput] [--memory-keys 1000000] [--memory-hashes 100000]
//       [--memory-sets 0] [--memory-zsets 0]  (ten-member sets and sorted sets)
//       [--node-flags "--max-semi-space-size=4"]  (V8 flags for the Nodis process)
//       [--baseline /path/to/other/nodis ...]  (other Nodis builds measured in the same rounds; repeatable)
//       [--command "LABEL=CMD ARG ..."]  (any command, on the data set below; repeatable)
//       [--commands-file bench/commands.txt]  (one LABEL=CMD ARG ... per line)
//
// Each test runs as its own redis-benchmark invocation, so the CPU time each
// server process spent on it (utime + stime from /proc/<pid>/stat) gives CPU
// microseconds per request: on a shared machine it varies less than
// requests/s, which also count the time other processes held the CPU.
//
// Ratios (Nodis / redis) are what matter: the machine may be shared and
// noisy, so rounds alternate which server goes first, and the requests/s
// ratio is taken within each round (the two servers ran back to back) and
// then the median over rounds.
// New tests (lpush, rpush, sadd, zadd, ...) are any names redis-benchmark's -t
// accepts: `--tests lpush,rpush,lpop,rpop`. Other commands run as
// redis-benchmark's own command line (arguments split at spaces) after both
// servers were loaded with commandData()'s keys (h100, s1000, z1000, l1000,
// st, bits, ...); with --command or --commands-file the -t tests run only
// if --tests is given too.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ---- options ----------------------------------------------------------------

function parseArgs(argv) {
  const o = {
    rounds: 3,
    requests: 100000,
    tests: 'set,get,incr,mset',
    pipelines: '1,16',
    clients: 50,
    dataSize: 0,
    skipMemory: false,
    skipThroughput: false,
    memoryKeys: 1000000,
    memoryHashes: 100000,
    memorySets: 0,
    memoryZsets: 0,
    // The V8 flags Nodis ships with (package.json "start", bin shebang, Dockerfile).
    nodeFlags: '--max-semi-space-size=4',
    baselines: [],
    testsGiven: false,
    commands: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--rounds':
        o.rounds = Number(val());
        break;
      case '--requests':
      case '-n':
        o.requests = Number(val());
        break;
      case '--tests':
      case '-t':
        o.tests = val();
        o.testsGiven = true;
        break;
      case '--command':
        o.commands.push(parseCommandSpec(val()));
        break;
      case '--commands-file':
        for (const line of fs.readFileSync(val(), 'utf8').split('\n')) {
          if (line.trim() !== '' && !line.startsWith('#')) o.commands.push(parseCommandSpec(line));
        }
        break;
      case '--pipelines':
        o.pipelines = val();
        break;
      case '--clients':
      case '-c':
        o.clients = Number(val());
        break;
      case '--data-size':
      case '-d':
        o.dataSize = Number(val());
        break;
      case '--skip-memory':
        o.skipMemory = true;
        break;
      case '--skip-throughput':
        o.skipThroughput = true;
        break;
      case '--memory-keys':
        o.memoryKeys = Number(val());
        break;
      case '--memory-hashes':
        o.memoryHashes = Number(val());
        break;
      case '--memory-sets':
        o.memorySets = Number(val());
        break;
      case '--memory-zsets':
        o.memoryZsets = Number(val());
        break;
      case '--node-flags':
        o.nodeFlags = val();
        break;
      case '--baseline':
        o.baselines.push(path.resolve(val()));
        break;
      case '-h':
      case '--help':
        console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 20).join('\n'));
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a}`);
    }
  }
  if (o.commands.length > 0 && !o.testsGiven) o.tests = '';
  return o;
}

/** "LABEL=CMD ARG ..." -> { label, args }. */
function parseCommandSpec(spec) {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--command wants LABEL=COMMAND ARGS: ${spec}`);
  const args = spec.slice(eq + 1).trim().split(/\s+/);
  if (args[0] === '') throw new Error(`--command without a command: ${spec}`);
  return { label: spec.slice(0, eq).trim(), args };
}

// ---- processes ----------------------------------------------------------------

function which(bin) {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

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

function ping(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => {
      buf += d;
      if (buf.includes('\r\n')) {
        s.destroy();
        resolve(buf.startsWith('+PONG'));
      }
    });
    s.on('error', () => resolve(false));
  });
}

async function waitReady(port, proc, name) {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}`);
    if (await ping(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not answer PING on port ${port}`);
}

const children = new Set();
/** Parsed command-line options (set in main). */
let OPTS = parseArgs([]);
process.on('exit', () => {
  for (const p of children) p.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

/** Start one server process; returns { name, port, pid, stop() }. `base` is the Nodis tree (default: this one). */
async function startServer(kind, base = root) {
  const port = await freePort();
  let proc;
  /** The server's working directory, removed when it stops. */
  let dir = null;
  if (kind === 'redis') {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-redis-'));
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } else {
    const cli = path.join(base, 'dist', 'server', 'cli.js');
    const bin = path.join(base, 'bin', 'nodis-server');
    if (fs.existsSync(bin) && fs.existsSync(cli)) {
      const flags = OPTS.nodeFlags.split(/\s+/).filter((f) => f !== '');
      // An empty working directory, as for redis-server: no dump file is loaded.
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-nodis-'));
      proc = spawn(
        process.execPath,
        [...flags, bin, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'],
        { stdio: ['ignore', 'ignore', 'inherit'], cwd: dir },
      );
    } else {
      // Before the command-line entry point exists: the embedding API in a child process.
      const entry = path.join(base, 'dist', 'index.js');
      const code = `import(${JSON.stringify(entry)}).then((m) => m.startServer({ port: ${port} }))`;
      proc = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
  }
  children.add(proc);
  await waitReady(port, proc, kind);
  return {
    name: kind,
    port,
    pid: proc.pid,
    stop: () =>
      new Promise((resolve) => {
        children.delete(proc);
        const done = () => {
          if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (proc.exitCode !== null) return done();
        proc.once('exit', done);
        proc.kill('SIGKILL');
      }),
  };
}

function run(cmd, args, input) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}${out}`))));
    if (input) {
      const s = fs.createReadStream(input);
      s.pipe(p.stdin);
    }
  });
}

// ---- throughput -------------------------------------------------------------

/** redis-benchmark --csv -> Map(test name -> rps). */
function parseCsv(text) {
  const m = new Map();
  for (const line of text.split('\n')) {
    const cols = line.match(/"([^"]*)"/g)?.map((c) => c.slice(1, -1));
    if (!cols || cols.length < 2 || cols[0] === 'test') continue;
    m.set(cols[0], Number(cols[1]));
  }
  return m;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

const fmtInt = (x) => Math.round(x).toLocaleString('en-US');

/** CPU time (user + system) of a process so far, in microseconds. */
function cpuMicros(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK;
}
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const LABELS = { redis: 'redis-server', nodis: 'Nodis' };

async function throughput(o, servers) {
  const pipelines = o.pipelines.split(',').map(Number);
  const tests = o.tests.split(',').filter((t) => t !== '');
  const names = Object.keys(servers);
  // rps[server][`${test}|${P}`] = [rps per round]; cpu likewise in µs per request.
  const rps = Object.fromEntries(names.map((n) => [n, new Map()]));
  const cpu = Object.fromEntries(names.map((n) => [n, new Map()]));
  const push = (m, k, v) => {
    if (!m.has(k)) m.set(k, []);
    m.get(k).push(v);
  };
  for (let round = 0; round < o.rounds; round++) {
    // Rotate which server goes first.
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const P of pipelines) {
      const runs = [...tests.map((t) => ({ label: null, args: ['-t', t] })), ...o.commands];
      for (const job of runs) {
        for (const name of order) {
          const s = servers[name];
          const c0 = cpuMicros(s.pid);
          const size = o.dataSize > 0 ? ['-d', String(o.dataSize)] : [];
          const bench = ['-p', String(s.port), '-c', String(o.clients), '-n', String(o.requests), '-P', String(P), ...size, '--csv'];
          const out = await run('redis-benchmark', [...bench, ...job.args]);
          const spent = cpuMicros(s.pid) - c0;
          let rows = parseCsv(out);
          if (job.label !== null) rows = new Map([[job.label, [...rows.values()][0]]]);
          for (const [t, r] of rows) {
            push(rps[name], `${t}|${P}`, r);
            // An invocation that ran several tests (LRANGE fills its list first) shares its CPU time among them.
            push(cpu[name], `${t}|${P}`, spent / (o.requests * rows.size));
          }
        }
      }
      process.stderr.write(`round ${round + 1}/${o.rounds} -P ${P} done\n`);
    }
  }
  const others = names.filter((n) => n !== 'redis');
  const lines = [
    `Throughput: redis-benchmark -c ${o.clients} -n ${o.requests}${o.dataSize > 0 ? ` -d ${o.dataSize}` : ''} -t <one test at a time>${o.commands.length > 0 ? ' (or a command line, labelled)' : ''}, ${o.rounds} rounds.`,
    'rps: requests/s, median over rounds; µs: CPU time of the server process per request (/proc/<pid>/stat',
    'utime + stime), median over rounds; rps ratio: Nodis rps / redis rps within each round (the two ran',
    'back to back), median over rounds, and the lowest and highest of those per-round ratios; CPU ratio:',
    'redis µs / Nodis µs. Higher is better for both ratios.',
    '',
    `| test | pipeline | redis rps | redis µs | ${others.map((n) => `${LABELS[n]} rps | µs | rps ratio | per-round range | CPU ratio`).join(' | ')} |`,
    `| --- | ---: | ---: | ---: | ${others.map(() => '---: | ---: | ---: | :---: | ---:').join(' | ')} |`,
  ];
  for (const k of rps.redis.keys()) {
    const [test, P] = k.split('|');
    if (!others.every((n) => rps[n].has(k))) continue;
    const r = Object.fromEntries(names.map((n) => [n, median(rps[n].get(k))]));
    const c = Object.fromEntries(names.map((n) => [n, median(cpu[n].get(k))]));
    // A round's two figures were measured minutes apart from the other
    // rounds' but seconds apart from each other: their ratio leaves out how
    // fast the machine was in that round.
    const paired = (n) => rps[n].get(k).map((v, i) => v / rps.redis.get(k)[i]);
    lines.push(
      `| ${test} | ${P} | ${fmtInt(r.redis)} | ${c.redis.toFixed(2)} | ${others
        .map((n) => {
          const q = paired(n);
          return `${fmtInt(r[n])} | ${c[n].toFixed(2)} | ${median(q).toFixed(2)} | ${Math.min(...q).toFixed(2)}-${Math.max(...q).toFixed(2)} | ${(c.redis / c[n]).toFixed(2)}`;
        })
        .join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

// ---- memory -----------------------------------------------------------------

function rssBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** A RESP file of `n` commands made by `command(i)` (cached in the temp dir under `name`). */
function writeLoadFile(name, n, command) {
  const file = path.join(os.tmpdir(), `nodis-bench-load-${name}-${n}.resp`);
  if (fs.existsSync(file)) return file;
  const fd = fs.openSync(file + '.tmp', 'w');
  const chunk = [];
  for (let i = 0; i < n; i++) {
    const args = command(i);
    chunk.push(`*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`);
    if (chunk.length === 10000) {
      fs.writeSync(fd, chunk.join(''), null, 'latin1');
      chunk.length = 0;
    }
  }
  fs.writeSync(fd, chunk.join(''), null, 'latin1');
  fs.closeSync(fd);
  fs.renameSync(file + '.tmp', file);
  return file;
}

async function dbsize(port) {
  const out = await run('redis-cli', ['-p', String(port), 'DBSIZE']);
  return Number(out.trim());
}

async function usedMemory(port) {
  const out = await run('redis-cli', ['-p', String(port), 'INFO', 'memory']);
  return Number(/used_memory:(\d+)/.exec(out)[1]);
}

/**
 * The keys --command lines run on (the same in both servers): one command
 * per entry, string arguments as latin1 bytes.
 */
function commandData() {
  const range = (n, f) => Array.from({ length: n }, (_, i) => f(i + 1));
  let seed = 1;
  const byte = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 24;
  };
  return [
    ['HSET', 'h100', ...range(100, (i) => [`f${i}`, `v${i}`]).flat()],
    ['SADD', 's100', ...range(100, (i) => `m${i}`)],
    ['SADD', 'si100', ...range(100, (i) => String(i))],
    ['SADD', 's1000', ...range(1000, (i) => `m${i}`)],
    ['ZADD', 'z100', ...range(100, (i) => [String(i), `m${i}`]).flat()],
    ['ZADD', 'z1000', ...range(1000, (i) => [String(i), `m${i}`]).flat()],
    ['RPUSH', 'l1000', ...range(1000, (i) => `e${i}`)],
    ...range(100, (i) => ['XADD', 'st', `${i}-1`, 'f', 'v']),
    ['SET', 'bits', String.fromCharCode(...range(12500, byte))],
    ['SET', 'str', 'hello'],
    ['SET', 'num', '10'],
    ['PFADD', 'hll', 'a', 'b', 'c', 'd', 'e', 'f', 'g'],
    ['GEOADD', 'geo', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
    ...range(10, (i) => ['SET', `k${i}`, `v${i}`]),
  ];
}

async function loadCommandData(servers) {
  const data = commandData();
  const file = writeLoadFile('commands-v1', data.length, (i) => data[i]);
  for (const s of Object.values(servers)) await run('redis-cli', ['-p', String(s.port), '--pipe'], file);
}

/** The datasets of the memory measurement: each loaded into fresh servers. */
const DATASETS = [
  {
    name: 'strings',
    count: (o) => o.memoryKeys,
    title: (n) => `${fmtInt(n)} x SET key:%09d val:%012d`,
    command: (i) => ['SET', `key:${String(i).padStart(9, '0')}`, `val:${String(i).padStart(12, '0')}`],
  },
  {
    name: 'hashes',
    count: (o) => o.memoryHashes,
    title: (n) => `${fmtInt(n)} x HSET hash:%09d f0 v:%012d ... f9 v:%012d (10 fields, listpack)`,
    command: (i) => {
      const args = ['HSET', `hash:${String(i).padStart(9, '0')}`];
      for (let f = 0; f < 10; f++) args.push(`f${f}`, `v:${String(i * 10 + f).padStart(12, '0')}`);
      return args;
    },
  },
  {
    name: 'sets',
    count: (o) => o.memorySets,
    title: (n) => `${fmtInt(n)} x SADD set:%09d m:%012d x 10 (hashtable encoding)`,
    command: (i) => ['SADD', `set:${String(i).padStart(9, '0')}`, ...Array.from({ length: 10 }, (_, f) => `m:${String(i * 10 + f).padStart(12, '0')}`)],
  },
  {
    name: 'zsets',
    count: (o) => o.memoryZsets,
    title: (n) => `${fmtInt(n)} x ZADD zset:%09d <score> m:%012d x 10 (listpack)`,
    command: (i) => {
      const args = ['ZADD', `zset:${String(i).padStart(9, '0')}`];
      for (let f = 0; f < 10; f++) args.push(String(f * 1.5), `m:${String(i * 10 + f).padStart(12, '0')}`);
      return args;
    },
  },
];

async function memory(o) {
  const mb = (b) => (b / 1024 / 1024).toFixed(1);
  const out = [];
  for (const ds of DATASETS) {
    const n = ds.count(o);
    if (n <= 0) continue;
    const file = writeLoadFile(ds.name, n, ds.command);
    const rows = {};
    for (const name of ['redis', 'nodis']) {
      const s = await startServer(name);
      try {
        await new Promise((r) => setTimeout(r, 300));
        const before = rssBytes(s.pid);
        const usedBefore = await usedMemory(s.port);
        await run('redis-cli', ['-p', String(s.port), '--pipe'], file);
        const keys = await dbsize(s.port);
        if (keys !== n) throw new Error(`${name}: DBSIZE ${keys} after loading ${n} keys`);
        await new Promise((r) => setTimeout(r, 1000));
        const after = rssBytes(s.pid);
        const used = await usedMemory(s.port);
        rows[name] = { before, after, perKey: (after - before) / n, usedPerKey: (used - usedBefore) / n };
        process.stderr.write(`memory ${ds.name} ${name} done\n`);
      } finally {
        await s.stop();
      }
    }
    out.push(
      `Memory: ${ds.title(n)} through redis-cli --pipe (VmRSS; used_memory as each server reports it)`,
      '',
      '| server | RSS before | RSS after | RSS bytes/key (after - before) | used_memory bytes/key |',
      '| --- | ---: | ---: | ---: | ---: |',
      ...['redis', 'nodis'].map(
        (k) =>
          `| ${k === 'redis' ? 'redis-server' : 'Nodis'} | ${mb(rows[k].before)} MB | ${mb(rows[k].after)} MB | ${rows[k].perKey.toFixed(1)} | ${rows[k].usedPerKey.toFixed(1)} |`,
      ),
      '',
      `Nodis / redis RSS bytes per key: ${(rows.nodis.perKey / rows.redis.perKey).toFixed(2)}; absolute RSS after load: ${(rows.nodis.after / rows.redis.after).toFixed(2)}`,
      '',
    );
  }
  return out.join('\n');
}

// ---- main -------------------------------------------------------------------

async function main() {
  const o = parseArgs(process.argv.slice(2));
  OPTS = o;
  for (const bin of ['redis-server', 'redis-benchmark', 'redis-cli']) {
    if (!which(bin)) throw new Error(`${bin} not found (apt-get install -y redis-server redis-tools)`);
  }
  if (!fs.existsSync(path.join(root, 'dist', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const redisVersion = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`# Nodis benchmark (${new Date().toISOString()})\n`);
  console.log(`node ${process.version}; ${redisVersion}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})\n`);
  if (!o.skipThroughput) {
    const servers = { redis: await startServer('redis'), nodis: await startServer('nodis') };
    for (const [i, dir] of o.baselines.entries()) {
      const name = `baseline${i + 1}`;
      LABELS[name] = `${name} (${path.basename(dir)})`;
      servers[name] = await startServer('nodis', dir);
    }
    try {
      for (const [i, dir] of o.baselines.entries()) console.log(`baseline${i + 1}: ${dir}`);
      console.log(`Nodis: ${root}\n`);
      if (o.commands.length > 0) await loadCommandData(servers);
      console.log(await throughput(o, servers));
      console.log('');
    } finally {
      for (const s of Object.values(servers)) await s.stop();
    }
  }
  if (!o.skipMemory) console.log(await memory(o));
}

main().catch((e) => {
  console.error(e.message ?? e);
  process.exit(1);
});
