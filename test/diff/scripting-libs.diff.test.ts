/**
 * The cmsgpack and struct libraries of scripts against redis-server
 * 7.0.15: packed bytes, unpacked values (printed exactly by a dump helper
 * written in Lua), offsets and error texts, compared byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { encodeCommand, type Arg, type RawClient } from '../helpers/resp.js';

warnIfNoRedis('diff/scripting-libs');

/**
 * D(v): a deterministic dump of any value (map keys sorted, numbers with
 * 17 digits, strings length-prefixed so binary bytes pass through);
 * N(...): the number of values and the dump of them all.
 */
const DUMP = `
local function D(v)
  local t = type(v)
  if t == 'table' then
    local ks = {}
    for k in pairs(v) do ks[#ks + 1] = k end
    table.sort(ks, function(a, b)
      if type(a) ~= type(b) then return type(a) < type(b) end
      if type(a) == 'number' or type(a) == 'string' then return a < b end
      return tostring(a) < tostring(b)
    end)
    local o = {}
    for _, k in ipairs(ks) do o[#o + 1] = D(k) .. '=' .. D(v[k]) end
    return '{' .. table.concat(o, ',') .. '}'
  elseif t == 'string' then return 's' .. #v .. ':' .. v
  elseif t == 'number' then return 'n' .. string.format('%.17g', v)
  else return tostring(v) end
end
local function N(...)
  return select('#', ...) .. ' ' .. D({...})
end
`;

/** Bytes given as hex (spaces allowed) as a binary string. */
function hex(h: string): string {
  return Buffer.from(h.replace(/\s+/g, ''), 'hex').toString('latin1');
}

const PACK_NUMBERS = [
  '0', '1', '127', '128', '255', '256', '65535', '65536', '4294967295', '4294967296', '2^53', '2^53 + 2', '2^63 - 1024', '2^63', '2^64', '-2^63',
  '-1', '-32', '-33', '-128', '-129', '-32768', '-32769', '-2147483648', '-2147483649', '-2^53', '-(2^63) - 4096',
  '0.5', '-0.5', '1.5', '0.1', '1/3', '1e300', '-1e300', '3.4028234663852886e38', '3.4028235677973366e38', '1.401298464324817e-45', '5e-324',
  '-0.0', '0/0', '-(0/0)', '1/0', '-1/0', '2147483647.5', '1e15', '123456789.25',
];

