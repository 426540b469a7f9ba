/**
 * Lua scripting against redis-server 7.0.15: replies and error texts of
 * EVAL/EVALSHA/EVAL_RO/SCRIPT for many scripts, Lua <-> RESP conversions
 * in RESP2 and RESP3, compared byte for byte.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { encodeCommand, type Arg, type RawClient } from '../helpers/resp.js';

warnIfNoRedis('diff/scripting');

const BIN = '\xff\x00\xc3\x28';

/** Scripts whose replies are compared (script, then keys/args after numkeys). */
const CASES: Arg[][] = [
  ['return 1', '0'],
  ['return 3.99', '0'],
  ['return -3.99', '0'],
  ['return 1e20', '0'],
  ['return 0/0', '0'],
  ['return "hello"', '0'],
  ['return ARGV[1]', '0', BIN],
  ['return KEYS[1] .. ARGV[1]', '1', 'k\x00', BIN],
  ['return {1,2,3,"a",nil,5}', '0'],
  ['return {1,{2,{3}},"x"}', '0'],
  ['return true', '0'],
  ['return false', '0'],
  ['return nil', '0'],
  ['return {}', '0'],
  ['return {ok="fine"}', '0'],
  ['return {ok="a\\r\\nb"}', '0'],
  ['return {err="My Error"}', '0'],
  ['return {err="NOTERR something"}', '0'],
  ['return redis.error_reply("MY bad")', '0'],
  ['return redis.error_reply("-X y")', '0'],
  ['return redis.status_reply("OKAY")', '0'],
  ['return redis.sha1hex("")', '0'],
  ['return redis.sha1hex(ARGV[1])', '0', BIN],
  ['return tostring(10/2)', '0'],
  // Numbers are doubles in Lua 5.1: no 32-bit wrap, "%.14g" printing, 5.1's string.format.
  ['local x = 2147483647 return x + 1', '0'],
  ['local t = 0 for i = 1, 3 do t = t + 2147483647 end return t', '0'],
  ['return 0x7fffffff + 1', '0'],
  ['return tonumber(ARGV[1]) * 1000', '0', '1795400176'],
  ['local a = 100000 local b = 100000 return tostring(a * b)', '0'],
  ['local x = -2147483647 - 1 return tostring(-x)', '0'],
  ['return tostring(-2147483648 - 1)', '0'],
  ['return string.format("%d", tonumber(ARGV[1]))', '0', '1795400176937'],
  ['return string.format("%d %d %c%c", 3.7, -3.7, 65, 66.0)', '0'],
  ['return tostring(1e15) .. " " .. tostring(2^63) .. " " .. tostring(123456789012345678) .. " " .. (2^53 + 1)', '0'],
  ['return tostring(0/0) .. " " .. tostring(-(0/0)) .. " " .. tostring(1/0) .. " " .. tostring(-1/0)', '0'],
  ['return tostring(-0) .. " " .. tostring(0/-1) .. " " .. tostring(0.1) .. " " .. tostring(1e-5) .. " " .. tostring(5e-324)', '0'],
  ['return string.format("%5.2f|%g|%s|%.3f %e %E %G %10.4g|%-8.2f|%+d|%08.3f", 3.14159, 1e20, 12, 2.5, 12345.678, 0.000123, 1e-10, 3.14159265, 1.5, 5, -3.14159)', '0'],
  ['return string.format("%.0f %.0f %.0f %.1f %.2f %g %g %g %g", 0.5, 1.5, 2.5, 0.05, 1.005, 100000, 1000000, 0.0001, 0.00001)', '0'],
  ['return string.format("%f", 1e300)', '0'],
  ['return tostring(7 % 3) .. tostring(-7 % 3) .. tostring(7.5 % 2)', '0'],
  ['return {tostring(5 % 0), tostring(-5 % 0), tostring(0 % 0), tostring(5.5 % 0), tostring(5.5 % -2), tostring(7 % -3), tostring(5 % math.huge), tostring(1e308 % 3), tostring(2^53 % 7)}', '0'],
  ['local n = 0 for i = 2147483640, 2147483647 do n = n + 1 end return n', '0'],
  ['local n = 0 for i = -2147483648, -2147483645 do n = n + 1 end return n', '0'],
  ['local n = 0 local last for i = 2147483645, 2147483650 do n = n + 1 last = i end return {n, tostring(last)}', '0'],
  ['local n = 0 for i = 1, 3e9, 1e9 do n = n + 1 end return n', '0'],
  ['local n = 0 for i = -2147483640, -2147483650, -1 do n = n + 1 end return n', '0'],
  ['return {tostring(0x100000000), tostring(0xffffffff), tostring(-0x80000000), tostring(tonumber("0x1ffffffff")), tostring(0x10 * 0x100000000 + 5 % 0x100000000)}', '0'],
  ['return tostring(1/3)', '0'],
  ['return 10/3 .. ""', '0'],
  ['return type(unpack)', '0'],
  ['return table.getn({1,2,3})', '0'],
  ['return loadstring("return 7")()', '0'],
  ['return _VERSION', '0'],
  ['return x', '0'],
  ['x = 1', '0'],
  ['string.foo = 1', '0'],
  ['error("boom")', '0'],
  ['error({err="TABLE err"})', '0'],
  ['return 1 +', '0'],
  ['return redis.call("nosuch")', '0'],
  ['return redis.pcall("nosuch")', '0'],
  ['return redis.call("incr","a","b")', '0'],
  ['return redis.call()', '0'],
  ['return redis.call("set", {})', '0'],
  ['return redis.call("eval","return 1","0")', '0'],
  ['redis.call("set","s","str") return redis.call("incr","s")', '0'],
  ['redis.call("set","s","str") return redis.pcall("incr","s")', '0'],
  ['redis.call("set","s","str") local r = redis.pcall("incr","s") return r["err"]', '0'],
  ['return redis.call("set","k",ARGV[1])', '0', BIN],
  ['redis.call("set","k",ARGV[1]) return redis.call("get","k")', '0', BIN],
  ['return redis.call("get","nokey")', '0'],
  ['return type(redis.call("get","nokey"))', '0'],
  ['redis.call("rpush","l","a","b") return redis.call("lrange","l",0,-1)', '0'],
  ['return redis.call("incrby","n",3.0)', '0'],
  ['return redis.call("set","n",0.1)', '0'],
  ['return redis.call("hgetall","nohash")', '0'],
  // Arrays with null elements (false in RESP2, nil in RESP3) and nested arrays, turned into tables.
  ['redis.call("set","s1","x") local r = redis.call("mget","s1","none","s1") return {#r, type(r[2]), r[3]}', '0'],
  // (Not #r: the length of a table with holes is any border, and Lua 5.1's differs from fengari's.)
  ['redis.setresp(3) redis.call("set","s1","x") local r = redis.call("mget","none","s1","none") return {type(r[1]), r[2], type(r[3])}', '0'],
  ['redis.call("xadd","st","1-1","f","v") return redis.call("xrange","st","-","+")', '0'],
  ['redis.call("rpush","l3",unpack({"a","b","c","d","e","f","g","h","i","j"})) local r = redis.call("lrange","l3",0,-1) return {#r, r[1], r[10]}', '0'],
  ['redis.call("hset","h","f","v") return redis.call("hgetall","h")', '0'],
  ['return redis.call("ping")', '0'],
  ['return redis.call("type","nokey")', '0'],
  ['redis.setresp(3) return redis.call("hgetall","h")', '0'],
  ['redis.setresp(3) redis.call("hset","h2","f","v") return redis.call("hgetall","h2")', '0'],
  ['redis.setresp(3) return redis.call("get","nokey")', '0'],
  ['redis.setresp(3) return type(redis.call("get","nokey"))', '0'],
  ['redis.setresp(3) redis.call("zadd","z",1.5,"m") return redis.call("zscore","z","m")', '0'],
  ['redis.setresp(3) return true', '0'],
  ['redis.setresp(3) return false', '0'],
  ['return {double=3.14}', '0'],
  ['return {big_number="123456789012345678901234567890"}', '0'],
  ['return {map={a=1}}', '0'],
  ['return {set={a=true}}', '0'],
  ['return {verbatim_string={format="txt", string="hi"}}', '0'],
  ['redis.setresp(4)', '0'],
  ['redis.log(redis.LOG_WARNING, "hello") return 1', '0'],
  ['redis.log(9, "x")', '0'],
  ['redis.log(1)', '0'],
  ['return redis.REDIS_VERSION', '0'],
  ['return redis.REDIS_VERSION_NUM', '0'],
  ['return redis.replicate_commands()', '0'],
  ['redis.set_repl(redis.REPL_ALL) return 1', '0'],
  ['redis.set_repl(99)', '0'],
  ['return math.random(1000) > 0', '0'],
  ['return cjson.encode({1,2,"a/b"})', '0'],
  ['return cjson.encode({a=1})', '0'],
  ['return cjson.decode("[1,2,3]")', '0'],
  ['return cjson.decode(\'{"a":[1,2,{"b":"c"}]}\')["a"][3]["b"]', '0'],
  ['return cjson.decode("[1,")', '0'],
  ['return bit.band(0xff, 0x0f)', '0'],
  ['return bit.tohex(255)', '0'],
  ['return bit.bxor(5, 3)', '0'],
  ['return pcall(function() error("x") end)', '0'],
  ['local ok, e = pcall(function() redis.call("nosuch") end) return e', '0'],
  ['return select("#", 1, 2, 3)', '0'],
  ['return string.format("%d-%s", 5, "x")', '0'],
  ['return string.rep("ab", 3)', '0'],
  ['return os', '0'],
  ['return print', '0'],
  ['return dofile', '0'],
  ['return redis.call("select", 1)', '0'],
  ['#!lua\nreturn 1', '0'],
  ['#!lua flags=no-writes\nreturn redis.call("set","x","y")', '0'],
  ['#!lua flags=no-writes\nreturn redis.call("get","x")', '0'],
  ['#!lua flags=bogus\nreturn 1', '0'],
  ['#!lua foo=bar\nreturn 1', '0'],
  ['#!python\nreturn 1', '0'],
  ['#!lua', '0'],
  ['#!lua name=x\nreturn 1', '0'],
  ['return 1', '2', 'a'],
  ['return 1', '-1'],
  ['return 1', 'x'],
  // The globals: read-only, a missing name is an error, KEYS/ARGV/redis are there.
  ['return undefined_name', '0'],
  ['return pcall(function() return undefined_name end)', '0'],
  ['local ok, e = pcall(function() return undefined_name end) return e', '0'],
  ['x = 1', '0'],
  ['_G.x = 1', '0'],
  ['rawset(_G, "x", 1)', '0'],
  ['setmetatable(_G, {})', '0'],
  ['return type(getmetatable(_G))', '0'],
  ['return rawget(_G, "redis") == nil', '0'],
  ['return {type(_G.redis), type(_G.KEYS), type(KEYS), #KEYS, #ARGV}', '1', 'k', 'a', 'b'],
  ['return _G[1]', '0'],
  ['return math.undefined_name', '0'],
  ['math.x = 1', '0'],
  ['string.rep = nil', '0'],
  ['KEYS = {}', '0'],
  ['local KEYS = {"mine"} return KEYS[1]', '0'],
  ['local t = getmetatable(_G) t.__index = {}', '0'],
  ['return loadstring("return undefined_name")()', '0'],
  ['return redis.undefined_call', '0'],
  ['return {rawget(_G, "KEYS")[1], rawget(_G, "nope"), rawget(string, "len") == string.len, rawget(redis, "call") ~= nil}', '1', 'k'],
  ['return {next(_G) ~= nil, next({}) == nil, next(math) ~= nil}', '0'],
  // Long and short arguments and replies cross as bytes (a long one is not copied again on the way in).
  ['redis.call("set", KEYS[1], ARGV[1]) return {ARGV[1], #ARGV[1], string.byte(ARGV[1], 70), redis.call("get", KEYS[1]), ARGV[2]}', '1', 'k', '\xff\x00\xe9'.repeat(40), '\xc3('],
  ['redis.call("set", KEYS[1], "") local v = redis.call("get", KEYS[1]) local t = {[v] = 1} return {tostring(v == ""), #v, t[""], redis.call("lrange", "nolist", 0, -1)}', '1', 'k'],
  // The string library as Lua 5.1's: format %s, %q and %c, rep, argument errors of unnamed functions.
  ['return string.format("%s", nil)', '0'],
  ['return string.format("%s", {}) ~= nil', '0'],
  ['return {#string.format("%s", "a\\0b"), #string.format("%s", string.rep("a\\0", 60)), string.format("[%5s]", "a\\0b"), string.format("%s|%s", 12.5, 3)}', '0'],
  ['return {string.format("[%-4.2s]", ARGV[1]), string.format("[%.0s]", "x"), string.format("[%3.1s]", ARGV[1])}', '0', '\xff\xfe\xfd'],
  ['return {string.format("%q", 1/3), string.format("%q", 12), string.format("%q", "a\\1b\\r\\t\\127\\0001\\"\\\\\\n")}', '0'],
  ['return {pcall(string.format, "%q", true)}', '0'],
  ['return {#string.format("%c", 0), string.format("%c%c", 65, 256 + 66)}', '0'],
  ['return {string.rep("x", 3, ","), string.rep("ab", 0, ",")}', '0'],
  ['return {pcall(tonumber, "10", 99)}', '0'],
  ['return {pcall(string.rep)}', '0'],
  ['return string.rep()', '0'],
  // Integer conversions as sprintf() of the number cast to (unsigned) long, with C's flags.
  [
    'local r = {} for _, f in ipairs({"%x", "%d", "%i", "%u", "%o", "%X", "%5.3d", "%.0d", "%#.0o", "%08.3x", "%-08d|", "%+u", "%#x", "%#o", "% d", "%#5.3x", "%-#8X|", "%+.3d", "%05.0d", "%0 5i"}) do for _, v in ipairs({-1, 0, 255, 2.9, -2.9, 1e19, -1e19, 9.3e18, 1/0, -1/0, 0/0, 8, -7}) do r[#r + 1] = string.format(f, v) end end return r',
    '0',
  ],
  // collectgarbage() answers as 5.1's (not the heap size: fengari keeps no count).
  ['return {collectgarbage("step"), collectgarbage("setpause"), collectgarbage("setstepmul"), collectgarbage(), collectgarbage("stop"), collectgarbage("restart"), type(collectgarbage("count")), type(gcinfo())}', '0'],
  ['return collectgarbage("isrunning")', '0'],
  ['return {pcall(math.min)}', '0'],
  ['return {math.max("10", 2, 3.5), math.min(3, "1", 2.5), tostring(math.max(1, 0/0)), pcall(math.max, "x")}', '0'],
  ['return {pcall(string.gsub, "abc", "(%w)", "%2")}', '0'],
  ['return {pcall(string.find, "abc", "%1")}', '0'],
  // Fractional integer arguments are truncated, as 5.1's luaL_checkint() casts them.
  ['return {string.sub("hello", 1, #"hello" / 2), string.sub("abc", -1.5), string.rep("ab", "2.9"), string.byte("abc", 1.9), string.char(65.7), select(2.5, "a", "b", "c")}', '0'],
  ['return {string.gsub("aaa", "a", "b", 2.5)}', '0'],
  // Binary strings as table keys: each byte its own (fengari's key for "\1\35" and "\18\3" was the same).
  ['local t = {} t["\\1\\35"] = "a" t["\\18\\3"] = "b" local n = 0 for k in pairs(t) do n = n + 1 end return {n, t["\\1\\35"], t["\\18\\3"]}', '0'],
  ['local a, b = string.rep("\\1\\35", 5000), string.rep("\\18\\3", 5000) local t = {[a] = 1, [b] = 2, [a .. "x"] = 3} return {t[a], t[b], t[a .. "x"], t[b .. "x"]}', '0'],
  ['local t = {} for i, v in ipairs(ARGV) do t[v] = i end local n = 0 for k in pairs(t) do n = n + 1 end return {n, t[ARGV[1]], t[ARGV[2]]}', '0', '\x01\x23', '\x12\x03', '\x01\x23', '\xff'],
  // Clearing fields while next() walks a table: string, integer, float and table keys.
  [
    'local t = {} for i = 1, 40 do t["k" .. i] = i t[i] = i t[i + 0.5] = i t[{}] = i end local n = 0 for k in pairs(t) do t[k] = nil n = n + 1 end return {n, tostring(next(t))}',
    '0',
  ],
  ['local t = {a = 1, b = 2, c = 3} t.b = nil local n = 0 for k, v in pairs(t) do n = n + v end t.d = 4 return {n, t.d, t.b == nil}', '0'],
  ...['_G', 'math', 'table', 'coroutine', 'string', 'bit', 'cjson', 'cmsgpack', 'struct', 'redis'].map((lib) => [
    `local t = {} for k in pairs(${lib}) do t[#t + 1] = k end table.sort(t) return t`,
    '0',
  ]),
  // Lua 5.1's functions that 5.3 dropped, and lua-cjson's module fields.
  // (Separate chunks: Lua 5.1 keeps one constant for 0 and -0.0 in a chunk.)
  ['return {tostring(math.atan2(1, 2)), tostring(math.atan2(-0.0, -1))}', '0'],
  ['return {tostring(math.atan2(0, 0)), tostring(math.atan2(0, -1)), tostring(math.atan2(-1, 0))}', '0'],
  ['return tostring(math.atan2(1))', '0'],
  ['local r = {} for _, x in ipairs({8, -3.5e-320, 0.1, -1e308, 1, 0}) do local m, e = math.frexp(x) r[#r + 1] = tostring(m) .. " " .. tostring(e) end return r', '0'],
  ['return {tostring(math.frexp(1/0)), tostring(math.frexp(-1/0))}', '0'],
  ['local t = {} table.setn(t, 3) return #t', '0'],
  ['table.setn(5)', '0'],
  ['return {pcall(table.setn, {})}', '0'],
  ['return {string.pack, table.unpack, math.tointeger, rawlen, coroutine.isyieldable}', '0'],
  ['return {cjson._NAME, cjson._VERSION, cjson.new().encode({1, "a"}), type(cjson.new().new)}', '0'],
  ['local c = cjson.new() c.encode_max_depth(1) local ok = pcall(c.encode, {{1}}) return {tostring(ok), cjson.encode({{1}})}', '0'],
];

