/**
 * Differential fuzzer: random command sequences over a small key space go to
 * Nodis and to redis-server; every reply must match (sorted where the order
 * is unspecified, approximately for TTLs).
 *
 * Table-driven: a generator is enabled only when Nodis has the command, so
 * the fuzzer covers each family as soon as it lands. Add generators to GENS.
 *
 *   FUZZ_SEED=123 FUZZ_RUNS=500 FUZZ_LEN=50 npx vitest run test/diff/fuzz.diff.test.ts
 * FUZZ_NO_SHRINK=1 reports the first failing sequence without shrinking it.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair, approxEqual, fmtArgs, normalize, type CompareOptions } from '../helpers/diff.js';
import { parseReply } from '../helpers/resp.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';

warnIfNoRedis('diff/fuzz');

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 20240611;
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const LEN = Number(process.env.FUZZ_LEN ?? 30);

interface Step {
  args: string[];
  cmp?: CompareOptions;
}

// ---- the key and value space ------------------------------------------------

const KEYS = ['k1', 'k2', 'k3', '\xffk', 'k\x00\r\n'];
const key = fc.constantFrom(...KEYS);
const value = fc.oneof(
  fc.constantFrom(
    '0',
    '1',
    '-1',
    '10',
    '-100',
    '3.5',
    '-0.1',
    '1e3',
    '0x10',
    ' 1',
    '01',
    'inf',
    '9223372036854775807',
    '-9223372036854775808',
    '9223372036854775808',
    '',
    'abc',
    'hello world',
    '\x00\xff\xc3\x28',
    '\xff\xfe',
  ),
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 12 }),
);
const intArg = fc.oneof(
  fc.constantFrom('0', '1', '-1', '2', '7', '100', '-100', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '1.5', 'abc', ' 1', '01', ''),
  fc.integer({ min: -50, max: 50 }).map(String),
);
const floatArg = fc.oneof(
  fc.constantFrom('0', '1.5', '-0.1', '1e3', '5.0e3', '0.1', '-1', 'inf', '-inf', 'nan', 'abc', '1e400', ' 1', '0x10', '3'),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((d) => String(d)),
);
/** Offsets and indexes: small, negative, out of range, not a number. */
const index = fc.oneof(fc.integer({ min: -20, max: 20 }).map(String), fc.constantFrom('100', '-100', '9223372036854775807', '-9223372036854775808', 'x'));
const bitOffset = fc.oneof(fc.integer({ min: 0, max: 100 }).map(String), fc.constantFrom('-1', '65535', '4294967296', 'x'));
/** Relative expire times that cannot elapse during a run, plus immediate and invalid ones. */
const seconds = fc.constantFrom('100', '1000', '100000', '0', '-5', 'x', '9223372036854775807', '2.5');
const millis = fc.constantFrom('100000', '5000000', '0', '-5', 'x', '9223372036854775807');
const unixSeconds = fc.constantFrom('1', '4102444800', '0', '-1', 'x');
const unixMillis = fc.constantFrom('1', '4102444800000', '0', 'x');
const db = fc.constantFrom('0', '1', '9', '15', '16', '-1', 'x');
const keys = (min: number, max: number) => fc.array(key, { minLength: min, maxLength: max });
const pairs = (min: number, max: number) => fc.array(fc.tuple(key, value), { minLength: min, maxLength: max }).map((ps) => ps.flat());
const opt = <T>(a: fc.Arbitrary<T[]>) => fc.option(a, { nil: undefined, freq: 2 }).map((x) => x ?? []);

const cmd = (name: string, ...parts: fc.Arbitrary<string | string[]>[]): fc.Arbitrary<string[]> =>
  fc.tuple(...parts).map((xs) => [name, ...xs.flat()]);
const lit = (...xs: string[]) => fc.constant(xs);
const one = (...xs: string[]) => fc.constantFrom(...xs);