const PACK_CASES: [string, ...Arg[]][] = [
  ...PACK_NUMBERS.map((x): [string] => [`return cmsgpack.pack(${x})`]),
  ['return cmsgpack.pack(tonumber(ARGV[1]))', '12345678901234567'],
  ['return cmsgpack.pack(tonumber(ARGV[1]))', '-9.5e18'],
  ['local z = 0 return cmsgpack.pack(-z, {-z})'],
  ['return cmsgpack.pack(true, false, nil)'],
  ['return cmsgpack.pack("")'],
  ['return cmsgpack.pack(ARGV[1])', '\xff\x00\xc3\x28'],
  ...[31, 32, 255, 256, 65535, 65536, 70000].map((n): [string, Arg] => ['return cmsgpack.pack(string.rep(ARGV[1], ' + n + '))', '\xff']),
  ['return cmsgpack.pack(12)'],
  ['return cmsgpack.pack("12")'],
  ['return cmsgpack.pack({})'],
  ['return cmsgpack.pack({1, 2, 3})'],
  ['return cmsgpack.pack({"a", {"b", {}}, true, 1.5})'],
  ['local t = {} for i = 1, 15 do t[i] = i end return cmsgpack.pack(t)'],
  ['local t = {} for i = 1, 16 do t[i] = i end return cmsgpack.pack(t)'],
  ['local t = {} for i = 1, 65535 do t[i] = i % 7 end return cmsgpack.pack(t)'],
  ['local t = {} for i = 1, 65536 do t[i] = i % 7 end return cmsgpack.pack(t)'],
  ['local t = {} for i = 1, 70000 do t[i] = "x" end return cmsgpack.pack(t)'],
  ['return cmsgpack.pack({a = 1})'],
  ['return cmsgpack.pack({[ARGV[1]] = ARGV[1]})', '\xff\x00k'],
  ['return cmsgpack.pack({[1.5] = 2})'],
  ['return cmsgpack.pack({[0] = 1})'],
  ['return cmsgpack.pack({[-1] = 1})'],
  ['return cmsgpack.pack({[2] = 1})'],
  ['return cmsgpack.pack({[2^31] = 1})'],
  ['return cmsgpack.pack({[true] = false})'],
  ['return cmsgpack.pack({[{}] = {}})'],
  ['return cmsgpack.pack({x = {y = {z = {1, 2}}}})'],
  ['local t = {} for i = 1, 16 do t["k" .. i] = 1 end return string.sub(cmsgpack.pack(t), 1, 3) .. #cmsgpack.pack(t)'],
  ['local t = {} for i = 1, 65536 do t["k" .. i] = 1 end local p = cmsgpack.pack(t) return string.sub(p, 1, 5) .. #p'],
  ['local t = {} for i = 1, 15 do t["k" .. i] = 1 end local p = cmsgpack.pack(t) return string.sub(p, 1, 1) .. #p'],
  // Nesting: tables 16 deep pack as nil.
  ['local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end return cmsgpack.pack(t)'],
  ['local t = {} local c = t for i = 1, 15 do c[1] = {} c = c[1] end return cmsgpack.pack(t)'],
  ['local t = {} local c = t for i = 1, 14 do c[1] = {} c = c[1] end return cmsgpack.pack(t)'],
  ['local t = {} t[1] = t return cmsgpack.pack(t)'],
  ['local t = {} local c = t for i = 1, 20 do c.a = {} c = c.a end return cmsgpack.pack(t)'],
  // Types with no msgpack form pack as nil.
  ['return cmsgpack.pack(print == nil, function() end, cjson.null, coroutine.create(function() end))'],
  ['return cmsgpack.pack(1, "a", {2}, nil, 3.5)'],
  // Errors.
  ['return cmsgpack.pack()'],
  ['local t = {} for i = 1, 4000 do t[i] = i end return #cmsgpack.pack(unpack(t))'],
  ['local t = {} for i = 1, 4001 do t[i] = i end return #cmsgpack.pack(unpack(t))'],
  ['local ok, e = pcall(cmsgpack.pack) return e'],
  ['cmsgpack.pack = nil'],
  ['cmsgpack.foo = 1'],
  ['return cmsgpack._NAME .. "|" .. cmsgpack._VERSION .. "|" .. cmsgpack._COPYRIGHT .. "|" .. cmsgpack._DESCRIPTION'],
  ['return type(cmsgpack_safe)'],
];

/** Round trips: pack, then unpack, dumped. */
const ROUND_TRIPS = [
  '1, -1, 0.5, 2^53, -(2^53), 1e300, "x", true, false',
  '{a = 1, b = {1, 2, {c = "d"}}, [3] = 4, [1.5] = "f"}',
  '{1, 2, nil, 4}',
  '{[1] = 1, [2] = 2, [4] = 4}',
  '{n = 0/0}',
  '2^63, -(2^63), 2^64, 0.1, -0.0',
  '{[true] = 1, [false] = 0}',
];

