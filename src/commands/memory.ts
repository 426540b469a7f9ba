/**
 * MEMORY (object.c's memoryCommand()): USAGE, STATS, DOCTOR, MALLOC-STATS,
 * PURGE and HELP. The figures are those of the memory accounting
 * (store/memory.ts, server/evict.ts); Nodis has no jemalloc, so
 * MALLOC-STATS and PURGE answer as a redis-server built without it does.
 */
import type { Client } from '../server/client.js';
import { CLIENT_SLAVE } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { getLongLong } from './args.js';
import { keyBytes } from '../store/memory.js';
import { memoryOverhead } from '../server/info.js';

/** OBJ_COMPUTE_SIZE_DEF_SAMPLES */
const DEFAULT_SAMPLES = 5;

function memoryUsageCommand(c: Client, argv: string[]): void {
  let samples = DEFAULT_SAMPLES;
  for (let j = 3; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'samples' && j + 1 < argv.length) {
      samples = getLongLong(argv[j + 1]);
      if (samples < 0) throw new RedisError(Errors.syntax);
      j++;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  // dbFind(): no expiry check, no LRU update, as Redis.
  const v = c.db.peek(argv[2]);
  if (v === undefined) {
    c.addReplyNull();
    return;
  }
  c.addReplyLongLong(keyBytes(argv[2], v, samples));
}

function memoryStatsCommand(c: Client): void {
  const mh = memoryOverhead(c.server);
  c.addReplyMapLen(27 + mh.dbs.length);
  const num = (name: string, v: number): void => {
    c.addReplyBulk(name);
    c.addReplyLongLong(v);
  };
  const dbl = (name: string, v: number): void => {
    c.addReplyBulk(name);
    c.addReplyDouble(v);
  };
  num('peak.allocated', mh.peak);
  num('total.allocated', mh.total);
  num('startup.allocated', mh.startup);
  num('replication.backlog', mh.replBacklog);
  num('clients.slaves', mh.clientsSlaves);
  num('clients.normal', mh.clientsNormal);
  num('cluster.links', 0);
  num('aof.buffer', 0);
  num('lua.caches', 0);
  num('functions.caches', 0);
  for (const db of mh.dbs) {
    c.addReplyBulk(`db.${db.dbid}`);
    c.addReplyMapLen(3);
    num('overhead.hashtable.main', db.main);
    num('overhead.hashtable.expires', db.expires);
    num('overhead.hashtable.slot-to-keys', 0);
  }
  num('overhead.total', mh.overhead);
  num('keys.count', mh.totalKeys);
  num('keys.bytes-per-key', mh.bytesPerKey);
  num('dataset.bytes', mh.dataset);
  dbl('dataset.percentage', mh.datasetPerc);
  dbl('peak.percentage', mh.peakPerc);
  num('allocator.allocated', mh.allocated);
  num('allocator.active', mh.active);
  num('allocator.resident', mh.resident);
  dbl('allocator-fragmentation.ratio', mh.allocatorFrag);
  num('allocator-fragmentation.bytes', mh.active - mh.allocated);
  dbl('allocator-rss.ratio', mh.allocatorRss);
  num('allocator-rss.bytes', mh.resident - mh.active);
  dbl('rss-overhead.ratio', mh.rssExtra);
  num('rss-overhead.bytes', mh.rss - mh.resident);
  dbl('fragmentation', mh.totalFrag);
  num('fragmentation.bytes', mh.totalFragBytes);
}

/** getMemoryDoctorReport(). */
export function memoryDoctorReport(c: Client): string {
  const mh = memoryOverhead(c.server);
  const MB = 1024 * 1024;
  let empty = false;
  let bigPeak = false;
  let highFrag = false;
  let highAllocFrag = false;
  let highAllocRss = false;
  let highProcRss = false;
  let bigClientBuf = false;
  let bigSlaveBuf = false;
  let reports = 0;
  if (mh.total < 5 * MB) {
    empty = true;
    reports++;
  } else {
    if (Math.fround(mh.peak / mh.total) > 1.5) {
      bigPeak = true;
      reports++;
    }
    if (mh.totalFrag > 1.4 && mh.totalFragBytes > 10 * MB) {
      highFrag = true;
      reports++;
    }
    if (mh.allocatorFrag > 1.1 && mh.active - mh.allocated > 10 * MB) {
      highAllocFrag = true;
      reports++;
    }
    if (mh.allocatorRss > 1.1 && mh.resident - mh.active > 10 * MB) {
      highAllocRss = true;
      reports++;
    }
    if (mh.rssExtra > 1.1 && mh.rss - mh.resident > 10 * MB) {
      highProcRss = true;
      reports++;
    }
    let slaves = 0;
    for (const cl of c.server.clients.values()) if (cl.flags & CLIENT_SLAVE) slaves++;
    const normal = c.server.clients.size - slaves;
    if (normal > 0 && Math.floor(mh.clientsNormal / normal) > 200 * 1024) {
      bigClientBuf = true;
      reports++;
    }
    if (slaves > 0 && mh.clientsSlaves > 10 * MB) {
      bigSlaveBuf = true;
      reports++;
    }
  }
  if (reports === 0) {
    return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
  }
  if (empty) {
    return (
      'Hi Sam, this instance is empty or is using very little memory, ' +
      "my issues detector can't be used in these conditions. " +
      'Please, leave for your mission on Earth and fill it with some data. ' +
      'The new Sam and I will be back to our programming as soon as I ' +
      'finished rebooting.\n'
    );
  }
  let s = 'Sam, I detected a few issues in this Redis instance memory implants:\n\n';
  if (bigPeak) {
    s +=
      ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n';
  }
  if (highFrag) {
    s += ` * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is "${allocatorName()}".\n\n`;
  }
  if (highAllocFrag) {
    s +=
      " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n";
  }
  if (highAllocRss) {
    s +=
      ' * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n';
  }
  if (highProcRss) {
    s +=
      ' * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator holds). This problem may be due to Lua scripts or Modules.\n\n';
  }
  if (bigSlaveBuf) {
    s +=
      ' * Big replica buffers: The replica output buffers in this instance are greater than 10MB for each replica (on average). This likely means that there is some replica instance that is struggling receiving data, either because it is too slow or because of networking issues. As a result, data piles on the master output buffers. Please try to identify what replica is not receiving data correctly and why. You can use the INFO output in order to check the replicas delays and the CLIENT LIST command to check the output buffers of each replica.\n\n';
  }
  if (bigClientBuf) {
    s +=
      ' * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n';
  }
  s += "I'm here to keep you safe, Sam. I want to help you.\n";
  return s;
}

/** INFO's mem_allocator (ZMALLOC_LIB). */
export function allocatorName(): string {
  return `v8-${process.versions.v8}`;
}

function memoryHelpCommand(c: Client): void {
  c.addReplyHelp('memory', [
    'DOCTOR',
    '    Return memory problems reports.',
    'MALLOC-STATS',
    '    Return internal statistics report from the memory allocator.',
    'PURGE',
    '    Attempt to purge dirty pages for reclamation by the allocator.',
    'STATS',
    '    Return information about the memory usage of the server.',
    'USAGE <key> [SAMPLES <count>]',
    '    Return memory in bytes used by <key> and its value. Nested values are',
    '    sampled up to <count> times (default: 5, 0 means sample all).',
  ]);
}

export const memoryCommands: CommandSpec[] = [
  cmd('memory', -2, [], [0, 0, 0], {
    subcommands: [
      cmd('doctor', 2, [], [0, 0, 0], { handler: (c) => c.addReplyVerbatim(memoryDoctorReport(c), 'txt') }),
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], { handler: memoryHelpCommand }),
      // Redis built without jemalloc answers these two this way.
      cmd('malloc-stats', 2, [], [0, 0, 0], { handler: (c) => c.addReplyBulk('Stats not supported for the current allocator') }),
      cmd('purge', 2, [], [0, 0, 0], { handler: (c) => c.addReplyOK() }),
      cmd('stats', 2, [], [0, 0, 0], { handler: memoryStatsCommand }),
      cmd('usage', -3, ['readonly'], [2, 2, 1], { handler: memoryUsageCommand }),
    ],
  }),
];