const expireOpt = opt(fc.constantFrom(['NX'], ['XX'], ['GT'], ['LT'], ['NX', 'XX'], ['gt'], ['BAD']));
const setOpts = fc
  .tuple(
    opt(fc.constantFrom(['NX'], ['XX'], ['nx'])),
    opt(fc.constantFrom(['GET'])),
    opt(
      fc.oneof(
        seconds.map((s) => ['EX', s]),
        millis.map((s) => ['PX', s]),
        unixSeconds.map((s) => ['EXAT', s]),
        unixMillis.map((s) => ['PXAT', s]),
        lit('KEEPTTL'),
        lit('EX'),
        lit('BOGUS'),
      ),
    ),
  )
  .chain((parts) => fc.shuffledSubarray(parts, { minLength: parts.length, maxLength: parts.length }))
  .map((parts) => parts.flat());
const getexOpts = opt(
  fc.oneof(
    seconds.map((s) => ['EX', s]),
    millis.map((s) => ['PX', s]),
    unixSeconds.map((s) => ['EXAT', s]),
    unixMillis.map((s) => ['PXAT', s]),
    lit('PERSIST'),
    lit('EX', '100', 'PERSIST'),
    lit('KEEPTTL'),
  ),
);
const bitRange = opt(fc.tuple(index, index, opt(fc.constantFrom(['BYTE'], ['BIT'], ['bit'], ['WORD']))).map(([s, e, u]) => [s, e, ...u]));
const bitposRange = opt(
  fc.oneof(
    index.map((s) => [s]),
    fc.tuple(index, index, opt(fc.constantFrom(['BYTE'], ['BIT'], ['nope']))).map(([s, e, u]) => [s, e, ...u]),
  ),
);

const TTL_APPROX: CompareOptions = { approx: 1 };
const PTTL_APPROX: CompareOptions = { approx: 250 };

interface Gen {
  /** Command that must exist in Nodis for the generator to be used. */
  name: string;
  arb: fc.Arbitrary<string[]>;
  cmp?: CompareOptions;
  weight?: number;
}

