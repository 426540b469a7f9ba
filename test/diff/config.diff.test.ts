/**
 * CONFIG against a real redis-server: the whole `CONFIG GET *` map of a
 * default instance, CONFIG GET patterns, and CONFIG SET replies (errors and
 * successes) for many good and bad values.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis, type RedisHandle } from '../helpers/servers.js';
import { parseReply, RawClient, type Reply } from '../helpers/resp.js';
import { Config } from '../../src/server/config.js';
import { loadServerConfig, rewriteConfigContent } from '../../src/server/config-file.js';

warnIfNoRedis('diff/config');

/**
 * Directives whose values legitimately differ between the two servers:
 * each server listens on its own free port and runs in its own directory.
 */
const EXCEPTIONS = new Set(['port', 'dir']);

function toMap(r: Reply): Map<string, string> {
  const out = new Map<string, string>();
  if (r.t !== 'array' || r.v === null) throw new Error(`not an array: ${JSON.stringify(r)}`);
  for (let i = 0; i < r.v.length; i += 2) {
    const k = r.v[i];
    const v = r.v[i + 1];
    if (k.t !== 'bulk' || v.t !== 'bulk' || k.v === null || v.v === null) throw new Error('bad entry');
    out.set(k.v.latin1Slice(), v.v.latin1Slice());
  }
  return out;
}

async function configMap(c: RawClient, pattern = '*'): Promise<Map<string, string>> {
  return toMap(parseReply(await c.call('CONFIG', 'GET', pattern))[0]);
}

