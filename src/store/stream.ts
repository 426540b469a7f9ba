/**
 * The stream type (stream.h): entries keyed by 128-bit IDs (ms-seq, held
 * as one bigint `ms << 64 | seq`), grouped in nodes the way Redis groups
 * them in listpacks under a radix tree. Node boundaries follow Redis's rules
 * (stream-node-max-entries, stream-node-max-bytes with listpack sizes), so
 * approximate trimming removes the same whole nodes. A deleted entry stays
 * in its node as a tombstone until the node is emptied, as in Redis.
 *
 * Lookup by ID is a binary search over nodes then within a node; appending
 * is O(1).
 *
 * Memory accounting (memory.ts): entries are charged as they are appended
 * and released with their node (a tombstone keeps its memory, as in Redis);
 * consumer groups, consumers and PEL entries as they come and go.
 */
import type { EncodingConfig, RObjectBase } from './types.js';
import { type MemAccount, type MemTracked, arrayBytes, memAdjust, objectBytes, stringBytes } from './memcost.js';

export type StreamID = bigint;

export const ID_MASK = (1n << 64n) - 1n;
export const MAX_ID: StreamID = (ID_MASK << 64n) | ID_MASK;
export const MIN_ID: StreamID = 0n;

export function makeId(ms: bigint, seq: bigint): StreamID {
  return (ms << 64n) | seq;
}
export function idMs(id: StreamID): bigint {
  return id >> 64n;
}
export function idSeq(id: StreamID): bigint {
  return id & ID_MASK;
}
export function idToString(id: StreamID): string {
  return `${id >> 64n}-${id & ID_MASK}`;
}

export interface StreamEntry {
  id: StreamID;
  /** field, value, field, value... (latin1 strings). */
  fv: string[];
  deleted: boolean;
}

interface StreamNode {
  /** The master entry ID (the radix tree key): the first entry ever added. */
  masterId: StreamID;
  masterFields: string[];
  entries: StreamEntry[];
  live: number;
  /** Estimated listpack size in bytes. */
  bytes: number;
  /** Estimated JS heap bytes of the node and its entries (the memory accounting). */
  mem: number;
}

// ---- memory estimates (see memcost.ts) ------------------------------------------

/** A BigInt of up to 128 bits: header and two 64-bit digits. */
const BIGINT_BYTES = 32;
/** A JS Map with its initial table. */
const MAP_BYTES = 150;
/** One entry of a JS Map (key, value and chain slots at the table's average load). */
const MAP_ENTRY_BYTES = 40;
/** The RStream object with its nodes array and ID fields. */
const STREAM_BASE_BYTES = objectBytes(9) + arrayBytes(0) + 3 * BIGINT_BYTES;
/** An IdMap: its object and its array of chunks. */
const IDMAP_BYTES = objectBytes(4) + arrayBytes(0);
/** An IdMap entry: its key and value slots in a chunk, with the chunk's share and slack. */
const IDMAP_ENTRY_BYTES = 24;
/** A group's PEL entry also holds the NACK object (a consumer's PEL shares it). */
const GROUP_PEL_ENTRY_BYTES = IDMAP_ENTRY_BYTES + objectBytes(3);

/** An entry: its object, ID, field/value array and strings, and its slot in the node (with growth slack). */
function entryMem(fv: string[]): number {
  let n = objectBytes(3) + BIGINT_BYTES + arrayBytes(fv.length) + 12;
  for (let i = 0; i < fv.length; i++) n += stringBytes(fv[i].length);
  return n;
}

function nodeBaseMem(masterFields: string[]): number {
  return objectBytes(7) + arrayBytes(0) + arrayBytes(masterFields.length) + 8;
}

function groupMem(name: string): number {
  return objectBytes(4) + stringBytes(name.length) + IDMAP_BYTES + MAP_BYTES + MAP_ENTRY_BYTES;
}

function consumerMem(name: string): number {
  return objectBytes(3) + stringBytes(name.length) + IDMAP_BYTES + MAP_ENTRY_BYTES;
}

// ---- listpack size estimates ------------------------------------------------