const GENS: Gen[] = [
  // connection
  { name: 'ping', arb: cmd('PING', opt(value.map((v) => [v]))), weight: 1 },
  { name: 'echo', arb: cmd('ECHO', value), weight: 1 },
  { name: 'select', arb: cmd('SELECT', db), weight: 2 },
  // strings
  { name: 'get', arb: cmd('GET', key), weight: 6 },
  { name: 'set', arb: cmd('SET', key, value, setOpts), weight: 8 },
  { name: 'setnx', arb: cmd('SETNX', key, value) },
  { name: 'setex', arb: cmd('SETEX', key, seconds, value) },
  { name: 'psetex', arb: cmd('PSETEX', key, millis, value) },
  { name: 'mget', arb: cmd('MGET', keys(1, 4)) },
  { name: 'mset', arb: cmd('MSET', pairs(1, 3)) },
  { name: 'msetnx', arb: cmd('MSETNX', pairs(1, 3)) },
  { name: 'append', arb: cmd('APPEND', key, value), weight: 3 },
  { name: 'strlen', arb: cmd('STRLEN', key) },
  { name: 'getrange', arb: cmd('GETRANGE', key, index, index), weight: 2 },
  { name: 'substr', arb: cmd('SUBSTR', key, index, index) },
  { name: 'setrange', arb: cmd('SETRANGE', key, fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), one('-1', 'x', '536870912')), value), weight: 2 },
  { name: 'incr', arb: cmd('INCR', key), weight: 3 },
  { name: 'decr', arb: cmd('DECR', key), weight: 2 },
  { name: 'incrby', arb: cmd('INCRBY', key, intArg), weight: 3 },
  { name: 'decrby', arb: cmd('DECRBY', key, intArg), weight: 2 },
  { name: 'incrbyfloat', arb: cmd('INCRBYFLOAT', key, floatArg), weight: 3 },
  { name: 'getdel', arb: cmd('GETDEL', key) },
  { name: 'getset', arb: cmd('GETSET', key, value) },
  { name: 'getex', arb: cmd('GETEX', key, getexOpts), weight: 2 },
  { name: 'lcs', arb: cmd('LCS', key, key, opt(fc.constantFrom(['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN'], ['IDX', 'MINMATCHLEN', '2'], ['LEN', 'IDX']))) },
  // bitmaps
  { name: 'setbit', arb: cmd('SETBIT', key, bitOffset, one('0', '1', '2', 'x')), weight: 4 },
  { name: 'getbit', arb: cmd('GETBIT', key, bitOffset), weight: 2 },
  { name: 'bitcount', arb: cmd('BITCOUNT', key, bitRange), weight: 3 },
  { name: 'bitpos', arb: cmd('BITPOS', key, one('0', '1', '2'), bitposRange), weight: 3 },
  { name: 'bitop', arb: cmd('BITOP', one('AND', 'OR', 'XOR', 'NOT', 'and', 'NAND'), key, keys(1, 3)), weight: 3 },
  // keyspace
  { name: 'del', arb: cmd('DEL', keys(1, 3)), weight: 2 },
  { name: 'unlink', arb: cmd('UNLINK', keys(1, 3)) },
  { name: 'exists', arb: cmd('EXISTS', keys(1, 3)), weight: 2 },
  { name: 'touch', arb: cmd('TOUCH', keys(1, 3)) },
  { name: 'type', arb: cmd('TYPE', key), weight: 2 },
  { name: 'rename', arb: cmd('RENAME', key, key), weight: 2 },
  { name: 'renamenx', arb: cmd('RENAMENX', key, key) },
  { name: 'copy', arb: cmd('COPY', key, key, opt(fc.constantFrom(['REPLACE'], ['DB', '1'], ['DB', '0', 'REPLACE'], ['DB', '16'], ['DB', 'x']))), weight: 2 },
  { name: 'move', arb: cmd('MOVE', key, db) },
  { name: 'expire', arb: cmd('EXPIRE', key, seconds, expireOpt), weight: 3 },
  { name: 'pexpire', arb: cmd('PEXPIRE', key, millis, expireOpt), weight: 2 },
  { name: 'expireat', arb: cmd('EXPIREAT', key, unixSeconds, expireOpt) },
  { name: 'pexpireat', arb: cmd('PEXPIREAT', key, unixMillis, expireOpt) },
  { name: 'ttl', arb: cmd('TTL', key), cmp: TTL_APPROX, weight: 3 },
  { name: 'pttl', arb: cmd('PTTL', key), cmp: PTTL_APPROX, weight: 2 },
  { name: 'expiretime', arb: cmd('EXPIRETIME', key), cmp: TTL_APPROX },
  { name: 'pexpiretime', arb: cmd('PEXPIRETIME', key), cmp: PTTL_APPROX },
  { name: 'persist', arb: cmd('PERSIST', key), weight: 2 },
  { name: 'dbsize', arb: lit('DBSIZE') },
  { name: 'keys', arb: cmd('KEYS', one('*', 'k?', '\xff*', '[a-k]*', 'k[^1]', '*\\x*')), cmp: { sort: true } },
  { name: 'swapdb', arb: cmd('SWAPDB', db, db), weight: 0.3 },
  { name: 'flushdb', arb: cmd('FLUSHDB', opt(fc.constantFrom(['ASYNC'], ['SYNC'], ['BAD']))), weight: 0.3 },
  // hashes
  { name: 'hset', arb: cmd('HSET', key, pairs(1, 3)), weight: 3 },
  { name: 'hsetnx', arb: cmd('HSETNX', key, key, value) },
  { name: 'hget', arb: cmd('HGET', key, key), weight: 2 },
  { name: 'hmget', arb: cmd('HMGET', key, keys(1, 3)) },
  { name: 'hdel', arb: cmd('HDEL', key, keys(1, 3)), weight: 2 },
  { name: 'hlen', arb: cmd('HLEN', key) },
  { name: 'hexists', arb: cmd('HEXISTS', key, key) },
  { name: 'hstrlen', arb: cmd('HSTRLEN', key, key) },
  { name: 'hincrby', arb: cmd('HINCRBY', key, key, intArg), weight: 2 },
  { name: 'hincrbyfloat', arb: cmd('HINCRBYFLOAT', key, key, floatArg), weight: 2 },
  { name: 'hkeys', arb: cmd('HKEYS', key), cmp: { sort: true } },
  { name: 'hvals', arb: cmd('HVALS', key), cmp: { sort: true } },
  { name: 'hgetall', arb: cmd('HGETALL', key), cmp: { sort: true } },
];

