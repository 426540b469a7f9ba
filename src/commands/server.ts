/**
 * Server introspection commands: INFO, TIME, LASTSAVE, SLOWLOG, LATENCY,
 * MONITOR, RESET and a subset of DEBUG (server.c, slowlog.c, latency.c,
 * debug.c).
 */
import fs from 'node:fs';
import type { Client } from '../server/client.js';
import {
  CLIENT_MASTER,
  CLIENT_MONITOR,
  CLIENT_MULTI,
  CLIENT_PUBSUB,
  CLIENT_READONLY,
  CLIENT_REPLY_OFF,
  CLIENT_REPLY_SKIP_NEXT,
  CLIENT_SLAVE,
} from '../server/client.js';
import type { NodisServer } from '../server/server.js';
import { genInfoString, fmtFixed } from '../server/info.js';
import type { LatencyEvent, LatencyHistogram } from '../server/latency.js';
import { systemClock } from '../store/clock.js';
import { isString, strValue, type RObjectBase, type RValue } from '../store/types.js';
import { stringEncoding } from '../store/encoding.js';
import { string2ll } from '../util/numbers.js';
import { cmd, type Command } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { getPositiveLong, getRangeLong } from './args.js';
import { dbAdd } from './db-ops.js';
import { setDefaultAuth } from './client.js';
import { assertHead, bugReport, crashExit, panicHead, signalHead } from '../server/crash.js';
import { rewriteConfig } from '../server/config-file.js';
import { strerror } from '../server/config-defs.js';
import { sleepSync } from '../util/sleep.js';

export function subcommandSyntaxError(argv: string[]): RedisError {
  return new RedisError(
    `unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`,
  );
}

// ---- INFO, TIME, LASTSAVE --------------------------------------------------

function infoCommand(c: Client, argv: string[]): void {
  c.addReplyVerbatim(genInfoString(c.server, argv.slice(1)), 'txt');
}

function timeCommand(c: Client): void {
  const ms = c.server.clock === systemClock ? performance.timeOrigin + performance.now() : c.server.clock.now();
  const sec = Math.floor(ms / 1000);
  const usec = Math.min(999999, Math.floor((ms - sec * 1000) * 1000));
  c.addReplyArrayLen(2);
  c.addReplyBulk(String(sec));
  c.addReplyBulk(String(usec));
}

function lastsaveCommand(c: Client): void {
  c.addReplyLongLong(c.server.lastSave);
}

// ---- SLOWLOG ---------------------------------------------------------------

const SLOWLOG_HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

function slowlogGetCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) throw subcommandSyntaxError(argv);
  const entries = c.server.slowlog.entries;
  let count = 10;
  if (argv.length === 3) {
    count = getRangeLong(argv[2], -1, 9223372036854775807, 'count should be greater than or equal to -1');
    if (count === -1) count = entries.length;
  }
  const n = Math.min(count, entries.length);
  c.addReplyArrayLen(n);
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    c.addReplyArrayLen(6);
    c.addReplyLongLong(e.id);
    c.addReplyLongLong(e.time);
    c.addReplyLongLong(e.duration);
    c.addReplyArrayLen(e.argv.length);
    for (const a of e.argv) c.addReplyBulk(a);
    c.addReplyBulk(e.peerId);
    c.addReplyBulk(e.clientName);
  }
}

function slowlogLenCommand(c: Client): void {
  c.addReplyLongLong(c.server.slowlog.entries.length);
}

function slowlogResetCommand(c: Client): void {
  c.server.slowlog.reset();
  c.addReplyOK();
}

function slowlogHelpCommand(c: Client): void {
  c.addReplyHelp('slowlog', SLOWLOG_HELP);
}

// ---- LATENCY ---------------------------------------------------------------

const LATENCY_HELP = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

function latencyHistoryCommand(c: Client, argv: string[]): void {
  const ev = c.server.latency.events.get(argv[2]);
  if (ev === undefined) {
    c.addReplyArrayLen(0);
    return;
  }
  c.addReplyArrayLen(ev.samples.length);
  for (const s of ev.samples) {
    c.addReplyArrayLen(2);
    c.addReplyLongLong(s.time);
    c.addReplyLongLong(s.latency);
  }
}

