/**
 * INFO section builders (genRedisInfoString() of server.c): the same
 * sections, field names and order as Redis 7.0, filled from Nodis's own
 * state. Subsystems that own a figure (pub/sub channel counts, persistence,
 * replication...) adjust their fields through addInfoHook() instead of
 * editing this file.
 */
import os from 'node:os';
import path from 'node:path';
import { REDIS_VERSION, NODIS_VERSION, type NodisServer } from './server.js';
import { perServer } from './per-server.js';
import { MemoryManager } from './evict.js';
import { CLIENT_BLOCKED, CLIENT_MONITOR, CLIENT_PAUSED, CLIENT_SLAVE, CLIENT_TRACKING } from './client.js';
import type { Command } from '../commands/table.js';
import { recentMaxBuffers } from './obuf.js';

export type InfoValue = string | number;
/** One `name:value` line of a section, in output order. */
export type InfoField = [name: string, value: InfoValue];
/** Adjusts a section's fields in place (replace values, insert lines). */
export type InfoHook = (fields: InfoField[], server: NodisServer) => void;

/** Sections in the order INFO prints them. */
export const INFO_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'modules',
  'commandstats',
  'errorstats',
  'latencystats',
  'cluster',
  'keyspace',
] as const;

export type InfoSectionName = (typeof INFO_SECTIONS)[number];

/** What INFO without arguments (or with "default") prints. */
export const DEFAULT_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'module_list',
  'errorstats',
  'cluster',
  'keyspace',
];

const TITLES: Record<InfoSectionName, string> = {
  server: 'Server',
  clients: 'Clients',
  memory: 'Memory',
  persistence: 'Persistence',
  stats: 'Stats',
  replication: 'Replication',
  cpu: 'CPU',
  modules: 'Modules',
  commandstats: 'Commandstats',
  errorstats: 'Errorstats',
  latencystats: 'Latencystats',
  cluster: 'Cluster',
  keyspace: 'Keyspace',
};

/** Per-server state behind INFO: samples, hooks. */
interface InfoState {
  hooks: Map<string, InfoHook[]>;
  replid: string;
  /** Instantaneous metric samples (Redis keeps 16, one per 100 ms). */
  inSamples: number[];
  outSamples: number[];
  lastIn: number;
  lastOut: number;
  lastSampleAt: number;
  /** cron_malloc_stats (processMemorySample()). */
  memSample: ProcessMemorySample | null;
}

const states = perServer(
  (server): InfoState => ({
    hooks: new Map(),
    replid: randomHex(40),
    inSamples: [],
    outSamples: [],
    lastIn: server.stats.netInputBytes,
    lastOut: server.stats.netOutputBytes,
    lastSampleAt: Date.now(),
    memSample: null,
  }),
);

function stateOf(server: NodisServer): InfoState {
  return states.get(server);
}

/**
 * Called once when the server is built: samples network rates from the
 * cron, as serverCron() does (memory figures live in evict.ts).
 */
export function installServerInfo(server: NodisServer): void {
  const st = stateOf(server);
  server.hooks.cron.push(() => {
    const now = Date.now();
    const dt = now - st.lastSampleAt;
    if (dt < 100) return;
    const stats = server.stats;
    pushSample(st.inSamples, ((stats.netInputBytes - st.lastIn) * 1000) / dt);
    pushSample(st.outSamples, ((stats.netOutputBytes - st.lastOut) * 1000) / dt);
    st.lastIn = stats.netInputBytes;
    st.lastOut = stats.netOutputBytes;
    st.lastSampleAt = now;
  });
}

function pushSample(samples: number[], v: number): void {
  samples.push(v);
  if (samples.length > 16) samples.shift();
}

/** getInstantaneousMetric(): integer samples averaged over the 16 slots. */
function average(samples: number[]): number {
  let sum = 0;
  for (const s of samples) sum += Math.floor(s);
  return Math.floor(sum / 16);
}

/**
 * Let a subsystem adjust a section: `fn` receives the section's fields and
 * may change values or splice in lines (e.g. persistence sets rdb_* figures,
 * pub/sub sets pubsub_channels).
 */
export function addInfoHook(server: NodisServer, section: InfoSectionName, fn: InfoHook): void {
  const st = stateOf(server);
  let list = st.hooks.get(section);
  if (list === undefined) {
    list = [];
    st.hooks.set(section, list);
  }
  list.push(fn);
}