/** Decoding every msgpack type from bytes. */
const UNPACK_HEX = [
  '', '00', '7f', 'cc ff', 'cd ff ff', 'ce ff ff ff ff', 'ce 80 00 00 00', 'cf 00 00 00 00 ff ff ff ff', 'cf 00 20 00 00 00 00 00 01',
  'cf 7f ff ff ff ff ff ff ff', 'cf ff ff ff ff ff ff ff ff', 'cf 80 00 00 00 00 00 00 00',
  'e0', 'ff', 'd0 80', 'd0 7f', 'd1 80 00', 'd1 7f ff', 'd1 ff 7f', 'd2 80 00 00 00', 'd2 7f ff ff ff', 'd3 80 00 00 00 00 00 00 00', 'd3 ff ff ff ff ff ff ff fe',
  'd3 00 20 00 00 00 00 00 01',
  'c0', 'c2', 'c3', 'ca 3f c0 00 00', 'ca 7f 80 00 00', 'ca ff 80 00 00', 'ca 00 00 00 01', 'ca 3d cc cc cd', 'cb 3f b9 99 99 99 99 99 9a', 'cb 7f f0 00 00 00 00 00 00',
  'cb 80 00 00 00 00 00 00 00', 'cb 00 00 00 00 00 00 00 01',
  'a0', 'a3 ff 00 c3', 'bf' + '41'.repeat(31), 'd9 00', 'd9 03 61 62 63', 'da 00 02 ff fe', 'db 00 00 00 02 00 01',
  '90', '93 01 a1 78 c3', '91 90', 'dc 00 02 c0 01', 'dd 00 00 00 01 05', '92 c0 c0', '93 01 c0 03',
  '80', '81 a1 6b 01', '82 01 02 03 04', 'de 00 01 c3 c2', 'df 00 00 00 01 90 91 00', '81 ca 3f c0 00 00 a1 76', '81 a1 6b c0',
  '01 02 03 a1 78 c0 c3',
  // Invalid / unsupported types.
  'c1', 'c4 01 00', 'c5 00 01 00', 'c6 00 00 00 01 00', 'c7 01 05 00', 'c8 00 01 05 00', 'c9 00 00 00 01 05 00', 'd4 01 00', 'd5 01 00 00', 'd6 01 00 00 00 00',
  'd7 01 00 00 00 00 00 00 00 00', 'd8 01' + ' 00'.repeat(16), '01 c1', '91 c1',
  // Float keys that are integers become array indices; packing again gives an array.
  '82 cb 3f f0 00 00 00 00 00 00 a1 61 ca 40 00 00 00 a1 62',
  // Map keys nil / NaN.
  '81 c0 01', '81 cb 7f f8 00 00 00 00 00 00 01', '81 cb ff f8 00 00 00 00 00 00 01',
];

/** Valid encodings whose every proper prefix is "Missing bytes". */
const TRUNCATED_BASE = [
  'cc ff', 'cd 01 02', 'ce 01 02 03 04', 'cf 01 02 03 04 05 06 07 08', 'd0 80', 'd1 80 00', 'd2 80 00 00 00', 'd3 01 02 03 04 05 06 07 08',
  'ca 3f c0 00 00', 'cb 3f b9 99 99 99 99 99 9a', 'a3 61 62 63', 'd9 03 61 62 63', 'da 00 02 61 62', 'db 00 00 00 02 61 62', 'dc 00 02 01 02', 'dd 00 00 00 02 01 02',
  'de 00 01 01 02', 'df 00 00 00 01 01 02', '92 01 02', '82 01 02 03 04', '91 91 91 a2 78 79',
];