function latencyLatestCommand(c: Client): void {
  const events = c.server.latency.events;
  c.addReplyArrayLen(events.size);
  for (const [name, ev] of events) {
    const last = ev.samples[ev.samples.length - 1];
    c.addReplyArrayLen(4);
    c.addReplyBulk(name);
    c.addReplyLongLong(last ? last.time : 0);
    c.addReplyLongLong(last ? last.latency : 0);
    c.addReplyLongLong(ev.max);
  }
}

function latencyGraphCommand(c: Client, argv: string[]): void {
  const ev = c.server.latency.events.get(argv[2]);
  if (ev === undefined) throw new RedisError(`No samples available for event '${argv[2]}'`);
  c.addReplyVerbatim(latencyGraph(argv[2], ev), 'txt');
}

function latencyDoctorCommand(c: Client): void {
  c.addReplyVerbatim(latencyReport(c.server), 'txt');
}

function latencyResetCommand(c: Client, argv: string[]): void {
  c.addReplyLongLong(c.server.latency.reset(argv.slice(2)));
}

function fillCommandCDF(c: Client, name: string, h: LatencyHistogram): void {
  c.addReplyBulk(name);
  c.addReplyMapLen(2);
  c.addReplyBulk('calls');
  c.addReplyLongLong(h.total);
  c.addReplyBulk('histogram_usec');
  const cdf = h.cdf();
  c.addReplyMapLen(cdf.length);
  for (const [usec, count] of cdf) {
    c.addReplyLongLong(usec);
    c.addReplyLongLong(count);
  }
}

/** lookupCommandBySds(): "get", or "config|get" for a subcommand. */
function lookupCommandByName(server: NodisServer, name: string): Command | undefined {
  const parts = name.split('|');
  if (parts.length > 2) return undefined;
  const base = server.commands.get(parts[0]);
  if (base === undefined || parts.length === 1) return base;
  return base.subcommands?.get(parts[1].toLowerCase());
}

function latencyHistogramCommand(c: Client, argv: string[]): void {
  const hist = c.server.latency.histograms;
  const out: [string, LatencyHistogram][] = [];
  const add = (cmd: Command): void => {
    const h = hist.get(cmd);
    if (h !== undefined) out.push([cmd.fullname, h]);
  };
  if (argv.length === 2) {
    for (const cmd of c.server.commands.all) {
      if (cmd.hidden) continue;
      add(cmd);
      if (cmd.subcommands) for (const sub of cmd.subcommands.values()) add(sub);
    }
  } else {
    for (let j = 2; j < argv.length; j++) {
      const cmd = lookupCommandByName(c.server, argv[j]);
      if (cmd === undefined) continue;
      add(cmd);
      if (cmd.subcommands) for (const sub of cmd.subcommands.values()) add(sub);
    }
  }
  c.addReplyMapLen(out.length);
  for (const [name, h] of out) fillCommandCDF(c, name, h);
}

function latencyHelpCommand(c: Client): void {
  c.addReplyHelp('latency', LATENCY_HELP);
}

/** Seconds/minutes/hours/days-ago label of a sample. */
function agoLabel(elapsed: number): string {
  if (elapsed < 60) return `${elapsed}s`;
  if (elapsed < 3600) return `${Math.trunc(elapsed / 60)}m`;
  if (elapsed < 86400) return `${Math.trunc(elapsed / 3600)}h`;
  return `${Math.trunc(elapsed / 86400)}d`;
}

const GRAPH_COLS = 80;
const GRAPH_ROWS = 4;
const SPARK_FILL = '_o#';

/**
 * latencyCommandGenSparkeline(): a header, a rule, then a filled sparkline
 * of the samples (4 rows, 3 levels per row) with vertical "ago" labels.
 */
export function latencyGraph(name: string, ev: LatencyEvent, nowSec = Math.floor(Date.now() / 1000)): string {
  const values: number[] = [];
  const labels: string[] = [];
  let min = 0;
  let max = 0;
  for (const s of ev.samples) {
    if (values.length === 0) min = max = s.latency;
    else {
      if (s.latency > max) max = s.latency;
      if (s.latency < min) min = s.latency;
    }
    values.push(s.latency);
    labels.push(agoLabel(nowSec - s.time));
  }
  let out = `${name} - high ${max} ms, low ${min} ms (all time high ${ev.max} ms)\n`;
  out += '-'.repeat(GRAPH_COLS) + '\n';
  for (let j = 0; j < values.length; j += GRAPH_COLS) {
    if (j !== 0) out += '\n';
    out += sparklineRange(values.slice(j, j + GRAPH_COLS), labels.slice(j, j + GRAPH_COLS), min, max);
  }
  return out;
}