describe.skipIf(!HAVE_REDIS)('differential: CONFIG', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });

  it('CONFIG GET * of a default instance equals redis-server (except port and dir)', async () => {
    const [n, r] = await Promise.all([configMap(d.n), configMap(d.r)]);
    const missing = [...r.keys()].filter((k) => !n.has(k)).sort();
    const extra = [...n.keys()].filter((k) => !r.has(k)).sort();
    expect(missing, 'directives only redis-server has').toEqual([]);
    expect(extra, 'directives only Nodis has').toEqual([]);
    const differ: string[] = [];
    for (const [k, v] of r) {
      if (EXCEPTIONS.has(k)) continue;
      if (n.get(k) !== v) differ.push(`${k}: nodis=${JSON.stringify(n.get(k))} redis=${JSON.stringify(v)}`);
    }
    expect(differ).toEqual([]);
    // The in-process test server is configured with port 0 (any free port).
    expect(n.get('port')).toBe('0');
    expect(path.isAbsolute(n.get('dir')!)).toBe(true);
  });

  it('CONFIG GET patterns, aliases, case and hidden directives', async () => {
    const sorted = { sort: true } as const;
    // Map replies are flat arrays in RESP2; sort pairs as strings.
    const pairs = async (...args: string[]): Promise<void> => {
      const [nb, rb] = await d.both('CONFIG', 'GET', ...args);
      const nm = [...toMap(parseReply(nb)[0]).entries()].map((e) => e.join('=')).sort();
      const rm = [...toMap(parseReply(rb)[0]).entries()].map((e) => e.join('=')).sort();
      expect(nm, `CONFIG GET ${args.join(' ')}`).toEqual(rm);
    };
    await pairs('maxmemory*');
    await pairs('*max*', 'hz');
    await pairs('HZ');
    await pairs('MAXCLIENTS', 'maxclients');
    await pairs('slave*');
    await pairs('replica-priority', 'slave-priority');
    await pairs('rdb-key-save-delay');
    await pairs('*delay*');
    await pairs('nonexistent');
    await pairs('[a-c]*');
    await pairs('?z');
    await pairs('save', 'client-output-buffer-limit', 'notify-keyspace-events', 'oom-score-adj-values');
    await d.same(['CONFIG', 'GET', 'hz'], sorted);
    await d.same('CONFIG', 'GET');
    await d.same('CONFIG', 'HELP');
    await d.same('CONFIG', 'help', 'extra');
    await d.same('CONFIG', 'nosuch');
    await d.same('CONFIG');
  });

  it('CONFIG SET errors match byte for byte', async () => {
    const bad: string[][] = [
      ['port', 'abc'],
      ['port', ''],
      ['port', ' 1'],
      ['port', '-0'],
      ['port', '70000'],
      ['port', '-1'],
      ['x', 'y'],
      ['PORT', 'abc'],
      ['slave-priority', 'abc'],
      ['daemonize', 'yes'],
      ['databases', '3'],
      ['dbfilename', 'a'],
      ['dir', '/tmp'],
      ['unixsocketperm', '777'],
      ['maxmemory', '-1'],
      ['maxmemory', '1.5gb'],
      ['maxmemory', ' 1'],
      ['maxmemory', '+1'],
      ['maxmemory', '10q'],
      ['maxmemory-clients', '101%'],
      ['maxmemory-clients', '-1'],
      ['maxmemory-clients', 'abc'],
      ['maxmemory-clients', '%'],
      ['maxmemory-clients', '-5%'],
      ['proto-max-bulk-len', '18446744073709551615'],
      ['proto-max-bulk-len', '1000'],
      ['client-query-buffer-limit', '1k'],
      ['hz', '-1'],
      ['hz', '01'],
      ['maxclients', '0'],
      ['maxclients', '-1'],
      ['maxclients', '4294967296'],
      ['loglevel', 'foo'],
      ['loglevel', ''],
      ['maxmemory-policy', 'lru'],
      ['appendfsync', 'sometimes'],
      ['shutdown-on-sigint', 'save nosave'],
      ['shutdown-on-sigint', 'save  now'],
      ['shutdown-on-sigint', ''],
      ['shutdown-on-sigint', 'bogus'],
      ['activerehashing', 'maybe'],
      ['activerehashing', '1'],
      ['protected-mode', ''],
      ['save', '1 2 3'],
      ['save', '0 1'],
      ['save', '1 -1'],
      ['save', 'a b'],
      ['save', '100 10  200 20'],
      ['client-output-buffer-limit', 'normal 0 0'],
      ['client-output-buffer-limit', 'master 0 0 0'],
      ['client-output-buffer-limit', 'foo 0 0 0'],
      ['client-output-buffer-limit', 'normal x 0 0'],
      ['client-output-buffer-limit', 'normal 0 0 -1'],
      ['client-output-buffer-limit', 'normal 0 0 1x'],
      ['oom-score-adj-values', '1 2'],
      ['oom-score-adj-values', '1 2 3000'],
      ['oom-score-adj-values', ''],
      ['notify-keyspace-events', 'Kq'],
      ['notify-keyspace-events', 'KE x'],
      ['latency-tracking-info-percentiles', '50 101'],
      ['latency-tracking-info-percentiles', '50 abc'],
      ['latency-tracking-info-percentiles', '-1'],
      ['replicaof', '127.0.0.1 6379'],
      ['slaveof', 'no one'],
      ['list-max-listpack-size', '2147483648'],
      ['hash-max-listpack-entries', '-1'],
      ['hash-max-ziplist-entries', '-1'],
      ['slowlog-max-len', '-1'],
      ['slowlog-log-slower-than', '-2'],
      ['active-expire-effort', '11'],
      ['maxmemory-eviction-tenacity', '101'],
      ['cluster-announce-hostname', 'bad host'],
      ['proc-title-template', '{unknown}'],
      ['proc-title-template', '{title'],
      ['proc-title-template', '{title}'],
      ['proc-title-template', ''],
      ['enable-debug-command', 'yes'],
      ['tcp-backlog', '10'],
      ['logfile', 'x.log'],
      ['requirepass'],
    ];
    for (const args of bad) await d.same('CONFIG', 'SET', ...args);
    // Several pairs: unknown names win over bad values; immutable and duplicates.
    await d.same('CONFIG', 'SET', 'port', 'abc', 'x', '1');
    await d.same('CONFIG', 'SET', 'x', '1', 'port', 'abc');
    await d.same('CONFIG', 'SET', 'daemonize', 'yes', 'x', '1');
    await d.same('CONFIG', 'SET', 'x', '1', 'daemonize', 'yes');
    await d.same('CONFIG', 'SET', 'maxmemory', '1', 'MAXMEMORY', '2');
    await d.same('CONFIG', 'SET', 'hz', '5', 'maxmemory', 'bad');
    await d.same('CONFIG', 'GET', 'hz');
    await d.same('CONFIG', 'SET', 'hz', '5', 'port');
    await d.same('CONFIG', 'SET', 'hz');
  });

  it('CONFIG SET successes and the values CONFIG GET shows afterwards', async () => {
    const good: [string, string][] = [
      ['maxmemory', ''],
      ['maxmemory', 'gb'],
      ['maxmemory', '20000000000gb'],
      ['maxmemory', '18446744073709551615'],
      ['maxmemory', '18446744073709551616'],
      ['maxmemory', '1GB'],
      ['maxmemory', '100k'],
      ['maxmemory', '100kb'],
      ['maxmemory', '3m'],
      ['maxmemory', '0'],
      ['maxmemory-clients', '50%'],
      ['maxmemory-clients', '0%'],
      ['maxmemory-clients', '1gb'],
      ['maxmemory-clients', '18446744073709551615'],
      ['maxmemory-clients', '0'],
      ['hz', '1000000'],
      ['hz', '0'],
      ['hz', '10'],
      ['activerehashing', 'NO'],
      ['activerehashing', 'yes'],
      ['loglevel', 'WARNING'],
      ['loglevel', 'notice'],
      ['shutdown-on-sigint', 'save now'],
      ['shutdown-on-sigint', 'NOW save force'],
      ['shutdown-on-sigint', 'default'],
      ['shutdown-on-sigterm', 'nosave'],
      ['shutdown-on-sigterm', 'default'],
      ['oom-score-adj', 'relative'],
      ['oom-score-adj', 'absolute'],
      ['oom-score-adj', 'no'],
      ['oom-score-adj-values', '-10 20 3000'.replace('3000', '2000')],
      ['oom-score-adj-values', '0 200 800'],
      ['acl-pubsub-default', 'allchannels'],
      ['acl-pubsub-default', 'resetchannels'],
      ['save', ''],
      ['save', '100 10 200 20'],
      ['save', '5 0'],
      ['save', ''],
      ['client-output-buffer-limit', 'normal 1mb 2k 3 replica 1 2 3'],
      ['client-output-buffer-limit', ''],
      ['client-output-buffer-limit', 'pubsub 0 0 0 PUBSUB 1 1 1'],
      ['client-output-buffer-limit', 'normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60'],
      ['notify-keyspace-events', 'KEA'],
      ['notify-keyspace-events', 'Kx$lshzetdn'],
      ['notify-keyspace-events', 'An'],
      ['notify-keyspace-events', 'Em'],
      ['notify-keyspace-events', 'gg'],
      ['notify-keyspace-events', ''],
      ['latency-tracking-info-percentiles', '0 0.5 99.99 100'],
      ['latency-tracking-info-percentiles', ''],
      ['latency-tracking-info-percentiles', '1e1 3.3333333'],
      ['latency-tracking-info-percentiles', '50 99 99.9'],
      ['list-max-listpack-size', '-2147483648'],
      ['list-max-ziplist-size', '-2'],
      ['hash-max-ziplist-value', '1kb'],
      ['hash-max-listpack-value', '64'],
      ['slowlog-log-slower-than', '-1'],
      ['slowlog-log-slower-than', '10000'],
      ['timeout', '0'],
      ['requirepass', ''],
      ['masterauth', 'secret\xff'],
      ['masterauth', ''],
      ['replica-announce-ip', '1.2.3.4'],
      ['replica-announce-ip', ''],
      ['cluster-announce-hostname', 'a-b.c'],
      ['cluster-announce-hostname', ''],
      ['proc-title-template', '{title} {{ {port}'],
      ['proc-title-template', '{title} {listen-addr} {server-mode}'],
      ['ignore-warnings', 'ARM64-COW-BUG'],
      ['ignore-warnings', ''],
      ['active-defrag-ignore-bytes', '200mb'],
      ['active-defrag-ignore-bytes', '100mb'],
      ['auto-aof-rewrite-min-size', '1g'],
      ['auto-aof-rewrite-min-size', '64mb'],
      ['repl-backlog-ttl', '3600'],
      ['tracking-table-max-keys', '5'],
      ['tracking-table-max-keys', '1000000'],
    ];
    const names = new Set<string>();
    for (const [k, v] of good) {
      await d.same('CONFIG', 'SET', k, v);
      await d.same('CONFIG', 'GET', k);
      names.add(k);
    }
    // Several pairs at once, including an alias next to its primary name.
    await d.same('CONFIG', 'SET', 'hz', '20', 'maxmemory', '2mb', 'timeout', '7');
    await d.same(['CONFIG', 'GET', 'hz'], { sort: true });
    await d.same('CONFIG', 'SET', 'replica-priority', '1', 'slave-priority', '2');
    await d.same('CONFIG', 'GET', 'replica-priority');
    await d.same('CONFIG', 'SET', 'hz', '10', 'maxmemory', '0', 'timeout', '0', 'replica-priority', '100');
    const [n, r] = await Promise.all([configMap(d.n), configMap(d.r)]);
    for (const k of names) expect(n.get(k), k).toBe(r.get(k));
  });

  it('CONFIG SET in RESP3 and CONFIG GET as a map', async () => {
    const [n, r] = await d.connectBoth();
    try {
      const hello = await Promise.all([n.call('HELLO', '3'), r.call('HELLO', '3')]);
      if (parseReply(hello[0])[0].t === 'error') return; // HELLO not implemented yet
      for (const c of [n, r]) expect((await c.call('CONFIG', 'GET', 'hz')).latin1Slice()).toBe('%1\r\n$2\r\nhz\r\n$2\r\n10\r\n');
      const [a, b] = await Promise.all([n.call('CONFIG', 'GET', 'nosuch'), r.call('CONFIG', 'GET', 'nosuch')]);
      expect(a.latin1Slice()).toBe(b.latin1Slice());
    } finally {
      n.close();
      r.close();
    }
  });
});

