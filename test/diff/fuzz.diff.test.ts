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
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const LEN = Number(process.env.FUZZ_LEN ?? 30);

interface Step {
  args: string[];
  cmp?: CompareOptions;
}

// ---- the key and value space ------------------------------------------------

/**
 * Keys shared by every family (so type errors and cross-type RENAME/COPY are
 * exercised), and per-family keys so that sequences also build real values.
 */
const SHARED_KEYS = ['k1', 'k2', '\xffk', 'k\x00\r\n'];
const FAMILIES = ['s', 'l', 'S', 'z', 'h'];
const KEYS = [...SHARED_KEYS, ...FAMILIES.flatMap((p) => [`${p}1`, `${p}2`, `${p}\xff`])];
const sharedKey = fc.constantFrom(...SHARED_KEYS);
/** Any key: for keyspace commands. */
const key = fc.constantFrom(...KEYS);
const familyKey = (p: string) => fc.oneof({ arbitrary: fc.constantFrom(`${p}1`, `${p}2`, `${p}\xff`), weight: 3 }, { arbitrary: sharedKey, weight: 1 });
const skey = familyKey('s');
const lkey = familyKey('l');
const setkey = familyKey('S');
const zkey = familyKey('z');
const hkey = familyKey('h');
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
const keys = (min: number, max: number, k: fc.Arbitrary<string> = key) => fc.array(k, { minLength: min, maxLength: max });
const pairs = (min: number, max: number, k: fc.Arbitrary<string> = key) =>
  fc.array(fc.tuple(k, value), { minLength: min, maxLength: max }).map((ps) => ps.flat());
const opt = <T>(a: fc.Arbitrary<T[]>) => fc.option(a, { nil: undefined, freq: 2 }).map((x) => x ?? []);

const cmd = (name: string, ...parts: fc.Arbitrary<string | string[]>[]): fc.Arbitrary<string[]> =>
  fc.tuple(...parts).map((xs) => [name, ...xs.flat()]);
const lit = (...xs: string[]) => fc.constant(xs);
const one = (...xs: string[]) => fc.constantFrom(...xs);
/** One of several argument lists. */
const choices = (...xs: string[][]): fc.Arbitrary<string[]> => fc.constantFrom(...xs);