function sparklineRange(values: number[], labels: string[], seqMin: number, seqMax: number): string {
  const steps = SPARK_FILL.length * GRAPH_ROWS;
  const relmax = seqMax - seqMin === 0 ? 1 : seqMax - seqMin;
  const hasLabels = labels.some((l) => l !== '');
  let out = '';
  for (let row = 0; ; row++) {
    let more = false;
    const chars: string[] = new Array(values.length).fill(' ');
    for (let j = 0; j < values.length; j++) {
      if (row < GRAPH_ROWS) {
        let step = Math.trunc(Math.trunc((values[j] - seqMin) * steps) / relmax);
        if (step < 0) step = 0;
        if (step >= steps) step = steps - 1;
        const idx = step - (GRAPH_ROWS - row - 1) * SPARK_FILL.length;
        more = true;
        if (idx >= 0 && idx < SPARK_FILL.length) chars[j] = SPARK_FILL[idx];
        else if (idx >= SPARK_FILL.length) chars[j] = '|';
      } else {
        // One blank line between the graph and the labels.
        if (hasLabels && row - GRAPH_ROWS < 1) {
          more = true;
          break;
        }
        const at = row - GRAPH_ROWS - 1;
        if (labels[j].length > at) {
          more = true;
          chars[j] = labels[j][at];
        }
      }
    }
    if (!more) break;
    out += chars.join('') + '\n';
  }
  return out;
}

/** Bytes of anonymous huge pages mapped by this process (THP detection). */
function anonHugePages(): number {
  for (const file of ['/proc/self/smaps_rollup', '/proc/self/smaps']) {
    try {
      const text = fs.readFileSync(file, 'latin1');
      let kb = 0;
      for (const m of text.matchAll(/^AnonHugePages:\s+(\d+) kB/gm)) kb += Number(m[1]);
      return kb * 1024;
    } catch {
      /* not Linux, or not readable */
    }
  }
  return 0;
}