describe.skipIf(!HAVE_REDIS)('differential: CONFIG REWRITE', () => {
  let dir: string;
  let redis: RedisHandle;
  let rc: RawClient;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-rewrite-'));
  });
  afterAll(async () => {
    rc?.close();
    await redis?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rewrites a config file like redis-server (same lines; generated ones in any order)', async () => {
    const original = [
      '# A comment that stays',
      'maxmemory 100mb',
      '',
      '',
      'save 900 1',
      'save 300 10',
      'slave-priority 50',
      'hz 15   ',
      'list-max-ziplist-entries 512',
      '# another comment',
      'timeout 30',
      'loglevel notice',
      '',
    ].join('\n');
    const redisConf = path.join(dir, 'redis.conf');
    fs.writeFileSync(redisConf, original);
    redis = await startRedisWithConfig(redisConf);
    rc = await RawClient.connect(redis.port);
    const changes: [string, string][] = [
      ['maxmemory', '1gb'],
      ['save', '60 5'],
      ['timeout', '0'],
      ['notify-keyspace-events', 'KEx'],
      ['maxmemory-clients', '10%'],
      ['client-output-buffer-limit', 'pubsub 64mb 16mb 30'],
      ['requirepass', 'p"w\n\xff'],
      ['latency-tracking-info-percentiles', '99'],
      ['oom-score-adj-values', '1 2 3'],
      ['shutdown-on-sigterm', 'save now'],
    ];
    for (const [k, v] of changes) expect((await rc.call('CONFIG', 'SET', k, v)).latin1Slice(), k).toBe('+OK\r\n');
    expect((await rc.call('CONFIG', 'REWRITE')).latin1Slice()).toBe('+OK\r\n');
    const redisOut = fs.readFileSync(redisConf, 'latin1');

    // The same file and command-line options, loaded and changed in Nodis.
    const nodisConf = path.join(dir, 'nodis.conf');
    fs.writeFileSync(nodisConf, original);
    const cfg = new Config();
    cfg.configFile = nodisConf;
    const options = `port ${redis.port}\nbind 127.0.0.1\ndir ${JSON.stringify(redis.dir)}\ndaemonize no`;
    loadServerConfig(cfg, { file: nodisConf, options });
    for (const [k, v] of changes) expect(cfg.setMany([[k, v]]), k).toBeNull();
    const ours = rewriteConfigContent(cfg, nodisConf);
    const split = (s: string): { kept: string[]; generated: string[] } => {
      const lines = s.split('\n');
      const at = lines.indexOf('# Generated by CONFIG REWRITE');
      return {
        kept: at === -1 ? lines : lines.slice(0, at),
        // Nodis has no ACL users to describe yet.
        generated: at === -1 ? [] : lines.slice(at + 1).filter((l) => !l.startsWith('user ')).sort(),
      };
    };
    const a = split(ours);
    const b = split(redisOut);
    expect(a.kept).toEqual(b.kept);
    expect(a.generated).toEqual(b.generated);
  });
});

/** redis-server with a config file plus the usual test options. */
async function startRedisWithConfig(conf: string): Promise<RedisHandle> {
  const { spawn } = await import('node:child_process');
  const { freePort, redisServerPath } = await import('../helpers/servers.js');
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-redis-')));
  const port = await freePort();
  const proc = spawn(redisServerPath()!, [conf, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    try {
      const c = await RawClient.connect(port);
      c.close();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    dir,
    proc,
    close: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        proc.kill('SIGKILL');
      }),
  };
}

