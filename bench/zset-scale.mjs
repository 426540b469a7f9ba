// In-process microbenchmark of sorted sets at growing sizes: ZADD (new
// members), ZRANK and ZRANGEBYSCORE ... LIMIT 0 10 through the whole command
// path (parse -> dispatch -> reply), as µs per command. With O(log n)
// operations the cost grows by a small constant per 10x, not 10x.
// Usage: npm run build && node bench/zset-scale.mjs [sizes...]
//   e.g. node bench/zset-scale.mjs 10000 100000 1000000
import { inprocServer, printTable } from './inproc.mjs';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (sizes.length === 0) sizes.push(10_000, 100_000, 1_000_000);
const OPS = 20_000;

const { server, batches, run, timed, sink } = inprocServer();

// Scores from a fixed LCG so runs are comparable.
let seed = 12345;
function rnd() {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
const score = (i) => String(Math.floor(rnd() * 1e9) + (i % 7) / 8);

const rows = [];
let built = 0;
const key = 'bench:zset';
for (const n of sizes) {
  // Grow the set to n members (untimed), then time operations at that size.
  if (n > built) {
    run(batches((i) => ['ZADD', key, score(i), `member:${built + i}`], n - built));
    built = n;
  }
  const heapMb = process.memoryUsage().heapUsed / 1048576;
  const zadd = timed(
    batches((i) => ['ZADD', key, score(i), `extra:${n}:${i}`], OPS),
    OPS,
  );
  run(batches((i) => ['ZREM', key, `extra:${n}:${i}`], OPS)); // back to n members
  const zrank = timed(
    batches(() => ['ZRANK', key, `member:${Math.floor(rnd() * n)}`], OPS),
    OPS,
  );
  const zrange = timed(
    batches(() => {
      const lo = Math.floor(rnd() * 1e9);
      return ['ZRANGEBYSCORE', key, String(lo), '+inf', 'LIMIT', '0', '10'];
    }, OPS),
    OPS,
  );
  rows.push({ n, zadd, zrank, zrange, heapMb });
}

printTable(
  [
    ['  members', 'n', 0],
    ['ZADD µs/op', 'zadd', 3],
    ['ZRANK µs/op', 'zrank', 3],
    ['ZRANGEBYSCORE(LIMIT 10) µs/op', 'zrange', 3],
    ['heap MB', 'heapMb', 0],
  ],
  rows,
);
const enc0 = server.dbs[0].peek(key).encoding();
console.log(`encoding: ${enc0}, members: ${server.dbs[0].peek(key).size} (sink ${sink()})`);
await server.close();
