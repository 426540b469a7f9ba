/**
 * Streams in RDB files (rdbSaveObject() for OBJ_STREAM, type
 * RDB_TYPE_STREAM_LISTPACKS_2): each node as its 128-bit big-endian key and
 * its listpack (master entry, then entries as deltas from the master ID),
 * the stream's metadata, and the consumer groups with their PELs.
 */
import type { RStream, StreamID } from '../../store/stream.js';
import { ListpackBuilder } from './listpack.js';
import { ByteOut, saveLen, saveRawString } from './writer.js';

const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;
const MASK = (1n << 64n) - 1n;

function idKey(id: StreamID): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(id >> 64n, 0);
  b.writeBigUInt64BE(id & MASK, 8);
  return b;
}

function ms(id: StreamID): bigint {
  return id >> 64n;
}

function seq(id: StreamID): bigint {
  return id & MASK;
}

/** A bigint as a number when exact (the writers pick the narrowest encoding for numbers). */
function num(v: bigint): number | bigint {
  return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
}

function saveMs(out: ByteOut, t: number): void {
  out.ensure(8);
  out.buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(t)), out.pos);
  out.pos += 8;
}

/** The listpack Redis holds for one stream node. */
function nodeListpack(node: RStream['nodes'][number]): Buffer {
  const lp = new ListpackBuilder();
  const mf = node.masterFields;
  lp.addInt(node.live);
  lp.addInt(node.entries.length - node.live);
  lp.addInt(mf.length);
  for (const f of mf) lp.add(f);
  lp.addInt(0);
  for (const e of node.entries) {
    const n = e.fv.length / 2;
    let same = n === mf.length;
    for (let i = 0; same && i < n; i++) if (e.fv[i * 2] !== mf[i]) same = false;
    lp.addInt((same ? FLAG_SAMEFIELDS : 0) | (e.deleted ? FLAG_DELETED : 0));
    lp.addInt(num(BigInt.asIntN(64, ms(e.id) - ms(node.masterId))));
    lp.addInt(num(BigInt.asIntN(64, seq(e.id) - seq(node.masterId))));
    if (!same) lp.addInt(n);
    for (let i = 0; i < n; i++) {
      if (!same) lp.add(e.fv[i * 2]);
      lp.add(e.fv[i * 2 + 1]);
    }
    lp.addInt(n + 3 + (same ? 0 : n + 1));
  }
  return lp.encode();
}

/** rdbSaveObject() of a stream (the payload after the type byte). */
export function saveStream(out: ByteOut, s: RStream, compress: boolean): void {
  saveLen(out, s.nodes.length);
  for (const node of s.nodes) {
    saveRawString(out, idKey(node.masterId), compress);
    saveRawString(out, nodeListpack(node), compress);
  }
  saveLen(out, s.length);
  saveLen(out, num(ms(s.lastId)));
  saveLen(out, num(seq(s.lastId)));
  saveLen(out, num(ms(s.firstId)));
  saveLen(out, num(seq(s.firstId)));
  saveLen(out, num(ms(s.maxDeletedId)));
  saveLen(out, num(seq(s.maxDeletedId)));
  saveLen(out, s.entriesAdded);
  const groups = s.sortedGroups();
  saveLen(out, groups.length);
  for (const [name, cg] of groups) {
    saveRawString(out, name, compress);
    saveLen(out, num(ms(cg.lastId)));
    saveLen(out, num(seq(cg.lastId)));
    saveLen(out, num(BigInt.asUintN(64, BigInt(cg.entriesRead))));
    saveLen(out, cg.pel.size);
    for (const [id, nack] of cg.pel.entries()) {
      const k = idKey(id);
      out.ensure(16);
      k.copy(out.buf, out.pos);
      out.pos += 16;
      saveMs(out, nack.deliveryTime);
      saveLen(out, nack.deliveryCount);
    }
    const consumers = [...cg.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    saveLen(out, consumers.length);
    for (const sc of consumers) {
      saveRawString(out, sc.name, compress);
      saveMs(out, sc.seenTime);
      const cp = sc.pel.allKeys();
      saveLen(out, cp.length);
      for (const id of cp) {
        const k = idKey(id);
        out.ensure(16);
        k.copy(out.buf, out.pos);
        out.pos += 16;
      }
    }
  }
}