/** Replace a field's value in a hook (no-op if absent). */
export function setInfoField(fields: InfoField[], name: string, value: InfoValue): void {
  for (const f of fields) {
    if (f[0] === name) {
      f[1] = value;
      return;
    }
  }
}

/** The replication id INFO reports (the replication module may replace it). */
export function replicationId(server: NodisServer): string {
  return stateOf(server).replid;
}

// ---- formatting ------------------------------------------------------------

/**
 * printf("%.<digits>f"): like toFixed(), but exact binary ties round to even
 * as C's printf does (toFixed rounds them up).
 */
export function fmtFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  const fixed = x.toFixed(digits);
  // An exact tie scales to k + 0.5 exactly (representable below 2^52, and
  // the product of exact operands rounds to it), so anything else is no tie.
  const scaled = Math.abs(x) * 10 ** digits;
  if (digits <= 22 && scaled < 4503599627370496 && scaled - Math.floor(scaled) !== 0.5) return fixed;
  // The exact decimal expansion shows whether x sits exactly half-way.
  const exact = Math.abs(x).toFixed(Math.min(100, digits + 25));
  const dot = exact.indexOf('.');
  if (/^50*$/.test(exact.slice(dot + 1 + digits))) {
    const kept = digits === 0 ? exact.slice(0, dot) : exact.slice(0, dot + 1 + digits);
    if (Number(kept.charAt(kept.length - 1)) % 2 === 0) return (x < 0 ? '-' : '') + kept;
  }
  return fixed;
}

/** bytesToHuman(): 1023B, 1.00K, 2.50M ... */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let scale = 1024;
  for (const u of units) {
    if (n < scale * 1024) return `${fmtFixed(n / scale, 2)}${u}`;
    scale *= 1024;
  }
  return `${n}B`;
}

