/**
 * cmsgpack and struct in scripts end to end: a BullMQ-style script that
 * takes its arguments and job options msgpack-encoded by the client (as
 * BullMQ does with msgpackr) and unpacks them with cmsgpack.unpack, and
 * replies packed by scripts decoded on the client.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import type { ServerHandle } from '../../src/index.js';

type Packable = null | boolean | number | string | Buffer | Packable[] | { [k: string]: Packable };

/** A minimal MessagePack encoder with msgpackr's defaults (float64 for non-integers, uint64 past 2^32). */
function mpEncode(v: Packable): Buffer {
  const out: Buffer[] = [];
  const u8 = (...b: number[]): void => void out.push(Buffer.from(b));
  const walk = (x: Packable): void => {
    if (x === null) u8(0xc0);
    else if (typeof x === 'boolean') u8(x ? 0xc3 : 0xc2);
    else if (typeof x === 'number') {
      const b = Buffer.alloc(9);
      if (Number.isInteger(x) && x >= 0 && x < 128) u8(x);
      else if (Number.isInteger(x) && x < 0 && x >= -32) u8(x & 0xff);
      else if (Number.isInteger(x) && x >= 0 && x <= 0xffff) u8(0xcd, x >> 8, x & 0xff);
      else if (Number.isInteger(x) && x >= 0 && x <= 0xffffffff) {
        b[0] = 0xce;
        b.writeUInt32BE(x, 1);
        out.push(b.subarray(0, 5));
      } else if (Number.isInteger(x) && x > 0) {
        b[0] = 0xcf;
        b.writeBigUInt64BE(BigInt(x), 1);
        out.push(b);
      } else if (Number.isInteger(x) && x >= -2147483648) {
        b[0] = 0xd2;
        b.writeInt32BE(x, 1);
        out.push(b.subarray(0, 5));
      } else {
        b[0] = 0xcb;
        b.writeDoubleBE(x, 1);
        out.push(b);
      }
    } else if (typeof x === 'string' || Buffer.isBuffer(x)) {
      const s = typeof x === 'string' ? Buffer.from(x, 'utf8') : x;
      if (s.length < 32) u8(0xa0 | s.length);
      else if (s.length <= 0xff) u8(0xd9, s.length);
      else u8(0xda, s.length >> 8, s.length & 0xff);
      out.push(s);
    } else if (Array.isArray(x)) {
      if (x.length > 15) throw new Error('short arrays only');
      u8(0x90 | x.length);
      x.forEach(walk);
    } else {
      const ks = Object.keys(x);
      if (ks.length > 15) throw new Error('short maps only');
      u8(0x80 | ks.length);
      for (const k of ks) {
        walk(k);
        walk(x[k]);
      }
    }
  };
  walk(v);
  return Buffer.concat(out);
}

/** Shaped like BullMQ's addStandardJob: packed args, packed options, raw data. */
const ADD_JOB = `
local args = cmsgpack.unpack(ARGV[1])
local opts = cmsgpack.unpack(ARGV[2])
local prefix, customId, name, timestamp, parentKey = args[1], args[2], args[3], args[4], args[5]
local jobId = customId
if customId == "" then jobId = tostring(redis.call("INCR", prefix .. "id")) end
local jobKey = prefix .. jobId
if redis.call("EXISTS", jobKey) == 1 then return -1 end
local attempts = opts["attempts"] or 0
redis.call("HSET", jobKey, "name", name, "data", ARGV[3], "timestamp", timestamp,
  "delay", opts["delay"] or 0, "priority", opts["priority"] or 0, "atm", attempts,
  "btype", opts["backoff"]["type"], "bdelay", opts["backoff"]["delay"],
  "parent", tostring(parentKey), "rc", tostring(opts["removeOnComplete"]),
  "tags", table.concat(opts["tags"], ","), "ratio", opts["ratio"])
if opts["lifo"] then redis.call("RPUSH", prefix .. "wait", jobId) else redis.call("LPUSH", prefix .. "wait", jobId) end
return jobId
`;

let srv: ServerHandle;
let io: Redis;

beforeAll(async () => {
  srv = await startNodis();
  io = new Redis({ port: srv.port, lazyConnect: true });
  await io.connect();
});