function backlenSize(l: number): number {
  if (l < 128) return 1;
  if (l < 16384) return 2;
  if (l < 2097152) return 3;
  if (l < 268435456) return 4;
  return 5;
}

function lpIntSize(v: bigint | number): number {
  const n = typeof v === 'bigint' ? v : BigInt(v);
  let enc: number;
  if (n >= 0n && n <= 127n) enc = 1;
  else if (n >= -4096n && n <= 4095n) enc = 2;
  else if (n >= -32768n && n <= 32767n) enc = 3;
  else if (n >= -8388608n && n <= 8388607n) enc = 4;
  else if (n >= -2147483648n && n <= 2147483647n) enc = 5;
  else enc = 9;
  return enc + backlenSize(enc);
}

const INT_RE = /^(0|-?[1-9][0-9]{0,19})$/;

function lpStrSize(s: string): number {
  if (s.length <= 20 && INT_RE.test(s)) {
    const n = BigInt(s);
    if (n >= -(1n << 63n) && n < 1n << 63n) return lpIntSize(n);
  }
  const l = s.length;
  const enc = l < 64 ? 1 + l : l < 4096 ? 2 + l : 5 + l;
  return enc + backlenSize(enc);
}

/** STREAM_LISTPACK_MAX_SIZE. */
const LISTPACK_MAX_SIZE = 1 << 30;

// ---- sorted ID maps (PELs) --------------------------------------------------

/** Keys a chunk of an IdMap holds before it is split (or, at the end, a new one is started). */
const IDMAP_CHUNK = 256;

interface IdChunk<V> {
  ids: StreamID[];
  vals: V[];
}

