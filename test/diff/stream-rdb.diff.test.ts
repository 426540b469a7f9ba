/**
 * Streams through the RDB format, against redis-server 7.0: DUMP payloads
 * restored across servers (type 19, and type 15 as Redis 6.x / 7.0-rc wrote
 * it), DEBUG RELOAD, and a redis-server dump.rdb loaded at Nodis start-up.
 * XINFO STREAM FULL of a restored key only depends on the payload (times
 * included), so both servers must answer it byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, startNodis, warnIfNoRedis } from '../helpers/servers.js';
import { RawClient, parseReply, type Arg } from '../helpers/resp.js';
import { crc64 } from '../../src/persistence/rdb/crc64.js';

warnIfNoRedis('stream-rdb');

const BIN = 'bin\xff\x00\xc3';

/** Streams with tombstones, several nodes, groups, PELs and consumers. */
function dataset(): Arg[][] {
  const cmds: Arg[][] = [['CONFIG', 'SET', 'stream-node-max-entries', '4']];
  for (let i = 1; i <= 30; i++) {
    const fields = i % 3 === 0 ? ['other', `v${i}`, BIN, '\x00\xff'] : ['f', String(i * 1000), 'g', `x${i}`.repeat(i % 5)];
    cmds.push(['XADD', 's1', `${1000 + i}-${i % 4}`, ...fields]);
  }
  cmds.push(
    ['XDEL', 's1', '1002-2', '1005-1', '1006-2', '1007-3', '1008-0'],
    ['XADD', 's1', '18446744073709551614-18446744073709551615', 'big', '-9223372036854775808'],
    ['XGROUP', 'CREATE', 's1', 'g1', '0'],
    ['XGROUP', 'CREATE', 's1', `grp${BIN}`, '1010-0'],
    ['XGROUP', 'CREATE', 's1', 'late', '$'],
    ['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '5', 'STREAMS', 's1', '>'],
    ['XREADGROUP', 'GROUP', 'g1', `bob${BIN}`, 'COUNT', '3', 'STREAMS', 's1', '>'],
    ['XREADGROUP', 'GROUP', `grp${BIN}`, 'carol', 'COUNT', '2', 'STREAMS', 's1', '>'],
    ['XACK', 's1', 'g1', '1003-3'],
    ['XCLAIM', 's1', 'g1', 'alice', '0', '1009-1', 'RETRYCOUNT', '7'],
    ['XGROUP', 'CREATECONSUMER', 's1', 'g1', 'idle'],
    ['XTRIM', 's1', 'MAXLEN', '24'],
    ['XADD', `s2${BIN}`, '5-1', 'a', '1'],
    ['XDEL', `s2${BIN}`, '5-1'],
    ['XGROUP', 'CREATE', 'empty', 'g', '$', 'MKSTREAM'],
    ['XADD', 'plain', '*', 'k', 'v'],
    ['XADD', 'plain', '*', 'k', 'w', 'n', '1'],
    ['XADD', 'bignode', '1-1', 'payload', 'p'.repeat(3000)],
  );
  for (let i = 2; i <= 40; i++) cmds.push(['XADD', 'bignode', `1-${i}`, 'payload', String(i).repeat(i * 30)]);
  return cmds;
}

const KEYS = ['s1', `s2${BIN}`, 'empty', 'plain', 'bignode'];

async function run(c: RawClient, cmds: Arg[][]): Promise<void> {
  for (const cmd of cmds) {
    const r = (await c.call(...cmd)).latin1Slice();
    expect(r.startsWith('-'), `${cmd.join(' ')}: ${r}`).toBe(false);
  }
}

async function bulk(c: RawClient, ...args: Arg[]): Promise<string> {
  const [r] = parseReply(await c.call(...args));
  if (r.t !== 'bulk' || r.v === null) throw new Error(`expected a bulk reply to ${args.join(' ')}: ${JSON.stringify(r)}`);
  return r.v.latin1Slice();
}

async function keys(c: RawClient): Promise<string[]> {
  const [r] = parseReply(await c.call('KEYS', '*'));
  if (r.t !== 'array' || r.v === null) throw new Error('KEYS: not an array');
  return r.v.map((e) => (e.t === 'bulk' && e.v !== null ? e.v.latin1Slice() : '?')).sort();
}

/** The DUMP footer: RDB version 10 and the CRC64 of everything before it. */
function withFooter(body: Buffer): Buffer {
  const ver = Buffer.from([10, 0]);
  const data = Buffer.concat([body, ver]);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(BigInt.asUintN(64, BigInt(crc64(0n, data))));
  return Buffer.concat([data, crc]);
}

/** Reads RDB lengths and strings from a payload (to rewrite it). */
class Cursor {
  constructor(
    readonly b: Buffer,
    public p = 0,
  ) {}
  len(): bigint {
    const c = this.b[this.p++];
    const t = c >> 6;
    if (t === 0 || t === 3) return BigInt(c & 0x3f);
    if (t === 1) return BigInt(((c & 0x3f) << 8) | this.b[this.p++]);
    if (c === 0x80) {
      const v = this.b.readUInt32BE(this.p);
      this.p += 4;
      return BigInt(v);
    }
    const v = this.b.readBigUInt64BE(this.p);
    this.p += 8;
    return v;
  }
  skipString(): void {
    const c = this.b[this.p];
    if (c >> 6 === 3) {
      this.p++;
      const enc = c & 0x3f;
      if (enc === 0) this.p += 1;
      else if (enc === 1) this.p += 2;
      else if (enc === 2) this.p += 4;
      else {
        const clen = Number(this.len());
        this.len();
        this.p += clen;
      }
      return;
    }
    const n = Number(this.len());
    this.p += n;
  }
}

/**
 * A type-19 DUMP payload rewritten as type 15 (RDB_TYPE_STREAM_LISTPACKS):
 * without first ID, max deleted ID, entries added, nor per-group entries_read.
 */
function toType15(dump: Buffer): Buffer {
  expect(dump[0]).toBe(19);
  const c = new Cursor(dump, 1);
  const parts: Buffer[] = [Buffer.from([15])];
  let mark = 1;
  const keep = (to: number) => {
    parts.push(dump.subarray(mark, to));
  };
  const n = Number(c.len());
  for (let i = 0; i < n; i++) {
    c.skipString();
    c.skipString();
  }
  c.len(); // length
  c.len(); // last ms
  c.len(); // last seq
  keep(c.p);
  for (let i = 0; i < 5; i++) c.len(); // first id, max deleted id, entries added
  mark = c.p;
  const groups = Number(c.len());
  for (let g = 0; g < groups; g++) {
    c.skipString();
    c.len();
    c.len();
    keep(c.p);
    c.len(); // entries_read
    mark = c.p;
    const pel = Number(c.len());
    for (let i = 0; i < pel; i++) {
      c.p += 16 + 8;
      c.len();
    }
    const consumers = Number(c.len());
    for (let i = 0; i < consumers; i++) {
      c.skipString();
      c.p += 8;
      const cp = Number(c.len());
      c.p += 16 * cp;
    }
  }
  keep(c.p);
  return withFooter(Buffer.concat(parts));
}

describe.skipIf(!HAVE_REDIS)('streams in RDB payloads and files (diff)', () => {
  let d: DiffPair;

  beforeAll(async () => {
    d = await DiffPair.start([], { 'enable-debug-command': 'yes' });
    await run(d.n, dataset());
    await run(d.r, dataset());
  }, 60_000);

  afterAll(async () => {
    await d?.close();
  });

  it('a redis-server DUMP restores into Nodis: same XINFO STREAM FULL, same DUMP bytes', async () => {
    for (const key of KEYS) {
      const payload = await bulk(d.r, 'DUMP', key);
      expect(payload.charCodeAt(0)).toBe(19);
      for (const c of [d.n, d.r]) {
        expect((await c.call('RESTORE', `r:${key}`, '0', payload)).latin1Slice()).toBe('+OK\r\n');
      }
      await d.same('XINFO', 'STREAM', `r:${key}`, 'FULL');
      await d.same('XINFO', 'STREAM', `r:${key}`);
      await d.same('XINFO', 'GROUPS', `r:${key}`);
      await d.same('XRANGE', `r:${key}`, '-', '+');
      await d.same('XPENDING', `r:${key}`, 'g1');
      expect(await bulk(d.n, 'DUMP', `r:${key}`)).toBe(payload);
    }
  });

  it('a Nodis DUMP restores into redis-server: same XINFO STREAM FULL', async () => {
    for (const key of KEYS) {
      const payload = await bulk(d.n, 'DUMP', key);
      for (const c of [d.n, d.r]) {
        expect((await c.call('RESTORE', `n:${key}`, '0', payload)).latin1Slice()).toBe('+OK\r\n');
      }
      await d.same('XINFO', 'STREAM', `n:${key}`, 'FULL');
      await d.same('XLEN', `n:${key}`);
      await d.same('XREVRANGE', `n:${key}`, '+', '-', 'COUNT', '7');
      expect(await bulk(d.r, 'DUMP', `n:${key}`)).toBe(payload);
    }
  });

  it('loads type 15 payloads (no v2 metadata), estimating entries-read as Redis does', async () => {
    for (const key of KEYS) {
      const p15 = toType15(Buffer.from(await bulk(d.r, 'DUMP', key), 'latin1'));
      for (const c of [d.r, d.n]) {
        expect((await c.call('RESTORE', `v1:${key}`, '0', p15)).latin1Slice(), `${c === d.r ? 'redis' : 'nodis'} ${key}`).toBe('+OK\r\n');
      }
      await d.same('XINFO', 'STREAM', `v1:${key}`, 'FULL');
      await d.same('XINFO', 'GROUPS', `v1:${key}`);
      await d.same('DUMP', `v1:${key}`);
    }
  });

  it('restored streams keep working: XADD, XREADGROUP, XAUTOCLAIM, XTRIM behave alike', async () => {
    const k = 'r:s1';
    await d.same('XADD', k, '18446744073709551615-0', 'f', 'v');
    await d.same('XADD', k, '*', 'f', 'v');
    await d.same('XACK', k, 'g1', '1001-1', '1004-0');
    await d.same('XAUTOCLAIM', k, 'g1', 'zed', '0', '0-0', 'COUNT', '2', 'JUSTID');
    await d.same('XTRIM', k, 'MINID', '~', '1020');
    await d.same('XDEL', k, '1025-1', '1026-2');
    await d.same('XINFO', 'STREAM', k);
    await d.same('XRANGE', k, '-', '+');
  });

  it('corrupt payloads are refused the same way', async () => {
    const good = Buffer.from(await bulk(d.r, 'DUMP', 'plain'), 'latin1');
    const body = good.subarray(0, good.length - 10);
    // Node key of the wrong size.
    const badKey = Buffer.from(body);
    badKey[2] = 15;
    for (const bad of [withFooter(badKey), withFooter(body.subarray(0, body.length - 3))]) {
      await d.same('RESTORE', 'bad', '0', bad);
    }
    await d.same('EXISTS', 'bad');
  });

  it('DEBUG RELOAD keeps streams, groups and PELs', async () => {
    const before = await Promise.all(KEYS.map((k) => d.n.call('XINFO', 'STREAM', k, 'FULL')));
    const dumps = await Promise.all(KEYS.map((k) => d.n.call('DUMP', k)));
    expect((await d.n.call('DEBUG', 'RELOAD')).latin1Slice()).toBe('+OK\r\n');
    const after = await Promise.all(KEYS.map((k) => d.n.call('XINFO', 'STREAM', k, 'FULL')));
    const dumps2 = await Promise.all(KEYS.map((k) => d.n.call('DUMP', k)));
    expect(after.map((b) => b.latin1Slice())).toEqual(before.map((b) => b.latin1Slice()));
    expect(dumps2.map((b) => b.latin1Slice())).toEqual(dumps.map((b) => b.latin1Slice()));
  });

  it("redis-server's dump.rdb with streams loads at Nodis start-up", async () => {
    expect((await d.r.call('SAVE')).latin1Slice()).toBe('+OK\r\n');
    const file = path.join(d.redis.dir, 'dump.rdb');
    expect(fs.existsSync(file)).toBe(true);
    const n2 = await startNodis({ config: { dir: d.redis.dir, dbfilename: 'dump.rdb' } });
    const c = await RawClient.connect(n2.port);
    try {
      const rkeys = await keys(d.r);
      expect(rkeys.length).toBeGreaterThan(10);
      expect(await keys(c)).toEqual(rkeys);
      for (const key of rkeys) {
        const [a, b] = await Promise.all([c.call('XINFO', 'STREAM', key, 'FULL'), d.r.call('XINFO', 'STREAM', key, 'FULL')]);
        expect(a.latin1Slice(), key).toBe(b.latin1Slice());
      }
    } finally {
      c.close();
      await n2.close();
    }
  });
});