/** createLatencyReport(): LATENCY DOCTOR's analysis and advice. */
export function latencyReport(server: NodisServer): string {
  const events = server.latency.events;
  const threshold = server.config.num('latency-monitor-threshold');
  if (events.size === 0 && threshold === 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
  }
  const advise = new Set<string>();
  let advices = 0;
  const flag = (...names: string[]): void => {
    for (const n of names) advise.add(n);
    advices += names.length;
  };
  let report = '';
  let eventnum = 0;
  const nowSec = Math.floor(Date.now() / 1000);
  const slowlogThreshold = server.config.num('slowlog-log-slower-than');
  for (const [name, ev] of events) {
    eventnum++;
    if (eventnum === 1) {
      report += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
    }
    const n = ev.samples.length;
    let sum = 0;
    let oldest = 0;
    for (const s of ev.samples) {
      sum += s.latency;
      if (oldest === 0 || s.time < oldest) oldest = s.time;
    }
    const avg = n ? Math.floor(sum / n) : 0;
    let period = n ? nowSec - oldest : 0;
    if (n && period === 0) period = 1;
    let dev = 0;
    for (const s of ev.samples) dev += Math.abs(avg - s.latency);
    const mad = n ? Math.floor(dev / n) : 0;
    report += `${eventnum}. ${name}: ${n} latency spikes (average ${avg}ms, mean deviation ${mad}ms, period ${fmtFixed(period / n, 2)} sec). Worst all time event ${ev.max}ms.`;
    const e = name.toLowerCase();
    if (e === 'command') {
      if (slowlogThreshold < 0) flag('slowlog_enabled');
      else if (Math.trunc(slowlogThreshold / 1000) > threshold) flag('slowlog_tuning');
      flag('slowlog_inspect', 'large_objects');
    } else if (e === 'fast-command') {
      flag('scheduler');
    } else if (e === 'expire-cycle') {
      flag('hz', 'large_objects');
    } else if (e === 'eviction-del') {
      flag('large_objects');
    } else if (e === 'eviction-cycle') {
      flag('mass_eviction');
    } else if (e === 'aof-write-pending-fsync') {
      flag('local_disk', 'disk_contention', 'ssd', 'data_writeback');
    } else if (e === 'aof-write-active-child') {
      flag('no_appendfsync', 'data_writeback', 'ssd');
    } else if (e === 'aof-write-alone') {
      flag('local_disk', 'data_writeback', 'ssd');
    } else if (e === 'aof-fsync-always') {
      flag('relax_fsync_policy');
    } else if (e === 'aof-fstat' || e === 'rdb-unlink-temp-file') {
      flag('disk_contention', 'local_disk');
    } else if (e === 'aof-rewrite-diff-write' || e === 'aof-rename') {
      flag('write_load_info', 'data_writeback', 'ssd', 'local_disk');
    }
    report += '\n';
  }
  if (anonHugePages() > 0) flag('disable_thp');

  if (eventnum === 0 && advices === 0) {
    return (
      report +
      "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n"
    );
  }
  if (eventnum > 0 && advices === 0) {
    return (
      report +
      "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n"
    );
  }
  report += '\nI have a few advices for you:\n\n';
  const thresholdUs = threshold * 1000;
  if (advise.has('slowlog_enabled')) {
    report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${thresholdUs}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
  }
  if (advise.has('slowlog_tuning')) {
    report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${thresholdUs}'.\n`;
  }
  if (advise.has('slowlog_inspect')) {
    report +=
      '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
  }
  if (advise.has('scheduler')) {
    report +=
      '- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n' +
      '  1) Lower the system load.\n' +
      '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n' +
      '  3) Check if you have a "noisy neighbour" problem.\n' +
      "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
      '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n';
  }
  if (advise.has('local_disk')) {
    report +=
      '- It is strongly advised to use local disks for persistence, especially if you are using AOF. Remote disks provided by platform-as-a-service providers are known to be slow.\n';
  }
  if (advise.has('ssd')) {
    report +=
      '- SSD disks are able to reduce fsync latency, and total time needed for snapshotting and AOF log rewriting (resulting in smaller memory usage). With extremely high write load SSD disks can be a good option. However Redis should perform reasonably with high load using normal disks. Use this advice as a last resort.\n';
  }
  if (advise.has('data_writeback')) {
    report +=
      '- Mounting ext3/4 filesystems with data=writeback can provide a performance boost compared to data=ordered, however this mode of operation provides less guarantees, and sometimes it can happen that after a hard crash the AOF file will have a half-written command at the end and will require to be repaired before Redis restarts.\n';
  }
  if (advise.has('disk_contention')) {
    report +=
      '- Try to lower the disk contention. This is often caused by other disk intensive processes running in the same computer (including other Redis instances).\n';
  }
  if (advise.has('no_appendfsync')) {
    report +=
      "- Assuming from the point of view of data safety this is viable in your environment, you could try to enable the 'no-appendfsync-on-rewrite' option, so that fsync will not be performed while there is a child rewriting the AOF file or producing an RDB file (the moment where there is high disk contention).\n";
  }
  if (advise.has('relax_fsync_policy') && server.config.def('appendfsync') && server.config.str('appendfsync') === 'always') {
    report +=
      "- Your fsync policy is set to 'always'. It is very hard to get good performances with such a setup, if possible try to relax the fsync policy to 'onesec'.\n";
  }
  if (advise.has('write_load_info')) {
    report +=
      '- Latency during the AOF atomic rename operation or when the final difference is flushed to the AOF file at the end of the rewrite, sometimes is caused by very high write load, causing the AOF buffer to get very large. If possible try to send less commands to accomplish the same work, or use Lua scripts to group multiple operations into a single EVALSHA call.\n';
  }
  if (advise.has('hz') && server.config.num('hz') < 100) {
    report +=
      "- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n";
  }
  if (advise.has('large_objects')) {
    report +=
      '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  }
  if (advise.has('mass_eviction')) {
    report +=
      "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster large keys migrations (RESTORE command), may create sudden memory pressure forcing the server to block trying to evict keys. \n";
  }
  if (advise.has('disable_thp')) {
    report +=
      "- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n";
  }
  return report;
}

// ---- MONITOR and RESET -----------------------------------------------------

function monitorCommand(c: Client): void {
  // Inside EXEC or a script the client expects one reply per command.
  if (c.flags & CLIENT_MULTI || c.ext.isLua || c.ext.denyBlocking) {
    throw new RedisError("MONITOR isn't allowed for DENY BLOCKING client");
  }
  // Already a monitor or a replica: ignored, without a reply.
  if (c.flags & (CLIENT_MONITOR | CLIENT_SLAVE) || c.ext.isReplica) return;
  c.flags |= CLIENT_MONITOR;
  c.server.monitors.add(c);
  c.addReplyOK();
}

/** clearClientConnectionState(): the state of a fresh connection. */
export function clearClientConnectionState(c: Client): void {
  if (c.flags & CLIENT_MONITOR) {
    c.server.monitors.delete(c);
    c.flags &= ~CLIENT_MONITOR;
  }
  for (const fn of c.server.hooks.clientReset) fn(c);
  c.selectDb(0);
  c.resp = 2;
  setDefaultAuth(c);
  c.name = '';
  c.flags &= ~(CLIENT_READONLY | CLIENT_PUBSUB | CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP_NEXT);
  c.refreshReplyMode();
}

function resetCommand(c: Client): void {
  if (c.flags & (CLIENT_SLAVE | CLIENT_MASTER) || c.ext.isReplica || c.ext.isPrimary) {
    throw new RedisError('can only reset normal client connections');
  }
  clearClientConnectionState(c);
  c.addReplyStatus('RESET');
}

// ---- DEBUG -----------------------------------------------------------------

/** A DEBUG subcommand; other modules add theirs with registerDebugSubcommand(). */
export interface DebugSubcommand {
  name: string;
  /** Accepted argument counts, the whole argv included. */
  argcOk: (argc: number) => boolean;
  /** Its DEBUG HELP lines. */
  help: string[];
  handler: (c: Client, argv: string[]) => void;
}

const debugSubcommands = new Map<string, DebugSubcommand>();

/** Subcommands in the order DEBUG HELP lists them in Redis. */
const DEBUG_HELP_ORDER = [
  'aof-flush-sleep',
  'assert',
  'change-repl-id',
  'config-rewrite-force-all',
  'crash-and-recover',
  'digest',
  'digest-value',
  'error',
  'leak',
  'log',
  'htstats',
  'htstats-key',
  'loadaof',
  'replicate',
  'object',
  'drop-cluster-packet-filter',
  'oom',
  'panic',
  'populate',
  'protocol',
  'reload',
  'restart',
  'sdslen',
  'segfault',
  'set-active-expire',
  'quicklist-packed-threshold',
  'set-skip-checksum-validation',
  'sleep',
  'stringmatch-test',
  'structsize',
  'listpack',
  'quicklist',
  'client-eviction',
  'pause-cron',
  'replybuffer',
  'clusterlink',
];

export function registerDebugSubcommand(sub: DebugSubcommand): void {
  debugSubcommands.set(sub.name, sub);
}

function debugCommand(c: Client, argv: string[]): void {
  const name = argv[1].toLowerCase();
  if (name === 'help' && argv.length === 2) {
    const lines: string[] = [];
    const listed = new Set<string>();
    for (const n of DEBUG_HELP_ORDER) {
      const sub = debugSubcommands.get(n);
      if (sub) {
        lines.push(...sub.help);
        listed.add(n);
      }
    }
    for (const [n, sub] of debugSubcommands) if (!listed.has(n)) lines.push(...sub.help);
    c.addReplyHelp('debug', lines);
    return;
  }
  const sub = debugSubcommands.get(name);
  if (sub === undefined || !sub.argcOk(argv.length)) throw subcommandSyntaxError(argv);
  sub.handler(c, argv);
}

/** strtod() prefix parse: the longest leading number, 0 when none. */
function strtod(s: string): number {
  const m = /^\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)/i.exec(s);
  if (!m) return 0;
  const t = m[0].trim().toLowerCase();
  if (t.endsWith('inf') || t.endsWith('infinity')) return t.startsWith('-') ? -Infinity : Infinity;
  if (t.endsWith('nan')) return NaN;
  return Number(t);
}

