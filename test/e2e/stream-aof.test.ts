/**
 * Streams through an AOF rewrite and restart: the commands-format base
 * (aof-use-rdb-preamble no: XADD, XSETID, XGROUP CREATE ... ENTRIESREAD,
 * XCLAIM ... JUSTID FORCE, XGROUP CREATECONSUMER) and the RDB preamble both
 * rebuild the same streams, groups, PELs and consumers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, ManualClock, type ServerHandle } from '../../src/index.js';
import { RawClient } from '../helpers/resp.js';

const NOW = 1_700_000_000_000;
const BIN = '\xff\x00\xc3';

let dir: string;
const running: ServerHandle[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-stream-aof-'));
});
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(preamble: string, nodeMax = '3'): Promise<ServerHandle> {
  const s = await startServer({
    clock: new ManualClock(NOW),
    config: { dir, appendonly: 'yes', appendfsync: 'no', 'aof-use-rdb-preamble': preamble, 'stream-node-max-entries': nodeMax },
  });
  running.push(s);
  return s;
}

async function stop(s: ServerHandle): Promise<void> {
  running.splice(running.indexOf(s), 1);
  await s.close();
}

async function until(cond: () => Promise<boolean>, what: string, ms = 20000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const KEYS = [`s${BIN}`, 'emptied', 'mk'];

async function build(c: RawClient): Promise<void> {
  const cmds: string[][] = [];
  for (let i = 1; i <= 12; i++) cmds.push(['XADD', `s${BIN}`, `${i}-${i}`, 'f', `v${i}${BIN}`, ...(i % 4 === 0 ? [BIN, 'x'] : [])]);
  cmds.push(
    ['XDEL', `s${BIN}`, '3-3', '12-12'],
    ['XGROUP', 'CREATE', `s${BIN}`, `g${BIN}`, '0'],
    ['XGROUP', 'CREATE', `s${BIN}`, 'g2', '5-5', 'ENTRIESREAD', '4'],
    ['XREADGROUP', 'GROUP', `g${BIN}`, 'alice', 'COUNT', '3', 'STREAMS', `s${BIN}`, '>'],
    ['XREADGROUP', 'GROUP', `g${BIN}`, `bob${BIN}`, 'COUNT', '2', 'STREAMS', `s${BIN}`, '>'],
    ['XCLAIM', `s${BIN}`, `g${BIN}`, 'alice', '0', '5-5', 'RETRYCOUNT', '9', 'TIME', String(NOW - 5000)],
    ['XGROUP', 'CREATECONSUMER', `s${BIN}`, 'g2', 'nobody'],
    ['XADD', 'emptied', '7-1', 'a', '1'],
    ['XDEL', 'emptied', '7-1'],
    ['XGROUP', 'CREATE', 'emptied', 'g', '$'],
    ['XGROUP', 'CREATE', 'mk', 'g', '$', 'MKSTREAM'],
  );
  for (const cmd of cmds) {
    const r = (await c.call(...cmd.map((a) => Buffer.from(a, 'latin1')))).latin1Slice();
    expect(r.startsWith('-'), `${cmd.join(' ')}: ${r}`).toBe(false);
  }
}

async function state(c: RawClient): Promise<string[]> {
  const out: string[] = [];
  for (const k of KEYS) {
    out.push((await c.call('XINFO', 'STREAM', Buffer.from(k, 'latin1'), 'FULL')).latin1Slice());
    out.push((await c.call('XINFO', 'GROUPS', Buffer.from(k, 'latin1'))).latin1Slice());
  }
  return out;
}

describe('streams across AOF rewrite and restart', () => {
  for (const preamble of ['no', 'yes']) {
    it(`aof-use-rdb-preamble ${preamble}`, async () => {
      const s1 = await start(preamble);
      const c1 = await RawClient.connect(s1.port);
      await build(c1);
      const before = await state(c1);
      expect(before[0]).toContain('alice');
      expect((await c1.call('BGREWRITEAOF')).latin1Slice()).toMatch(/^\+Background append only file rewriting/);
      await until(async () => {
        const t = (await c1.call('INFO', 'persistence')).latin1Slice();
        return /aof_rewrite_in_progress:0/.test(t) && /aof_rewrite_scheduled:0/.test(t) && /aof_last_bgrewrite_status:ok/.test(t);
      }, 'the rewrite');
      const base = fs.readdirSync(path.join(dir, 'appendonlydir')).find((f) => f.includes('.base.'))!;
      expect(base.endsWith(preamble === 'yes' ? '.rdb' : '.aof')).toBe(true);
      if (preamble === 'no') {
        const text = fs.readFileSync(path.join(dir, 'appendonlydir', base), 'latin1');
        expect(text).toContain('$6\r\nXSETID\r\n');
        expect(text).toContain('$14\r\nCREATECONSUMER\r\n');
        expect(text).toContain('$6\r\nXCLAIM\r\n');
        expect(text).toContain('$6\r\nMAXLEN\r\n$1\r\n0\r\n$3\r\n0-1\r\n');
      }
      c1.close();
      await stop(s1);

      const s2 = await start(preamble);
      const c2 = await RawClient.connect(s2.port);
      const after = await state(c2);
      for (let i = 0; i < before.length; i++) expect(after[i].split("\r\n"), `${i}`).toEqual(before[i].split("\r\n"));
      c2.close();
    });
  }

  it('approximate trimming with LIMIT replays to the same length (the AOF client is obeyed, LIMIT ignored)', async () => {
    const s1 = await start('no', '10');
    const c1 = await RawClient.connect(s1.port);
    for (let i = 1; i <= 100; i++) await c1.call('XADD', 'a', `${i}-1`, 'x', 'v');
    for (let i = 1; i <= 100; i++) await c1.call('XADD', 'b', `${i}-1`, 'x', 'v');
    expect((await c1.call('XADD', 'a', 'MAXLEN', '~', '55', 'LIMIT', '30', '101-1', 'x', 'v')).latin1Slice()).toBe('$5\r\n101-1\r\n');
    expect((await c1.call('XADD', 'b', 'MINID', '~', '55', 'LIMIT', '30', '101-1', 'x', 'v')).latin1Slice()).toBe('$5\r\n101-1\r\n');
    expect((await c1.call('XLEN', 'a')).latin1Slice()).toBe(':71\r\n');
    expect((await c1.call('XLEN', 'b')).latin1Slice()).toBe(':71\r\n');
    c1.close();
    await stop(s1);
    const s2 = await start('no', '1');
    const c2 = await RawClient.connect(s2.port);
    expect((await c2.call('XLEN', 'a')).latin1Slice()).toBe(':71\r\n');
    expect((await c2.call('XLEN', 'b')).latin1Slice()).toBe(':71\r\n');
    c2.close();
  });
});