/** sprintf("%f") then trimDoubleString(): "50", "99.9". */
function percentileLabel(p: number): string {
  let s = p.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

/** getSafeInfoString(): '#', ':', CR and LF become '_'. */
function safeInfo(s: string): string {
  return s.replace(/[#:\r\n]/g, '_');
}

function secUsec(usec: number): string {
  const sec = Math.floor(usec / 1e6);
  return `${sec}.${String(Math.floor(usec - sec * 1e6)).padStart(6, '0')}`;
}

function randomHex(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
}

// ---- configuration reads that tolerate directives not registered yet -------

function cfgNum(server: NodisServer, name: string, dflt: number): number {
  return server.config.def(name) ? server.config.num(name) : dflt;
}

function cfgStr(server: NodisServer, name: string, dflt: string): string {
  return server.config.def(name) ? server.config.str(name) : dflt;
}

function cfgBool(server: NodisServer, name: string, dflt: boolean): boolean {
  return server.config.def(name) ? server.config.bool(name) : dflt;
}

/** `latency-tracking-info-percentiles` (default 50 99 99.9). */
export function latencyPercentiles(server: NodisServer): number[] {
  if (!server.config.def('latency-tracking-info-percentiles')) return [50, 99, 99.9];
  const raw = server.config.raw('latency-tracking-info-percentiles');
  if (Array.isArray(raw)) return raw as number[];
  return String(server.config.get('latency-tracking-info-percentiles'))
    .split(/\s+/)
    .filter((x) => x !== '')
    .map(Number);
}

// ---- sections --------------------------------------------------------------

function serverFields(server: NodisServer): InfoField[] {
  const now = Date.now();
  const uptime = Math.floor(now / 1000) - Math.floor(server.startTime / 1000);
  const hz = cfgNum(server, 'hz', 10);
  const api = process.platform === 'linux' ? 'epoll' : process.platform === 'sunos' ? 'evport' : process.platform === 'win32' ? 'iocp' : 'kqueue';
  const { osName, exe } = hostFacts();
  const out: InfoField[] = [
    ['redis_version', REDIS_VERSION],
    ['nodis_version', NODIS_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', buildId()],
    ['redis_mode', 'standalone'],
    ['os', osName],
    ['arch_bits', /64/.test(process.arch) ? 64 : 32],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', api],
    ['atomicvar_api', 'c11-builtin'],
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', server.runId],
    // port ? port : tls_port
    ['tcp_port', server.ports[0] ?? (cfgNum(server, 'port', 6379) || cfgNum(server, 'tls-port', 0))],
    ['server_time_usec', Math.floor((performance.timeOrigin + performance.now()) * 1000)],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', hz],
    ['configured_hz', hz],
    ['lru_clock', server.lruClock()],
    ['executable', exe],
    ['config_file', server.config.configFile ?? ''],
    ['io_threads_active', 0],
  ];
  if (server.shutdownMstime !== 0) out.push(['shutdown_in_milliseconds', server.shutdownMstime - server.clock.now()]);
  return out;
}

interface HostFacts {
  osName: string;
  exe: string;
  /** The machine's memory (server.system_memory_size). */
  totalMem: number;
}

let cachedHost: HostFacts | null = null;

/** uname(), the executable's absolute path and the machine's memory, read once (as Redis does at start-up). */
function hostFacts(): HostFacts {
  if (cachedHost === null) {
    const machine = typeof os.machine === 'function' ? os.machine() : process.arch;
    cachedHost = {
      osName: `${os.type()} ${os.release()} ${machine}`,
      exe: process.argv[1] ? path.resolve(process.argv[1]) : process.execPath,
      totalMem: os.totalmem(),
    };
  }
  return cachedHost;
}

let cachedBuildId: string | null = null;
function buildId(): string {
  if (cachedBuildId === null) {
    // A stable id per Nodis/Node version pair (Redis hashes its build info).
    let h = 0x811c9dc5;
    let h2 = 0x01000193;
    const s = `nodis-${NODIS_VERSION}-${process.version}`;
    for (let i = 0; i < s.length; i++) {
      h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
      h2 = Math.imul(h2 ^ s.charCodeAt(i), 0x85ebca6b) >>> 0;
    }
    cachedBuildId = (h.toString(16) + h2.toString(16)).slice(0, 15);
  }
  return cachedBuildId;
}

function clientsFields(server: NodisServer): InfoField[] {
  let connected = 0;
  let blocked = 0;
  let tracking = 0;
  const recent = recentMaxBuffers(server);
  for (const c of server.clients.values()) {
    if ((c.flags & (CLIENT_SLAVE | CLIENT_MONITOR)) !== CLIENT_SLAVE) connected++;
    if (c.flags & (CLIENT_BLOCKED | CLIENT_PAUSED)) blocked++;
    if (c.flags & CLIENT_TRACKING) tracking++;
  }
  return [
    ['connected_clients', connected],
    ['cluster_connections', 0],
    ['maxclients', cfgNum(server, 'maxclients', 10000)],
    ['client_recent_max_input_buffer', recent.input],
    ['client_recent_max_output_buffer', recent.output],
    ['blocked_clients', blocked],
    ['tracking_clients', tracking],
    ['clients_in_timeout_table', server.blocking.clientsInTimeoutTable],
  ];
}

function memoryFields(server: NodisServer): InfoField[] {
  const mm = server.memory;
  const mh = memoryOverhead(server);
  const used = mh.total;
  const peak = mm.peak;
  const rss = mh.rss;
  const netUsage = used > mh.startup ? used - mh.startup : 1;
  const maxmemory = mm.maxmemory;
  const totalSystem = hostFacts().totalMem;
  return [
    ['used_memory', used],
    ['used_memory_human', bytesToHuman(used)],
    ['used_memory_rss', rss],
    ['used_memory_rss_human', bytesToHuman(rss)],
    ['used_memory_peak', peak],
    ['used_memory_peak_human', bytesToHuman(peak)],
    ['used_memory_peak_perc', `${fmtFixed(Math.fround((used * 100) / peak), 2)}%`],
    ['used_memory_overhead', mh.overhead],
    ['used_memory_startup', mh.startup],
    ['used_memory_dataset', mh.dataset],
    ['used_memory_dataset_perc', `${fmtFixed(Math.fround((mh.dataset * 100) / netUsage), 2)}%`],
    ['allocator_allocated', mh.allocated],
    ['allocator_active', mh.active],
    ['allocator_resident', mh.resident],
    ['total_system_memory', totalSystem],
    ['total_system_memory_human', bytesToHuman(totalSystem)],
    ['used_memory_lua', 0],
    ['used_memory_vm_eval', 0],
    ['used_memory_lua_human', bytesToHuman(0)],
    ['used_memory_scripts_eval', 0],
    ['number_of_cached_scripts', 0],
    ['number_of_functions', 0],
    ['number_of_libraries', 0],
    ['used_memory_vm_functions', 0],
    ['used_memory_vm_total', 0],
    ['used_memory_vm_total_human', bytesToHuman(0)],
    ['used_memory_functions', 0],
    ['used_memory_scripts', 0],
    ['used_memory_scripts_human', bytesToHuman(0)],
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', cfgStr(server, 'maxmemory-policy', 'noeviction')],
    ['allocator_frag_ratio', fmtFixed(mh.allocatorFrag, 2)],
    ['allocator_frag_bytes', mh.active - mh.allocated],
    ['allocator_rss_ratio', fmtFixed(mh.allocatorRss, 2)],
    ['allocator_rss_bytes', mh.resident - mh.active],
    ['rss_overhead_ratio', fmtFixed(mh.rssExtra, 2)],
    ['rss_overhead_bytes', rss - mh.resident],
    ['mem_fragmentation_ratio', fmtFixed(mh.totalFrag, 2)],
    ['mem_fragmentation_bytes', mh.totalFragBytes],
    ['mem_not_counted_for_evict', mm.notCounted()],
    ['mem_replication_backlog', mh.replBacklog],
    ['mem_total_replication_buffers', mh.replBufferMem],
    ['mem_clients_slaves', mh.clientsSlaves],
    ['mem_clients_normal', mh.clientsNormal],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', 0],
    ['mem_allocator', `v8-${process.versions.v8}`],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', 0],
    ['lazyfreed_objects', server.stats.lazyfreedObjects],
  ];
}

/** One database's table overhead (MEMORY STATS db.<n>). */
export interface DbOverhead {
  dbid: number;
  main: number;
  expires: number;
}

/** sizeof(raxNode): the empty block index of Redis's backlog. */
const RAX_HEAD_BYTES = 4;

/** getMemoryOverheadData(): the breakdown behind INFO memory and MEMORY STATS. */
export interface MemoryOverhead {
  total: number;
  startup: number;
  peak: number;
  clientsNormal: number;
  /** The replicas' share of the replication buffer: what exceeds the backlog's size. */
  clientsSlaves: number;
  /** The backlog's share of the replication buffer (mem_replication_backlog). */
  replBacklog: number;
  /** repl_buffer_mem (mem_total_replication_buffers). */
  replBufferMem: number;
  dbs: DbOverhead[];
  overhead: number;
  dataset: number;
  totalKeys: number;
  bytesPerKey: number;
  datasetPerc: number;
  peakPerc: number;
  rss: number;
  allocated: number;
  active: number;
  resident: number;
  allocatorFrag: number;
  allocatorRss: number;
  rssExtra: number;
  totalFrag: number;
  /** RSS minus used_memory, both as sampled (total_frag_bytes). */
  totalFragBytes: number;
}

/**
 * getMemoryOverheadData(). Byte figures come from the accounting
 * (evict.ts); the allocator figures are V8's own (heap used and reserved,
 * plus off-heap buffers) and the process RSS.
 */
export function memoryOverhead(server: NodisServer): MemoryOverhead {
  const mm = server.memory;
  mm.refreshClients();
  const total = mm.usedMemory();
  const peak = mm.updatePeak(total);
  const startup = mm.startup;
  const ps = processMemorySample(server, total);
  const { rss, allocated, active, resident } = ps;
  // The replication buffer is the backlog's up to its size; what replicas
  // keep beyond that is theirs (clients_slaves).
  const rb = mm.replBuffer;
  const replBufferMem = rb !== null ? rb.mem : 0;
  let replBacklog = replBufferMem;
  let clientsSlaves = 0;
  if (rb !== null && mm.replicaCount() > 0 && rb.mem > rb.size) {
    clientsSlaves = rb.mem - rb.size;
    replBacklog = rb.size;
  }
  // The backlog's block index (a rax) starts as one 4-byte node; Nodis
  // walks the blocks instead, but reports what Redis's empty index costs.
  if (rb !== null) replBacklog += RAX_HEAD_BYTES;
  let overhead = startup + mm.clientsNormal + replBacklog + clientsSlaves;
  const dbs: DbOverhead[] = [];
  let totalKeys = 0;
  for (const db of server.dbs) {
    const keys = db.dict.size;
    const [main, expires] = MemoryManager.dbOverhead(db);
    if (keys === 0) continue;
    totalKeys += keys;
    dbs.push({ dbid: db.id, main, expires });
    overhead += main + expires;
  }
  // Empty databases' tables belong to the startup figure.
  if (overhead > total) overhead = total;
  const dataset = total - overhead;
  const netUsage = total > startup ? total - startup : 1;
  return {
    total,
    startup,
    peak,
    clientsNormal: mm.clientsNormal,
    clientsSlaves,
    replBacklog,
    replBufferMem,
    dbs,
    overhead,
    dataset,
    totalKeys,
    bytesPerKey: totalKeys > 0 ? Math.floor(netUsage / totalKeys) : 0,
    datasetPerc: Math.fround((dataset * 100) / netUsage),
    peakPerc: Math.fround((total * 100) / peak),
    rss,
    allocated,
    active,
    resident,
    allocatorFrag: Math.fround(active / allocated),
    allocatorRss: Math.fround(resident / active),
    rssExtra: Math.fround(rss / resident),
    totalFrag: Math.fround(rss / ps.used),
    totalFragBytes: rss - ps.used,
  };
}

/** cron_malloc_stats: the process's memory figures and used_memory, sampled together. */
interface ProcessMemorySample {
  rss: number;
  used: number;
  allocated: number;
  active: number;
  resident: number;
  at: number;
}

/**
 * The process's memory figures (V8's heap used and reserved, plus off-heap
 * buffers, and the RSS), at most 100 ms old: cronUpdateMemoryStats()
 * samples them every 100 ms, the call being slow, with used_memory at the
 * same time so that the ratios between them hold. `used` is used_memory now.
 */
function processMemorySample(server: NodisServer, used: number): ProcessMemorySample {
  const st = stateOf(server);
  const now = performance.now();
  const last = st.memSample;
  if (last !== null && now - last.at < 100) return last;
  const m = process.memoryUsage();
  const allocated = m.heapUsed + m.external;
  return (st.memSample = {
    rss: m.rss,
    used,
    allocated,
    active: Math.max(m.heapTotal + m.external, allocated),
    resident: Math.max(m.rss, 1),
    at: now,
  });
}

function persistenceFields(server: NodisServer): InfoField[] {
  return [
    ['loading', server.loading && !server.asyncLoading ? 1 : 0],
    ['async_loading', server.asyncLoading ? 1 : 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', '0.00'],
    ['current_save_keys_processed', 0],
    ['current_save_keys_total', 0],
    ['rdb_changes_since_last_save', server.dirty],
    ['rdb_bgsave_in_progress', 0],
    ['rdb_last_save_time', server.lastSave],
    ['rdb_last_bgsave_status', 'ok'],
    ['rdb_last_bgsave_time_sec', -1],
    ['rdb_current_bgsave_time_sec', -1],
    ['rdb_saves', 0],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', 0],
    ['rdb_last_load_keys_loaded', 0],
    ['aof_enabled', cfgBool(server, 'appendonly', false) ? 1 : 0],
    ['aof_rewrite_in_progress', 0],
    ['aof_rewrite_scheduled', 0],
    ['aof_last_rewrite_time_sec', -1],
    ['aof_current_rewrite_time_sec', -1],
    ['aof_last_bgrewrite_status', 'ok'],
    ['aof_rewrites', 0],
    ['aof_rewrites_consecutive_failures', 0],
    ['aof_last_write_status', 'ok'],
    ['aof_last_cow_size', 0],
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
  ];
}

function statsFields(server: NodisServer): InfoField[] {
  const s = server.stats;
  const st = stateOf(server);
  return [
    ['total_connections_received', s.numConnections],
    ['total_commands_processed', s.numCommands],
    ['instantaneous_ops_per_sec', server.instantaneousOps],
    ['total_net_input_bytes', s.netInputBytes],
    ['total_net_output_bytes', s.netOutputBytes],
    ['total_net_repl_input_bytes', 0],
    ['total_net_repl_output_bytes', 0],
    ['instantaneous_input_kbps', fmtFixed(Math.fround(average(st.inSamples) / 1024), 2)],
    ['instantaneous_output_kbps', fmtFixed(Math.fround(average(st.outSamples) / 1024), 2)],
    ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', s.rejectedConn],
    ['sync_full', 0],
    ['sync_partial_ok', 0],
    ['sync_partial_err', 0],
    ['expired_keys', s.expiredKeys],
    ['expired_stale_perc', fmtFixed(s.expiredStalePerc * 100, 2)],
    ['expired_time_cap_reached_count', s.expiredTimeCapReachedCount],
    ['expire_cycle_cpu_milliseconds', Math.floor(s.expireCycleTimeUsed / 1000)],
    ['evicted_keys', s.evictedKeys],
    ['evicted_clients', s.evictedClients],
    ['total_eviction_exceeded_time', Math.floor(server.memory.totalExceededMs + server.memory.currentExceededMs())],
    ['current_eviction_exceeded_time', Math.floor(server.memory.currentExceededMs())],
    ['keyspace_hits', s.keyspaceHits],
    ['keyspace_misses', s.keyspaceMisses],
    ['pubsub_channels', 0],
    ['pubsub_patterns', 0],
    ['pubsubshard_channels', 0],
    ['latest_fork_usec', s.latestForkUsec],
    ['total_forks', s.totalForks],
    ['migrate_cached_sockets', 0],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', 0],
    ['tracking_total_items', 0],
    ['tracking_total_prefixes', 0],
    ['unexpected_error_replies', s.unexpectedErrorReplies],
    ['total_error_replies', s.totalErrorReplies],
    ['dump_payload_sanitizations', s.dumpPayloadSanitizations],
    ['total_reads_processed', s.totalReadsProcessed],
    ['total_writes_processed', s.totalWritesProcessed],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
    ['reply_buffer_shrinks', server.replyBuffers.shrinks],
    ['reply_buffer_expands', server.replyBuffers.expands],
  ];
}

function replicationFields(server: NodisServer): InfoField[] {
  return [
    ['role', 'master'],
    ['connected_slaves', 0],
    ['master_failover_state', 'no-failover'],
    ['master_replid', replicationId(server)],
    ['master_replid2', '0000000000000000000000000000000000000000'],
    ['master_repl_offset', 0],
    ['second_repl_offset', -1],
    ['repl_backlog_active', 0],
    ['repl_backlog_size', cfgNum(server, 'repl-backlog-size', 1048576)],
    ['repl_backlog_first_byte_offset', 0],
    ['repl_backlog_histlen', 0],
  ];
}

function cpuFields(): InfoField[] {
  const u = process.cpuUsage();
  return [
    ['used_cpu_sys', secUsec(u.system)],
    ['used_cpu_user', secUsec(u.user)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', secUsec(u.system)],
    ['used_cpu_user_main_thread', secUsec(u.user)],
  ];
}

/** Top-level commands then their subcommands, as INFO walks the table. */
function* commandsWithSubs(server: NodisServer): IterableIterator<Command> {
  for (const cmd of server.commands.all) {
    if (cmd.hidden) continue;
    yield cmd;
    if (cmd.subcommands) yield* cmd.subcommands.values();
  }
}

function commandstatsFields(server: NodisServer): InfoField[] {
  const out: InfoField[] = [];
  for (const cmd of commandsWithSubs(server)) {
    const st = cmd.stats;
    if (st.calls === 0 && st.failedCalls === 0 && st.rejectedCalls === 0) continue;
    const perCall = st.calls === 0 ? 0 : Math.fround(Math.fround(st.usec) / Math.fround(st.calls));
    out.push([
      `cmdstat_${safeInfo(cmd.fullname)}`,
      `calls=${st.calls},usec=${st.usec},usec_per_call=${fmtFixed(perCall, 2)},rejected_calls=${st.rejectedCalls},failed_calls=${st.failedCalls}`,
    ]);
  }
  return out;
}

function errorstatsFields(server: NodisServer): InfoField[] {
  // Redis keeps error codes in a radix tree: lexicographic byte order.
  const codes = [...server.stats.errors.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return codes.map((code) => [`errorstat_${safeInfo(code)}`, `count=${server.stats.errors.get(code)}`]);
}

function latencystatsFields(server: NodisServer): InfoField[] {
  if (!cfgBool(server, 'latency-tracking', true)) return [];
  const percentiles = latencyPercentiles(server);
  const out: InfoField[] = [];
  for (const cmd of commandsWithSubs(server)) {
    const h = server.latency.histograms.get(cmd);
    if (h === undefined) continue;
    const parts = percentiles.map((p) => `p${percentileLabel(p)}=${fmtFixed(h.valueAtPercentile(p) / 1000, 3)}`);
    out.push([`latency_percentiles_usec_${safeInfo(cmd.fullname)}`, parts.join(',')]);
  }
  return out;
}

function keyspaceFields(server: NodisServer): InfoField[] {
  const out: InfoField[] = [];
  for (const db of server.dbs) {
    const keys = db.dict.size;
    const expires = db.expires.size;
    if (keys === 0 && expires === 0) continue;
    out.push([`db${db.id}`, `keys=${keys},expires=${expires},avg_ttl=${Math.floor(db.avgTtl)}`]);
  }
  return out;
}

function sectionFields(server: NodisServer, section: InfoSectionName): InfoField[] {
  switch (section) {
    case 'server':
      return serverFields(server);
    case 'clients':
      return clientsFields(server);
    case 'memory':
      return memoryFields(server);
    case 'persistence':
      return persistenceFields(server);
    case 'stats':
      return statsFields(server);
    case 'replication':
      return replicationFields(server);
    case 'cpu':
      return cpuFields();
    case 'modules':
      return [];
    case 'commandstats':
      return commandstatsFields(server);
    case 'errorstats':
      return errorstatsFields(server);
    case 'latencystats':
      return latencystatsFields(server);
    case 'cluster':
      return [['cluster_enabled', 0]];
    case 'keyspace':
      return keyspaceFields(server);
  }
}

/** The fields of one section after the subsystems' hooks ran. */
export function infoSection(server: NodisServer, section: InfoSectionName): InfoField[] {
  const fields = sectionFields(server, section);
  const hooks = stateOf(server).hooks.get(section);
  if (hooks) for (const h of hooks) h(fields, server);
  // The loading progress closes the section, after the AOF's figures.
  if (section === 'persistence' && server.loading) fields.push(...loadingFields(server));
  return fields;
}

/** INFO persistence while a dataset loads: loading_start_time ... loading_eta_seconds. */
function loadingFields(server: NodisServer): InfoField[] {
  const li = server.loadingInfo;
  let perc = 0;
  let remaining = 1;
  // -1: a transfer with an EOF mark, size unknown (Redis prints that as an unsigned 64-bit integer).
  if (li.totalBytes !== 0) {
    perc = (li.loadedBytes / li.totalBytes) * 100;
    remaining = li.totalBytes - li.loadedBytes;
  } else if (li.rdbUsedMem > 0) {
    // used-mem is only a (bad) estimate of the size: never past 99.99%.
    perc = Math.min(99.99, (li.loadedBytes / li.rdbUsedMem) * 100);
    remaining = Math.max(1, li.rdbUsedMem - li.loadedBytes);
  }
  const elapsed = Math.floor(Date.now() / 1000) - li.startTime;
  const eta = elapsed === 0 ? 1 : Math.trunc((elapsed * remaining) / (li.loadedBytes + 1));
  return [
    ['loading_start_time', li.startTime],
    ['loading_total_bytes', li.totalBytes === -1 ? '18446744073709551615' : li.totalBytes],
    ['loading_rdb_used_mem', li.rdbUsedMem],
    ['loading_loaded_bytes', li.loadedBytes],
    // printf's %.2f keeps the sign of -0 (nothing loaded yet of a -1 total).
    ['loading_loaded_perc', Object.is(perc, -0) ? '-0.00' : fmtFixed(perc, 2)],
    ['loading_eta_seconds', eta],
  ];
}

/**
 * genInfoSectionDict() + genRedisInfoString(): the INFO text for the
 * arguments after INFO (none = the default sections).
 */
export function genInfoString(server: NodisServer, args: readonly string[]): string {
  const wanted = new Set<string>();
  let all = false;
  if (args.length === 0) {
    for (const s of DEFAULT_SECTIONS) wanted.add(s);
  } else {
    for (const a of args) {
      const l = a.toLowerCase();
      if (l === 'default') for (const s of DEFAULT_SECTIONS) wanted.add(s);
      else if (l === 'all' || l === 'everything') all = true;
      else wanted.add(l);
    }
  }
  let out = '';
  let n = 0;
  for (const section of INFO_SECTIONS) {
    const on = all || wanted.has(section) || (section === 'modules' && wanted.has('module_list'));
    if (!on) continue;
    if (n++ > 0) out += '\r\n';
    out += `# ${TITLES[section]}\r\n`;
    for (const [k, v] of infoSection(server, section)) out += `${k}:${v}\r\n`;
  }
  return out;
}