/** atoi(): leading integer, 0 when none. */
function atoi(s: string): number {
  const m = /^\s*[+-]?\d+/.exec(s);
  return m ? parseInt(m[0], 10) | 0 : 0;
}

const OBJ_SHARED_REFCOUNT = 2147483647;
const OBJ_SHARED_INTEGERS = 10000;
const LRU_CLOCK_MAX = (1 << 24) - 1;

/** Stable fake addresses for DEBUG OBJECT's "Value at:%p". */
const objectAddrs = new WeakMap<object, string>();
let nextAddr = 0x7f3a10000000;

function valueAddress(v: RValue, key: string): string {
  if (typeof v === 'string' || typeof v === 'number') {
    let h = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
    return '0x7f' + (h * 16).toString(16).padStart(10, '0').slice(-10);
  }
  let a = objectAddrs.get(v);
  if (a === undefined) {
    nextAddr += 0x40;
    a = '0x' + nextAddr.toString(16);
    objectAddrs.set(v, a);
  }
  return a;
}

/** rdbSaveLen() size. */
function rdbLenSize(n: number): number {
  if (n < 1 << 6) return 1;
  if (n < 1 << 14) return 2;
  if (n <= 0xffffffff) return 5;
  return 9;
}

/** rdbTryIntegerEncoding() size, or 0 when not encodable as an integer. */
function rdbIntSize(s: string): number {
  if (s.length > 11) return 0;
  const v = string2ll(s);
  if (v === null || String(v) !== s) return 0;
  if (v >= -128 && v <= 127) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 0;
}

