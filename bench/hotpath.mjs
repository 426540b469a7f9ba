// In-process microbenchmark of the request path without sockets:
// parse -> dispatch -> reply for pipelined batches, as µs per command.
// Usage: node bench/hotpath.mjs [get|set|incr] [pipeline]
import { NodisServer } from '../dist/server/server.js';
import { silentLogger } from '../dist/server/logger.js';

const test = process.argv[2] ?? 'get';
const P = Number(process.argv[3] ?? 16);
const server = new NodisServer({ logger: silentLogger(), config: { save: '' } });
const c = server.createClient(null);
const enc = (args) =>
  Buffer.concat([Buffer.from(`*${args.length}\r\n`), ...args.flatMap((a) => [Buffer.from(`$${a.length}\r\n${a}\r\n`, 'latin1')])]);
const one = {
  get: ['GET', 'key:__rand_int__'],
  set: ['SET', 'key:__rand_int__', 'xxx'],
  incr: ['INCR', 'counter:__rand_int__'],
  mset: ['MSET', ...Array.from({ length: 10 }, () => ['key:__rand_int__', 'xxx']).flat()],
}[test];
const batch = Buffer.concat(Array.from({ length: P }, () => enc(one)));
server.dbs[0].setKey('key:__rand_int__', 'xxx');
let sink = 0;
function round(n) {
  for (let i = 0; i < n; i++) {
    c.parser.feed(batch);
    server.processInputBuffer(c);
    const out = c.takeOutput();
    sink += typeof out === 'string' ? out.length : out.length;
  }
}
round(20000);
const N = 200000;
const t0 = process.hrtime.bigint();
round(N);
const dt = Number(process.hrtime.bigint() - t0) / 1e3;
console.log(`${test} P${P}: ${(dt / (N * P)).toFixed(3)} µs/command (sink ${sink})`);
await server.close();
