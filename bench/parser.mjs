#!/usr/bin/env node
// Microbenchmark: Nodis's RequestParser against redis-parser (the RESP reply
// parser used by ioredis) on the same stream of pipelined
// `SET key:%09d val:%012d` commands, i.e. RESP arrays of bulk strings.
//
//   npm run build && node bench/parser.mjs [--commands 200000] [--rounds 21] [--chunk 65536]
//
// The stream is fed in chunks of --chunk bytes (commands straddle chunk
// boundaries, as they do on a socket). Prints µs per command (median of
// rounds) and the median of the per-round time ratios.
// Nodis returns latin1 strings; redis-parser runs in its default string mode.
import { createRequire } from 'node:module';
import { RequestParser } from '../dist/protocol/parser.js';

const require = createRequire(import.meta.url);
const RedisParser = require('redis-parser');

const opts = { commands: 200000, rounds: 21, chunk: 65536 };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  if (!(k in opts)) throw new Error(`unknown option ${process.argv[i]}`);
  opts[k] = Number(process.argv[i + 1]);
}

const parts = [];
for (let i = 0; i < opts.commands; i++) {
  const k = `key:${String(i).padStart(9, '0')}`;
  const v = `val:${String(i).padStart(12, '0')}`;
  parts.push(`*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`);
}
const stream = Buffer.from(parts.join(''), 'latin1');
const chunks = [];
for (let off = 0; off < stream.length; off += opts.chunk) chunks.push(stream.subarray(off, off + opts.chunk));

function runNodis() {
  const p = new RequestParser();
  let n = 0;
  let sink = 0;
  for (const c of chunks) {
    p.feed(c);
    for (let argv = p.next(); argv !== null; argv = p.next()) {
      n++;
      sink += argv[2].length;
    }
  }
  if (n !== opts.commands || p.error) throw new Error(`nodis parsed ${n} commands (${p.error})`);
  return sink;
}

function runRedisParser() {
  let n = 0;
  let sink = 0;
  const p = new RedisParser({
    returnReply(r) {
      n++;
      sink += r[2].length;
    },
    returnError(e) {
      throw e;
    },
  });
  for (const c of chunks) p.execute(c);
  if (n !== opts.commands) throw new Error(`redis-parser parsed ${n} commands`);
  return sink;
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e3 / opts.commands;
}

// Warm up both, then alternate single runs: the ratio of each adjacent pair
// is robust to the machine's load drifting during the benchmark.
for (let i = 0; i < 3; i++) {
  runNodis();
  runRedisParser();
}
const nodis = [];
const redis = [];
const ratios = [];
for (let i = 0; i < opts.rounds; i++) {
  const first = i % 2 === 0;
  const a = first ? time(runNodis) : time(runRedisParser);
  const b = first ? time(runRedisParser) : time(runNodis);
  const [tn, tr] = first ? [a, b] : [b, a];
  nodis.push(tn);
  redis.push(tr);
  ratios.push(tn / tr);
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const n = med(nodis);
const r = med(redis);
console.log(`Parser: ${opts.commands} pipelined SET commands (${(stream.length / 1024 / 1024).toFixed(1)} MB) in ${opts.chunk}-byte chunks, node ${process.version}`);
console.log('');
console.log('| parser | µs/command | commands/s |');
console.log('| --- | ---: | ---: |');
console.log(`| Nodis RequestParser | ${n.toFixed(3)} | ${Math.round(1e6 / n).toLocaleString('en-US')} |`);
console.log(`| redis-parser ${require('redis-parser/package.json').version} | ${r.toFixed(3)} | ${Math.round(1e6 / r).toLocaleString('en-US')} |`);
console.log('');
console.log(`RequestParser time / redis-parser time: ${med(ratios).toFixed(2)} (median of ${opts.rounds} paired rounds; min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)})`);
