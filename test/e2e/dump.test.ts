/**
 * DUMP / RESTORE semantics: options, error texts and their order, TTLs,
 * propagation as Redis rewrites it, keyspace events, OBJECT IDLETIME/FREQ,
 * sanitize-dump-payload, and clients (ioredis, raw RESP2/RESP3).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { observe } from '../helpers/observe.js';
import { RawClient, parseReply } from '../helpers/resp.js';
import { ManualClock, type ServerHandle } from '../../src/index.js';
import { createDumpPayload } from '../../src/persistence/rdb/payload.js';
import { Crc64 } from '../../src/persistence/rdb/crc64.js';
import { ListpackBuilder } from '../../src/persistence/rdb/listpack.js';

const K = 'k\xff\x00\xc3';
const NOW = 1_700_000_000_000;

let clock: ManualClock;
let srv: ServerHandle;
let r: Redis;
let c: RawClient;
let events: string[] = [];
let propagated: string[][] = [];
let modified: string[] = [];

beforeAll(async () => {
  clock = new ManualClock(NOW);
  srv = await startNodis({ clock, config: { 'notify-keyspace-events': 'KEA', 'enable-debug-command': 'yes' } });
  observe(srv.server, { event: (e) => events.push(e), propagate: (a) => propagated.push(a), modified: (k) => modified.push(k) });
  srv.server.activeExpireEnabled = false;
  r = new Redis(srv.port, '127.0.0.1', { lazyConnect: true, enableReadyCheck: false });
  await r.connect();
  c = await RawClient.connect(srv.port);
});

afterAll(async () => {
  r.disconnect();
  c.close();
  await srv.close();
});

beforeEach(async () => {
  await c.call('FLUSHALL');
  await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
  await c.call('CONFIG', 'SET', 'sanitize-dump-payload', 'no');
  events = [];
  propagated = [];
  modified = [];
});

async function dump(key: string): Promise<Buffer> {
  const [rep] = parseReply(await c.call('DUMP', key));
  if (rep.t !== 'bulk' || rep.v === null) throw new Error('no payload');
  return rep.v;
}

/** A payload with a valid footer around arbitrary value bytes. */
function withFooter(body: Buffer, version = 10): Buffer {
  const out = Buffer.alloc(body.length + 10);
  body.copy(out);
  out.writeUInt16LE(version, body.length);
  new Crc64().update(out, 0, body.length + 2).writeLE(out, body.length + 2);
  return out;
}

