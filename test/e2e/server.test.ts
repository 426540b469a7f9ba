/** INFO, TIME, LASTSAVE, SLOWLOG, LATENCY, MONITOR, DEBUG and RESET over TCP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { RawClient, encodeCommand, parseReply, type Reply } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';
import { LatencyHistogram } from '../../src/server/latency.js';
import { PAUSE_BY_CLIENT_COMMAND } from '../../src/server/pause.js';
import { bytesToHuman, fmtFixed, addInfoHook, setInfoField } from '../../src/server/info.js';
import { latencyGraph } from '../../src/commands/server.js';

let srv: ServerHandle;
beforeAll(async () => {
  srv = await startNodis({ config: { 'enable-debug-command': 'yes' } });
});
afterAll(async () => {
  await srv.close();
});

async function resp3(port = srv.port): Promise<RawClient> {
  const c = await RawClient.connect(port);
  expect((await c.callStr('HELLO', '3')).startsWith('%7\r\n')).toBe(true);
  return c;
}

function text(b: Buffer): string {
  const r = parseReply(b)[0];
  if (r.t === 'bulk') return r.v!.latin1Slice();
  if (r.t === 'verbatim') return r.v.latin1Slice(4);
  throw new Error(`unexpected reply ${b.latin1Slice()}`);
}

/** INFO text -> field -> value. */
function infoMap(s: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of s.split('\r\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

function sections(s: string): string[] {
  return s
    .split('\r\n')
    .filter((l) => l.startsWith('# '))
    .map((l) => l.slice(2));
}

/** A JS view of a reply tree (bulk -> string, int -> number). */
function js(r: Reply): unknown {
  switch (r.t) {
    case 'array':
      return r.v === null ? null : r.v.map(js);
    case 'bulk':
      return r.v === null ? null : r.v.latin1Slice();
    case 'int':
      return Number(r.v);
    case 'null':
      return null;
    case 'verbatim':
      return r.v.latin1Slice();
    default:
      return r.v;
  }
}

async function call(c: RawClient, ...args: (string | Buffer)[]): Promise<unknown> {
  return js(parseReply(await c.call(...args))[0]);
}

describe('INFO', () => {
  it('prints the default sections, in Redis order, with Redis field names', async () => {
    const c = await RawClient.connect(srv.port);
    await c.call('PING');
    const all = text(await c.call('INFO'));
    expect(sections(all)).toEqual(['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Errorstats', 'Cluster', 'Keyspace']);
    expect(all.startsWith('# Server\r\nredis_version:7.0.15\r\nnodis_version:')).toBe(true);
    expect(all).toContain('\r\n\r\n# Clients\r\n');
    const m = infoMap(all);
    expect(m.get('redis_mode')).toBe('standalone');
    expect(m.get('tcp_port')).toBe(String(srv.port));
    expect(m.get('run_id')).toMatch(/^[0-9a-f]{40}$/);
    expect(m.get('process_id')).toBe(String(process.pid));
    expect(m.get('role')).toBe('master');
    expect(m.get('master_replid')).toMatch(/^[0-9a-f]{40}$/);
    expect(m.get('master_replid2')).toBe('0'.repeat(40));
    expect(m.get('loading')).toBe('0');
    expect(m.get('cluster_enabled')).toBe('0');
    expect(m.get('maxmemory_policy')).toBe('noeviction');
    expect(Number(m.get('used_memory'))).toBeGreaterThan(0);
    expect(m.get('used_memory_human')).toMatch(/^\d+\.\d\d[KM]$/);
    expect(m.get('used_memory_peak_perc')).toMatch(/^\d+\.\d\d%$/);
    expect(Number(m.get('used_memory_peak'))).toBeGreaterThanOrEqual(Number(m.get('used_memory')));
    expect(m.get('used_cpu_user')).toMatch(/^\d+\.\d{6}$/);
    expect(Number(m.get('connected_clients'))).toBeGreaterThanOrEqual(1);
    expect(Number(m.get('total_net_input_bytes'))).toBeGreaterThan(0);
    expect(Number(m.get('total_net_output_bytes'))).toBeGreaterThan(0);
    c.close();
  });

  it('selects sections case-insensitively; all, everything and unknown names', async () => {
    const c = await RawClient.connect(srv.port);
    expect(sections(text(await c.call('INFO', 'KEYSPACE', 'server', 'Server')))).toEqual(['Server', 'Keyspace']);
    expect(sections(text(await c.call('INFO', 'default', 'commandstats')))).toContain('Commandstats');
    const every = sections(text(await c.call('INFO', 'everything')));
    expect(every).toEqual([
      'Server',
      'Clients',
      'Memory',
      'Persistence',
      'Stats',
      'Replication',
      'CPU',
      'Modules',
      'Commandstats',
      'Errorstats',
      'Latencystats',
      'Cluster',
      'Keyspace',
    ]);
    expect(sections(text(await c.call('INFO', 'all')))).toEqual(every);
    expect(await c.callStr('INFO', 'nosuchsection')).toBe('$0\r\n\r\n');
    expect(await c.callStr('INFO', 'modules')).toBe('$11\r\n# Modules\r\n\r\n');
    c.close();
  });

  it('is a verbatim string in RESP3', async () => {
    const c = await resp3();
    expect((await c.call('INFO', 'cluster')).latin1Slice()).toBe('=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n');
    c.close();
  });

  it('keyspace, persistence and stats follow the data', async () => {
    const c = await RawClient.connect(srv.port);
    await c.call('SELECT', '9');
    await c.call('FLUSHDB');
    const before = infoMap(text(await c.call('INFO', 'persistence', 'stats')));
    await c.call('SET', 'ks:a', '1');
    await c.call('SET', 'ks:b', '2', 'EX', '100');
    await c.call('GET', 'ks:a');
    await c.call('GET', 'ks:nope');
    const after = infoMap(text(await c.call('INFO', 'keyspace', 'persistence', 'stats')));
    // avg_ttl is estimated by the active expire cycle: 0 until a cron tick sampled the key.
    expect(after.get('db9')).toMatch(/^keys=2,expires=1,avg_ttl=(0|\d{4,6})$/);
    expect(Number(after.get('rdb_changes_since_last_save'))).toBe(Number(before.get('rdb_changes_since_last_save')) + 2);
    expect(Number(after.get('keyspace_hits'))).toBe(Number(before.get('keyspace_hits')) + 1);
    expect(Number(after.get('keyspace_misses'))).toBe(Number(before.get('keyspace_misses')) + 1);
    expect(Number(after.get('total_commands_processed'))).toBeGreaterThan(Number(before.get('total_commands_processed')) + 3);
    expect(after.get('rdb_last_save_time')).toBe(String(srv.server.lastSave));
    await c.call('FLUSHDB');
    expect(infoMap(text(await c.call('INFO', 'keyspace'))).has('db9')).toBe(false);
    c.close();
  });

  it('commandstats, errorstats and latencystats count per command', async () => {
    const c = await RawClient.connect(srv.port);
    await c.call('CONFIG', 'RESETSTAT');
    await c.call('ECHO', 'a');
    await c.call('ECHO', 'b');
    await c.call('ECHO');
    await c.call('CLIENT', 'SETNAME', 'bad name');
    await c.call('CLIENT', 'ID');
    await c.call('NOSUCH');
    await c.call('HELLO', '5');
    const cs = infoMap(text(await c.call('INFO', 'commandstats')));
    expect(cs.get('cmdstat_echo')).toMatch(/^calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=0$/);
    expect(cs.get('cmdstat_client|setname')).toMatch(/^calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1$/);
    expect(cs.get('cmdstat_client|id')).toMatch(/^calls=1,.*failed_calls=0$/);
    expect(cs.get('cmdstat_hello')).toMatch(/^calls=1,.*failed_calls=1$/);
    expect(cs.has('cmdstat_client')).toBe(false);
    const es = text(await c.call('INFO', 'errorstats'));
    expect(es).toBe('# Errorstats\r\nerrorstat_ERR:count=3\r\nerrorstat_NOPROTO:count=1\r\n');
    const ls = infoMap(text(await c.call('INFO', 'latencystats')));
    expect(ls.get('latency_percentiles_usec_echo')).toMatch(/^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/);
    expect(ls.has('latency_percentiles_usec_client|id')).toBe(true);
    await c.call('CONFIG', 'SET', 'latency-tracking', 'no');
    expect(text(await c.call('INFO', 'latencystats'))).toBe('# Latencystats\r\n');
    await c.call('CONFIG', 'SET', 'latency-tracking', 'yes');
    c.close();
  });

  it('lets subsystems adjust their figures through hooks', async () => {
    const own = await startNodis();
    addInfoHook(own.server, 'stats', (f) => setInfoField(f, 'pubsub_channels', 7));
    addInfoHook(own.server, 'replication', (f) => f.splice(2, 0, ['slave0', 'ip=1.2.3.4,port=1,state=online,offset=0,lag=0']));
    const c = await RawClient.connect(own.port);
    const m = infoMap(text(await c.call('INFO', 'stats', 'replication')));
    expect(m.get('pubsub_channels')).toBe('7');
    expect(m.get('slave0')).toBe('ip=1.2.3.4,port=1,state=online,offset=0,lag=0');
    c.close();
    await own.close();
  });

  it('formats numbers as Redis does', () => {
    expect(bytesToHuman(0)).toBe('0B');
    expect(bytesToHuman(1023)).toBe('1023B');
    expect(bytesToHuman(1024)).toBe('1.00K');
    expect(bytesToHuman(1064504)).toBe('1.02M');
    expect(bytesToHuman(25276510208)).toBe('23.54G');
    // printf rounds exact binary ties to even, toFixed would round up.
    expect(fmtFixed(0.125, 2)).toBe('0.12');
    expect(fmtFixed(0.375, 2)).toBe('0.38');
    expect(fmtFixed(2.5, 0)).toBe('2');
    expect(fmtFixed(17.023, 3)).toBe('17.023');
    expect(fmtFixed(1 / 3, 2)).toBe('0.33');
  });

  it('ioredis parses it', async () => {
    const r = new Redis(srv.port, '127.0.0.1', { lazyConnect: true });
    await r.connect();
    expect(await r.info('server')).toContain('redis_version:7.0.15\r\n');
    r.disconnect();
  });
});

describe('TIME and LASTSAVE', () => {
  it('TIME is [seconds, microseconds] as bulk strings', async () => {
    const c = await RawClient.connect(srv.port);
    const t = (await call(c, 'TIME')) as string[];
    expect(t).toHaveLength(2);
    expect(t[0]).toMatch(/^\d+$/);
    expect(t[1]).toMatch(/^\d+$/);
    expect(Math.abs(Number(t[0]) - Date.now() / 1000)).toBeLessThan(5);
    expect(Number(t[1])).toBeLessThan(1e6);
    expect(await c.callStr('LASTSAVE')).toBe(`:${srv.server.lastSave}\r\n`);
    c.close();
  });
});

describe('SLOWLOG', () => {
  it('records commands over the threshold, newest first, with client name and address', async () => {
    const c = await RawClient.connect(srv.port);
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.call('CLIENT', 'SETNAME', 'slowpoke');
    expect(await c.callStr('SLOWLOG', 'RESET')).toBe('+OK\r\n');
    await c.call('ECHO', 'first');
    await c.call('ECHO', 'second');
    const addr = (text(await c.call('CLIENT', 'INFO')).match(/addr=(\S+)/) ?? [])[1];
    const entries = (await call(c, 'SLOWLOG', 'GET')) as unknown[][];
    // RESET itself is logged (after it ran), then each command.
    expect(entries.map((e) => e[3])).toEqual([['CLIENT', 'INFO'], ['ECHO', 'second'], ['ECHO', 'first'], ['SLOWLOG', 'RESET']]);
    const [id, time, duration, , peer, name] = entries[0] as [number, number, number, string[], string, string];
    expect(id).toBe((entries[1][0] as number) + 1);
    expect(Math.abs(time - Date.now() / 1000)).toBeLessThan(5);
    expect(duration).toBeGreaterThanOrEqual(0);
    expect(peer).toBe(addr);
    expect(name).toBe('slowpoke');
    // The GET above is logged once it ran: 5 entries.
    expect(await call(c, 'SLOWLOG', 'LEN')).toBe(5);
    expect(((await call(c, 'SLOWLOG', 'GET', '2')) as unknown[]).length).toBe(2);
    expect(((await call(c, 'SLOWLOG', 'GET', '-1')) as unknown[]).length).toBe(7);
    expect(await c.callStr('SLOWLOG', 'GET', '0')).toBe('*0\r\n');
    c.close();
  });

  it('truncates long argument lists and strings, redacts AUTH, respects max-len', async () => {
    const c = await RawClient.connect(srv.port);
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.call('SLOWLOG', 'RESET');
    const args = Array.from({ length: 40 }, (_, i) => `k${i}`);
    await c.call('DEL', ...args);
    await c.call('ECHO', 'z'.repeat(130));
    await c.call('AUTH', 'someone', 's3cret');
    const e = (await call(c, 'SLOWLOG', 'GET', '3')) as unknown[][];
    expect(e[0][3]).toEqual(['AUTH', '(redacted)', '(redacted)']);
    expect(e[1][3]).toEqual(['ECHO', 'z'.repeat(128) + '... (2 more bytes)']);
    const del = e[2][3] as string[];
    expect(del).toHaveLength(32);
    expect(del[30]).toBe('k29');
    expect(del[31]).toBe('... (10 more arguments)');
    await c.call('CONFIG', 'SET', 'slowlog-max-len', '2');
    await c.call('PING');
    expect(await call(c, 'SLOWLOG', 'LEN')).toBe(2);
    await c.call('CONFIG', 'SET', 'slowlog-max-len', '128');
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '-1');
    await c.call('SLOWLOG', 'RESET');
    await c.call('PING');
    expect(await c.callStr('SLOWLOG', 'LEN')).toBe(':0\r\n');
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    c.close();
  });

  it('has the same shape in RESP3', async () => {
    const c = await resp3();
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await c.call('SLOWLOG', 'RESET');
    const raw = (await c.call('SLOWLOG', 'GET', '1')).latin1Slice();
    expect(raw).toMatch(/^\*1\r\n\*6\r\n:\d+\r\n:\d+\r\n:\d+\r\n\*2\r\n\$7\r\nSLOWLOG\r\n\$5\r\nRESET\r\n\$\d+\r\n127\.0\.0\.1:\d+\r\n\$0\r\n\r\n$/);
    await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    c.close();
  });
});

describe('LATENCY', () => {
  it('records spikes over latency-monitor-threshold (DEBUG SLEEP) and reports them', async () => {
    const c = await RawClient.connect(srv.port);
    await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '5');
    await c.call('LATENCY', 'RESET');
    expect(await c.callStr('DEBUG', 'SLEEP', '0.02')).toBe('+OK\r\n');
    const latest = (await call(c, 'LATENCY', 'LATEST')) as [string, number, number, number][];
    expect(latest).toHaveLength(1);
    const [event, time, ms, max] = latest[0];
    expect(event).toBe('command');
    expect(Math.abs(time - Date.now() / 1000)).toBeLessThan(5);
    expect(ms).toBeGreaterThanOrEqual(20);
    expect(max).toBe(ms);
    const hist = (await call(c, 'LATENCY', 'HISTORY', 'command')) as number[][];
    expect(hist).toEqual([[time, ms]]);
    const graph = text(await c.call('LATENCY', 'GRAPH', 'command'));
    expect(graph.split('\n')[0]).toBe(`command - high ${ms} ms, low ${ms} ms (all time high ${ms} ms)`);
    expect(graph.split('\n')[1]).toBe('-'.repeat(80));
    const doctor = text(await c.call('LATENCY', 'DOCTOR'));
    expect(doctor).toContain("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
    expect(doctor).toContain(`1. command: 1 latency spikes (average ${ms}ms, mean deviation 0ms, period `);
    expect(doctor).toContain('- Check your Slow Log to understand what are the commands you are running which are too slow to execute.');
    // Lower case event names reset too; unknown ones count 0.
    expect(await c.callStr('LATENCY', 'RESET', 'COMMAND', 'nosuch')).toBe(':1\r\n');
    expect(await c.callStr('LATENCY', 'LATEST')).toBe('*0\r\n');
    await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
    c.close();
  });

  it('HISTOGRAM reports per-command cumulative distributions', async () => {
    const c = await RawClient.connect(srv.port);
    await c.call('CONFIG', 'RESETSTAT');
    for (let i = 0; i < 5; i++) await c.call('PING');
    await c.call('CLIENT', 'ID');
    const h = (await call(c, 'LATENCY', 'HISTOGRAM', 'PING', 'client', 'nosuch')) as unknown[];
    expect(h[0]).toBe('ping');
    const ping = h[1] as unknown[];
    expect(ping[0]).toBe('calls');
    expect(ping[1]).toBe(5);
    expect(ping[2]).toBe('histogram_usec');
    const buckets = ping[3] as number[];
    expect(buckets.length % 2).toBe(0);
    for (let i = 2; i < buckets.length; i += 2) {
      expect(buckets[i]).toBeGreaterThan(buckets[i - 2]);
      expect(buckets[i + 1]).toBeGreaterThan(buckets[i - 1]);
    }
    expect(buckets[buckets.length - 1]).toBe(5);
    expect(h[2]).toBe('client|id');
    expect(h).toHaveLength(4);
    const c3 = await resp3();
    expect((await c3.call('LATENCY', 'HISTOGRAM', 'ping')).latin1Slice()).toMatch(/^%1\r\n\$4\r\nping\r\n%2\r\n\$5\r\ncalls\r\n:\d+\r\n\$14\r\nhistogram_usec\r\n%\d+\r\n/);
    c3.close();
    c.close();
  });

  it('the histogram has HdrHistogram buckets and percentiles (checked against redis-server output)', () => {
    const cases: [number, number, [number, number][]][] = [
      [1, 1003, [[1, 1]]],
      [2, 2007, [[2, 1]]],
      [3, 3007, [[4, 1]]],
      [4, 4015, [[4, 1]]],
      [10, 10047, [[16, 1]]],
      [17, 17023, [[33, 1]]],
      [116, 116223, [[132, 1]]],
    ];
    for (const [usec, p50, cdf] of cases) {
      const h = new LatencyHistogram();
      h.record(usec * 1000);
      expect(h.valueAtPercentile(50)).toBe(p50);
      expect(h.cdf()).toEqual(cdf);
    }
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i * 1000);
    expect(h.cdf().map(([us]) => us)).toEqual([1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056]);
    expect(h.cdf().at(-1)).toEqual([1056, 1000]);
  });

  it('GRAPH draws a sparkline with age labels', () => {
    const now = 1_000_000;
    const g = latencyGraph('ev', { max: 30, samples: [
      { time: now - 120, latency: 10 },
      { time: now - 5, latency: 30 },
    ] }, now);
    expect(g).toBe(
      'ev - high 30 ms, low 10 ms (all time high 30 ms)\n' +
        '-'.repeat(80) +
        '\n' +
        ' #\n' +
        ' |\n' +
        ' |\n' +
        '_|\n' +
        '  \n' +
        '25\n' +
        'ms\n',
    );
  });

  it('replies errors and empty shapes like Redis', async () => {
    const c = await RawClient.connect(srv.port);
    expect(await c.callStr('LATENCY', 'GRAPH', 'nosuch')).toBe("-ERR No samples available for event 'nosuch'\r\n");
    expect(await c.callStr('LATENCY', 'HISTORY', 'nosuch')).toBe('*0\r\n');
    expect(await c.callStr('LATENCY', 'nope')).toBe("-ERR unknown subcommand 'nope'. Try LATENCY HELP.\r\n");
    c.close();
  });
});

