/**
 * The nodis-server executable (bin/nodis-server -> dist/server/cli.js; the
 * test command builds dist/ first): flags, config files, stdin, fatal
 * config errors (compared with redis-server when installed), start-up log,
 * SIGTERM/SIGINT/SHUTDOWN exits, daemonize and pidfile, logfile, loglevel.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/resp.js';
import { freePort, HAVE_REDIS, redisServerPath } from '../helpers/servers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin', 'nodis-server');

let tmp: string;
beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'server', 'cli.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-cli-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Proc {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

const running: Proc[] = [];
afterEach(() => {
  for (const p of running.splice(0)) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
});

function start(args: string[], opts: { stdin?: string; cwd?: string } = {}): Proc {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? tmp,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODIS_DAEMONIZED: '' },
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  if (opts.stdin !== undefined) proc.stdin!.end(opts.stdin);
  else proc.stdin!.end();
  // 'close', not 'exit': the last lines a dying server wrote may still be in
  // the pipe when 'exit' comes, and the tests read them.
  const exit = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  const p = { proc, out: () => out, err: () => err, exit };
  running.push(p);
  return p;
}

/** Run to completion (for invocations that exit by themselves). */
function run(bin: string, args: string[], input = ''): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin === 'nodis' ? process.execPath : bin, bin === 'nodis' ? [BIN, ...args] : args, { cwd: tmp });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('latin1').on('data', (d) => (stdout += d));
    proc.stderr.setEncoding('latin1').on('data', (d) => (stderr += d));
    // A server that exits on a fatal configuration error may never read its
    // stdin: the EPIPE is expected, not a failure.
    proc.stdin.on('error', () => {});
    proc.stdin.end(input);
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${bin} ${args.join(' ')} did not exit`));
    }, 20000);
    proc.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

async function waitForPing(port: number, p: Proc, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.proc.exitCode !== null) throw new Error(`exited ${p.proc.exitCode}: ${p.out()} ${p.err()}`);
    try {
      const c = await RawClient.connect(port);
      const r = await c.callStr('PING');
      c.close();
      if (r === '+PONG\r\n') return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no PING on ${port}: ${p.out()} ${p.err()}`);
}

/** The `msg` fields of the JSON log lines. */
function messages(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => (JSON.parse(l) as { msg: string }).msg);
}

async function withTimeout<T>(p: Promise<T>, ms = 10000): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error('timeout')), ms))]);
}

describe('nodis-server: informational flags', () => {
  it('--version / -v print the version line and exit 0', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await run('nodis', [flag]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^Nodis server v=0\.1\.0 redis_version=7\.0\.15 node=v\d+\.\d+\.\d+ bits=64\n$/);
    }
  });

  it('--help / -h print the usage on stderr and exit 1, as redis-server', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await run('nodis', [flag]);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^Usage: nodis-server \[\/path\/to\/redis\.conf\] \[options\] \[-\]\n/);
      expect(r.stderr).toContain('nodis-server --port 7777 --replicaof 127.0.0.1 8888');
    }
    if (HAVE_REDIS) expect((await run(redisServerPath()!, ['--help'])).status).toBe(1);
  });
});

