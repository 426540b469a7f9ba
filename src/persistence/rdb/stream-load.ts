/**
 * Loading streams from RDB files (rdbLoadObject() for
 * RDB_TYPE_STREAM_LISTPACKS and RDB_TYPE_STREAM_LISTPACKS_2): the node
 * listpacks keyed by their 128-bit master IDs, the stream metadata, and the
 * consumer groups with their global PELs and consumers.
 *
 * Each node listpack is decoded into entries, so its layout (master entry,
 * flags, ID deltas, fields, lp-count) is always checked, as Redis does only
 * with sanitize-dump-payload; with it, the listpack header count is checked
 * too. Whatever Nodis relies on (IDs ascending within and across nodes,
 * node counters and stream length matching the entries, every PEL entry
 * owned by one consumer) is checked as well, so a corrupt payload is an
 * RdbLoadError and never a broken stream.
 */
import { IdMap, RStream, SCG_INVALID_ENTRIES_READ } from '../../store/stream.js';
import type { StreamID, StreamEntry, StreamCG, StreamNACK, StreamConsumer } from '../../store/stream.js';
import type { RdbInput } from './reader.js';
import { parseListpack } from './decode.js';
import { RDB_TYPE_STREAM_LISTPACKS_2 } from './constants.js';

const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;
const U64 = (1n << 64n) - 1n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const INT_RE = /^(0|-?[1-9][0-9]*)$/;

const LP_CORRUPT = 'Stream listpack integrity check failed.';

/** lpGetIntegerIfValid(): the element as an int64, or null. */
function lpInt(s: string | undefined): bigint | null {
  if (s === undefined || s.length > 20 || !INT_RE.test(s)) return null;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? null : v;
}

interface LoadedNode {
  masterId: StreamID;
  masterFields: string[];
  entries: StreamEntry[];
  live: number;
  bytes: number;
}

/**
 * One node's listpack as entries (streamValidateListpackIntegrity() with
 * the deep checks), or null when its layout is wrong.
 */
function decodeNode(items: string[], masterId: StreamID): Omit<LoadedNode, 'bytes'> | null {
  let p = 0;
  const count = lpInt(items[p++]);
  const deleted = lpInt(items[p++]);
  const mfCount = lpInt(items[p++]);
  if (count === null || deleted === null || mfCount === null) return null;
  if (count < 0n || deleted < 0n || mfCount < 0n) return null;
  const total = count + deleted;
  // Every entry takes at least 4 elements (flags, 2 deltas, lp-count).
  if (mfCount > BigInt(items.length) || total * 4n > BigInt(items.length)) return null;
  const nmf = Number(mfCount);
  if (p + nmf > items.length) return null;
  const masterFields = items.slice(p, p + nmf);
  p += nmf;
  if (lpInt(items[p++]) !== 0n) return null;
  const masterMs = masterId >> 64n;
  const masterSeq = masterId & U64;
  const entries: StreamEntry[] = [];
  let live = 0;
  for (let n = Number(total); n > 0; n--) {
    const flags = lpInt(items[p++]);
    const dms = lpInt(items[p++]);
    const dseq = lpInt(items[p++]);
    if (flags === null || dms === null || dseq === null) return null;
    let fields = nmf;
    let extra = 3;
    const same = (flags & BigInt(FLAG_SAMEFIELDS)) !== 0n;
    let fv: string[];
    if (!same) {
      // Field and value pairs.
      const nf = lpInt(items[p++]);
      if (nf === null || nf < 0n || nf * 2n > BigInt(items.length - p)) return null;
      fields = Number(nf);
      fv = items.slice(p, p + fields * 2);
      p += fields * 2;
      extra += fields + 1;
    } else {
      // Values only, for the master entry's fields.
      if (p + fields > items.length) return null;
      fv = new Array<string>(fields * 2);
      for (let i = 0; i < fields; i++) {
        fv[i * 2] = masterFields[i];
        fv[i * 2 + 1] = items[p++];
      }
    }
    const lpCount = lpInt(items[p++]);
    if (lpCount === null || lpCount !== BigInt(fields + extra)) return null;
    const id = (BigInt.asUintN(64, masterMs + dms) << 64n) | BigInt.asUintN(64, masterSeq + dseq);
    const isDeleted = (flags & BigInt(FLAG_DELETED)) !== 0n;
    if (!isDeleted) live++;
    entries.push({ id, fv, deleted: isDeleted });
  }
  if (p !== items.length) return null;
  if (BigInt(live) !== count) return null;
  return { masterId, masterFields, entries, live };
}

function readId(inp: RdbInput): StreamID {
  const b = inp.bytes(16);
  return (b.readBigUInt64BE(0) << 64n) | b.readBigUInt64BE(8);
}

function readMs(inp: RdbInput): number {
  return Number(inp.bytes(8).readBigInt64LE(0));
}

function readIdPair(inp: RdbInput): StreamID {
  const ms = inp.lenBig();
  const seq = inp.lenBig();
  return (ms << 64n) | seq;
}

/** streamEstimateDistanceFromFirstEverEntry(), for groups saved without entries_read. */
function estimateDistance(s: RStream, id: StreamID): number {
  if (!s.entriesAdded) return 0;
  if (!s.length && id <= s.lastId) return s.entriesAdded;
  if (id === s.lastId) return s.entriesAdded;
  if (id > s.lastId) return SCG_INVALID_ENTRIES_READ;
  if (s.maxDeletedId === 0n || s.maxDeletedId < s.firstId) {
    if (id < s.firstId) return s.entriesAdded - s.length;
    if (id === s.firstId) return s.entriesAdded - s.length + 1;
  }
  return SCG_INVALID_ENTRIES_READ;
}