describe('MONITOR', () => {
  it('streams every command with time, db and address; AUTH is redacted; admin commands hidden', async () => {
    const m = await RawClient.connect(srv.port);
    const m2 = await RawClient.connect(srv.port);
    expect(await m.callStr('MONITOR')).toBe('+OK\r\n');
    expect(await m2.callStr('MONITOR')).toBe('+OK\r\n');
    const c = await RawClient.connect(srv.port);
    const addr = (text(await c.call('CLIENT', 'INFO')).match(/addr=(\S+)/) ?? [])[1];
    await c.call('SELECT', '3');
    await c.call('SET', 'm\xff', 'v"\\\n\x00');
    await c.call('AUTH', 'pw');
    await c.call('CONFIG', 'GET', 'port');
    await c.call('PING');
    const lines: string[] = [];
    for (;;) {
      const l = (await m.readReply()).latin1Slice();
      lines.push(l);
      if (l.includes('"PING"')) break;
    }
    const re = /^\+(\d+)\.(\d{6}) \[(\d+) ([^\]]+)\] (.*)\r\n$/;
    const parsed = lines.map((l) => re.exec(l)!);
    for (const p of parsed) {
      expect(p).not.toBeNull();
      expect(p[4]).toBe(addr);
      expect(Math.abs(Number(p[1]) - Date.now() / 1000)).toBeLessThan(5);
    }
    expect(parsed.map((p) => `${p[3]} ${p[5]}`)).toEqual(['0 "CLIENT" "INFO"', '3 "SELECT" "3"', '3 "SET" "m\\xff" "v\\"\\\\\\n\\x00"', '3 "AUTH" "(redacted)"', '3 "PING"']);
    // The second monitor saw the same stream.
    for (let i = 0; i < lines.length; i++) expect((await m2.readReply()).latin1Slice().replace(/^\+\S+/, '')).toBe(lines[i].replace(/^\+\S+/, ''));
    // Monitors may not touch the keyspace.
    expect(await m.callStr('GET', 'x')).toBe("-ERR Replica can't interact with the keyspace\r\n");
    // RESET leaves monitor mode.
    expect(await m.callStr('RESET')).toBe('+RESET\r\n');
    await c.call('ECHO', 'after');
    // m2 sees m's RESET (rejected commands are not fed), then the ECHO.
    expect((await m2.readReply()).latin1Slice()).toMatch(/\[0 [^\]]+\] "RESET"\r\n$/);
    expect((await m2.readReply()).latin1Slice()).toMatch(/\[3 [^\]]+\] "ECHO" "after"\r\n$/);
    expect(await m.callStr('GET', 'x')).toBe('$-1\r\n');
    expect(m.pending().length).toBe(0);
    m2.close();
    await new Promise((r) => setTimeout(r, 20));
    expect(srv.server.monitors.size).toBe(0);
    m.close();
    c.close();
  });
});