const UNPACK_CALLS: [string, ...Arg[]][] = [
  ['return N(cmsgpack.unpack_one(ARGV[1]))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_one(ARGV[1], 1))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_one(ARGV[1], 3))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_one(ARGV[1], 4))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_one(ARGV[1], 5))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_one(ARGV[1], 2))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_one(ARGV[1], -1))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_one(ARGV[1], 1.7))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_one(ARGV[1], "1"))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_one(ARGV[1], "x"))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_one(ARGV[1], 2^40))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_one(ARGV[1], 1e30))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_one(ARGV[1], 0/0))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_one(ARGV[1], nil))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_one(""))'],
  ['return N(cmsgpack.unpack_one())'],
  ['return N(cmsgpack.unpack_one({}))'],
  ['return N(cmsgpack.unpack_one(12))'],
  ['return N(cmsgpack.unpack_limit(ARGV[1], 2))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_limit(ARGV[1], 2, 3))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_limit(ARGV[1], 10))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_limit(ARGV[1], 0))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_limit(ARGV[1], 0, 0))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_limit(ARGV[1], 0, 1))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_limit(ARGV[1], -1))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_limit(ARGV[1], 1, 9))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_limit(ARGV[1]))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_limit(ARGV[1], "a"))', hex('01 a1 78 c3')],
  ['return N(cmsgpack.unpack_limit(ARGV[1], 1, 2))', hex('01 a2 78')],
  ['return N(cmsgpack.unpack())'],
  ['return N(cmsgpack.unpack(nil))'],
  ['return N(cmsgpack.unpack(true))'],
  ['return N(cmsgpack.unpack(7))'],
  ['return N(cmsgpack.unpack(ARGV[1], 5))', hex('01 02')],
  ['local off, v = 0, nil local out = {} repeat off, v = cmsgpack.unpack_one(ARGV[1], off) out[#out + 1] = D(v) until off == -1 return table.concat(out, " ")', hex('01 a1 78 c3 92 01 02 c0')],
  // Many values: 5.1's stack limit of 8000 slots per C call.
  ['local t = {} for i = 1, 7990 do t[i] = i end return select("#", cmsgpack.unpack(cmsgpack.pack(unpack(t, 1, 3990)) .. cmsgpack.pack(unpack(t, 1, 4000))))'],
  ['local s = string.rep(cmsgpack.pack(1), 7997) return select("#", cmsgpack.unpack(s))'],
  ['local s = string.rep(cmsgpack.pack(1), 7998) return select("#", cmsgpack.unpack(s))'],
  ['local s = string.rep(cmsgpack.pack(1), 7999) return select("#", cmsgpack.unpack(s))'],
  ['local s = string.rep(cmsgpack.pack(1), 9000) return select("#", cmsgpack.unpack(s))'],
  ['local s = string.rep(cmsgpack.pack(1), 9000) return select("#", cmsgpack.unpack_limit(s, 7000))'],
  ['local s = string.rep(cmsgpack.pack(1), 9000) return select("#", cmsgpack.unpack_limit(s, 7997, 100))'],
  ['local s = string.rep(cmsgpack.pack(1), 9000) return select("#", cmsgpack.unpack_limit(s, 7998, 100))'],
  // Deep nesting on decode (no depth limit, the stack is).
  ['local n = tonumber(ARGV[1]) local s = string.rep("\\145", n) .. "\\1" local v = cmsgpack.unpack(s) local d = 0 while type(v) == "table" do v = v[1] d = d + 1 end return d .. " " .. tostring(v)', '100'],
  ['local n = tonumber(ARGV[1]) local s = string.rep("\\145", n) .. "\\1" local v = cmsgpack.unpack(s) local d = 0 while type(v) == "table" do v = v[1] d = d + 1 end return d .. " " .. tostring(v)', '3990'],
  ['local n = tonumber(ARGV[1]) local s = string.rep("\\145", n) .. "\\1" local v = cmsgpack.unpack(s) local d = 0 while type(v) == "table" do v = v[1] d = d + 1 end return d .. " " .. tostring(v)', '3999'],
  ['local n = tonumber(ARGV[1]) local s = string.rep("\\145", n) .. "\\1" local v = cmsgpack.unpack(s) local d = 0 while type(v) == "table" do v = v[1] d = d + 1 end return d .. " " .. tostring(v)', '4000'],
  ['local n = tonumber(ARGV[1]) local s = string.rep("\\129\\1", n) .. "\\1" local v = cmsgpack.unpack(s) local d = 0 while type(v) == "table" do v = v[1] d = d + 1 end return d .. " " .. tostring(v)', '2664'],
  ['local n = tonumber(ARGV[1]) local s = string.rep("\\129\\1", n) .. "\\1" local v = cmsgpack.unpack(s) local d = 0 while type(v) == "table" do v = v[1] d = d + 1 end return d .. " " .. tostring(v)', '2700'],
  ['local n = tonumber(ARGV[1]) local s = string.rep("\\129\\1", n) .. "\\1" local v = cmsgpack.unpack(s) local d = 0 while type(v) == "table" do v = v[1] d = d + 1 end return d .. " " .. tostring(v)', '4000'],
  // Large containers.
  ['local t = {} for i = 1, 70000 do t[i] = i end local u = cmsgpack.unpack(cmsgpack.pack(t)) return #u .. " " .. u[70000] .. " " .. u[65536]'],
  ['local t = {} for i = 1, 70000 do t["k" .. i] = i end local u = cmsgpack.unpack(cmsgpack.pack(t)) local c = 0 for k, v in pairs(u) do if t[k] ~= v then return k end c = c + 1 end return c'],
  ['return #cmsgpack.unpack(ARGV[1])', hex('dc ff ff') + '\x01'.repeat(65535)],
  ['return #cmsgpack.unpack(ARGV[1])', hex('dd 00 01 00 00') + '\x01'.repeat(65536)],
  ['return cmsgpack.unpack(ARGV[1])', hex('dd ff ff ff ff 01 02')],
  ['return cmsgpack.unpack(ARGV[1])', hex('df ff ff ff ff 01 02')],
  ['return cmsgpack.unpack(ARGV[1])', hex('db ff ff ff ff 01 02')],
  ['return #cmsgpack.unpack(ARGV[1])', hex('db 00 01 00 00') + '\xab'.repeat(65536)],
  // EVAL's own conversion of what unpack returns.
  ['return cmsgpack.unpack(ARGV[1])', hex('93 01 a1 78 c3')],
  ['return cmsgpack.pack(cmsgpack.unpack(ARGV[1]))', hex('82 cb 3f f0 00 00 00 00 00 00 a1 61 ca 40 00 00 00 a1 62')],
  ['return cmsgpack.pack(cmsgpack.unpack(ARGV[1]))', hex('dc 00 03 01 c0 03')],
  ['return {cmsgpack.unpack(ARGV[1])}', hex('01 02 ca 3f c0 00 00 a2 ff 00')],
  ['cmsgpack.unpack(ARGV[1])', hex('c1')],
  ['return redis.pcall("nosuch") and pcall(cmsgpack.unpack, ARGV[1])', hex('c1')],
  ['local ok, e = pcall(cmsgpack.unpack, ARGV[1]) return tostring(ok) .. " " .. e', hex('c1')],
  ['local ok, e = pcall(cmsgpack.unpack, ARGV[1]) return tostring(ok) .. " " .. e', hex('cd 01')],
];