afterAll(async () => {
  io.disconnect();
  await srv.close();
});

beforeEach(async () => {
  await io.flushall();
});

describe('cmsgpack in a job-queue script', () => {
  it('unpacks client-packed arguments and options', async () => {
    const name = Buffer.from('send\xff\x00mail', 'latin1');
    const args = mpEncode(['bull:q:', '', name, 1717000000123, null]);
    const opts = mpEncode({
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      delay: 0,
      priority: 70000,
      removeOnComplete: true,
      lifo: false,
      tags: ['a', 'bé', 'c'],
      ratio: 0.25,
    });
    const data = '{"to":"x@y.z"}';
    expect(await io.eval(ADD_JOB, 0, args, opts, data)).toBe('1');
    expect(await io.eval(ADD_JOB, 0, args, opts, data)).toBe('2');
    const h = await io.hgetallBuffer('bull:q:1');
    const fields = Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v.toString('latin1')]));
    expect(fields).toEqual({
      name: 'send\xff\x00mail',
      data,
      timestamp: '1717000000123',
      delay: '0',
      priority: '70000',
      atm: '3',
      btype: 'exponential',
      bdelay: '1000',
      parent: 'nil',
      rc: 'true',
      tags: Buffer.from('a,bé,c', 'utf8').toString('latin1'),
      ratio: '0.25',
    });
    expect(await io.lrange('bull:q:wait', 0, -1)).toEqual(['2', '1']);
    // A custom id, LIFO, and a duplicate refused.
    const custom = mpEncode(['bull:q:', 'my-id', 'n', 1, 'bull:p:9']);
    const lifo = mpEncode({ attempts: 1, backoff: { type: 'fixed', delay: 5 }, lifo: true, tags: [], ratio: -1.5 });
    expect(await io.eval(ADD_JOB, 0, custom, lifo, 'd')).toBe('my-id');
    expect(await io.eval(ADD_JOB, 0, custom, lifo, 'd')).toBe(-1);
    expect(await io.lrange('bull:q:wait', 0, -1)).toEqual(['2', '1', 'my-id']);
    expect(await io.hget('bull:q:my-id', 'parent')).toBe('bull:p:9');
    expect(await io.hget('bull:q:my-id', 'ratio')).toBe('-1.5');
  });

  it('packs replies the client can read', async () => {
    const reply = (await io.evalBuffer('return cmsgpack.pack({ARGV[1], 300, -2, 0.5, true}, {k = ARGV[1]})', 0, Buffer.from('\xff\x00', 'latin1'))) as Buffer;
    expect(reply.toString('hex')).toBe('95' + 'a2ff00' + 'cd012c' + 'fe' + 'ca3f000000' + 'c3' + '81' + 'a16b' + 'a2ff00');
  });

  it('unpack_one walks a stream of values', async () => {
    const stream = Buffer.concat([mpEncode(1), mpEncode('two'), mpEncode([3]), mpEncode({ four: 4 })]);
    const script = `
local out, off, v = {}, 0, nil
repeat
  off, v = cmsgpack.unpack_one(ARGV[1], off)
  out[#out + 1] = type(v) == "table" and (v[1] or v.four) or v
until off == -1
return out`;
    expect(await io.eval(script, 0, stream)).toEqual([1, 'two', 3, 4]);
  });
});

describe('struct in scripts', () => {
  it('packs and unpacks binary records', async () => {
    const packed = (await io.evalBuffer('return struct.pack(">HIc3<i", 258, 4000000000, ARGV[1], -2)', 0, Buffer.from('\xff\x00\xc3', 'latin1'))) as Buffer;
    expect(packed.toString('hex')).toBe('0102' + 'ee6b2800' + 'ff00c3' + 'feffffff');
    expect(await io.eval('local a, b, c, d, nxt = struct.unpack(">HIc3<i", ARGV[1]) return {a, b, d, nxt}', 0, packed)).toEqual([258, 4000000000, -2, 14]);
    const c = (await io.evalBuffer('local a, b, c = struct.unpack(">HIc3<i", ARGV[1]) return c', 0, packed)) as Buffer;
    expect(c.toString('latin1')).toBe('\xff\x00\xc3');
    expect(await io.eval('return struct.size("!4bxhi")', 0)).toBe(8);
  });
});