const stats = { commands: 0, errors: 0 };

/** Run `steps` on both servers; throw with the transcript at the first difference. */
async function runSequence(d: DiffPair, steps: Step[]): Promise<void> {
  const transcript: string[] = [];
  for (const [i, step] of steps.entries()) {
    const [nb, rb] = await d.both(...step.args);
    stats.commands++;
    if (rb[0] === 0x2d) stats.errors++;
    const opts = step.cmp ?? {};
    const same = opts.approx !== undefined ? approxEqual(parseReply(nb)[0], parseReply(rb)[0], opts.approx) : normalize(nb, opts) === normalize(rb, opts);
    transcript.push(`${String(i + 1).padStart(3)}  ${fmtArgs(step.args)}  -> ${JSON.stringify(rb.latin1Slice())}`);
    if (!same) {
      throw new Error(
        `replies differ at step ${i + 1}\n` +
          `  nodis: ${JSON.stringify(nb.latin1Slice())}\n` +
          `  redis: ${JSON.stringify(rb.latin1Slice())}\n` +
          `sequence (after FLUSHALL, SELECT 0):\n${transcript.join('\n')}`,
      );
    }
  }
}

describe.skipIf(!HAVE_REDIS)('differential fuzzing', () => {
  let d: DiffPair;
  let enabled: Gen[] = [];
  beforeAll(async () => {
    d = await DiffPair.start();
    enabled = GENS.filter((g) => d.nodis.server.commands.get(g.name) !== undefined);
    const missing = GENS.filter((g) => !enabled.includes(g)).map((g) => g.name);
    if (missing.length > 0) console.info(`[diff/fuzz] not yet in Nodis, not fuzzed: ${missing.join(' ')}`);
  });
  afterAll(async () => {
    await d?.close();
  });

  it(`random command sequences (seed ${SEED}, ${RUNS} runs of up to ${LEN} commands)`, async () => {
    expect(enabled.length).toBeGreaterThan(0);
    const step: fc.Arbitrary<Step> = fc.oneof(
      ...enabled.map((g) => ({ arbitrary: g.arb.map((args): Step => ({ args, cmp: g.cmp })), weight: Math.max(1, Math.round((g.weight ?? 1) * 10)) })),
    );
    const reset = async () => {
      const flush = d.nodis.server.commands.get('flushall') !== undefined;
      for (const c of [d.n, d.r]) {
        await c.call('SELECT', '0');
        if (flush) {
          await c.call('FLUSHALL');
        } else {
          for (let db = 0; db < 16; db++) {
            await c.call('SELECT', String(db));
            await c.call('DEL', ...KEYS);
          }
          await c.call('SELECT', '0');
        }
      }
    };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: LEN, size: 'max' }), async (steps) => {
        await reset();
        await runSequence(d, steps);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: process.env.FUZZ_NO_SHRINK === '1' },
    );
    console.info(`[diff/fuzz] ${stats.commands} commands compared (${stats.errors} error replies), ${enabled.length} generators`);
  }, 30000 + RUNS * 100);
});
