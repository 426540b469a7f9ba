/**
 * Client eviction (`maxmemory-clients`), as Redis 7.0 does it:
 * getClientMemoryUsage(), the client memory usage buckets
 * (updateClientMemUsageAndBucket(), removeClientFromMemUsageBucket()),
 * getClientEvictionLimit() and evictClients().
 *
 * Every normal and pub/sub client's memory (query buffer, arguments,
 * queued MULTI commands and watched keys, subscriptions, tracking prefixes,
 * pending output) is followed as it changes: MemoryManager.clientUpdated()
 * hands each fresh figure to this module while a limit is set (and while
 * `maxmemory` is set, for used_memory). Evictable clients (normal and
 * pub/sub ones without CLIENT NO-EVICT) sit in buckets by the log2 of
 * their memory; once the clients' total reaches the limit, clients are
 * freed from the topmost bucket down until it is below it again.
 *
 * Redis evicts before a command runs and before the event loop sleeps;
 * Nodis evicts as soon as an update finds the total at the limit: after a
 * read (before the commands it completed run), after a write, when a
 * socket drains, from the cron, and when the limit or a client's NO-EVICT
 * flag changes. A client being closed (output buffer limits, CLIENT KILL)
 * no longer counts. With the limit at 0 (the default) nothing here runs.
 */
import { CLIENT_BLOCKED, CLIENT_CLOSE_ASAP, CLIENT_NO_EVICT, type Client } from './client.js';
import type { NodisServer } from './server.js';
import { perServer } from './per-server.js';
import { clientOutputFigures, getClientOutputBufferMemoryUsage } from './obuf.js';
import { multiStateMemOverhead } from './multi.js';
import { trackingState } from './tracking.js';
import type { ClientPubSub } from './pubsub.js';
import { CLIENT_TYPE_NORMAL, CLIENT_TYPE_PUBSUB, clientInfoString, getClientType } from '../commands/client.js';
import { bitLength } from '../util/numbers.js';

/** The client structure itself (zmalloc_size(c)). */
export const CLIENT_STRUCT_MEM = 1920;
/** sizeof(robj*): each argument's pointer in argv. */
const PTR_SIZE = 8;
/** sizeof(listNode), sizeof(dictEntry). */
const LIST_NODE_SIZE = 24;
const DICT_ENTRY_SIZE = 24;
/** One rax node per tracking prefix (sizeof(raxNode) * sizeof(raxNode*)). */
const TRACKING_PREFIX_MEM = 4 * 8;

/** CLIENT_MEM_USAGE_BUCKET_MIN_LOG / MAX_LOG: buckets of 32 KB and less up to 8 GB and more. */
const BUCKET_MIN_LOG = 15;
const BUCKET_MAX_LOG = 33;
const BUCKETS = BUCKET_MAX_LOG - BUCKET_MIN_LOG + 1;
/** The smallest limit getClientEvictionLimit() returns, so the server stays reachable. */
const MIN_LIMIT = 128 * 1024;

/** The memory figures of a client, as CLIENT LIST shows them. */
export interface ClientMemoryFigures {
  qbuf: number;
  qbufFree: number;
  argvMem: number;
  multiMem: number;
  obl: number;
  oll: number;
  omem: number;
  totMem: number;
}

/** dictSlots() of a dict holding `n` entries (0, or a power of two of at least 4). */
function dictSlots(n: number): number {
  if (n === 0) return 0;
  let s = 4;
  while (s < n) s *= 2;
  return s;
}

/** pubsubMemOverhead(): the per-client structures of its subscriptions. */
function pubsubMemOverhead(c: Client): number {
  const ps = c.ext.pubsub as ClientPubSub | undefined;
  if (ps === undefined) return 0;
  const ch = ps.channels.size;
  const sh = ps.shard.size;
  return ps.patterns.size * LIST_NODE_SIZE + ch * DICT_ENTRY_SIZE + dictSlots(ch) * PTR_SIZE + sh * DICT_ENTRY_SIZE + dictSlots(sh) * PTR_SIZE;
}

/** The query buffer's allocation (querybuf.ts), at least the `qbuf` bytes it holds. */
function queryBufferAlloc(c: Client, qbuf: number): number {
  const alloc = c.qb.alloc;
  return alloc > qbuf ? alloc : qbuf;
}

/** Bytes of the query buffer and of the arguments (parsed ones of a partial command, or those of the running command). */
export function inputFigures(c: Client): { qbuf: number; argvMem: number; argc: number } {
  const p = c.parser;
  let qbuf = p.bufferedBytes;
  let argvMem = p.partialArgvBytes;
  let argc = 0;
  const running = c.server.currentClient === c || c.server.processingClient === c;
  if (running || c.flags & CLIENT_BLOCKED) {
    // The command being run (or blocked) holds its arguments.
    const argv = c.argv;
    argc = argv.length;
    let n = 0;
    let proto = 1 + String(argc).length + 2;
    for (let i = 0; i < argc; i++) {
      const len = argv[i].length;
      n += len;
      proto += 1 + String(len).length + 2 + len + 2;
    }
    argvMem += n;
    // Redis reads the command's request into the query buffer first.
    if (running) qbuf += proto;
  }
  return { qbuf, argvMem, argc };
}

