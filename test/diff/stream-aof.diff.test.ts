/**
 * The commands-format AOF base of streams (rewriteStreamObject()) against
 * redis-server 7.0: the same stream (restored from one DUMP payload, so its
 * times match) rewrites to the same bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { RawClient, parseReply, type Arg } from '../helpers/resp.js';

warnIfNoRedis('stream-aof');

const BIN = '\xff\x00\xc3';

async function ok(c: RawClient, ...args: Arg[]): Promise<string> {
  const r = (await c.call(...args)).latin1Slice();
  expect(r.startsWith('-'), `${args.join(' ')}: ${r}`).toBe(false);
  return r;
}

async function configGet(c: RawClient, name: string): Promise<string> {
  const [r] = parseReply(await c.call('CONFIG', 'GET', name));
  if (r.t !== 'array' || r.v === null || r.v[1].t !== 'bulk' || r.v[1].v === null) throw new Error('CONFIG GET');
  return r.v[1].v.latin1Slice();
}

async function rewriteBase(c: RawClient): Promise<string> {
  await ok(c, 'BGREWRITEAOF');
  const deadline = Date.now() + 30000;
  for (;;) {
    const t = (await c.call('INFO', 'persistence')).latin1Slice();
    if (/aof_rewrite_in_progress:0/.test(t) && /aof_rewrite_scheduled:0/.test(t)) {
      expect(t).toMatch(/aof_last_bgrewrite_status:ok/);
      break;
    }
    if (Date.now() > deadline) throw new Error('rewrite did not finish');
    await new Promise((r) => setTimeout(r, 50));
  }
  const dir = path.join(await configGet(c, 'dir'), await configGet(c, 'appenddirname'));
  const base = fs.readdirSync(dir).find((f) => f.includes('.base.'));
  expect(base).toBeDefined();
  return fs.readFileSync(path.join(dir, base!), 'latin1');
}

/** The base's commands per key, in file order (keys come in dict order, which differs). */
function byKey(base: string): Map<string, string[][]> {
  const buf = Buffer.from(base, 'latin1');
  const out = new Map<string, string[][]>();
  let p = 0;
  while (p < buf.length) {
    const [r, np] = parseReply(buf, p);
    p = np;
    if (r.t !== 'array' || r.v === null) throw new Error('not a command');
    const argv = r.v.map((e) => (e.t === 'bulk' && e.v !== null ? e.v.latin1Slice() : '?'));
    if (argv[0] === 'SELECT') continue;
    const key = argv[0] === 'XGROUP' ? argv[2] : argv[1];
    if (!out.has(key)) out.set(key, []);
    out.get(key)!.push(argv);
  }
  return out;
}

describe.skipIf(!HAVE_REDIS)('stream AOF rewrite (diff)', () => {
  let d: DiffPair;

  beforeAll(async () => {
    const conf = { appendonly: 'yes', 'aof-use-rdb-preamble': 'no', appendfsync: 'no' };
    d = await DiffPair.start(
      Object.entries(conf).flatMap(([k, v]) => [`--${k}`, v]),
      conf,
    );
  }, 60_000);

  afterAll(async () => {
    await d?.close();
  });

  it('XADD / XSETID / XGROUP CREATE / XCLAIM / CREATECONSUMER as redis-server writes them', async () => {
    // Built on redis-server, moved to both through DUMP/RESTORE.
    const r = d.r;
    await ok(r, 'CONFIG', 'SET', 'stream-node-max-entries', '4');
    for (let i = 1; i <= 15; i++) await ok(r, 'XADD', 'src', `${i}-${i % 3}`, 'f', `v${i}${BIN}`, ...(i % 5 === 0 ? [BIN, '-12'] : []));
    await ok(r, 'XDEL', 'src', '2-2', '15-0');
    await ok(r, 'XGROUP', 'CREATE', 'src', `g${BIN}`, '0');
    await ok(r, 'XGROUP', 'CREATE', 'src', 'g2', '4-1', 'ENTRIESREAD', '3');
    await ok(r, 'XREADGROUP', 'GROUP', `g${BIN}`, 'alice', 'COUNT', '4', 'STREAMS', 'src', '>');
    await ok(r, 'XREADGROUP', 'GROUP', `g${BIN}`, `bob${BIN}`, 'COUNT', '2', 'STREAMS', 'src', '>');
    await ok(r, 'XCLAIM', 'src', `g${BIN}`, 'alice', '0', '5-2', 'RETRYCOUNT', '11');
    await ok(r, 'XGROUP', 'CREATECONSUMER', 'src', 'g2', 'idle');
    await ok(r, 'XGROUP', 'CREATE', 'mk', 'g', '$', 'MKSTREAM');
    await ok(r, 'XADD', 'gone', '3-3', 'a', 'b');
    await ok(r, 'XDEL', 'gone', '3-3');
    for (const key of ['src', 'mk', 'gone']) {
      const [p] = parseReply(await r.call('DUMP', key));
      if (p.t !== 'bulk' || p.v === null) throw new Error('DUMP');
      await ok(d.n, 'RESTORE', `k:${key}${BIN}`, '0', p.v);
      await ok(r, 'RESTORE', `k:${key}${BIN}`, '0', p.v);
      await ok(r, 'DEL', key);
    }
    const [nb, rb] = await Promise.all([rewriteBase(d.n), rewriteBase(r)]);
    expect(nb).toContain('XCLAIM');
    const [nk, rk] = [byKey(nb), byKey(rb)];
    expect([...nk.keys()].sort()).toEqual([...rk.keys()].sort());
    expect(nk.size).toBe(3);
    for (const [k, cmds] of rk) expect(nk.get(k), k).toEqual(cmds);
  });
});