const STRUCT_CASES: [string, ...Arg[]][] = [
  ...['b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I', 'i1', 'i2', 'i3', 'i5', 'i7', 'I8', 'i8', 'i9', 'I16', 'i16', 'i32', 'I0'].flatMap((f) =>
    ['1', '-1', '255', '256', '-129', '65535', '-32769', '2^31', '-(2^31)', '2^32 + 5', '2^53', '2^63', '-(2^63)', '2^64', '1e30', '-1e30', '3.7', '-3.7', '0/0', '1/0', '-1/0'].flatMap(
      (v): [string][] => [[`return struct.pack("<${f}", ${v})`], [`return struct.pack(">${f}", ${v})`]],
    ),
  ),
  ...['b', 'B', 'h', 'H', 'l', 'L', 'T', 'i', 'I', 'i3', 'I3', 'i5', 'I7', 'i8', 'I8', 'i9', 'I9', 'i12', 'I16', 'i16', 'i32', 'I32', 'i0'].flatMap((f) =>
    ['ff'.repeat(32), '80' + '00'.repeat(31), '00'.repeat(31) + '80', '7f' + 'ff'.repeat(31), '01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 20'].flatMap(
      (h): [string, Arg][] => [
        [`return N(struct.unpack("<${f}", ARGV[1]))`, hex(h)],
        [`return N(struct.unpack(">${f}", ARGV[1]))`, hex(h)],
      ],
    ),
  ),
  ['return struct.pack("<f>f<d>d", 1.5, 0.1, 0.1, -2.5)'],
  ['return struct.pack("f", 1e40)'],
  ['return struct.pack("fd", 0/0, 0/0)'],
  ['return struct.pack("fd", -(0/0), -(0/0))'],
  ['local z = 0 return struct.pack("fd", 1/0, -z)'],
  ['local z = 0 return struct.pack(">fd", -z, 1/0)'],
  ['return N(struct.unpack("<f>f<d>d", ARGV[1]))', hex('00 00 c0 3f 3d cc cc cd 9a 99 99 99 99 99 b9 3f c0 04 00 00 00 00 00 00')],
  ['return N(struct.unpack("fd", ARGV[1]))', hex('00 00 80 7f 00 00 00 00 00 00 f0 ff')],
  ['return struct.pack("xbxh", 1, 2)'],
  ['return struct.pack("!bh", 1, 2)'],
  ['return struct.pack("!4bhbibdbl", 1, 2, 3, 4, 5, 6.5, 7, 8)'],
  ['return struct.pack("!bhbibdbl", 1, 2, 3, 4, 5, 6.5, 7, 8)'],
  ['return struct.pack("!2bibd", 1, 2, 3, 4)'],
  ['return struct.pack("!16bd", 1, 2)'],
  ['return struct.pack("!bi3", 1, 2)'],
  ['return struct.pack("!8bi3bi5bi6", 1, 2, 3, 4, 5, 6)'],
  ['return struct.pack("!bxc2h", 1, "ab", 3)'],
  ['return struct.pack("!8bsd", 1, "ab", 3)'],
  ['return struct.pack(">!4 b h", 1, 2)'],
  ['return N(struct.unpack("!4bhbibdbl", struct.pack("!4bhbibdbl", 1, 2, 3, 4, 5, 6.5, 7, 8)))'],
  ['return N(struct.unpack("!bhbibdbl", struct.pack("!bhbibdbl", 1, 2, 3, 4, 5, 6.5, 7, 8)))'],
  ['return N(struct.unpack("!8bi3bi5bi6", struct.pack("!8bi3bi5bi6", 1, 2, 3, 4, 5, 6)))'],
  ['return struct.pack("c3", ARGV[1])', '\xff\x00\xc3\x28'],
  ['return struct.pack("c0", ARGV[1])', '\xff\x00\xc3\x28'],
  ['return struct.pack("c", ARGV[1])', '\xff\x00\xc3\x28'],
  ['return struct.pack("c5", ARGV[1])', '\xff\x00\xc3\x28'],
  ['return struct.pack("bc5", 1, ARGV[1])', '\xff\x00\xc3\x28'],
  ['return struct.pack("s", ARGV[1])', '\xff\x00\xc3\x28'],
  ['return struct.pack("ss", "ab", "")'],
  ['return struct.pack("c2", 12345)'],
  ['return struct.pack("b", "12")'],
  ['return struct.pack("b", "x")'],
  ['return struct.pack("b")'],
  ['return struct.pack("bb", 1)'],
  ['return struct.pack("c", nil)'],
  ['return struct.pack("b", cjson.null)'],
  ['return struct.pack("b", {})'],
  ['return struct.pack("")'],
  ['return struct.pack()'],
  ['return struct.pack(12)'],
  ['return struct.pack("z", 1)'],
  ['return struct.pack("b5", 1)'],
  ['return struct.pack(ARGV[1], 1)', 'b\xff'],
  ['return struct.pack(ARGV[1], 1, 2)', 'b\x00b'],
  ['return struct.pack("i33", 1)'],
  ['return struct.pack("i99999999999", 1)'],
  ['return struct.pack("i2147483647", 1)'],
  ['return struct.pack("!3b", 1)'],
  ['return struct.pack("!0b", 1)'],
  ['return struct.pack("!2147483648b", 1)'],
  ['return struct.pack("!1073741824bd", 1, 2)'],
  ['return struct.pack("<", 1)'],
  ['return struct.pack("b", 1, 2, 3)'],
  ['return N(struct.unpack("bc0", ARGV[1]))', '\x03abcdef'],
  ['return N(struct.unpack("bc0b", ARGV[1]))', '\x03abcdef'],
  ['return N(struct.unpack("c0", ARGV[1]))', '\x03abcdef'],
  ['return N(struct.unpack("xc0", ARGV[1]))', '\x03abcdef'],
  ['return N(struct.unpack("bc0", ARGV[1]))', '\x09abcdef'],
  ['return N(struct.unpack("bc0", ARGV[1]))', '\xffabcdef'],
  ['return N(struct.unpack("c1c0", ARGV[1]))', '3abcdef'],
  ['return N(struct.unpack("c1c0", ARGV[1]))', 'xabcdef'],
  ['return N(struct.unpack("dc0", ARGV[1]))', hex('00 00 00 00 00 00 f8 7f') + 'abc'],
  ['return N(struct.unpack("dc0", ARGV[1]))', hex('00 00 00 00 00 00 f8 ff') + 'abc'],
  ['return N(struct.unpack("dc0", ARGV[1]))', hex('00 00 00 00 00 00 00 c0') + 'abc'],
  ['return N(struct.unpack("dc0", ARGV[1]))', hex('00 00 00 00 00 00 e0 bf') + 'abc'],
  ['return N(struct.unpack("dc0", ARGV[1]))', hex('00 00 00 00 00 00 f0 43') + 'abc'],
  ['return N(struct.unpack("s", ARGV[1]))', 'ab\x00cd'],
  ['return N(struct.unpack("ss", ARGV[1]))', 'ab\x00\xff\x00'],
  ['return N(struct.unpack("s", ARGV[1]))', 'abcd'],
  ['return N(struct.unpack("c2", ARGV[1]))', '\xff\x00\xc3'],
  ['return N(struct.unpack("c4", ARGV[1]))', '\xff\x00\xc3'],
  ['return N(struct.unpack("xxb", ARGV[1]))', 'abc'],
  ['return N(struct.unpack("xxxb", ARGV[1]))', 'abc'],
  ['return N(struct.unpack("b", ARGV[1], 2))', 'abc'],
  ['return N(struct.unpack("b", ARGV[1], 3))', 'abc'],
  ['return N(struct.unpack("b", ARGV[1], 4))', 'abc'],
  ['return N(struct.unpack("", ARGV[1], 4))', 'abc'],
  ['return N(struct.unpack("", ARGV[1], 40))', 'abc'],
  ['return N(struct.unpack("", ARGV[1], -5))', 'abc'],
  ['return N(struct.unpack(">", ARGV[1], -5))', 'abc'],
  ['return N(struct.unpack("b", ARGV[1], 0))', 'abc'],
  ['return N(struct.unpack("b", ARGV[1], -1))', 'abc'],
  ['return N(struct.unpack("b", ARGV[1], 1.9))', 'abc'],
  ['return N(struct.unpack("b", ARGV[1], "2"))', 'abc'],
  ['return N(struct.unpack("b", ARGV[1], "x"))', 'abc'],
  ['return N(struct.unpack("b", ARGV[1], 0.5))', 'abc'],
  ['return N(struct.unpack("!4bi", ARGV[1]))', 'abcdefgh'],
  ['return N(struct.unpack("!4bi", ARGV[1]))', 'abcdefg'],
  ['return N(struct.unpack("!4bi", ARGV[1], 2))', 'abcdefghi'],
  ['return N(struct.unpack(">!4 bxh", ARGV[1], 2))', 'abcdefghi'],
  ['return N(struct.unpack("b"))'],
  ['return N(struct.unpack())'],
  ['return N(struct.unpack("q", "abc"))'],
  ['return N(struct.unpack("i40", "abc"))'],
  ['return N(struct.unpack("!5b", "abc"))'],
  ['return N(struct.unpack("<", ""))'],
  ['return N(struct.unpack(ARGV[1], "abc"))', 'b\x00b'],
  ['local f = string.rep("b", 4100) return select("#", struct.unpack(f, string.rep("a", 4100)))'],
  ['local f = string.rep("b", 3998) return select("#", struct.unpack(f, string.rep("a", 4100)))'],
  ['local f = string.rep("b", 3997) return select("#", struct.unpack(f, string.rep("a", 4100)))'],
  ['local f = string.rep("b", 3996) return select("#", struct.unpack(f, string.rep("a", 4100), 1, 1))'],
  ['local f = string.rep("b", 3995) return select("#", struct.unpack(f, string.rep("a", 4100), 1, 1))'],
  ['return struct.size("bhilfdTx")'],
  ['return struct.size("!bhilfdTx")'],
  ['return struct.size("!4bhilfdTx")'],
  ['return struct.size("c10i7I3")'],
  ['return struct.size("!8c3i3")'],
  ['return struct.size("")'],
  ['return struct.size("zq5")'],
  ['return struct.size("<>! ")'],
  ['return struct.size("s")'],
  ['return struct.size("c0")'],
  ['return struct.size("bc0")'],
  ['return struct.size("%")'],
  ['return struct.size("!3")'],
  ['return struct.size("i33")'],
  ['return struct.size()'],
  ['return struct.size(123)'],
  ['return struct.size(ARGV[1])', '\xffb'],
  ['struct.pack = 1'],
  ['struct.x = 1'],
  ['local ok, e = pcall(struct.pack, "q") return e'],
  ['local p = struct.pack return p("q")'],
];

