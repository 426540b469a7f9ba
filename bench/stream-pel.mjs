// In-process microbenchmark of a consumer group's pending entries list at
// growing sizes: XREADGROUP delivering entries (each added to the PEL),
// XACK of entries across the PEL and XCLAIM moving entries between
// consumers, as µs per entry or command. A PEL of O(log n) operations grows
// by a small constant per 10x, not 10x.
// Usage: npm run build && node bench/stream-pel.mjs [sizes...]
//   e.g. node bench/stream-pel.mjs 10000 100000 1000000
import { inprocServer, printTable } from './inproc.mjs';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (sizes.length === 0) sizes.push(10_000, 100_000, 1_000_000);
const OPS = 20_000;

const { server, batches, run, timed, sink } = inprocServer();
const rows = [];
for (const n of sizes) {
  const key = `bench:stream:${n}`;
  // n entries, IDs <ms>-0 as XADD * gives them (untimed).
  run(batches((i) => ['XADD', key, `${i + 1}-0`, 'f', 'v'], n));
  run(batches(() => ['XGROUP', 'CREATE', key, 'g', '0'], 1));
  // Deliver all n to consumer a: n PEL insertions.
  const read = timed(batches(() => ['XREADGROUP', 'GROUP', 'g', 'a', 'COUNT', String(n), 'STREAMS', key, '>'], 1), n);
  const step = Math.max(1, Math.floor(n / OPS));
  const ids = Array.from({ length: Math.min(OPS, n) }, (_, i) => `${i * step + 1}-0`);
  const claim = timed(batches((i) => ['XCLAIM', key, 'g', 'b', '0', ids[i], 'JUSTID'], ids.length), ids.length);
  const ack = timed(batches((i) => ['XACK', key, 'g', ids[i]], ids.length), ids.length);
  rows.push({ n, read, claim, ack, heapMb: process.memoryUsage().heapUsed / 1048576 });
  run(batches(() => ['DEL', key], 1));
}

printTable(
  [
    ['PEL size', 'n', 0],
    ['XREADGROUP µs/entry', 'read', 3],
    ['XCLAIM µs/op', 'claim', 3],
    ['XACK µs/op', 'ack', 3],
    ['heap MB', 'heapMb', 0],
  ],
  rows,
);
console.log(`(sink ${sink()})`);
await server.close();
