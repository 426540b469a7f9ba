/**
 * A point-in-time snapshot of the keyspace, serialized while the server
 * keeps serving: the fork-less counterpart of Redis's BGSAVE child.
 *
 * At begin() every non-empty db's dict and expires tables are captured and a
 * DictCow observer is installed on the dict. step() then walks the dict's
 * slot arrays in order (slot indexes survive incremental rehashing, and a
 * dict being snapshotted is never compacted), serializing each live entry.
 * Before any change to an entry the walk has not reached yet (write lookup,
 * overwrite, delete, expiry, TTL change: every such path in Db calls
 * cow.preserve(slot)), that entry is serialized at once with its current,
 * still original, value and TTL, and its slot is marked so the walk skips
 * it. Entries inserted after begin() are marked as they take a slot (or sit
 * beyond the captured slot count), so they never appear. FLUSHDB/FLUSHALL
 * leave the captured tables to the snapshot (Db.clear() swaps in new ones)
 * and SWAPDB moves the tables with their observers, so both cost nothing.
 *
 * Bookkeeping is one bit per captured slot (128 KB for a million keys).
 * Keys of a db touched while the walk is in another db's section go out
 * under their own SELECTDB; a loader just follows the db switches.
 */
import type { Dict, DictCow } from '../store/dict.js';
import type { RValue } from '../store/types.js';
import type { Db } from '../store/db.js';
import type { Config } from '../server/config.js';
import type { KeyUsageInfo } from './rdb/writer.js';

/** The part of RdbWriter the snapshot drives (header and EOF are the caller's). */
export interface SnapshotWriter {
  writeSelectDb(id: number, dbSize: number, expiresSize: number): void;
  writeKeyValue(key: string, value: RValue, expireMs: number, cfg: Config, usage?: KeyUsageInfo): void;
  /** Bytes produced since the last take(). */
  take(): Buffer;
  /**
   * When present, used instead of take(): hands the pending bytes to `fn`
   * as a view that is only valid during the call, and keeps the buffer for
   * what follows (no garbage buffer per chunk over a long save).
   */
  drain?(fn: (chunk: Buffer) => void): void;
  readonly pending: number;
}

export interface SnapshotOptions {
  writer: SnapshotWriter;
  /** Encoding thresholds passed to writeKeyValue(). */
  cfg: Config;
  /**
   * Receives the serialized bytes, in order, as they accumulate. The chunk
   * may be a view of the writer's buffer: consume it before returning.
   */
  out: (chunk: Buffer) => void;
  /** Hand bytes to `out` once this many are pending (default 256 KB). */
  flushBytes?: number;
  /** The IDLE/FREQ information of a key from its LRU/LFU word (when the eviction policy keeps it). */
  usage?: ((meta: number) => KeyUsageInfo | undefined) | null;
}

/** One captured db: the tables as they were at begin(), and the walk's position. */
class SnapDb implements DictCow {
  /** Slots at begin(); higher slots only hold keys created later. */
  readonly top: number;
  /** Next slot the walk visits; every slot below it is done. */
  cursor = 0;
  /** One bit per slot below `top`: saved ahead of the walk, or created after begin(). */
  readonly marks: Uint8Array;

  constructor(
    readonly snap: KeyspaceSnapshot,
    readonly id: number,
    readonly dict: Dict<RValue>,
    readonly expires: Dict<number>,
    readonly size: number,
    readonly expiresSize: number,
  ) {
    this.top = dict.slotTop;
    this.marks = new Uint8Array((this.top + 7) >>> 3);
  }

  preserve(slot: number): void {
    if (slot < this.cursor || slot >= this.top) return;
    const b = slot >>> 3;
    const m = 1 << (slot & 7);
    if (this.marks[b] & m) return;
    this.marks[b] |= m;
    this.snap.saveEntry(this, slot);
  }

  inserted(slot: number): void {
    if (slot >= this.cursor && slot < this.top) this.marks[slot >>> 3] |= 1 << (slot & 7);
  }

  detach(): void {
    if (this.dict.cow === this) this.dict.cow = null;
  }
}

export class KeyspaceSnapshot {
  private readonly writer: SnapshotWriter;
  private readonly cfg: Config;
  private readonly out: (chunk: Buffer) => void;
  private readonly flushBytes: number;
  private readonly usage: ((meta: number) => KeyUsageInfo | undefined) | null;
  private dbs: SnapDb[] = [];
  /** Index in `dbs` of the db being walked. */
  private di = 0;
  /** Db id of the last SELECTDB written, -1 before the first. */
  private section = -1;
  private active = false;
  /** Keys in the captured tables (INFO current_save_keys_total). */
  keysTotal = 0;
  /** Keys written so far, by the walk or ahead of it. */
  keysProcessed = 0;
  /** Keys written ahead of the walk because they were about to change. */
  keysPreserved = 0;