describe('idle timeout', () => {
  it('closes idle normal clients but not monitors or clients held by CLIENT PAUSE', async () => {
    const own = await startNodis({ config: { timeout: '1' } });
    const idle = await RawClient.connect(own.port);
    const mon = await RawClient.connect(own.port);
    const held = await RawClient.connect(own.port);
    const admin = await RawClient.connect(own.port);
    await idle.call('PING');
    expect(await mon.callStr('MONITOR')).toBe('+OK\r\n');
    expect(await admin.callStr('CLIENT', 'PAUSE', '100000', 'WRITE')).toBe('+OK\r\n');
    held.write(encodeCommand(['SET', 'held', '1']));
    await idle.readUntilClose();
    // The admin connection was idle as long as the idle one: closed too.
    await admin.readUntilClose();
    expect(mon.closed).toBe(false);
    expect(held.closed).toBe(false);
    own.server.unpauseClients(PAUSE_BY_CLIENT_COMMAND);
    expect((await held.readReply()).latin1Slice()).toBe('+OK\r\n');
    mon.close();
    held.close();
    await own.close();
  });
});

describe('DEBUG', () => {
  it('is refused unless enable-debug-command allows it', async () => {
    const off = await startNodis();
    const local = await startNodis({ config: { 'enable-debug-command': 'local' } });
    const a = await RawClient.connect(off.port);
    expect(await a.callStr('DEBUG', 'SLEEP', '0')).toBe(
      '-ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n',
    );
    expect(await a.callStr('INFO', 'commandstats')).toContain('cmdstat_debug:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0\r\n');
    const b = await RawClient.connect(local.port);
    expect(await b.callStr('DEBUG', 'SLEEP', '0')).toBe('+OK\r\n');
    a.close();
    b.close();
    await off.close();
    await local.close();
  });

  it('OBJECT, SET-ACTIVE-EXPIRE, POPULATE, PROTOCOL, ERROR', async () => {
    const c = await RawClient.connect(srv.port);
    await c.call('SELECT', '7');
    await c.call('FLUSHDB');
    await c.call('SET', 'n', '42');
    await c.call('SET', 'big', '123456');
    await c.call('SET', 's', 'hello');
    await c.call('SET', 'r', 'x'.repeat(50));
    const obj = async (k: string): Promise<string> => (await c.callStr('DEBUG', 'OBJECT', k)).slice(1, -2);
    expect(await obj('n')).toMatch(/^Value at:0x[0-9a-f]+ refcount:2147483647 encoding:int serializedlength:2 lru:\d+ lru_seconds_idle:\d+$/);
    expect(await obj('big')).toMatch(/ refcount:1 encoding:int serializedlength:5 /);
    expect(await obj('s')).toMatch(/ refcount:1 encoding:embstr serializedlength:6 /);
    expect(await obj('r')).toMatch(/ encoding:raw /);
    expect(await c.callStr('DEBUG', 'OBJECT', 'missing')).toBe('-ERR no such key\r\n');

    expect(await c.callStr('DEBUG', 'SET-ACTIVE-EXPIRE', '0')).toBe('+OK\r\n');
    expect(srv.server.activeExpireEnabled).toBe(false);
    expect(await c.callStr('DEBUG', 'SET-ACTIVE-EXPIRE', '1')).toBe('+OK\r\n');
    expect(srv.server.activeExpireEnabled).toBe(true);

    expect(await c.callStr('DEBUG', 'POPULATE', '3', 'pop', '10')).toBe('+OK\r\n');
    expect(await c.callStr('GET', 'pop:2')).toBe('$10\r\nvalue:2\x00\x00\x00\r\n');
    expect(await c.callStr('DEBUG', 'POPULATE', '2')).toBe('+OK\r\n');
    expect(await c.callStr('GET', 'key:1')).toBe('$7\r\nvalue:1\r\n');
    expect(await c.callStr('DEBUG', 'POPULATE', '-2')).toBe('-ERR value is out of range, must be positive\r\n');

    expect(await c.callStr('DEBUG', 'PROTOCOL', 'map')).toBe('*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n');
    expect(await c.callStr('DEBUG', 'ERROR', 'CODE msg')).toBe('-CODE msg\r\n');
    expect(await c.callStr('DEBUG', 'nosuch')).toBe("-ERR unknown subcommand or wrong number of arguments for 'nosuch'. Try DEBUG HELP.\r\n");
    const help = (await call(c, 'DEBUG', 'HELP')) as string[];
    expect(help[0]).toBe('DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(help).toContain('SLEEP <seconds>');
    await c.call('FLUSHDB');
    c.close();
  });

  it('SLEEP blocks the whole server', async () => {
    const a = await RawClient.connect(srv.port);
    const b = await RawClient.connect(srv.port);
    const order: string[] = [];
    const p1 = a.call('DEBUG', 'SLEEP', '0.05').then(() => order.push('sleep'));
    await new Promise((r) => setTimeout(r, 5));
    const p2 = b.call('PING').then(() => order.push('ping'));
    await Promise.all([p1, p2]);
    expect(order).toEqual(['sleep', 'ping']);
    a.close();
    b.close();
  });
});

describe('RESET', () => {
  it('restores db 0, RESP2, no name, replies on', async () => {
    const c = await resp3();
    await c.call('SELECT', '4');
    await c.call('SET', 'rk', 'x');
    await c.call('CLIENT', 'SETNAME', 'named');
    expect(await c.callStr('RESET')).toBe('+RESET\r\n');
    expect(await c.callStr('CLIENT', 'GETNAME')).toBe('$-1\r\n');
    expect(await c.callStr('GET', 'rk')).toBe('$-1\r\n');
    await c.call('SELECT', '4');
    expect(await c.callStr('DEL', 'rk')).toBe(':1\r\n');
    c.write(Buffer.concat([encodeCommand(['CLIENT', 'REPLY', 'OFF']), encodeCommand(['PING']), encodeCommand(['RESET']), encodeCommand(['ECHO', 'on'])]));
    expect((await c.readReply()).latin1Slice()).toBe('+RESET\r\n');
    expect((await c.readReply()).latin1Slice()).toBe('$2\r\non\r\n');
    c.close();
  });

  it('runs hooks so other subsystems drop per-connection state', async () => {
    const seen: number[] = [];
    srv.server.hooks.clientReset.push((cl) => seen.push(cl.id));
    const c = await RawClient.connect(srv.port);
    const id = Number((await c.callStr('CLIENT', 'ID')).slice(1, -2));
    await c.call('RESET');
    expect(seen).toEqual([id]);
    srv.server.hooks.clientReset.pop();
    c.close();
  });
});