const expireOpt = opt(choices(['NX'], ['XX'], ['GT'], ['LT'], ['NX', 'XX'], ['gt'], ['BAD']));
const setOpts = fc
  .tuple(
    opt(choices(['NX'], ['XX'], ['nx'])),
    opt(choices(['GET'])),
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
const bitRange = opt(fc.tuple(index, index, opt(choices(['BYTE'], ['BIT'], ['bit'], ['WORD']))).map(([s, e, u]) => [s, e, ...u]));
const bitposRange = opt(
  fc.oneof(
    index.map((s) => [s]),
    fc.tuple(index, index, opt(choices(['BYTE'], ['BIT'], ['nope']))).map(([s, e, u]) => [s, e, ...u]),
  ),
);

/** Members of sets, lists, sorted sets and hash fields. */
const member = fc.constantFrom('a', 'b', 'c', 'abc', '\xff', '', '1', '2', '10', '-1', '1.5');
const members = (min: number, max: number) => fc.array(member, { minLength: min, maxLength: max });
const count = fc.oneof(fc.integer({ min: -3, max: 5 }).map(String), one('100', 'x', '9223372036854775807'));
const score = fc.oneof(
  fc.constantFrom('0', '1', '-1', '1.5', '2', '10', '-inf', '+inf', 'inf', '1e3', '0.1', 'nan', 'x', ''),
  fc.integer({ min: -5, max: 5 }).map(String),
);
const scoreBound = fc.oneof(score, score.map((x) => '(' + x), one('(', '[1'));
const lexBound = fc.constantFrom('-', '+', '[a', '(a', '[b', '(c', '[', '(', 'a', '[\xff', '(abc');
const weightsAgg = opt(
  fc.oneof(
    choices(['AGGREGATE', 'SUM'], ['AGGREGATE', 'MIN'], ['AGGREGATE', 'max'], ['AGGREGATE', 'avg']),
    choices(['WEIGHTS', '2', '3'], ['WEIGHTS', '1'], ['WEIGHTS', 'x', '1']),
  ),
);
/** numkeys followed by keys, sometimes with a wrong count. */
const numkeys = (k: fc.Arbitrary<string>) =>
  fc.oneof(
    keys(1, 3, k).map((ks) => [String(ks.length), ...ks]),
    fc.tuple(one('0', '-1', '5', 'x'), keys(1, 2, k)).map(([n, ks]) => [n, ...ks]),
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
  { name: 'get', arb: cmd('GET', skey), weight: 6 },
  { name: 'set', arb: cmd('SET', skey, value, setOpts), weight: 8 },
  { name: 'setnx', arb: cmd('SETNX', skey, value) },
  { name: 'setex', arb: cmd('SETEX', skey, seconds, value) },
  { name: 'psetex', arb: cmd('PSETEX', skey, millis, value) },
  { name: 'mget', arb: cmd('MGET', keys(1, 4, skey)) },
  { name: 'mset', arb: cmd('MSET', pairs(1, 3, skey)) },
  { name: 'msetnx', arb: cmd('MSETNX', pairs(1, 3, skey)) },
  { name: 'append', arb: cmd('APPEND', skey, value), weight: 3 },
  { name: 'strlen', arb: cmd('STRLEN', skey) },
  { name: 'getrange', arb: cmd('GETRANGE', skey, index, index), weight: 2 },
  { name: 'substr', arb: cmd('SUBSTR', skey, index, index) },
  { name: 'setrange', arb: cmd('SETRANGE', skey, fc.oneof(fc.integer({ min: 0, max: 40 }).map(String), one('-1', 'x', '536870912')), value), weight: 2 },
  { name: 'incr', arb: cmd('INCR', skey), weight: 3 },
  { name: 'decr', arb: cmd('DECR', skey), weight: 2 },
  { name: 'incrby', arb: cmd('INCRBY', skey, intArg), weight: 3 },
  { name: 'decrby', arb: cmd('DECRBY', skey, intArg), weight: 2 },
  { name: 'incrbyfloat', arb: cmd('INCRBYFLOAT', skey, floatArg), weight: 3 },
  { name: 'getdel', arb: cmd('GETDEL', skey) },
  { name: 'getset', arb: cmd('GETSET', skey, value) },
  { name: 'getex', arb: cmd('GETEX', skey, getexOpts), weight: 2 },
  { name: 'lcs', arb: cmd('LCS', skey, skey, opt(choices(['LEN'], ['IDX'], ['IDX', 'WITHMATCHLEN'], ['IDX', 'MINMATCHLEN', '2'], ['LEN', 'IDX']))) },
  // bitmaps
  { name: 'setbit', arb: cmd('SETBIT', skey, bitOffset, one('0', '1', '2', 'x')), weight: 4 },
  { name: 'getbit', arb: cmd('GETBIT', skey, bitOffset), weight: 2 },
  { name: 'bitcount', arb: cmd('BITCOUNT', skey, bitRange), weight: 3 },
  { name: 'bitpos', arb: cmd('BITPOS', skey, one('0', '1', '2'), bitposRange), weight: 3 },
  { name: 'bitop', arb: cmd('BITOP', one('AND', 'OR', 'XOR', 'NOT', 'and', 'NAND'), skey, keys(1, 3, skey)), weight: 3 },
  // keyspace
  { name: 'del', arb: cmd('DEL', keys(1, 3)), weight: 2 },
  { name: 'unlink', arb: cmd('UNLINK', keys(1, 3)) },
  { name: 'exists', arb: cmd('EXISTS', keys(1, 3)), weight: 2 },
  { name: 'touch', arb: cmd('TOUCH', keys(1, 3)) },
  { name: 'type', arb: cmd('TYPE', key), weight: 2 },
  { name: 'rename', arb: cmd('RENAME', key, key), weight: 2 },
  { name: 'renamenx', arb: cmd('RENAMENX', key, key) },
  { name: 'copy', arb: cmd('COPY', key, key, opt(choices(['REPLACE'], ['DB', '1'], ['DB', '0', 'REPLACE'], ['DB', '16'], ['DB', 'x']))), weight: 2 },
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
  { name: 'flushdb', arb: cmd('FLUSHDB', opt(choices(['ASYNC'], ['SYNC'], ['BAD']))), weight: 0.3 },
  // lists
  { name: 'lpush', arb: cmd('LPUSH', lkey, members(1, 4)), weight: 3 },
  { name: 'rpush', arb: cmd('RPUSH', lkey, members(1, 4)), weight: 3 },
  { name: 'lpushx', arb: cmd('LPUSHX', lkey, members(1, 2)) },
  { name: 'rpushx', arb: cmd('RPUSHX', lkey, members(1, 2)) },
  { name: 'lpop', arb: cmd('LPOP', lkey, opt(count.map((c) => [c]))), weight: 2 },
  { name: 'rpop', arb: cmd('RPOP', lkey, opt(count.map((c) => [c]))), weight: 2 },
  { name: 'llen', arb: cmd('LLEN', lkey) },
  { name: 'lrange', arb: cmd('LRANGE', lkey, index, index), weight: 2 },
  { name: 'lindex', arb: cmd('LINDEX', lkey, index) },
  { name: 'lset', arb: cmd('LSET', lkey, index, member) },
  { name: 'linsert', arb: cmd('LINSERT', lkey, one('BEFORE', 'AFTER', 'after', 'X'), member, member) },
  { name: 'lrem', arb: cmd('LREM', lkey, count, member) },
  { name: 'ltrim', arb: cmd('LTRIM', lkey, index, index) },
  { name: 'lpos', arb: cmd('LPOS', lkey, member, opt(choices(['RANK', '1'], ['RANK', '-1'], ['RANK', '0'], ['COUNT', '0'], ['COUNT', '2'], ['MAXLEN', '2'], ['RANK', '2', 'COUNT', '1']))) },
  { name: 'rpoplpush', arb: cmd('RPOPLPUSH', lkey, lkey) },
  { name: 'lmove', arb: cmd('LMOVE', lkey, lkey, one('LEFT', 'RIGHT'), one('LEFT', 'RIGHT', 'UP')) },
  { name: 'lmpop', arb: cmd('LMPOP', numkeys(lkey), one('LEFT', 'RIGHT', 'MIDDLE'), opt(choices(['COUNT', '2'], ['COUNT', '0'], ['COUNT', 'x']))) },
  // sets
  { name: 'sadd', arb: cmd('SADD', setkey, members(1, 4)), weight: 3 },
  { name: 'srem', arb: cmd('SREM', setkey, members(1, 3)), weight: 2 },
  { name: 'scard', arb: cmd('SCARD', setkey) },
  { name: 'sismember', arb: cmd('SISMEMBER', setkey, member) },
  { name: 'smismember', arb: cmd('SMISMEMBER', setkey, members(1, 3)) },
  { name: 'smembers', arb: cmd('SMEMBERS', setkey), cmp: { sort: true }, weight: 2 },
  { name: 'smove', arb: cmd('SMOVE', setkey, setkey, member) },
  { name: 'sunion', arb: cmd('SUNION', keys(1, 3, setkey)), cmp: { sort: true } },
  { name: 'sinter', arb: cmd('SINTER', keys(1, 3, setkey)), cmp: { sort: true } },
  { name: 'sdiff', arb: cmd('SDIFF', keys(1, 3, setkey)), cmp: { sort: true } },
  { name: 'sunionstore', arb: cmd('SUNIONSTORE', setkey, keys(1, 3, setkey)) },
  { name: 'sinterstore', arb: cmd('SINTERSTORE', setkey, keys(1, 3, setkey)) },
  { name: 'sdiffstore', arb: cmd('SDIFFSTORE', setkey, keys(1, 3, setkey)) },
  { name: 'sintercard', arb: cmd('SINTERCARD', numkeys(setkey), opt(choices(['LIMIT', '1'], ['LIMIT', '0'], ['LIMIT', '-1']))) },
  // sorted sets
  {
    name: 'zadd',
    arb: cmd('ZADD', zkey, opt(choices(['NX'], ['XX'], ['GT'], ['LT'], ['CH'], ['INCR'], ['XX', 'CH'], ['GT', 'CH'], ['NX', 'GT'])), fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 3 }).map((ps) => ps.flat())),
    weight: 4,
  },
  { name: 'zincrby', arb: cmd('ZINCRBY', zkey, score, member), weight: 2 },
  { name: 'zscore', arb: cmd('ZSCORE', zkey, member), weight: 2 },
  { name: 'zmscore', arb: cmd('ZMSCORE', zkey, members(1, 3)) },
  { name: 'zcard', arb: cmd('ZCARD', zkey) },
  { name: 'zcount', arb: cmd('ZCOUNT', zkey, scoreBound, scoreBound) },
  { name: 'zlexcount', arb: cmd('ZLEXCOUNT', zkey, lexBound, lexBound) },
  { name: 'zrank', arb: cmd('ZRANK', zkey, member) },
  { name: 'zrevrank', arb: cmd('ZREVRANK', zkey, member) },
  { name: 'zrem', arb: cmd('ZREM', zkey, members(1, 3)), weight: 2 },
  {
    name: 'zrange',
    arb: fc.oneof(
      cmd('ZRANGE', zkey, index, index, opt(choices(['WITHSCORES'], ['REV'], ['REV', 'WITHSCORES']))),
      cmd('ZRANGE', zkey, scoreBound, scoreBound, lit('BYSCORE'), opt(choices(['REV'], ['WITHSCORES'], ['LIMIT', '1', '2'], ['LIMIT', '0', '-1']))),
      cmd('ZRANGE', zkey, lexBound, lexBound, lit('BYLEX'), opt(choices(['REV'], ['LIMIT', '0', '2'], ['WITHSCORES']))),
    ),
    weight: 3,
  },
  { name: 'zrangebyscore', arb: cmd('ZRANGEBYSCORE', zkey, scoreBound, scoreBound, opt(choices(['WITHSCORES'], ['LIMIT', '0', '1'], ['WITHSCORES', 'LIMIT', '1', '5']))) },
  { name: 'zrevrangebyscore', arb: cmd('ZREVRANGEBYSCORE', zkey, scoreBound, scoreBound, opt(choices(['WITHSCORES'], ['LIMIT', '0', '1']))) },
  { name: 'zrangebylex', arb: cmd('ZRANGEBYLEX', zkey, lexBound, lexBound, opt(choices(['LIMIT', '0', '1'], ['LIMIT', '1', '-1']))) },
  { name: 'zrevrange', arb: cmd('ZREVRANGE', zkey, index, index, opt(lit('WITHSCORES'))) },
  { name: 'zremrangebyrank', arb: cmd('ZREMRANGEBYRANK', zkey, index, index) },
  { name: 'zremrangebyscore', arb: cmd('ZREMRANGEBYSCORE', zkey, scoreBound, scoreBound) },
  { name: 'zremrangebylex', arb: cmd('ZREMRANGEBYLEX', zkey, lexBound, lexBound) },
  { name: 'zpopmin', arb: cmd('ZPOPMIN', zkey, opt(count.map((c) => [c]))) },
  { name: 'zpopmax', arb: cmd('ZPOPMAX', zkey, opt(count.map((c) => [c]))) },
  { name: 'zunionstore', arb: cmd('ZUNIONSTORE', zkey, numkeys(zkey), weightsAgg) },
  { name: 'zinterstore', arb: cmd('ZINTERSTORE', zkey, numkeys(zkey), weightsAgg) },
  { name: 'zdiffstore', arb: cmd('ZDIFFSTORE', zkey, numkeys(zkey)) },
  { name: 'zunion', arb: cmd('ZUNION', numkeys(zkey), weightsAgg, opt(lit('WITHSCORES'))) },
  { name: 'zinter', arb: cmd('ZINTER', numkeys(zkey), weightsAgg, opt(lit('WITHSCORES'))) },
  { name: 'zdiff', arb: cmd('ZDIFF', numkeys(zkey), opt(lit('WITHSCORES'))) },
  { name: 'zintercard', arb: cmd('ZINTERCARD', numkeys(zkey), opt(choices(['LIMIT', '1'], ['LIMIT', '0']))) },
  { name: 'zrangestore', arb: cmd('ZRANGESTORE', zkey, zkey, index, index) },
  { name: 'zmpop', arb: cmd('ZMPOP', numkeys(zkey), one('MIN', 'MAX', 'MID'), opt(choices(['COUNT', '2'], ['COUNT', '0']))) },
  // hashes
  { name: 'hset', arb: cmd('HSET', hkey, pairs(1, 3, member)), weight: 3 },
  { name: 'hsetnx', arb: cmd('HSETNX', hkey, member, value) },
  { name: 'hget', arb: cmd('HGET', hkey, member), weight: 2 },
  { name: 'hmget', arb: cmd('HMGET', hkey, members(1, 3)) },
  { name: 'hdel', arb: cmd('HDEL', hkey, members(1, 3)), weight: 2 },
  { name: 'hlen', arb: cmd('HLEN', hkey) },
  { name: 'hexists', arb: cmd('HEXISTS', hkey, member) },
  { name: 'hstrlen', arb: cmd('HSTRLEN', hkey, member) },
  { name: 'hincrby', arb: cmd('HINCRBY', hkey, member, intArg), weight: 2 },
  { name: 'hincrbyfloat', arb: cmd('HINCRBYFLOAT', hkey, member, floatArg), weight: 2 },
  { name: 'hkeys', arb: cmd('HKEYS', hkey), cmp: { sort: true } },
  { name: 'hvals', arb: cmd('HVALS', hkey), cmp: { sort: true } },
  { name: 'hgetall', arb: cmd('HGETALL', hkey), cmp: { sort: true } },
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
    // No active expiry on either side: a key set with a time already past
    // (SET ... EXAT 1) stays counted by DBSIZE until something touches it,
    // on both, instead of until whichever server's expire cycle runs first.
    d = await DiffPair.start(['--enable-debug-command', 'yes'], { 'enable-debug-command': 'yes' });
    for (const c of [d.n, d.r]) expect((await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0')).latin1Slice()).toBe('+OK\r\n');
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
