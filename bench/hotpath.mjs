// In-process microbenchmark of the request path without sockets:
// parse -> dispatch -> reply for pipelined batches, as CPU µs per command.
//
//   node bench/hotpath.mjs [test[,test...]] [pipeline] [--dist DIR] [--n N]
//
// Tests are named as redis-benchmark's -t names and send the same commands
// (no -r, so one key per test): get set incr mset hset hget zadd lpush rpush
// lpop sadd spop zpopmin lrange_100. Pop tests alternate a push and a pop so
// the collection keeps its size. `--dist` loads another build's dist/ (to
// compare two commits in the same run); `all` runs every test.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
let dist = new URL('../dist/', import.meta.url).href;
let N = 200000;
const pos = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--dist') dist = pathToFileURL(path.resolve(argv[++i]) + '/').href;
  else if (argv[i] === '--n') N = Number(argv[++i]);
  else pos.push(argv[i]);
}
const { NodisServer } = await import(new URL('server/server.js', dist).href);
const { silentLogger } = await import(new URL('server/logger.js', dist).href);
const reply = await import(new URL('protocol/reply.js', dist).href);

const P = Number(pos[1] ?? 16);
const server = new NodisServer({ logger: silentLogger(), config: { save: '' } });
const c = server.createClient(null);
const enc = (args) =>
  Buffer.concat([Buffer.from(`*${args.length}\r\n`), ...args.flatMap((a) => [Buffer.from(`$${a.length}\r\n${a}\r\n`, 'latin1')])]);
const TESTS = {
  get: [['GET', 'key:__rand_int__']],
  set: [['SET', 'key:__rand_int__', 'xxx']],
  incr: [['INCR', 'counter:__rand_int__']],
  mset: [['MSET', ...Array.from({ length: 10 }, () => ['key:__rand_int__', 'xxx']).flat()]],
  hset: [['HSET', 'myhash', 'element:__rand_int__', 'xxx']],
  hget: [['HGET', 'myhash', 'element:__rand_int__']],
  zadd: [['ZADD', 'myzset', '0', 'element:__rand_int__']],
  lpush: [['LPUSH', 'mylist', 'xxx']],
  rpush: [['RPUSH', 'mylist', 'xxx']],
  lpop: [['LPUSH', 'mylist', 'xxx'], ['LPOP', 'mylist']],
  sadd: [['SADD', 'myset', 'element:__rand_int__']],
  spop: [['SADD', 'myset', 'element:__rand_int__'], ['SPOP', 'myset']],
  zpopmin: [['ZADD', 'myzset', '0', 'element:__rand_int__'], ['ZPOPMIN', 'myzset']],
  lrange_100: [['LRANGE', 'mylist', '0', '99']],
};
const names = (pos[0] ?? 'get') === 'all' ? Object.keys(TESTS) : (pos[0] ?? 'get').split(',');

function setup() {
  const cmds = [['HSET', 'myhash', 'element:__rand_int__', 'xxx'], ['SET', 'key:__rand_int__', 'xxx']];
  for (let i = 0; i < 100; i++) cmds.push(['RPUSH', 'lrange-list', 'xxx']);
  c.parser.feed(Buffer.concat(cmds.map(enc)));
  server.processInputBuffer(c);
  drain();
}

// What the socket write costs in user space: the reply chunk goes to the
// kernel as it is (then back to the pool); builds that queued replies as
// strings flattened and copied them (writeLatin1String()), done here into
// a scratch buffer.
const SCRATCH = Buffer.allocUnsafe(1 << 22);
function drain() {
  if (typeof reply.releaseReplyChunk === 'function') {
    const n = c.pendingOutputBytes();
    c.discardOutput();
    return n;
  }
  const out = c.takeOutput();
  if (typeof out === 'string') return SCRATCH.latin1Write(out);
  let n = 0;
  for (const p of out) n += typeof p === 'string' ? SCRATCH.latin1Write(p) : p.length;
  return n;
}

let sink = 0;
function round(batch, n) {
  for (let i = 0; i < n; i++) {
    c.parser.feed(batch);
    server.processInputBuffer(c);
    sink += drain();
  }
}

setup();
for (const test of names) {
  const cmds = TESTS[test];
  if (!cmds) throw new Error(`unknown test ${test}`);
  // LRANGE reads a 100-element list that no other test changes.
  const fixed = test === 'lrange_100' ? [['LRANGE', 'lrange-list', '0', '99']] : cmds;
  const batch = Buffer.concat(Array.from({ length: P }, (_, i) => enc(fixed[i % fixed.length])));
  const n = Math.max(1000, Math.round(test === 'lrange_100' ? N / 10 : N));
  round(batch, Math.ceil(n / 10));
  // CPU time of this process (user + system): on a shared machine it does
  // not count the time other processes held the CPU, as wall time does.
  const t0 = process.cpuUsage();
  round(batch, n);
  const t = process.cpuUsage(t0);
  const dt = t.user + t.system;
  console.log(`${test} P${P}: ${(dt / (n * P)).toFixed(3)} µs/command (CPU)`);
}
if (sink === 0) console.log('no output');
await server.close();