describe.skipIf(!HAVE_REDIS)('cmsgpack and struct against redis-server', () => {
  let d: DiffPair;
  let n: RawClient;
  let r: RawClient;

  /** Runs every case on both servers; returns the mismatches. */
  async function runAll(cases: [string, ...Arg[]][], prefix = ''): Promise<string> {
    const bad: string[] = [];
    for (const [script, ...args] of cases) {
      const b = encodeCommand(['EVAL', prefix + script, '0', ...args]);
      n.write(b);
      r.write(b);
      const [x, y] = await Promise.all([n.readReply(), r.readReply()]);
      if (!x.equals(y)) {
        const shown = args.map((a) => (typeof a === 'string' && a.length > 40 ? a.slice(0, 40) + '...' : a));
        bad.push(`${script} ${JSON.stringify(shown)}\n  nodis: ${JSON.stringify(x.subarray(0, 300).toString("latin1"))}\n  redis: ${JSON.stringify(y.subarray(0, 300).toString("latin1"))}`);
      }
    }
    return bad.join('\n');
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

  it('cmsgpack.pack: every type and size class', async () => {
    expect(await runAll(PACK_CASES, DUMP)).toBe('');
  });

  it('cmsgpack round trips', async () => {
    expect(await runAll(ROUND_TRIPS.map((v): [string] => [`return N(cmsgpack.unpack(cmsgpack.pack(${v})))`]), DUMP)).toBe('');
  });

  it('cmsgpack.unpack: every type, invalid input', async () => {
    expect(await runAll(UNPACK_HEX.map((h): [string, Arg] => ['return N(cmsgpack.unpack(ARGV[1]))', hex(h)]), DUMP)).toBe('');
  });

  it('cmsgpack.unpack: truncated input', async () => {
    const cases: [string, Arg][] = [];
    for (const h of TRUNCATED_BASE) {
      const full = hex(h);
      for (let i = 1; i < full.length; i++) cases.push(['return N(cmsgpack.unpack(ARGV[1]))', full.slice(0, i)]);
      cases.push(['return N(cmsgpack.unpack(ARGV[1]))', full]);
      cases.push(['return N(cmsgpack.unpack_one(ARGV[1]))', '\x01' + full.slice(0, -1)]);
    }
    expect(await runAll(cases, DUMP)).toBe('');
  });

  it('cmsgpack.unpack_one/unpack_limit, limits, large values', async () => {
    expect(await runAll(UNPACK_CALLS, DUMP)).toBe('');
  });

  it('struct.pack/unpack/size', async () => {
    expect(await runAll(STRUCT_CASES, DUMP)).toBe('');
  });

  it('in functions too', async () => {
    const lib = "#!lua name=mp\nredis.register_function('mp', function(keys, args) return cmsgpack.unpack(args[1])[2] .. struct.pack('>h', 258) end)";
    await d.same('FUNCTION', 'LOAD', 'REPLACE', lib);
    await d.same('FCALL', 'mp', '0', hex('92 01 a2 ff 00'));
    await d.same('FUNCTION', 'DELETE', 'mp');
    // Not visible while the library loads (only the load-time redis API is).
    await d.same('FUNCTION', 'LOAD', "#!lua name=mp2\nlocal x = cmsgpack.pack(1)\nredis.register_function('f', function() return 1 end)");
    await d.same('FUNCTION', 'LOAD', "#!lua name=mp3\nlocal x = struct.size('b')\nredis.register_function('g', function() return 1 end)");
    await d.same('FUNCTION', 'LOAD', "#!lua name=mp4\nredis.register_function('h', function() cmsgpack.pack = nil end)");
    await d.same('FCALL', 'h', '0');
    await d.same('FUNCTION', 'FLUSH');
  });
});