  constructor(opts: SnapshotOptions) {
    this.writer = opts.writer;
    this.cfg = opts.cfg;
    this.out = opts.out;
    this.flushBytes = opts.flushBytes ?? 256 * 1024;
    this.usage = opts.usage ?? null;
  }

  /**
   * Capture the dbs and start observing changes (throws if another snapshot
   * observes them). `observe` false is for a snapshot written to the end
   * before anything else runs (SAVE): nothing can change meanwhile.
   */
  begin(dbs: readonly Db[], observe = true): void {
    if (observe) {
      for (const db of dbs) {
        if (db.dict.cow !== null) throw new Error('another snapshot of the keyspace is in progress');
      }
    }
    for (const db of dbs) {
      if (db.dict.size === 0) continue;
      const d = new SnapDb(this, db.id, db.dict, db.expires, db.dict.size, db.expires.size);
      this.keysTotal += d.size;
      this.dbs.push(d);
    }
    if (observe) for (const d of this.dbs) d.dict.cow = d;
    this.active = true;
  }

  get done(): boolean {
    return this.di >= this.dbs.length;
  }

  /**
   * Walk until `deadline` (performance.now() ms) or `maxKeys` keys were
   * written. Returns true once every db is written (the observers are then
   * removed and all bytes handed to `out`).
   */
  step(deadline: number, maxKeys = Infinity): boolean {
    let written = 0;
    while (this.di < this.dbs.length) {
      const d = this.dbs[this.di];
      const dict = d.dict;
      const marks = d.marks;
      const top = d.top;
      let s = d.cursor;
      while (s < top) {
        const key = dict.slotKey(s);
        if (key !== undefined && (marks[s >>> 3] & (1 << (s & 7))) === 0) {
          d.cursor = s + 1;
          this.write(d, key, s);
          if (this.writer.pending >= this.flushBytes) this.flush(true);
          written++;
          if (written >= maxKeys || ((written & 15) === 0 && performance.now() >= deadline)) {
            this.flush(false);
            return false;
          }
        }
        s++;
      }
      d.cursor = top;
      d.detach();
      this.di++;
    }
    this.active = false;
    this.flush(true);
    return true;
  }

  /**
   * step() at the pace of a forked child sleeping `delayUs` per key
   * (rdb-key-save-delay) since `t0` (performance.now()); with no delay,
   * step() itself. The keys written ahead of the walk (changed meanwhile)
   * count too: the child never sees the changes, so the save takes as long
   * however many there are. Null when no key is due yet.
   */
  stepPaced(t0: number, delayUs: number, deadline: number): boolean | null {
    if (delayUs <= 0) return this.step(deadline);
    const due = Math.floor(((performance.now() - t0) * 1000) / delayUs) + 1;
    const allowed = due - this.keysProcessed;
    return allowed > 0 ? this.step(deadline, allowed) : null;
  }

  /** Write everything now (SAVE). */
  runToEnd(): void {
    while (!this.step(Infinity, 4096));
  }

  /** Stop observing; the snapshot is abandoned. */
  abort(): void {
    for (const d of this.dbs) d.detach();
    this.di = this.dbs.length;
    this.active = false;
  }

  get isActive(): boolean {
    return this.active;
  }

  /** cow.preserve(): save the entry at `slot` ahead of the walk. */
  saveEntry(d: SnapDb, slot: number): void {
    this.keysPreserved++;
    this.write(d, d.dict.slotKey(slot)!, slot);
    if (this.writer.pending >= this.flushBytes) this.flush(false);
  }

  private write(d: SnapDb, key: string, slot: number): void {
    if (this.section !== d.id) {
      this.writer.writeSelectDb(d.id, d.size, d.expiresSize);
      this.section = d.id;
    }
    const when = d.expires.size === 0 ? undefined : d.expires.get(key);
    const dict = d.dict;
    const usage = this.usage === null ? undefined : this.usage(dict.meta[slot]);
    this.writer.writeKeyValue(key, dict.valueAt(slot), when === undefined ? -1 : when, this.cfg, usage);
    this.keysProcessed++;
  }

  private flush(all: boolean): void {
    const w = this.writer;
    if (w.pending === 0 || (!all && w.pending < this.flushBytes)) return;
    if (w.drain !== undefined) w.drain(this.out);
    else this.out(w.take());
  }
}