/** Index of the first of `ids` (ascending) that is >= id. */
function lowerBound(ids: StreamID[], id: StreamID): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A map from IDs to values iterated in ID order (a PEL, Redis's rax): sorted
 * chunks of at most 2 * IDMAP_CHUNK keys, so a lookup, an insertion or a
 * deletion is two binary searches and a move within one chunk, O(log n).
 *
 * Not a JS Map keyed by the IDs: V8 hashes a BigInt by its lowest 64 bits
 * only, which for stream IDs is the sequence number (0 for most), so every
 * ID would land in one hash chain and each operation would be O(n).
 */
export class IdMap<V> {
  private chunks: IdChunk<V>[] = [];
  private count = 0;

  /** `owner` is charged `entryBytes` per entry (the stream holding the PEL). */
  constructor(
    private readonly owner: MemTracked | null = null,
    private readonly entryBytes = 0,
  ) {}

  get size(): number {
    return this.count;
  }

  /** The chunk that holds `id` if any does: the first whose last key is >= id (chunks.length if none). */
  private chunkFor(id: StreamID): number {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ids = chunks[mid].ids;
      if (ids[ids.length - 1] < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(id: StreamID): V | undefined {
    const ci = this.chunkFor(id);
    if (ci === this.chunks.length) return undefined;
    const c = this.chunks[ci];
    const i = lowerBound(c.ids, id);
    return c.ids[i] === id ? c.vals[i] : undefined;
  }

  has(id: StreamID): boolean {
    const ci = this.chunkFor(id);
    if (ci === this.chunks.length) return false;
    const ids = this.chunks[ci].ids;
    return ids[lowerBound(ids, id)] === id;
  }

  /** Insert (true) or replace (false). */
  set(id: StreamID, v: V): boolean {
    const chunks = this.chunks;
    let ci = this.chunkFor(id);
    if (ci === chunks.length) {
      // Past every key: the common case (IDs are delivered in order).
      const last = chunks[chunks.length - 1];
      if (last === undefined || last.ids.length >= 2 * IDMAP_CHUNK) chunks.push({ ids: [id], vals: [v] });
      else {
        last.ids.push(id);
        last.vals.push(v);
      }
    } else {
      const c = chunks[ci];
      const i = lowerBound(c.ids, id);
      if (c.ids[i] === id) {
        c.vals[i] = v;
        return false;
      }
      c.ids.splice(i, 0, id);
      c.vals.splice(i, 0, v);
      if (c.ids.length > 2 * IDMAP_CHUNK) {
        chunks.splice(++ci, 0, { ids: c.ids.splice(IDMAP_CHUNK), vals: c.vals.splice(IDMAP_CHUNK) });
      }
    }
    this.count++;
    if (this.owner !== null) memAdjust(this.owner, this.entryBytes);
    return true;
  }

  delete(id: StreamID): boolean {
    const ci = this.chunkFor(id);
    if (ci === this.chunks.length) return false;
    const c = this.chunks[ci];
    const i = lowerBound(c.ids, id);
    if (c.ids[i] !== id) return false;
    c.ids.splice(i, 1);
    c.vals.splice(i, 1);
    if (c.ids.length === 0) this.chunks.splice(ci, 1);
    this.count--;
    if (this.owner !== null) memAdjust(this.owner, -this.entryBytes);
    return true;
  }

  first(): StreamID | undefined {
    return this.chunks[0]?.ids[0];
  }

  last(): StreamID | undefined {
    const c = this.chunks[this.chunks.length - 1];
    return c?.ids[c.ids.length - 1];
  }

  /** Keys within [start, end], in order (a snapshot); at most `count` (0: all). */
  range(start: StreamID, end: StreamID, count = 0): StreamID[] {
    const out: StreamID[] = [];
    for (const [id] of this.entries(start, end)) {
      out.push(id);
      if (count > 0 && out.length >= count) break;
    }
    return out;
  }

  allKeys(): StreamID[] {
    const out: StreamID[] = [];
    for (const c of this.chunks) for (const id of c.ids) out.push(id);
    return out;
  }

  /** Entries with start <= id <= end (all by default), in order, visited lazily (the map must not change meanwhile). */
  *entries(start: StreamID = MIN_ID, end: StreamID = MAX_ID): Generator<[StreamID, V]> {
    const chunks = this.chunks;
    for (let ci = this.chunkFor(start), i = -1; ci < chunks.length; ci++) {
      const { ids, vals } = chunks[ci];
      for (i = i < 0 ? lowerBound(ids, start) : 0; i < ids.length; i++) {
        if (ids[i] > end) return;
        yield [ids[i], vals[i]];
      }
    }
  }
}

export interface StreamNACK {
  deliveryTime: number;
  deliveryCount: number;
  consumer: StreamConsumer;
}

export interface StreamConsumer {
  name: string;
  seenTime: number;
  pel: IdMap<StreamNACK>;
}

/** SCG_INVALID_ENTRIES_READ. */
export const SCG_INVALID_ENTRIES_READ = -1;

export interface StreamCG {
  lastId: StreamID;
  entriesRead: number;
  pel: IdMap<StreamNACK>;
  consumers: Map<string, StreamConsumer>;
}

export interface NodeLimits {
  maxBytes: number;
  maxEntries: number;
}

// ---- the stream ---------------------------------------------------------------

export class RStream implements RObjectBase, MemTracked {
  readonly type = 'stream' as const;
  memBytes = STREAM_BASE_BYTES;
  memOwner: MemAccount | null = null;
  nodes: StreamNode[] = [];
  length = 0;
  lastId: StreamID = 0n;
  firstId: StreamID = 0n;
  maxDeletedId: StreamID = 0n;
  entriesAdded = 0;
  cgroups: Map<string, StreamCG> | null = null;

  encoding(_cfg: EncodingConfig): string {
    return 'stream';
  }

  dup(): RStream {
    const s = new RStream();
    s.setNodes(
      this.nodes.map((n) => ({
        masterId: n.masterId,
        masterFields: n.masterFields,
        entries: n.entries.map((e) => ({ id: e.id, fv: e.fv, deleted: e.deleted })),
        live: n.live,
        bytes: n.bytes,
        mem: n.mem,
      })),
    );
    s.length = this.length;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    if (this.cgroups !== null) {
      s.groupsMap();
      for (const [name, cg] of this.cgroups) {
        const ncg = s.createGroup(name, cg.lastId, cg.entriesRead)!;
        for (const [cname, c] of cg.consumers) {
          const nc = s.addConsumer(ncg, cname, c.seenTime);
          for (const [id, nack] of c.pel.entries()) {
            const nn: StreamNACK = { deliveryTime: nack.deliveryTime, deliveryCount: nack.deliveryCount, consumer: nc };
            nc.pel.set(id, nn);
            ncg.pel.set(id, nn);
          }
        }
      }
    }
    return s;
  }

  /**
   * Install nodes built elsewhere (an RDB load, dup()) and charge them:
   * each node's `mem` is computed when it is 0.
   */
  setNodes(nodes: StreamNode[]): void {
    let delta = 0;
    for (const n of this.nodes) delta -= n.mem;
    for (const n of nodes) {
      if (n.mem === 0) {
        n.mem = nodeBaseMem(n.masterFields);
        for (const e of n.entries) n.mem += entryMem(e.fv);
      }
      delta += n.mem;
    }
    this.nodes = nodes;
    this.raxNodes = -1;
    memAdjust(this, delta);
  }

  /** raxNodeCount() of the current nodes (-1: to compute). */
  private raxNodes = -1;

  /** Number of nodes (XINFO radix-tree-keys). */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /**
   * Nodes of the radix tree Redis would hold for the node keys (XINFO
   * radix-tree-nodes): the root, every key, every branching position and
   * every child of one (compressed chains count once).
   */
  raxNodeCount(): number {
    if (this.raxNodes < 0) this.raxNodes = this.computeRaxNodeCount();
    return this.raxNodes;
  }

  private computeRaxNodeCount(): number {
    const keys = this.nodes.map((n) => n.masterId);
    if (keys.length === 0) return 1;
    const byteAt = (id: bigint, d: number): number => Number((id >> BigInt(8 * (15 - d))) & 0xffn);
    const count = (lo: number, hi: number, depth: number, parentBranching: boolean): number => {
      if (depth === 16) return 1;
      if (hi - lo === 1) return (depth === 0 || parentBranching ? 1 : 0) + 1;
      const groups: [number, number][] = [];
      let start = lo;
      for (let i = lo + 1; i <= hi; i++) {
        if (i === hi || byteAt(keys[i], depth) !== byteAt(keys[start], depth)) {
          groups.push([start, i]);
          start = i;
        }
      }
      const branching = groups.length >= 2;
      let total = depth === 0 || branching || parentBranching ? 1 : 0;
      for (const [a, b] of groups) total += count(a, b, depth + 1, branching);
      return total;
    };
    return count(0, keys.length, 0, false);
  }

  /** streamAppendItem() once the ID is validated. */
  append(id: StreamID, fv: string[], limits: NodeLimits): void {
    const numfields = fv.length / 2;
    let totelelen = 0;
    for (let i = 0; i < fv.length; i++) totelelen += fv[i].length;
    let node = this.nodes.length > 0 ? this.nodes[this.nodes.length - 1] : undefined;
    if (node !== undefined) {
      let maxBytes = limits.maxBytes;
      if (maxBytes === 0 || maxBytes > LISTPACK_MAX_SIZE) maxBytes = LISTPACK_MAX_SIZE;
      if (node.bytes + totelelen >= maxBytes) node = undefined;
      else if (limits.maxEntries && node.entries.length >= limits.maxEntries) node = undefined;
    }
    let same = false;
    if (node === undefined) {
      const masterFields: string[] = [];
      for (let i = 0; i < fv.length; i += 2) masterFields.push(fv[i]);
      let bytes = 7 + lpIntSize(1) + lpIntSize(0) + lpIntSize(numfields) + lpIntSize(0);
      for (const f of masterFields) bytes += lpStrSize(f);
      const mem = nodeBaseMem(masterFields);
      node = { masterId: id, masterFields, entries: [], live: 0, bytes, mem };
      this.nodes.push(node);
      this.raxNodes = -1;
      memAdjust(this, mem);
      same = true;
    } else if (node.masterFields.length === numfields) {
      same = true;
      for (let i = 0; i < numfields; i++) {
        if (node.masterFields[i] !== fv[i * 2]) {
          same = false;
          break;
        }
      }
    }
    let bytes = lpIntSize(same ? 2 : 0) + lpIntSize(idMs(id) - idMs(node.masterId)) + lpIntSize(idSeq(id) - idSeq(node.masterId));
    if (!same) bytes += lpIntSize(numfields);
    for (let i = 0; i < fv.length; i += 2) {
      if (!same) bytes += lpStrSize(fv[i]);
      bytes += lpStrSize(fv[i + 1]);
    }
    bytes += lpIntSize(numfields + 3 + (same ? 0 : numfields + 1));
    node.bytes += bytes;
    const mem = entryMem(fv);
    node.mem += mem;
    memAdjust(this, mem);
    node.entries.push({ id, fv, deleted: false });
    node.live++;
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /** Index of the node that would hold `id` (last node whose master ID <= id), or -1. */
  private nodeFor(id: StreamID): number {
    const nodes = this.nodes;
    let lo = 0;
    let hi = nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (nodes[mid].masterId <= id) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  private static entryIndex(node: StreamNode, id: StreamID): number {
    const e = node.entries;
    let lo = 0;
    let hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (e[mid].id < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The live entry with this ID. */
  get(id: StreamID): StreamEntry | undefined {
    const ni = this.nodeFor(id);
    if (ni < 0) return undefined;
    const node = this.nodes[ni];
    const i = RStream.entryIndex(node, id);
    const e = node.entries[i];
    return e !== undefined && e.id === id && !e.deleted ? e : undefined;
  }

  /** streamDeleteItem(): mark the entry deleted; true if it existed. */
  delete(id: StreamID): boolean {
    const ni = this.nodeFor(id);
    if (ni < 0) return false;
    const node = this.nodes[ni];
    const i = RStream.entryIndex(node, id);
    const e = node.entries[i];
    if (e === undefined || e.id !== id || e.deleted) return false;
    e.deleted = true;
    node.live--;
    this.length--;
    if (node.live === 0) this.dropNode(ni);
    if (this.length === 0) this.firstId = 0n;
    else if (id === this.firstId) this.firstId = this.edgeId(true);
    return true;
  }

  /** streamGetEdgeID(): first or last live ID (0 / MAX when empty). */
  edgeId(first: boolean): StreamID {
    if (this.length === 0) return first ? MAX_ID : 0n;
    if (first) {
      for (const n of this.nodes) for (const e of n.entries) if (!e.deleted) return e.id;
    } else {
      for (let i = this.nodes.length - 1; i >= 0; i--) {
        const en = this.nodes[i].entries;
        for (let j = en.length - 1; j >= 0; j--) if (!en[j].deleted) return en[j].id;
      }
    }
    return first ? MAX_ID : 0n;
  }

  /** Live entries with start <= id <= end, ascending (or descending when rev). */
  *range(start: StreamID, end: StreamID, rev = false): Generator<StreamEntry> {
    if (start > end) return;
    const nodes = this.nodes;
    if (!rev) {
      let ni = Math.max(this.nodeFor(start), 0);
      let i = ni < nodes.length ? RStream.entryIndex(nodes[ni], start) : 0;
      for (; ni < nodes.length; ni++, i = 0) {
        const en = nodes[ni].entries;
        for (; i < en.length; i++) {
          const e = en[i];
          if (e.id > end) return;
          if (!e.deleted) yield e;
        }
      }
    } else {
      let ni = this.nodeFor(end);
      if (ni < 0) return;
      let i = RStream.entryIndex(nodes[ni], end);
      if (i >= nodes[ni].entries.length || nodes[ni].entries[i].id > end) i--;
      for (; ni >= 0; ) {
        const en = nodes[ni].entries;
        for (; i >= 0; i--) {
          const e = en[i];
          if (e.id < start) return;
          if (!e.deleted) yield e;
        }
        ni--;
        if (ni >= 0) i = nodes[ni].entries.length - 1;
      }
    }
  }

  /** streamRangeHasTombstones(). */
  rangeHasTombstones(start: StreamID, end: StreamID): boolean {
    if (this.length === 0 || this.maxDeletedId === 0n) return false;
    const firstId = this.firstId;
    const startId = start > firstId ? start : firstId;
    const endId = end < this.lastId ? end : this.lastId;
    return startId <= this.maxDeletedId && this.maxDeletedId <= endId;
  }

  /**
   * streamTrim(): MAXLEN (minid null) or MINID trimming from the head;
   * approx removes whole nodes only; limit caps the entries removed (0: none).
   */
  trim(maxlen: number | null, minid: StreamID | null, approx: boolean, limit: number): number {
    if (maxlen === null && minid === null) return 0;
    let deleted = 0;
    while (this.nodes.length > 0) {
      if (maxlen !== null && this.length <= maxlen) break;
      const node = this.nodes[0];
      const entries = node.live;
      if (limit && deleted + entries > limit) break;
      let removeNode: boolean;
      if (maxlen !== null) {
        removeNode = this.length - entries >= maxlen;
      } else {
        removeNode = node.entries[node.entries.length - 1].id < minid!;
      }
      if (removeNode) {
        this.dropNode(0);
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      let deletedFromNode = 0;
      for (const e of node.entries) {
        if (e.deleted) continue;
        if (maxlen !== null) {
          if (this.length <= maxlen) break;
        } else if (e.id >= minid!) break;
        e.deleted = true;
        node.live--;
        this.length--;
        deleted++;
        deletedFromNode++;
      }
      if (node.live === 0) this.dropNode(0);
      break;
    }
    if (deleted > 0) {
      this.firstId = this.length === 0 ? 0n : this.edgeId(true);
    }
    return deleted;
  }

  /** Remove node `i` (emptied, or trimmed whole) and release its memory. */
  private dropNode(i: number): void {
    const node = this.nodes[i];
    if (i === 0) this.nodes.shift();
    else this.nodes.splice(i, 1);
    this.raxNodes = -1;
    memAdjust(this, -node.mem);
  }

  /** streamLookupCG(). */
  group(name: string): StreamCG | undefined {
    return this.cgroups?.get(name);
  }

  /** streamCreateCG(): undefined if the group exists. */
  createGroup(name: string, id: StreamID, entriesRead: number): StreamCG | undefined {
    const groups = this.groupsMap();
    if (groups.has(name)) return undefined;
    const cg: StreamCG = { lastId: id, entriesRead, pel: new IdMap(this, GROUP_PEL_ENTRY_BYTES), consumers: new Map() };
    groups.set(name, cg);
    memAdjust(this, groupMem(name));
    return cg;
  }

  /** The groups' map, made (and charged) on first use; it stays once made. */
  private groupsMap(): Map<string, StreamCG> {
    if (this.cgroups === null) {
      this.cgroups = new Map();
      memAdjust(this, MAP_BYTES);
    }
    return this.cgroups;
  }

  /** XGROUP DESTROY: false if there is no such group. */
  destroyGroup(name: string): boolean {
    const cg = this.cgroups?.get(name);
    if (cg === undefined) return false;
    for (const consumer of [...cg.consumers.values()]) this.removeConsumer(cg, consumer);
    this.cgroups!.delete(name);
    memAdjust(this, -groupMem(name));
    return true;
  }

  /** streamCreateConsumer() once its absence is checked. */
  addConsumer(cg: StreamCG, name: string, seenTime: number): StreamConsumer {
    const sc: StreamConsumer = { name, seenTime, pel: new IdMap(this, IDMAP_ENTRY_BYTES) };
    cg.consumers.set(name, sc);
    memAdjust(this, consumerMem(name));
    return sc;
  }

  /** streamDelConsumer(): its pending entries leave the group's PEL too. */
  removeConsumer(cg: StreamCG, consumer: StreamConsumer): void {
    for (const id of consumer.pel.allKeys()) {
      cg.pel.delete(id);
      consumer.pel.delete(id);
    }
    cg.consumers.delete(consumer.name);
    memAdjust(this, -consumerMem(consumer.name));
  }

  /** Groups sorted by name (the rax order). */
  sortedGroups(): [string, StreamCG][] {
    if (this.cgroups === null) return [];
    return [...this.cgroups].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}

/** Consumers sorted by name (the rax order). */
export function sortedConsumers(cg: StreamCG): StreamConsumer[] {
  return [...cg.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