/** Memory the client uses besides its input and output buffers. */
function otherOverhead(c: Client): number {
  let mem = multiStateMemOverhead(c) + pubsubMemOverhead(c);
  const t = trackingState(c);
  if (t !== undefined && t.prefixes !== null) mem += t.prefixes.size * TRACKING_PREFIX_MEM;
  return mem;
}

/**
 * getClientMemoryUsage(): everything the client holds, as client eviction
 * counts it and CLIENT LIST's tot-mem shows it.
 */
export function getClientMemoryUsage(c: Client, betweenCommands = false): number {
  let mem = getClientOutputBufferMemoryUsage(c) + CLIENT_STRUCT_MEM + c.bufUsable + otherOverhead(c);
  if (!betweenCommands && (c.server.currentClient === c || c.flags & CLIENT_BLOCKED)) {
    const { qbuf, argvMem, argc } = inputFigures(c);
    return mem + queryBufferAlloc(c, qbuf) + argvMem + argc * PTR_SIZE;
  }
  // Between commands (the usual case): no object for the figures.
  const p = c.parser;
  mem += queryBufferAlloc(c, p.bufferedBytes) + p.partialArgvBytes;
  return mem;
}

/** CLIENT LIST's qbuf, qbuf-free, argv-mem, multi-mem, obl, oll, omem and tot-mem. */
export function clientMemoryFigures(c: Client): ClientMemoryFigures {
  const { qbuf, argvMem, argc } = inputFigures(c);
  const qbufFree = queryBufferAlloc(c, qbuf) - qbuf;
  const multiMem = multiStateMemOverhead(c);
  const { obl, oll, omem } = clientOutputFigures(c);
  const totMem = qbuf + qbufFree + argvMem + argc * PTR_SIZE + otherOverhead(c) + c.bufUsable + obl + omem + CLIENT_STRUCT_MEM;
  return { qbuf, qbufFree, argvMem, multiMem, obl, oll, omem, totMem };
}

/** A client's last measured memory and its bucket. */
interface Entry {
  mem: number;
  /** Counted in the total (a normal or pub/sub client). */
  counted: boolean;
  /** Index of its bucket, -1 when not evictable. */
  bucket: number;
}

/** The bucket of a client using `mem` bytes (log2, clamped to the bucket range). */
function bucketOf(mem: number): number {
  let bits = bitLength(mem);
  if (bits > BUCKET_MAX_LOG) bits = BUCKET_MAX_LOG;
  else if (bits < BUCKET_MIN_LOG) bits = BUCKET_MIN_LOG;
  return bits - BUCKET_MIN_LOG;
}

/** Client eviction of one server. */
export class ClientEviction {
  /** `maxmemory-clients` as configured: bytes, or minus a percentage of maxmemory; 0 = off. */
  private setting = 0;
  /** getClientEvictionLimit() for the current settings (0 = no eviction). */
  limit = 0;
  /** Memory of the normal and pub/sub clients (stat_clients_type_memory[NORMAL] + [PUBSUB]). */
  total = 0;
  private readonly entries = new Map<Client, Entry>();
  /** Evictable clients by memory; a Set keeps the order clients entered a bucket. */
  private readonly buckets: Set<Client>[] = [];
  private evicting = false;

  constructor(private readonly server: NodisServer) {
    for (let i = 0; i < BUCKETS; i++) this.buckets.push(new Set());
  }

  get enabled(): boolean {
    return this.setting !== 0;
  }

  /** Read maxmemory-clients and maxmemory; start or stop following clients, then evict. */
  configure(): void {
    const cfg = this.server.config;
    const wasEnabled = this.enabled;
    this.setting = Number(cfg.big('maxmemory-clients'));
    this.limit = this.computeLimit(Number(cfg.big('maxmemory')));
    if (!this.enabled) {
      if (wasEnabled) this.clear();
      return;
    }
    if (!wasEnabled) {
      for (const c of this.server.clients.values()) this.update(c, getClientMemoryUsage(c), false);
    }
    this.evictClients();
  }

  /** getClientEvictionLimit(). */
  private computeLimit(maxmemory: number): number {
    let limit: number;
    if (this.setting < 0 && maxmemory > 0) limit = Math.floor((maxmemory * -this.setting) / 100);
    else if (this.setting > 0) limit = this.setting;
    else return 0;
    return limit < MIN_LIMIT ? MIN_LIMIT : limit;
  }

  private clear(): void {
    this.entries.clear();
    for (const b of this.buckets) b.clear();
    this.total = 0;
  }

  /** clientEvictionAllowed(). */
  private evictionAllowed(c: Client, type: number): boolean {
    if (c.flags & CLIENT_NO_EVICT || c.socket === null) return false;
    return type === CLIENT_TYPE_NORMAL || type === CLIENT_TYPE_PUBSUB;
  }