/**
 * rdbSavedObjectLen() for strings (without LZF: long compressible values
 * report their uncompressed size); other types are estimated from their
 * serialized elements.
 */
function serializedLength(v: RValue): number {
  if (isString(v)) {
    const s = strValue(v);
    const asInt = rdbIntSize(s);
    if (asInt > 0) return asInt;
    return rdbLenSize(s.length) + s.length;
  }
  // An estimate for the other types: each element as a length-prefixed
  // string (numbers as 8-byte doubles), after the element count.
  let n = 0;
  let count = 0;
  const add = (x: unknown): void => {
    if (typeof x === 'string') n += rdbLenSize(x.length) + x.length;
    else if (Buffer.isBuffer(x)) n += rdbLenSize(x.length) + x.length;
    else if (typeof x === 'number') n += 8;
  };
  const o = v as unknown as { forEach?: (fn: (...items: unknown[]) => void) => void };
  if (typeof o.forEach === 'function') {
    o.forEach((...items: unknown[]) => {
      count++;
      for (const it of items) add(it);
    });
  }
  return rdbLenSize(count) + n;
}

function debugObject(c: Client, argv: string[]): void {
  const key = argv[2];
  const v = c.db.peek(key);
  if (v === undefined) throw new RedisError(Errors.noSuchKey);
  const server = c.server;
  const encoding = isString(v) ? stringEncoding(v) : (v as RObjectBase).encoding(server.config);
  let refcount = 1;
  if (typeof v !== 'object' && encoding === 'int') {
    const maxmemory = server.config.num('maxmemory');
    const policy = server.config.str('maxmemory-policy');
    const shared = maxmemory === 0 || !(policy.endsWith('-lru') || policy.endsWith('-lfu'));
    const n = Number(v);
    if (shared && n >= 0 && n < OBJ_SHARED_INTEGERS) refcount = OBJ_SHARED_REFCOUNT;
  }
  const lru = c.db.getMeta(key) & LRU_CLOCK_MAX;
  const clock = server.lruClock();
  const idle = clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru);
  // Types with extra low-level details (quicklist nodes...) provide them.
  const extra = (v as { debugObjectExtra?: () => string }).debugObjectExtra?.() ?? '';
  c.addReplyStatus(
    `Value at:${valueAddress(v, key)} refcount:${refcount} encoding:${encoding} serializedlength:${serializedLength(v)} lru:${lru} lru_seconds_idle:${idle}${extra}`,
  );
}

function debugPopulate(c: Client, argv: string[]): void {
  const count = getPositiveLong(argv[2]);
  let valsize = 0;
  if (argv.length === 5) valsize = getPositiveLong(argv[4]);
  const prefix = argv.length === 3 ? 'key' : argv[3];
  const db = c.db;
  for (let j = 0; j < count; j++) {
    const key = `${prefix}:${j}`.slice(0, 127);
    if (db.lookupWrite(key) !== undefined) continue;
    let val = `value:${j}`.slice(0, 127);
    if (valsize > 0) val = val.length >= valsize ? val.slice(0, valsize) : val + '\0'.repeat(valsize - val.length);
    dbAdd(c, db, key, val);
  }
  c.addReplyOK();
}