describe('DUMP / RESTORE', () => {
  it('round-trips a binary key and value', async () => {
    await c.call('SET', K, '\xff\x00\xc3value');
    const p = await dump(K);
    await c.call('DEL', K);
    events = [];
    propagated = [];
    modified = [];
    expect(await c.callStr('RESTORE', K, '0', p)).toBe('+OK\r\n');
    expect(await c.callStr('GET', K)).toBe('$8\r\n\xff\x00\xc3value\r\n');
    expect(await c.callStr('TTL', K)).toBe(':-1\r\n');
    expect(events).toEqual([`restore ${K}`]);
    expect(propagated).toEqual([['RESTORE', K, '0', p.latin1Slice()]]);
    expect(modified).toEqual([K]);
  });

  it('relative TTLs are propagated as absolute with ABSTTL', async () => {
    await c.call('RPUSH', 'l', 'a', 'b');
    const p = await dump('l');
    await c.call('DEL', 'l');
    propagated = [];
    expect(await c.callStr('RESTORE', 'l', '5000', p)).toBe('+OK\r\n');
    expect(await c.callStr('PTTL', 'l')).toBe(':5000\r\n');
    expect(propagated).toEqual([['RESTORE', 'l', String(NOW + 5000), p.latin1Slice(), 'ABSTTL']]);
    propagated = [];
    expect(await c.callStr('RESTORE', 'l2', String(NOW + 9000), p, 'absttl')).toBe('+OK\r\n');
    expect(await c.callStr('PEXPIRETIME', 'l2')).toBe(`:${NOW + 9000}\r\n`);
    expect(propagated).toEqual([['RESTORE', 'l2', String(NOW + 9000), p.latin1Slice(), 'absttl']]);
    // A TTL beyond 32 bits.
    expect(await c.callStr('RESTORE', 'l3', '2569591501', p)).toBe('+OK\r\n');
    expect(await c.callStr('PTTL', 'l3')).toBe(':2569591501\r\n');
  });

  it('a TTL already in the past: no key, and a DEL only when REPLACE removed one', async () => {
    await c.call('SET', 'k', 'v');
    const p = await dump('k');
    events = [];
    propagated = [];
    expect(await c.callStr('RESTORE', 'k', String(NOW - 1), p, 'ABSTTL', 'REPLACE')).toBe('+OK\r\n');
    expect(await c.callStr('EXISTS', 'k')).toBe(':0\r\n');
    expect(events).toEqual(['del k']);
    expect(propagated).toEqual([['DEL', 'k']]);
    events = [];
    propagated = [];
    expect(await c.callStr('RESTORE', 'k', String(NOW), p, 'ABSTTL')).toBe('+OK\r\n');
    expect(await c.callStr('EXISTS', 'k')).toBe(':0\r\n');
    expect(events).toEqual([]);
    expect(propagated).toEqual([]);
  });

  it('REPLACE overwrites and drops the old TTL', async () => {
    await c.call('SET', 'k', 'new');
    const p = await dump('k');
    await c.call('SET', 'k', 'old', 'EX', '100');
    expect(await c.callStr('RESTORE', 'k', '0', p)).toBe('-BUSYKEY Target key name already exists.\r\n');
    expect(await c.callStr('RESTORE', 'k', '0', p, 'REPLACE')).toBe('+OK\r\n');
    expect(await c.callStr('GET', 'k')).toBe('$3\r\nnew\r\n');
    expect(await c.callStr('TTL', 'k')).toBe(':-1\r\n');
  });

  it('replies with Redis error texts, checked in Redis order', async () => {
    await c.call('SET', 'k', 'v');
    const p = await dump('k');
    expect(await c.callStr('RESTORE', 'k', '0', '...', 'bad-option')).toBe('-ERR syntax error\r\n');
    expect(await c.callStr('RESTORE', 'k', '0', '...', 'IDLETIME')).toBe('-ERR syntax error\r\n');
    expect(await c.callStr('RESTORE', 'k', '0', '...', 'IDLETIME', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await c.callStr('RESTORE', 'k', '0', '...', 'IDLETIME', '-1')).toBe('-ERR Invalid IDLETIME value, must be >= 0\r\n');
    expect(await c.callStr('RESTORE', 'k', '0', '...', 'FREQ', '256')).toBe('-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n');
    expect(await c.callStr('RESTORE', 'k', '0', '...', 'FREQ', '-1')).toBe('-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n');
    // IDLETIME and FREQ exclude each other.
    expect(await c.callStr('RESTORE', 'k', '0', '...', 'IDLETIME', '1', 'FREQ', '1')).toBe('-ERR syntax error\r\n');
    expect(await c.callStr('RESTORE', 'k', '0', '...')).toBe('-BUSYKEY Target key name already exists.\r\n');
    expect(await c.callStr('RESTORE', 'n', 'x', '...')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await c.callStr('RESTORE', 'n', '-1', '...')).toBe('-ERR Invalid TTL value, must be >= 0\r\n');
    expect(await c.callStr('RESTORE', 'n', '0', '...')).toBe('-ERR DUMP payload version or checksum are wrong\r\n');
    const wrongCrc = Buffer.from(p);
    wrongCrc[wrongCrc.length - 1] ^= 1;
    expect(await c.callStr('RESTORE', 'n', '0', wrongCrc)).toBe('-ERR DUMP payload version or checksum are wrong\r\n');
    expect(await c.callStr('RESTORE', 'n', '0', withFooter(p.subarray(0, p.length - 10), 11))).toBe(
      '-ERR DUMP payload version or checksum are wrong\r\n',
    );
    expect(await c.callStr('RESTORE', 'n', '0', withFooter(Buffer.from([0x08, 0x01, 0x61])))).toBe('-ERR Bad data format\r\n');
    expect(await c.callStr('RESTORE', 'n', '0', withFooter(Buffer.from([0x02, 0x00])))).toBe('-ERR Bad data format\r\n');
    expect(await c.callStr('RESTORE', 'n', '0', withFooter(Buffer.alloc(0)))).toBe('-ERR Bad data format\r\n');
    expect(await c.callStr('EXISTS', 'n')).toBe(':0\r\n');
  });

  it('DEBUG SET-SKIP-CHECKSUM-VALIDATION 1 accepts a wrong CRC, not a newer version', async () => {
    await c.call('SET', 'k', 'v');
    const p = await dump('k');
    p[p.length - 1] ^= 0xff;
    expect(await c.callStr('RESTORE', 'n', '0', p)).toBe('-ERR DUMP payload version or checksum are wrong\r\n');
    expect(await c.callStr('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1')).toBe('+OK\r\n');
    try {
      expect(await c.callStr('RESTORE', 'n', '0', p)).toBe('+OK\r\n');
      p.writeUInt16LE(11, p.length - 10);
      expect(await c.callStr('RESTORE', 'm', '0', p)).toBe('-ERR DUMP payload version or checksum are wrong\r\n');
    } finally {
      expect(await c.callStr('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '0')).toBe('+OK\r\n');
    }
    expect(await c.callStr('RESTORE', 'o', '0', p)).toBe('-ERR DUMP payload version or checksum are wrong\r\n');
  });

  it('an older RDB version in the footer is accepted', async () => {
    const p = withFooter(Buffer.from('\x00\x03abc', 'latin1'), 6);
    expect(await c.callStr('RESTORE', 'old', '0', p)).toBe('+OK\r\n');
    expect(await c.callStr('GET', 'old')).toBe('$3\r\nabc\r\n');
  });

  it('IDLETIME sets the idle time, FREQ the LFU counter (each under its policy)', async () => {
    await c.call('SET', 'k', 'v');
    const p = await dump('k');
    expect(await c.callStr('RESTORE', 'a', '0', p, 'IDLETIME', '1000')).toBe('+OK\r\n');
    expect(await c.callStr('OBJECT', 'IDLETIME', 'a')).toBe(':1000\r\n');
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    expect(await c.callStr('RESTORE', 'b', '0', p, 'IDLETIME', '50')).toBe('+OK\r\n');
    clock.advance(3000);
    expect(await c.callStr('OBJECT', 'IDLETIME', 'b')).toBe(':53\r\n');
    await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
    expect(await c.callStr('RESTORE', 'f', '0', p, 'FREQ', '100')).toBe('+OK\r\n');
    expect(await c.callStr('OBJECT', 'FREQ', 'f')).toBe(':100\r\n');
  });

  it('DUMP is a null bulk for a missing key, also in RESP3', async () => {
    expect(await c.callStr('DUMP', 'missing')).toBe('$-1\r\n');
    const c3 = await RawClient.connect(srv.port);
    try {
      const hello = await c3.callStr('HELLO', '3');
      if (hello.startsWith('-')) return; // HELLO not available: RESP2 only
      expect(await c3.callStr('DUMP', 'missing')).toBe('_\r\n');
      await c3.call('SET', 'x', '1');
      expect((await c3.call('DUMP', 'x')).latin1Slice()).toBe((await c.call('DUMP', 'x')).latin1Slice());
    } finally {
      c3.close();
    }
  });

  it('works through ioredis with Buffers', async () => {
    await r.hset('h', 'f', 'v', 'n', '1');
    const p = await r.dumpBuffer('h');
    expect(p.equals(createDumpPayload((srv.server.dbs[0].peek('h'))!, srv.server.config))).toBe(true);
    await r.del('h');
    expect(await r.restore('h', 0, p)).toBe('OK');
    expect(await r.hgetall('h')).toEqual({ f: 'v', n: '1' });
    expect(await r.object('ENCODING', 'h')).toBe('listpack');
  });

  it('restores every type with its encoding', async () => {
    await c.call('RPUSH', 'l', 'a', '1', '\xff');
    await c.call('SADD', 'si', '1', '2', '3');
    await c.call('SADD', 'sh', 'a', 'b');
    await c.call('HSET', 'hh', 'f', 'x'.repeat(100));
    await c.call('ZADD', 'zl', '1', 'a', '2', 'b');
    await c.call('ZADD', 'zs', '1', 'y'.repeat(100));
    for (const k of ['l', 'si', 'sh', 'hh', 'zl', 'zs']) {
      const p = await dump(k);
      const enc = await c.callStr('OBJECT', 'ENCODING', k);
      expect(await c.callStr('RESTORE', `${k}2`, '0', p)).toBe('+OK\r\n');
      expect(await c.callStr('OBJECT', 'ENCODING', `${k}2`)).toBe(enc);
      expect((await dump(`${k}2`)).equals(p) || k === 'sh').toBe(true);
    }
  });

  it('sanitize-dump-payload yes rejects payloads only a deep check finds bad', async () => {
    // A hash listpack with a duplicated field is refused in any mode.
    const dup = new ListpackBuilder();
    for (const s of ['f', '1', 'f', '2']) dup.add(s);
    const dupPayload = withFooter(Buffer.concat([Buffer.from([16, dup.encode().length]), dup.encode()]));
    expect(await c.callStr('RESTORE', 'd', '0', dupPayload)).toBe('-ERR Bad data format\r\n');
    // A listpack whose element count header is wrong passes the shallow check only.
    const lp = new ListpackBuilder();
    for (const s of ['f', '1']) lp.add(s);
    const bytes = lp.encode();
    bytes.writeUInt16LE(4, 4);
    const payload = withFooter(Buffer.concat([Buffer.from([16, bytes.length]), bytes]));
    expect(await c.callStr('RESTORE', 'x', '0', payload)).toBe('+OK\r\n');
    const sanitizations = async (): Promise<number> =>
      Number(/dump_payload_sanitizations:(\d+)/.exec(await c.callStr('INFO', 'stats'))![1]);
    expect(await sanitizations()).toBe(0);
    await c.call('CONFIG', 'SET', 'sanitize-dump-payload', 'yes');
    expect(await c.callStr('RESTORE', 'y', '0', payload)).toBe('-ERR Bad data format\r\n');
    expect(await sanitizations()).toBe(1);
    await c.call('RPUSH', 'list', 'a');
    expect(await c.callStr('RESTORE', 'list2', '0', await dump('list'))).toBe('+OK\r\n');
    expect(await sanitizations()).toBe(2);
    await c.call('CONFIG', 'SET', 'sanitize-dump-payload', 'clients');
    expect(await c.callStr('RESTORE', 'y', '0', payload)).toBe('-ERR Bad data format\r\n');
  });

  it('a restored list serves a client blocked on its key', async () => {
    await c.call('RPUSH', 'src', 'x', 'y');
    const p = await dump('src');
    const blocked = await RawClient.connect(srv.port);
    try {
      blocked.write('*3\r\n$5\r\nBLPOP\r\n$4\r\ndest\r\n$1\r\n0\r\n');
      // Wait until the server has it blocked.
      for (let i = 0; i < 200 && !/blocked_clients:1/.test(await c.callStr('INFO', 'clients')); i++) {
        await new Promise((res) => setTimeout(res, 10));
      }
      expect(await c.callStr('RESTORE', 'dest', '0', p)).toBe('+OK\r\n');
      expect((await blocked.readReply()).latin1Slice()).toBe('*2\r\n$4\r\ndest\r\n$1\r\nx\r\n');
      expect(await c.callStr('LRANGE', 'dest', '0', '-1')).toBe('*1\r\n$1\r\ny\r\n');
    } finally {
      blocked.close();
    }
  });

  it('is queued inside MULTI and runs in EXEC', async () => {
    await c.call('SET', 'k', 'v');
    const p = await dump('k');
    expect(await c.callStr('MULTI')).toBe('+OK\r\n');
    expect(await c.callStr('RESTORE', 'm', '0', p)).toBe('+QUEUED\r\n');
    expect(await c.callStr('EXEC')).toBe('*1\r\n+OK\r\n');
    expect(await c.callStr('GET', 'm')).toBe('$1\r\nv\r\n');
  });
});