  /**
   * updateClientMemUsageAndBucket(): record the client's memory `mem`, move
   * it to its bucket, and evict if the clients reached the limit (unless
   * `evict` is false). A client that may not be evicted keeps the figure
   * of the last `periodic` (cron) measure, as Redis's clientsCron() alone
   * refreshes those.
   */
  update(c: Client, mem: number, evict = true, periodic = false): void {
    if (!this.enabled) return;
    if (c.flags & CLIENT_CLOSE_ASAP || !this.server.clients.has(c.id) || c.socket === null) {
      this.remove(c);
      return;
    }
    // Periodic measures are taken between commands (a refresh run by INFO
    // or CONFIG SET leaves the client running it alone).
    if (periodic && c === this.server.currentClient) return;
    const type = getClientType(c);
    const counted = type === CLIENT_TYPE_NORMAL || type === CLIENT_TYPE_PUBSUB;
    let e = this.entries.get(c);
    const allowed = this.evictionAllowed(c, type);
    if (!allowed && !periodic && e !== undefined) {
      if (e.bucket !== -1) {
        this.buckets[e.bucket].delete(c);
        e.bucket = -1;
      }
      return;
    }
    if (e === undefined) {
      // A client not measured here yet that may not be evicted counts as
      // the cron would see it: the client running a command without it.
      if (!allowed && !periodic && c === this.server.currentClient) mem = getClientMemoryUsage(c, true);
      e = { mem: 0, counted: false, bucket: -1 };
      this.entries.set(c, e);
    }
    if (e.counted) this.total -= e.mem;
    e.mem = mem;
    e.counted = counted;
    if (counted) this.total += mem;
    const bucket = allowed ? bucketOf(mem) : -1;
    if (bucket !== e.bucket) {
      if (e.bucket !== -1) this.buckets[e.bucket].delete(c);
      if (bucket !== -1) this.buckets[bucket].add(c);
      e.bucket = bucket;
    }
    if (evict && this.total >= this.limit) this.evictClients();
  }

  /** Forget a client (freed, or being closed). */
  remove(c: Client): void {
    const e = this.entries.get(c);
    if (e === undefined) return;
    if (e.counted) this.total -= e.mem;
    if (e.bucket !== -1) this.buckets[e.bucket].delete(c);
    this.entries.delete(c);
  }

  /** CLIENT NO-EVICT changed: out of the buckets, or back in (and maybe evicted). */
  noEvictChanged(c: Client): void {
    if (!this.enabled) return;
    this.update(c, getClientMemoryUsage(c));
  }

  /**
   * evictClients(): free clients from the largest down while the clients'
   * memory is at or over the limit. The client whose command is running
   * is closed and freed once its socket closes.
   */
  evictClients(): void {
    if (this.limit === 0 || this.evicting || this.total < this.limit) return;
    this.evicting = true;
    try {
      const server = this.server;
      let cur = BUCKETS - 1;
      while (this.total >= this.limit) {
        let victim: Client | undefined;
        for (const c of this.buckets[cur]) {
          victim = c;
          break;
        }
        if (victim === undefined) {
          if (--cur < 0) {
            server.logger.warn('Over client maxmemory after evicting all evictable clients');
            break;
          }
          continue;
        }
        server.logger.info(`Evicting client: ${clientInfoString(victim)}`);
        this.remove(victim);
        server.stats.evictedClients++;
        server.closeClientAsap(victim);
        if (server.currentClient !== victim) server.freeClient(victim);
      }
    } finally {
      this.evicting = false;
    }
  }

  /** DEBUG CLIENT-EVICTION: each bucket's range, memory and clients. */
  describe(): string {
    let s = '';
    for (let j = 0; j < BUCKETS; j++) {
      s += j === 0 ? 'bucket          0' : `bucket ${String(2 ** (j - 1 + BUCKET_MIN_LOG)).padStart(10)}`;
      s += j === BUCKETS - 1 ? '+            : ' : ` - ${String(2 ** (j + BUCKET_MIN_LOG) - 1).padStart(10)}: `;
      let sum = 0;
      for (const c of this.buckets[j]) sum += this.entries.get(c)?.mem ?? 0;
      s += `tot-mem: ${String(sum).padStart(10)}, clients: ${this.buckets[j].size}\n`;
    }
    return s;
  }
}

const instances = perServer((server) => new ClientEviction(server), initClientEviction);

/** The client eviction of `server`, if installed. */
export function clientEvictionOf(server: NodisServer): ClientEviction | undefined {
  return instances.peek(server);
}

/** Hook client eviction into the server: config, memory updates, freed clients. */
export function installClientEviction(server: NodisServer): ClientEviction {
  return instances.get(server);
}

function initClientEviction(ev: ClientEviction, server: NodisServer): void {
  const mm = server.memory;
  mm.clientHook = (c, bytes, periodic) => ev.update(c, bytes, true, periodic);
  server.hooks.clientFreed.push((c) => ev.remove(c));
  const apply = (): void => {
    ev.configure();
    mm.setClientTracking(ev.enabled);
  };
  server.config.onChange((name) => {
    if (name === 'maxmemory-clients' || name === 'maxmemory') apply();
  });
  apply();
}