describe.skipIf(!HAVE_REDIS)('scripting against redis-server', () => {
  let d: DiffPair;
  let n: RawClient;
  let r: RawClient;

  async function same(...args: Arg[]): Promise<string> {
    const b = encodeCommand(args);
    n.write(b);
    r.write(b);
    const [x, y] = await Promise.all([n.readReply(), r.readReply()]);
    expect(x.latin1Slice(), JSON.stringify(args)).toBe(y.latin1Slice());
    return y.latin1Slice();
  }

  beforeAll(async () => {
    d = await DiffPair.start();
    [n, r] = await d.connectBoth();
  });
  afterAll(async () => {
    n.close();
    r.close();
    await d.close();
  });
  beforeEach(async () => {
    await same('FLUSHALL');
    await same('SCRIPT', 'FLUSH');
  });

  for (const proto of [2, 3]) {
    it(`EVAL conversions and errors, RESP${proto}`, async () => {
      await n.call('HELLO', String(proto));
      await r.call('HELLO', String(proto));
      const bad: string[] = [];
      for (const c of CASES) {
        const b = encodeCommand(['EVAL', ...c]);
        n.write(b);
        r.write(b);
        const [x, y] = await Promise.all([n.readReply(), r.readReply()]);
        if (x.latin1Slice() !== y.latin1Slice()) bad.push(`${JSON.stringify(c)}\n  nodis: ${JSON.stringify(x.latin1Slice())}\n  redis: ${JSON.stringify(y.latin1Slice())}`);
      }
      expect(bad.join('\n')).toBe('');
    });
  }

  it('cjson settings and lua-cjson number parsing (each case on a fresh Lua state: the settings last until SCRIPT FLUSH)', async () => {
    const DECODE = "cjson.encode_invalid_numbers(true) local ok, v = pcall(cjson.decode, ARGV[1]) if not ok then return 'ERR '..v end return cjson.encode(v)";
    const cases: Arg[][] = [
      ...['[01]', '[0x10]', '[1.]', '[-inf]', '[inf]', '[NaN]', '[Infinity]', '[+1]', '[.5]', '[1.5e]', '[-]', '[0x]', '[1e400]', '[-0]', '[0x1p4]', '[-nan(123)]', '[infinit]', '[+]', '[1,x]', '[1 2]', '[-x]', '{"a":-}', '[0x.8]'].map(
        (j) => [DECODE, '0', j],
      ),
      ['cjson.encode_invalid_numbers("null") return cjson.encode({0/0, 1/0})', '0'],
      ['return {cjson.encode_invalid_numbers(), cjson.encode_invalid_numbers("on"), cjson.encode_invalid_numbers("null"), cjson.encode_invalid_numbers(false)}', '0'],
      ['return cjson.encode_invalid_numbers("bogus")', '0'],
      ['return cjson.encode_invalid_numbers(1)', '0'],
      ['return cjson.encode_invalid_numbers({})', '0'],
      ['cjson.encode_number_precision(3) return cjson.encode({12345, 0.123456, 1/3})', '0'],
      ['return cjson.encode_number_precision(15)', '0'],
      ['return cjson.encode_number_precision("x")', '0'],
      ['return cjson.encode_number_precision(1, 2)', '0'],
      ['return {cjson.encode_sparse_array(true, 0, 5)}', '0'],
      ['return {cjson.encode_sparse_array(nil, -1)}', '0'],
      ['return {cjson.encode_sparse_array(1,2,3,4)}', '0'],
      ['cjson.encode_sparse_array(true) return cjson.encode({[1]=1,[20]=2})', '0'],
      ['cjson.encode_sparse_array(false, 0) return cjson.encode({[1]=1,[20]=2})', '0'],
      ['return {cjson.encode_keep_buffer("on"), cjson.encode_keep_buffer(false), cjson.encode_keep_buffer()}', '0'],
      ['cjson.decode_invalid_numbers(false) return cjson.decode("[nan]")', '0'],
      ['cjson.decode_invalid_numbers(false) return cjson.decode("[01]")', '0'],
      ['cjson.decode_invalid_numbers(false) return cjson.decode("[+1]")', '0'],
      ['return cjson.encode({1e14, 1e15, 123456789012345, -0, 0.1, 2^53})', '0'],
      ['return {cjson.decode_max_depth(5), cjson.encode_max_depth(0)}', '0'],
      ['return cjson.encode_max_depth(2^32+3)', '0'],
    ];
    for (const c of cases) {
      await same('SCRIPT', 'FLUSH');
      await same('EVAL', ...c);
    }
    // A setting lasts across scripts until SCRIPT FLUSH.
    await same('EVAL', 'cjson.encode_number_precision(4) return 1', '0');
    await same('EVAL', 'return cjson.encode(1/3)', '0');
  });

  it('EVALSHA, SCRIPT LOAD/EXISTS/FLUSH/KILL/HELP', async () => {
    const sha = (await same('SCRIPT', 'LOAD', 'return ARGV[1]')).split('\r\n')[1];
    await same('EVALSHA', sha, '0', BIN);
    await same('EVALSHA', sha.toUpperCase(), '0', 'x');
    await same('EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0');
    await same('EVALSHA', 'abc', '0');
    await same('SCRIPT', 'EXISTS', sha, sha.toUpperCase(), 'nope');
    await same('SCRIPT', 'LOAD', 'return +');
    await same('SCRIPT', 'LOAD', '#!lua flags=nope\nreturn 1');
    await same('SCRIPT', 'FLUSH', 'ASYNC');
    await same('SCRIPT', 'EXISTS', sha);
    await same('SCRIPT', 'FLUSH', 'bogus');
    await same('SCRIPT', 'FLUSH', 'SYNC', 'x');
    await same('SCRIPT', 'KILL');
    await same('SCRIPT', 'HELP');
    await same('SCRIPT', 'NOSUCH');
    await same('EVAL');
    await same('EVAL', 'return 1');
  });

  it('EVAL_RO and EVALSHA_RO refuse writes', async () => {
    await same('EVAL_RO', 'return redis.call("set","a","b")', '0');
    await same('EVAL_RO', 'return redis.call("get","a")', '0');
    await same('EVAL_RO', '#!lua\nreturn 1', '0');
    await same('EVAL_RO', '#!lua flags=no-writes\nreturn redis.call("set","a","b")', '0');
    const sha = (await same('SCRIPT', 'LOAD', 'return redis.call("set","a","b")')).split('\r\n')[1];
    await same('EVALSHA_RO', sha, '0');
    await same('EVALSHA', sha, '0');
    await same('GET', 'a');
  });

  it('scripts inside MULTI, and keys a script sets are visible', async () => {
    await same('MULTI');
    await same('EVAL', 'return redis.call("incr", KEYS[1])', '1', 'cnt');
    await same('EVAL', 'return redis.call("incr", KEYS[1])', '1', 'cnt');
    await same('EXEC');
    await same('GET', 'cnt');
  });

  it('a stale replica (replica-serve-stale-data no): scripts without a shebang get MASTERDOWN, flags decide for the others', async () => {
    await same('SET', 'x', 'v');
    await same('CONFIG', 'SET', 'replica-serve-stale-data', 'no');
    // A primary that does not answer: the replica stays stale.
    await same('REPLICAOF', '127.0.0.1', '1');
    try {
      expect(await same('EVAL', "return redis.call('get', 'x')", '1', 'x')).toContain('MASTERDOWN');
      await same('EVAL', 'return 1', '0');
      await same('EVAL', '#!lua flags=no-writes\nreturn 1', '0');
      await same('EVAL', '#!lua flags=allow-stale,no-writes\nreturn 1', '0');
      await same('EVAL', "#!lua flags=allow-stale,no-writes\nreturn redis.call('get', 'x')", '1', 'x');
      await same('EVAL', "#!lua flags=allow-stale,no-writes\nreturn redis.call('echo', 'e')", '0');
      await same('EVAL_RO', 'return 1', '0');
    } finally {
      await same('REPLICAOF', 'NO', 'ONE');
      await same('CONFIG', 'SET', 'replica-serve-stale-data', 'yes');
    }
  });

  it('EXEC on a read-only replica counts the flags of the queued scripts (shebang flags included)', async () => {
    const [n1, r1] = await d.connectBoth();
    const [n2, r2] = await d.connectBoth();
    const both = async (a: RawClient, b: RawClient, ...args: Arg[]): Promise<string> => {
      const [x, y] = await Promise.all([a.callStr(...args), b.callStr(...args)]);
      expect(x, JSON.stringify(args)).toBe(y);
      return y;
    };
    try {
      for (const [a, b] of [[n1, r1], [n2, r2]] as const) await both(a, b, 'MULTI');
      await both(n1, r1, 'EVAL', '#!lua\nreturn 1', '0');
      await both(n2, r2, 'EVAL', "redis.call('set', 'x', 1)\nreturn 1", '1', 'x');
      await same('REPLICAOF', '127.0.0.1', '1');
      expect(await both(n1, r1, 'EXEC')).toMatch(/^-EXECABORT Transaction discarded because of: READONLY/);
      expect(await both(n2, r2, 'EXEC')).toContain("READONLY You can't write against a read only replica.");
      // No write flag: a no-writes script queues and runs on the replica.
      await both(n1, r1, 'MULTI');
      await both(n1, r1, 'EVAL', "#!lua flags=no-writes\nreturn redis.call('get', 'x')", '1', 'x');
      await both(n1, r1, 'EXEC');
    } finally {
      await same('REPLICAOF', 'NO', 'ONE');
      for (const c of [n1, r1, n2, r2]) c.close();
    }
  });
});