function debugProtocol(c: Client, argv: string[]): void {
  const name = argv[2].toLowerCase();
  switch (name) {
    case 'string':
      c.addReplyBulk('Hello World');
      return;
    case 'integer':
      c.addReplyLongLong(12345);
      return;
    case 'double':
      c.addReplyDouble(3.141);
      return;
    case 'bignum':
      c.addReplyBigNum('1234567999999999999999999999999999999');
      return;
    case 'null':
      c.addReplyNull();
      return;
    case 'array':
      c.addReplyArrayLen(3);
      for (let j = 0; j < 3; j++) c.addReplyLongLong(j);
      return;
    case 'set':
      c.addReplySetLen(3);
      for (let j = 0; j < 3; j++) c.addReplyLongLong(j);
      return;
    case 'map':
      c.addReplyMapLen(3);
      for (let j = 0; j < 3; j++) {
        c.addReplyLongLong(j);
        c.addReplyBool(j === 1);
      }
      return;
    case 'attrib':
      if (c.resp >= 3) {
        c.addReplyAttributeLen(1);
        c.addReplyBulk('key-popularity');
        c.addReplyArrayLen(2);
        c.addReplyBulk('key:123');
        c.addReplyLongLong(90);
      }
      c.addReplyBulk('Some real reply following the attribute');
      return;
    case 'push':
      if (c.resp < 3) throw new RedisError('RESP2 is not supported by this command');
      c.addReplyPushLen(2);
      c.addReplyBulk('server-cpu-usage');
      c.addReplyLongLong(42);
      c.addReplyBulk('Some real reply following the push reply');
      return;
    case 'true':
      c.addReplyBool(true);
      return;
    case 'false':
      c.addReplyBool(false);
      return;
    case 'verbatim':
      c.addReplyVerbatim('This is a verbatim\nstring', 'txt');
      return;
    default:
      throw new RedisError(
        'Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
      );
  }
}

const argcIs =
  (...ns: number[]) =>
  (argc: number): boolean =>
    ns.includes(argc);

// The crashes: a bug report in the log, then the process dies (crash.ts).
const CRASH_WHERE = 'commands/server.ts';
const crashes: [name: string, help: string, what: () => [head: string[], msg: string], sig?: NodeJS.Signals][] = [
  ['assert', 'Crash by assertion failed.', () => [assertHead('1 == 2', CRASH_WHERE), 'DEBUG ASSERT']],
  [
    'panic',
    'Crash the server simulating a panic.',
    () => {
      const msg = `DEBUG PANIC called at Unix time ${Math.floor(Date.now() / 1000)}`;
      return [panicHead(msg, CRASH_WHERE), msg];
    },
  ],
  ['segfault', 'Crash the server with sigsegv.', () => [signalHead('SIGSEGV'), 'DEBUG SEGFAULT'], 'SIGSEGV'],
];
for (const [name, help, what, sig] of crashes) {
  registerDebugSubcommand({
    name,
    argcOk: () => true,
    help: [name.toUpperCase(), `    ${help}`],
    handler: (c) => {
      const [head, msg] = what();
      bugReport(c.server, head, new Error(msg).stack);
      crashExit(c.server, sig);
    },
  });
}
registerDebugSubcommand({
  name: 'config-rewrite-force-all',
  argcOk: argcIs(2),
  help: [
    'CONFIG-REWRITE-FORCE-ALL',
    '    Like CONFIG REWRITE but writes all configuration options, including',
    '    keywords not listed in original configuration file or default values.',
  ],
  handler: (c) => {
    const file = c.server.config.configFile;
    if (file === null) throw new RedisError('The server is running without a config file');
    try {
      rewriteConfig(c.server.config, file, true);
    } catch (e) {
      throw new RedisError(`CONFIG-REWRITE-FORCE-ALL failed: ${strerror(e)}`);
    }
    c.addReplyOK();
  },
});
registerDebugSubcommand({
  name: 'set-disable-deny-scripts',
  argcOk: argcIs(3),
  help: [], // not listed by Redis's DEBUG HELP either
  handler: (c, argv) => {
    c.server.scriptDisableDenyScript = atoi(argv[2]) !== 0;
    c.addReplyOK();
  },
});
registerDebugSubcommand({
  name: 'error',
  argcOk: argcIs(3),
  help: ['ERROR <string>', '    Return a Redis protocol error with <string> as message. Useful for clients', '    unit tests to simulate Redis errors.'],
  // A raw error line: like Redis, not counted in the error statistics.
  handler: (c, argv) => c.addReplyProto('-' + argv[2].replace(/[\r\n]/g, ' ') + '\r\n'),
});
registerDebugSubcommand({
  name: 'log',
  argcOk: argcIs(3),
  help: ['LOG <message>', '    Write <message> to the server log.'],
  handler: (c, argv) => {
    c.server.logger.warn(`DEBUG LOG: ${argv[2]}`);
    c.addReplyOK();
  },
});
registerDebugSubcommand({
  name: 'object',
  argcOk: argcIs(3),
  help: ['OBJECT <key>', '    Show low level info about `key` and associated value.'],
  handler: debugObject,
});
registerDebugSubcommand({
  name: 'populate',
  argcOk: argcIs(3, 4, 5),
  help: [
    'POPULATE <count> [<prefix>] [<size>]',
    '    Create <count> string keys named key:<num>. If <prefix> is specified then',
    '    it is used instead of the \'key\' prefix. These are not propagated to',
    '    replicas. Cluster slots are not respected so keys not belonging to the',
    '    current node can be created in cluster mode.',
  ],
  handler: debugPopulate,
});
registerDebugSubcommand({
  name: 'protocol',
  argcOk: argcIs(3),
  help: [
    'PROTOCOL <type>',
    '    Reply with a test value of the specified type. <type> can be: string,',
    '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
    '    true, false.',
  ],
  handler: debugProtocol,
});
registerDebugSubcommand({
  name: 'set-active-expire',
  argcOk: argcIs(3),
  help: [
    'SET-ACTIVE-EXPIRE <0|1>',
    '    Setting it to 0 disables expiring keys in background when they are not',
    '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
    '    default.',
  ],
  handler: (c, argv) => {
    c.server.activeExpireEnabled = atoi(argv[2]) !== 0;
    c.addReplyOK();
  },
});
registerDebugSubcommand({
  name: 'sleep',
  argcOk: argcIs(3),
  help: ['SLEEP <seconds>', '    Stop the server for <seconds>. Decimals allowed.'],
  handler: (c, argv) => {
    const usec = Math.trunc(strtod(argv[2]) * 1e6);
    if (Number.isFinite(usec)) sleepSync(usec / 1000);
    c.addReplyOK();
  },
});