/**
 * Read a stream value of RDB type 15 or 19. `deep` enables the checks
 * sanitize-dump-payload adds; `sanitizing` is called once per node
 * listpack deep-checked.
 */
export function loadStream(type: number, inp: RdbInput, deep: boolean, sanitizing: () => void): RStream {
  const s = new RStream();
  const listpacks = inp.count();
  const nodes: LoadedNode[] = [];
  for (let i = 0; i < listpacks; i++) {
    const key = inp.stringBytes();
    if (key.length !== 16) inp.corrupt('Stream node key entry is not the size of a stream ID');
    const masterId = (key.readBigUInt64BE(0) << 64n) | key.readBigUInt64BE(8);
    const data = inp.stringBytes();
    sanitizing();
    const items = parseListpack(data, deep);
    if (items === null) inp.corrupt(LP_CORRUPT);
    if (items.length === 0) inp.corrupt('Empty listpack inside stream');
    const node = decodeNode(items, masterId);
    if (node === null) inp.corrupt(LP_CORRUPT);
    nodes.push({ ...node, bytes: data.length });
  }
  // The radix tree orders nodes by master ID.
  nodes.sort((a, b) => (a.masterId < b.masterId ? -1 : a.masterId > b.masterId ? 1 : 0));
  for (let i = 1; i < nodes.length; i++) {
    if (nodes[i].masterId === nodes[i - 1].masterId) inp.corrupt('Listpack re-added with existing key');
  }
  // Entries must ascend, each inside its node's key range.
  let prev: StreamID | null = null;
  let liveTotal = 0;
  for (let i = 0; i < nodes.length; i++) {
    const next = i + 1 < nodes.length ? nodes[i + 1].masterId : null;
    for (const e of nodes[i].entries) {
      if (e.id < nodes[i].masterId || (next !== null && e.id >= next) || (prev !== null && e.id <= prev)) {
        inp.corrupt(LP_CORRUPT);
      }
      prev = e.id;
    }
    liveTotal += nodes[i].live;
  }
  s.setNodes(nodes.map((n) => ({ ...n, mem: 0 })));

  s.length = Number(inp.lenBig());
  s.lastId = readIdPair(inp);
  if (type === RDB_TYPE_STREAM_LISTPACKS_2) {
    s.firstId = readIdPair(inp);
    s.maxDeletedId = readIdPair(inp);
    s.entriesAdded = Number(inp.lenBig());
  } else {
    s.maxDeletedId = 0n;
    s.entriesAdded = s.length;
    s.firstId = s.edgeId(true);
  }
  if (s.length && nodes.length === 0) inp.corrupt('Stream length inconsistent with rax entries');
  if (s.length !== liveTotal) inp.corrupt('Stream length inconsistent with rax entries');
  if (prev !== null && prev > s.lastId) inp.corrupt('Stream last ID smaller than its entries');

  const groups = inp.count();
  for (let g = 0; g < groups; g++) {
    const name = inp.string();
    const cgId = readIdPair(inp);
    let entriesRead: number;
    if (type === RDB_TYPE_STREAM_LISTPACKS_2) {
      entriesRead = Number(BigInt.asIntN(64, inp.lenBig()));
    } else {
      entriesRead = estimateDistance(s, cgId);
    }
    const cg: StreamCG | undefined = s.createGroup(name, cgId, entriesRead);
    if (cg === undefined) inp.corrupt(`Duplicated consumer group name ${name}`);
    const pelSize = inp.count();
    // An IdMap, not a Map: V8 hashes BigInt IDs by their sequence part only.
    const pending = new IdMap<{ deliveryTime: number; deliveryCount: number; owner: StreamConsumer | null }>();
    for (let i = 0; i < pelSize; i++) {
      const id = readId(inp);
      const deliveryTime = readMs(inp);
      const deliveryCount = Number(inp.lenBig());
      if (!pending.set(id, { deliveryTime, deliveryCount, owner: null })) {
        inp.corrupt('Duplicated global PEL entry loading stream consumer group');
      }
    }
    const consumers = inp.count();
    for (let i = 0; i < consumers; i++) {
      const cname = inp.string();
      if (cg.consumers.has(cname)) inp.corrupt('Duplicate stream consumer detected.');
      const consumer: StreamConsumer = s.addConsumer(cg, cname, readMs(inp));
      const cpel = inp.count();
      for (let j = 0; j < cpel; j++) {
        const id = readId(inp);
        const nack = pending.get(id);
        if (nack === undefined) inp.corrupt('Consumer entry not found in group global PEL');
        const cur = nack.owner;
        if (cur === consumer) inp.corrupt('Duplicated consumer PEL entry  loading a stream consumer group');
        if (cur !== null) inp.corrupt('Stream PEL entry owned by more than one consumer');
        nack.owner = consumer;
      }
    }
    // Nodis keeps every NACK linked to its consumer: an orphan is corrupt
    // even without deep sanitization.
    for (const [id, p] of pending.entries()) {
      const o = p.owner;
      if (o === null) inp.corrupt('Stream CG PEL entry without consumer');
      const nack: StreamNACK = { deliveryTime: p.deliveryTime, deliveryCount: p.deliveryCount, consumer: o };
      cg.pel.set(id, nack);
      o.pel.set(id, nack);
    }
  }
  return s;
}