describe('nodis-server: fatal configuration errors', () => {
  const cases: string[][] = [
    ['--port', 'abc'],
    ['--foo', 'bar'],
    ['--save', '1', '2', '3'],
    ['--maxmemory', '1', '2'],
    ['--port', '"abc'],
    ['--appendonly', 'maybe'],
    ['--loglevel', 'loud'],
    ['--notify-keyspace-events', 'Q'],
    ['--client-output-buffer-limit', 'master 0 0 0'],
    ['--replicaof', 'host', 'port'],
    ['--logfile', '/nonexistent-dir/x.log'],
    ['--include'],
    ['--rename-command', 'nosuchcommand', 'x'],
    ['--port', '7000', '--hz', 'x\xff'],
  ];

  it('print Redis\'s report on stderr and exit 1', async () => {
    const r = await run('nodis', ['--port', 'abc']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'port \"abc\"'\nargument couldn't be parsed into an integer\n",
    );
    const results = await Promise.all(cases.map((args) => run('nodis', args)));
    cases.forEach((args, i) => {
      expect(results[i].status, args.join(' ')).toBe(1);
      expect(results[i].stderr, args.join(' ')).toContain('*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***');
    });
  });

  it.skipIf(!HAVE_REDIS)('match redis-server byte for byte', async () => {
    const conf = path.join(tmp, 'bad.conf');
    fs.writeFileSync(conf, '# ok\nport 7000\n\n  maxmemory 10xb  \n');
    const all = [...cases, [conf], [conf, '--hz', '5'], ['--hz', '5', '-']];
    const results = await Promise.all(
      all.map((args) => Promise.all([run('nodis', args, 'timeout x\n'), run(redisServerPath()!, args, 'timeout x\n')])),
    );
    all.forEach((args, i) => {
      const [n, r] = results[i];
      expect(n.stderr, args.join(' ')).toBe(r.stderr);
      expect(n.status, args.join(' ')).toBe(r.status);
    });
  });

  it('a missing config file is fatal', async () => {
    const r = await run('nodis', [path.join(tmp, 'missing.conf')]);
    expect(r.status).toBe(1);
    expect(messages(r.stdout)).toContain(`Fatal error, can't open config file '${path.join(tmp, 'missing.conf')}': No such file or directory`);
  });

  it('settings Nodis cannot honour stop the start-up', async () => {
    const cases: [string[], string][] = [
      [['--port', '0'], 'Configured to not listen anywhere, exiting.'],
      [['--loadmodule', '/x/mod.so'], "Can't load module from /x/mod.so: server aborting"],
      [['--cluster-enabled', 'yes'], 'Cluster mode is not supported by Nodis, aborting.'],
    ];
    for (const [args, msg] of cases) {
      const r = await run('nodis', args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(messages(r.stdout)).toContain(msg);
    }
  });
});

describe('nodis-server: running', () => {
  it('serves with flags, logs the start-up banner, exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const p = start(['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--hz', '20']);
    await waitForPing(port, p);
    const c = await RawClient.connect(port);
    expect(await c.callStr('CONFIG', 'GET', 'port')).toBe(`*2\r\n$4\r\nport\r\n$${String(port).length}\r\n${port}\r\n`);
    expect(await c.callStr('CONFIG', 'GET', 'save')).toBe('*2\r\n$4\r\nsave\r\n$0\r\n\r\n');
    expect(await c.callStr('CONFIG', 'GET', 'hz')).toBe('*2\r\n$2\r\nhz\r\n$2\r\n20\r\n');
    c.close();
    const msgs = messages(p.out());
    expect(msgs[0]).toBe('oO0OoO0OoO0Oo Nodis is starting oO0OoO0OoO0Oo');
    expect(msgs[1]).toBe(
      `Nodis version=0.1.0, redis_version=7.0.15, bits=64, node=${process.version}, pid=${p.proc.pid}, just started`,
    );
    expect(msgs).toContain('Configuration loaded');
    expect(msgs).toContain(`Running mode=standalone, port=${port}.`);
    expect(msgs).toContain('Server initialized');
    expect(msgs).toContain('Ready to accept connections');
    p.proc.kill('SIGTERM');
    expect(await withTimeout(p.exit)).toBe(0);
    const after = messages(p.out());
    expect(after).toContain('Received SIGTERM scheduling shutdown...');
    expect(after).toContain('User requested shutdown...');
    expect(after[after.length - 1]).toBe('Nodis is now ready to exit, bye bye...');
  });

  it('exits 0 on SIGINT and on SHUTDOWN (no reply to the client)', async () => {
    const port = await freePort();
    const p = start(['--port', String(port), '--bind', '127.0.0.1', '--save', '']);
    await waitForPing(port, p);
    p.proc.kill('SIGINT');
    expect(await withTimeout(p.exit)).toBe(0);
    expect(messages(p.out())).toContain('Received SIGINT scheduling shutdown...');

    const port2 = await freePort();
    const p2 = start(['--port', String(port2), '--bind', '127.0.0.1']);
    await waitForPing(port2, p2);
    const c = await RawClient.connect(port2);
    c.write(Buffer.from('*1\r\n$8\r\nSHUTDOWN\r\n'));
    await expect(c.readReply(5000)).rejects.toThrow();
    expect(await withTimeout(p2.exit)).toBe(0);
  });

  it('config file, stdin and flags (later wins); CONFIG REWRITE updates the file', async () => {
    const port = await freePort();
    const conf = path.join(tmp, 'run.conf');
    fs.writeFileSync(conf, `# my config\nport ${port}\nbind 127.0.0.1\nhz 5\nsave 900 1\nsave 300 10\nrename-command config cfg\n`);
    const p = start([conf, '--maxmemory', '2mb', '-'], { stdin: 'hz 7\ntimeout 9\n' });
    await waitForPing(port, p);
    const c = await RawClient.connect(port);
    expect(await c.callStr('CONFIG', 'GET', 'hz')).toMatch(/^-ERR unknown command 'CONFIG'/);
    expect(await c.callStr('CFG', 'GET', 'hz')).toBe('*2\r\n$2\r\nhz\r\n$1\r\n7\r\n');
    expect(await c.callStr('CFG', 'GET', 'timeout')).toBe('*2\r\n$7\r\ntimeout\r\n$1\r\n9\r\n');
    expect(await c.callStr('CFG', 'GET', 'maxmemory')).toBe('*2\r\n$9\r\nmaxmemory\r\n$7\r\n2097152\r\n');
    expect(await c.callStr('CFG', 'GET', 'save')).toBe('*2\r\n$4\r\nsave\r\n$12\r\n900 1 300 10\r\n');
    expect(await c.callStr('CFG', 'SET', 'save', '60 100')).toBe('+OK\r\n');
    expect(await c.callStr('CFG', 'REWRITE')).toBe('+OK\r\n');
    const text = fs.readFileSync(conf, 'latin1');
    expect(text).toMatch(/^# my config\nport \d+\nbind 127\.0\.0\.1\nhz 7\nsave 60 100\n\nrename-command config cfg\n/);
    expect(text).toContain('\n# Generated by CONFIG REWRITE\n');
    expect(text).toContain('\nmaxmemory 2mb\n');
    expect(text).toContain('\ntimeout 9\n');
    expect(text).toContain(`\ndir ${JSON.stringify(fs.realpathSync(tmp))}\n`);
    c.close();
    p.proc.kill('SIGTERM');
    expect(await withTimeout(p.exit)).toBe(0);
    expect(messages(p.out())).toContain('Reading config from stdin');
  });

  it('listens on a unix socket only with --port 0 --unixsocket', async () => {
    const sockPath = path.join(tmp, 'cli.sock');
    const p = start(['--port', '0', '--unixsocket', sockPath, '--unixsocketperm', '770']);
    const deadline = Date.now() + 10000;
    while (!messages(p.out()).includes(`The server is now ready to accept connections at ${sockPath}`)) {
      if (Date.now() > deadline || p.proc.exitCode !== null) throw new Error(p.out() + p.err());
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(messages(p.out())).not.toContain('Ready to accept connections');
    expect(fs.statSync(sockPath).mode & 0o777).toBe(0o770);
    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect(sockPath, () => s.write('PING\r\n'));
      s.once('data', (d) => {
        resolve(d.toString('latin1'));
        s.destroy();
      });
      s.once('error', reject);
    });
    expect(reply).toBe('+PONG\r\n');
    p.proc.kill('SIGTERM');
    expect(await withTimeout(p.exit)).toBe(0);
    expect(messages(p.out())).toContain('Removing the unix socket file.');
    expect(fs.existsSync(sockPath)).toBe(false);
  });

  it('a port in use aborts the start-up', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const p = start(['--port', String(port), '--bind', '127.0.0.1']);
      expect(await withTimeout(p.exit)).toBe(1);
      expect(messages(p.out())).toContain(`Failed listening on port ${port} (TCP), aborting.`);
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  it('logfile and loglevel are honoured', async () => {
    const port = await freePort();
    const logfile = path.join(tmp, 'server.log');
    const p = start(['--port', String(port), '--bind', '127.0.0.1', '--logfile', logfile, '--loglevel', 'warning']);
    await waitForPing(port, p);
    const c = await RawClient.connect(port);
    expect(await c.callStr('CONFIG', 'GET', 'logfile')).toBe(`*2\r\n$7\r\nlogfile\r\n$${logfile.length}\r\n${logfile}\r\n`);
    c.close();
    p.proc.kill('SIGTERM');
    expect(await withTimeout(p.exit)).toBe(0);
    expect(p.out()).toBe('');
    const logged = messages(fs.readFileSync(logfile, 'utf8'));
    expect(logged).toContain('Server initialized');
    expect(logged).not.toContain('Ready to accept connections'); // notice level
    expect(logged).toContain('Nodis is now ready to exit, bye bye...');
  });

  it('daemonize yes: the parent exits 0, the server writes and removes its pidfile', async () => {
    const port = await freePort();
    const pidfile = path.join(tmp, 'nodis.pid');
    const logfile = path.join(tmp, 'daemon.log');
    const p = start(['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'yes', '--pidfile', pidfile, '--logfile', logfile]);
    expect(await withTimeout(p.exit)).toBe(0);
    const deadline = Date.now() + 10000;
    let pid = 0;
    while (Date.now() < deadline) {
      try {
        const c = await RawClient.connect(port);
        const r = await c.callStr('PING');
        c.close();
        if (r === '+PONG\r\n') break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    try {
      pid = Number(fs.readFileSync(pidfile, 'utf8').trim());
      expect(pid).toBeGreaterThan(0);
      expect(pid).not.toBe(p.proc.pid);
      const c = await RawClient.connect(port);
      expect(await c.callStr('CONFIG', 'GET', 'daemonize')).toBe('*2\r\n$9\r\ndaemonize\r\n$3\r\nyes\r\n');
      c.write(Buffer.from('*1\r\n$8\r\nSHUTDOWN\r\n'));
      await expect(c.readReply(5000)).rejects.toThrow();
      const gone = Date.now() + 5000;
      while (fs.existsSync(pidfile) && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
      expect(fs.existsSync(pidfile)).toBe(false);
      expect(messages(fs.readFileSync(logfile, 'utf8'))).toContain('Removing the pid file.');
    } finally {
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already exited */
        }
      }
    }
  });

  it('without arguments: default config on port 6379 with the no-config-file warning (when 6379 is free)', async () => {
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(6379, () => s.close(() => resolve(true)));
    });
    if (!free) {
      console.warn('[e2e/cli] port 6379 is busy: the default-port start was not tested');
      return;
    }
    const p = start([]);
    await waitForPing(6379, p);
    expect(messages(p.out())).toContain(
      'Warning: no config file specified, using the default config. In order to specify a config file use nodis-server /path/to/redis.conf',
    );
    p.proc.kill('SIGTERM');
    expect(await withTimeout(p.exit)).toBe(0);
  });
});

describe('nodis-check-rdb', () => {
  it('prints the report of a file and exits 0 when it loads, 1 when it does not', async () => {
    const { spawnSync } = await import('node:child_process');
    const checker = path.join(ROOT, 'bin', 'nodis-check-rdb');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-check-rdb-e2e-'));
    try {
      // An RDB of one key: header, SELECTDB 0, "k" = "v", EOF, a zero checksum (redis-check-rdb prints the same).
      const file = path.join(dir, 'dump.rdb');
      fs.writeFileSync(file, Buffer.concat([Buffer.from('REDIS0010\xfe\x00\x00\x01k\x01v\xff', 'latin1'), Buffer.alloc(8)]));
      const ok = spawnSync(process.execPath, [checker, file], { encoding: 'latin1' });
      expect(ok.status).toBe(0);
      expect(ok.stdout.split('\n')).toEqual([
        `[offset 0] Checking RDB file ${file}`,
        '[offset 11] Selecting DB ID 0',
        '[offset 25] RDB file was saved with checksum disabled: no check performed.',
        '[offset 25] \\o/ RDB looks OK! \\o/',
        '[info] 1 keys read',
        '[info] 0 expires',
        '[info] 0 already expired',
        '',
      ]);
      fs.writeFileSync(file, Buffer.from('REDIS0010\xfe\x00\x00\x01k', 'latin1'));
      const bad = spawnSync(process.execPath, [checker, file], { encoding: 'latin1' });
      expect(bad.status).toBe(1);
      expect(bad.stdout).toContain('[offset 14] Unexpected EOF reading RDB file\n[additional info] While doing: read-object-value\n');
      const usage = spawnSync(process.execPath, [checker], { encoding: 'latin1' });
      expect([usage.status, usage.stderr]).toEqual([1, 'Usage: nodis-check-rdb <rdb-file-name>\n']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('crashes: a bug report in the log, then the process dies as asked', () => {
  async function crashed(extra: string[], act: (port: number, p: Proc) => Promise<void>): Promise<{ msgs: string[]; code: number | null; signal: string | null }> {
    const port = await freePort();
    const p = start(['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--enable-debug-command', 'yes', ...extra]);
    await waitForPing(port, p);
    await act(port, p);
    const code = await withTimeout(p.exit);
    return { msgs: messages(p.out()), code, signal: p.proc.signalCode };
  }

  async function send(port: number, ...args: string[]): Promise<void> {
    const c = await RawClient.connect(port);
    c.write(`*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`);
  }

  function report(msgs: string[]): string[] {
    const start = msgs.indexOf('=== NODIS BUG REPORT START: Cut & paste starting from here ===');
    const end = msgs.indexOf('=== NODIS BUG REPORT END. Make sure to include from START to END. ===');
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    return msgs.slice(start + 1, end);
  }

  it('DEBUG SEGFAULT: the signal, the stack, INFO, CLIENT LIST and the current client; death by SIGSEGV', async () => {
    const r = await crashed([], (port) => send(port, 'DEBUG', 'SEGFAULT'));
    expect([r.code, r.signal]).toEqual([null, 'SIGSEGV']);
    const rep = report(r.msgs);
    expect(rep[0]).toBe('Nodis 0.1.0 crashed by signal: 11, si_code: 0');
    expect(rep[1]).toBe('------ STACK TRACE ------');
    expect(rep).toContain('------ INFO OUTPUT ------');
    expect(rep).toContain('redis_version:7.0.15');
    expect(rep).toContain('------ CLIENT LIST OUTPUT ------');
    expect(rep).toContain("argv[1]: 'SEGFAULT'");
  });

  it('DEBUG PANIC with use-exit-on-panic yes: the Guru Meditation, then exit status 1', async () => {
    const r = await crashed(['--use-exit-on-panic', 'yes'], (port) => send(port, 'DEBUG', 'PANIC'));
    expect([r.code, r.signal]).toEqual([1, null]);
    const rep = report(r.msgs);
    expect(rep.slice(0, 2)).toEqual(['------------------------------------------------', '!!! Software Failure. Press left mouse button to continue']);
    expect(rep[2]).toMatch(/^Guru Meditation: DEBUG PANIC called at Unix time \d+ #commands\/server\.ts$/);
  });

  it('DEBUG ASSERT with crash-log-enabled no: only the assertion; death by abort()', async () => {
    const r = await crashed(['--crash-log-enabled', 'no'], (port) => send(port, 'DEBUG', 'ASSERT'));
    expect([r.code, r.signal]).toEqual([null, 'SIGABRT']);
    expect(report(r.msgs)).toEqual(['=== ASSERTION FAILED ===', "==> commands/server.ts '1 == 2' is not true"]);
  });

  it('an uncaught exception (a Nodis bug): a Guru Meditation naming it and where it was thrown', async () => {
    const script = path.join(tmp, 'uncaught.mjs');
    const dist = (f: string): string => JSON.stringify(path.join(ROOT, 'dist', 'server', f));
    fs.writeFileSync(
      script,
      [
        `import { NodisServer } from ${dist('server.js')};`,
        `import { installCrashHandlers } from ${dist('crash.js')};`,
        "const s = new NodisServer({ config: { port: '0', bind: '127.0.0.1', 'use-exit-on-panic': 'yes' } });",
        'await s.listen();',
        'installCrashHandlers(s);',
        'setTimeout(function failing() { null.x; }, 10);',
        '',
      ].join('\n'),
    );
    const r = await run(process.execPath, [script]);
    expect(r.status).toBe(1);
    const rep = report(messages(r.stdout));
    expect(rep[2]).toBe(`Guru Meditation: Uncaught TypeError: Cannot read properties of null (reading 'x') #${script}:6`);
    expect(rep[3]).toBe('------ STACK TRACE ------');
    expect(rep[5]).toMatch(/at Timeout\.failing/);
  });

  it('SIGABRT from outside: the report, then death by SIGABRT', async () => {
    const r = await crashed([], async (_port, p) => {
      p.proc.kill('SIGABRT');
    });
    expect([r.code, r.signal]).toEqual([null, 'SIGABRT']);
    expect(report(r.msgs)[0]).toBe('Nodis 0.1.0 crashed by signal: 6, si_code: 0');
  });
});