// ---- table -----------------------------------------------------------------

export const serverCommands: CommandSpec[] = [
  cmd('info', -1, ['loading', 'stale'], [0, 0, 0], { acl: ['dangerous'], handler: infoCommand }),
  cmd('time', 1, ['loading', 'stale', 'fast'], [0, 0, 0], { handler: timeCommand }),
  cmd('lastsave', 1, ['loading', 'stale', 'fast'], [0, 0, 0], { acl: ['admin', 'dangerous'], handler: lastsaveCommand }),
  cmd('slowlog', -2, [], [0, 0, 0], {
    subcommands: [
      cmd('len', 2, ['admin', 'loading', 'stale'], [0, 0, 0], { handler: slowlogLenCommand }),
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], { handler: slowlogHelpCommand }),
      cmd('get', -2, ['admin', 'loading', 'stale'], [0, 0, 0], { handler: slowlogGetCommand }),
      cmd('reset', 2, ['admin', 'loading', 'stale'], [0, 0, 0], { handler: slowlogResetCommand }),
    ],
  }),
  cmd('latency', -2, [], [0, 0, 0], {
    subcommands: [
      cmd('histogram', -2, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], { handler: latencyHistogramCommand }),
      cmd('graph', 3, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], { handler: latencyGraphCommand }),
      cmd('history', 3, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], { handler: latencyHistoryCommand }),
      cmd('latest', 2, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], { handler: latencyLatestCommand }),
      cmd('doctor', 2, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], { handler: latencyDoctorCommand }),
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], { handler: latencyHelpCommand }),
      cmd('reset', -2, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], { handler: latencyResetCommand }),
    ],
  }),
  cmd('monitor', 1, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], { handler: monitorCommand }),
  cmd('debug', -2, ['admin', 'noscript', 'loading', 'stale', 'protected'], [0, 0, 0], { handler: debugCommand }),
  cmd('reset', 1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], [0, 0, 0], {
    acl: ['connection'],
    handler: resetCommand,
  }),
];
