/**
 * One logical database: the main dict plus the expires dict, with Redis's
 * lookup semantics (db.c): lazy expiry on access, LRU clock updates,
 * keyspace hit/miss stats, and the hooks that notify watchers, keyspace
 * event subscribers and the propagation layer.
 */
import { Dict } from './dict.js';
import { isObject, type RString, type RValue } from './types.js';
import { privateCopy, viewInPlace } from './encoding.js';
import { MemAccount, chargeEntry, releaseEntry, replaceValue } from './memcost.js';

/** What a database needs from the server around it. */
export interface KeyspaceContext {
  now(): number;
  /** 24-bit LRU clock in seconds (LRU_CLOCK()). */
  lruClock(): number;
  /** The LRU/LFU word of a key after an access (LRU clock, or updateLFU()). */
  touchMeta(meta: number): number;
  /** The LRU/LFU word of a new key (createObject()). */
  initialMeta(): number;
  /**
   * The word of a key whose value is replaced (dbSetValue()): the new
   * object's LRU clock, but the LFU data carries over.
   */
  overwriteMeta?(meta: number): number;
  /** True while this server is a replica: keys expire only via the primary. */
  isReplica(): boolean;
  /** A replica with replica-read-only yes (writes may not delete expired keys); isReplica() when absent. */
  isReadOnlyReplica?(): boolean;
  /** True while the current client is the primary link (never expire). */
  applyingFromPrimary(): boolean;
  /** True while loading a dataset (nothing expires). */
  isLoading(): boolean;
  /** True while clients are paused for writes (expiry is deferred). */
  writesPaused(): boolean;
  /** Called after an expired key was deleted (stats, event, propagate DEL). */
  onExpired(db: Db, key: string): void;
  onKeyHit(): void;
  /**
   * A lookup missed: count it in the keyspace stats and/or fire the
   * "keymiss" event, as the lookup flags allow (both when omitted).
   */
  onKeyMiss(db: Db, key: string, countStats?: boolean, notify?: boolean): void;
  /**
   * dictExpandAllowed(): may the keyspace's bucket table grow by
   * `moreBytes` at this load factor (not when that crosses maxmemory)?
   */
  dictExpandAllowed?(moreBytes: number, usedRatio: number): boolean;
  /** A key was created (dbAdd()): clients blocked on it may be served. */
  signalKeyAsReady?(db: Db, key: string, val: RValue): void;
  /** SWAPDB exchanged the contents of two dbs. */
  dbsSwapped?(a: Db, b: Db): void;
  /** A key got a TTL (a writable replica tracks the keys its own clients set to expire). */
  expireSet?(db: Db, key: string): void;
}

export const LOOKUP_NONE = 0;
export const LOOKUP_NOTOUCH = 1 << 0;
export const LOOKUP_NONOTIFY = 1 << 1;
export const LOOKUP_NOSTATS = 1 << 2;
export const LOOKUP_WRITE = 1 << 3;
export const LOOKUP_NOEXPIRE = 1 << 4;

export class Db {
  readonly dict = new Dict<RValue>();
  /** key -> absolute unix time in ms. */
  readonly expires = new Dict<number>();
  /** Running estimate of the average TTL (INFO keyspace avg_ttl). */
  avgTtl = 0;
  /** Cursor of the active expire cycle over `expires`. */
  expiresCursor = 0;
  /**
   * Exact expire times of keys whose time is beyond 2^53 ms (the expires
   * dict holds them rounded to a double); null while there is none.
   */
  private bigExpires: Map<string, bigint> | null = null;
  /**
   * Estimated bytes of the keys and values (store/memory.ts): charged as
   * keys come and go, and by collections as they change in place.
   */
  mem = new MemAccount();

  constructor(
    public id: number,
    private ctx: KeyspaceContext,
  ) {
    this.initTables();
  }

  /** The keyspace's tables grow as any dict but shrink from the cron only (tryResizeHashTables()). */
  private initTables(): void {
    this.dict.expandAllowed = this.expandAllowed;
    this.dict.shrinkOnDelete = false;
    this.expires.shrinkOnDelete = false;
  }

  private readonly expandAllowed = (moreBytes: number, usedRatio: number): boolean =>
    this.ctx.dictExpandAllowed === undefined || this.ctx.dictExpandAllowed(moreBytes, usedRatio);

  get size(): number {
    return this.dict.size;
  }

  /** Replace the context (SWAPDB keeps ids, tests swap clocks). */
  setContext(ctx: KeyspaceContext): void {
    this.ctx = ctx;
  }

  // ---- expiry ------------------------------------------------------------

  getExpire(key: string): number {
    const when = this.expires.get(key);
    return when === undefined ? -1 : when;
  }

  setExpire(key: string, when: number): void {
    if (this.dict.cow !== null) this.preserve(key);
    this.expires.set(key, when);
    if (this.bigExpires !== null) this.bigExpires.delete(key);
    this.ctx.expireSet?.(this, key);
  }

  /** setExpire() with an exact int64 time (EXPIREAT far in the future). */
  setExpireExact(key: string, when: bigint): void {
    if (this.dict.cow !== null) this.preserve(key);
    const n = Number(when);
    if (Number.isSafeInteger(n)) {
      this.setExpire(key, n);
      return;
    }
    this.expires.set(key, n);
    if (this.bigExpires === null) this.bigExpires = new Map();
    this.bigExpires.set(key, when);
    this.ctx.expireSet?.(this, key);
  }

  /** getExpire() as an exact int64; -1n when the key has no TTL. */
  getExpireExact(key: string): bigint {
    const when = this.expires.get(key);
    if (when === undefined) return -1n;
    if (this.bigExpires !== null && !Number.isSafeInteger(when)) {
      const exact = this.bigExpires.get(key);
      if (exact !== undefined && Number(exact) === when) return exact;
    }
    return BigInt(when);
  }

  removeExpire(key: string): boolean {
    if (this.dict.cow !== null) this.preserve(key);
    if (this.bigExpires !== null) this.bigExpires.delete(key);
    return this.expires.delete(key) !== undefined;
  }

  keyIsExpired(key: string): boolean {
    if (this.expires.size === 0) return false;
    const when = this.expires.get(key);
    if (when === undefined) return false;
    if (this.ctx.isLoading()) return false;
    return this.ctx.now() > when;
  }

  /**
   * Delete `key` if it is logically expired. Returns true when the key is
   * to be treated as missing (expireIfNeeded()).
   */
  expireIfNeeded(key: string, forceDelete: boolean, avoidDelete = false): boolean {
    if (!this.keyIsExpired(key)) return false;
    if (this.ctx.isReplica()) {
      if (this.ctx.applyingFromPrimary()) return false;
      if (!forceDelete) return true;
    }
    if (avoidDelete) return true;
    if (this.ctx.writesPaused()) return true;
    this.deleteExpired(key);
    return true;
  }

  /** deleteExpiredKeyAndPropagate(). */
  deleteExpired(key: string): void {
    this.delete(key);
    this.ctx.onExpired(this, key);
  }

  // ---- lookups -----------------------------------------------------------

  /**
   * The key of the last lookup or store and its slot: a command that looks
   * a key up and then stores its new value (INCR, APPEND), or the next
   * command on the same key, finds it without a second search. Checked
   * against the slot's key before use (slots do not move when the table
   * grows).
   */
  private hintKey: string | null = null;
  private hintSlot = -1;

  /** dict.find(), answered from the lookup hint when it still holds. */
  private findSlot(key: string): number {
    const s = this.hintSlot;
    if (this.hintKey === key && this.dict.slotKey(s) === key) return s;
    return this.dict.find(key);
  }

  /** lookupKey() with Redis's LOOKUP_* flags. */
  lookup(key: string, flags: number): RValue | undefined {
    let slot = this.findSlot(key);
    if (slot !== -1 && this.expires.size > 0) {
      // Writes may delete an expired key, except on a read-only replica.
      const isRoReplica = this.ctx.isReadOnlyReplica !== undefined ? this.ctx.isReadOnlyReplica() : this.ctx.isReplica();
      if (this.expireIfNeeded(key, (flags & LOOKUP_WRITE) !== 0 && !isRoReplica, (flags & LOOKUP_NOEXPIRE) !== 0)) {
        slot = -1;
      }
    }
    if (slot !== -1) {
      // A write lookup may change the value in place: a snapshot keeps the old one.
      if ((flags & LOOKUP_WRITE) !== 0 && this.dict.cow !== null) this.dict.cow.preserve(slot);
      if ((flags & LOOKUP_NOTOUCH) === 0) this.dict.meta[slot] = this.ctx.touchMeta(this.dict.meta[slot]);
      if ((flags & (LOOKUP_NOSTATS | LOOKUP_WRITE)) === 0) this.ctx.onKeyHit();
      this.hintKey = key;
      this.hintSlot = slot;
      return this.dict.valueAt(slot);
    }
    const stats = (flags & (LOOKUP_NOSTATS | LOOKUP_WRITE)) === 0;
    const notify = (flags & (LOOKUP_NONOTIFY | LOOKUP_WRITE)) === 0;
    if (stats || notify) this.ctx.onKeyMiss(this, key, stats, notify);
    return undefined;
  }

  lookupRead(key: string, flags = LOOKUP_NONE): RValue | undefined {
    return this.lookup(key, flags);
  }

  lookupWrite(key: string, flags = LOOKUP_NONE): RValue | undefined {
    return this.lookup(key, flags | LOOKUP_WRITE);
  }

  /** Existence without touching LRU or stats (but expiring lazily). */
  exists(key: string): boolean {
    return this.lookup(key, LOOKUP_NOTOUCH | LOOKUP_NOSTATS | LOOKUP_NONOTIFY) !== undefined;
  }

  /** Raw access: no expiry check, no LRU, no stats. */
  peek(key: string): RValue | undefined {
    return this.dict.get(key);
  }

  // ---- writes ------------------------------------------------------------

  /** dbAdd(): the key must not exist. */
  add(key: string, val: RValue): void {
    const slot = this.dict.insertNew(key, val, this.ctx.initialMeta());
    chargeEntry(this.mem, key, val);
    if (this.dict.cow !== null) this.dict.cow.inserted(slot);
    if (typeof val === 'object') this.ctx.signalKeyAsReady?.(this, key, val);
  }

  /** dbOverwrite()/dbAdd(): set the value, keeping any TTL. */
  setValue(key: string, val: RValue): void {
    const slot = this.findSlot(key);
    const cow = this.dict.cow;
    if (slot === -1) {
      const s = this.dict.insertNew(key, val, this.ctx.initialMeta());
      chargeEntry(this.mem, key, val);
      if (cow !== null) cow.inserted(s);
      if (typeof val === 'object') this.ctx.signalKeyAsReady?.(this, key, val);
    } else {
      if (cow !== null) cow.preserve(slot);
      this.streamGone(key, this.dict.valueAt(slot));
      replaceValue(this.mem, this.dict.valueAt(slot), val);
      this.dict.setValueAt(slot, val);
      if (this.ctx.overwriteMeta !== undefined) this.dict.meta[slot] = this.ctx.overwriteMeta(this.dict.meta[slot]);
    }
  }

  /**
   * dbUnshareStringValue() + sdsMakeRoomFor(): the string `cur` stored at
   * `key` as a Buffer that takes writes of up to `minLen` bytes in place,
   * stored back. A longer view of the same allocation replaces the value
   * as Redis's in-place growth does (no charge moves, the key's LRU/LFU
   * meta stays); a new allocation is stored as any overwrite is.
   */
  writableString(key: string, cur: RString, minLen: number): Buffer {
    const view = viewInPlace(cur, minLen);
    if (view === null) {
      const buf = privateCopy(cur, minLen);
      this.setValue(key, buf);
      return buf;
    }
    if (view !== cur) {
      const slot = this.findSlot(key);
      if (this.dict.cow !== null) this.dict.cow.preserve(slot);
      this.dict.setValueAt(slot, view);
    }
    return view;
  }

  /**
   * setKey(): store the value; the TTL is dropped unless keepTtl. The
   * caller signals the modification (watch/tracking) and notifies.
   * Returns true when the key was created.
   */
  setKey(key: string, val: RValue, keepTtl = false): boolean {
    const slot = this.findSlot(key);
    const cow = this.dict.cow;
    if (slot === -1) {
      const s = this.dict.insertNew(key, val, this.ctx.initialMeta());
      chargeEntry(this.mem, key, val);
      if (cow !== null) cow.inserted(s);
      if (typeof val === 'object') this.ctx.signalKeyAsReady?.(this, key, val);
      // The next command on this key (a read after a write) finds it here.
      this.hintKey = key;
      this.hintSlot = s;
      return true;
    } else {
      this.hintKey = key;
      this.hintSlot = slot;
      if (cow !== null) cow.preserve(slot);
      this.streamGone(key, this.dict.valueAt(slot));
      replaceValue(this.mem, this.dict.valueAt(slot), val);
      this.dict.setValueAt(slot, val);
      if (this.ctx.overwriteMeta !== undefined) this.dict.meta[slot] = this.ctx.overwriteMeta(this.dict.meta[slot]);
      if (!keepTtl && this.expires.size > 0) {
        this.expires.delete(key);
        if (this.bigExpires !== null) this.bigExpires.delete(key);
      }
    }
    return false;
  }

  /** dbDelete(): returns true if the key existed. */
  delete(key: string): boolean {
    if (this.dict.cow !== null) this.preserve(key);
    const old = this.dict.delete(key);
    if (old === undefined) return false;
    releaseEntry(this.mem, key, old);
    if (this.expires.size > 0) this.expires.delete(key);
    if (this.bigExpires !== null) this.bigExpires.delete(key);
    this.streamGone(key, old);
    return true;
  }

  /** A stream leaving the keyspace (deleted or overwritten) may unblock XREADGROUP clients. */
  private streamGone(key: string, old: RValue): void {
    if (isObject(old) && old.type === 'stream') this.ctx.signalKeyAsReady?.(this, key, old);
  }

  /**
   * `key`'s value is about to change in place though it was looked up for
   * reading (a blocked client being served): a running snapshot saves it first.
   */
  beforeChange(key: string): void {
    if (this.dict.cow !== null) this.preserve(key);
  }

  /** Copy-on-write: let a running snapshot save `key` before it changes. */
  private preserve(key: string): void {
    const slot = this.dict.find(key);
    if (slot !== -1) this.dict.cow!.preserve(slot);
  }

  /** LRU word of a key (for OBJECT IDLETIME/FREQ), or -1. */
  getMeta(key: string): number {
    const s = this.dict.find(key);
    return s === -1 ? -1 : this.dict.meta[s];
  }

  setMeta(key: string, meta: number): void {
    const s = this.dict.find(key);
    if (s !== -1) this.dict.meta[s] = meta;
  }

  clear(): number {
    const n = this.dict.size;
    if (this.dict.cow !== null) {
      // A snapshot still walks these tables: leave them to it, untouched.
      (this as { dict: Dict<RValue> }).dict = new Dict<RValue>();
      (this as { expires: Dict<number> }).expires = new Dict<number>();
      this.initTables();
    } else {
      this.dict.clear();
      this.expires.clear();
    }
    this.bigExpires = null;
    this.avgTtl = 0;
    this.expiresCursor = 0;
    // A new account: values of the dropped tables no longer charge this db.
    this.mem = new MemAccount();
    return n;
  }

  /** Swap contents with another db (SWAPDB). */
  swapWith(other: Db): void {
    const tmp = { dict: this.dict, expires: this.expires, avgTtl: this.avgTtl, cur: this.expiresCursor, big: this.bigExpires };
    const mem = this.mem;
    this.mem = other.mem;
    other.mem = mem;
    this.bigExpires = other.bigExpires;
    other.bigExpires = tmp.big;
    (this as { dict: Dict<RValue> }).dict = other.dict;
    (this as { expires: Dict<number> }).expires = other.expires;
    this.avgTtl = other.avgTtl;
    this.expiresCursor = other.expiresCursor;
    (other as { dict: Dict<RValue> }).dict = tmp.dict;
    (other as { expires: Dict<number> }).expires = tmp.expires;
    other.avgTtl = tmp.avgTtl;
    other.expiresCursor = tmp.cur;
    this.ctx.dbsSwapped?.(this, other);
  }

  /**
   * One step of the active expire cycle: sample up to `maxKeys` keys with
   * a TTL (walking the expires dict with its scan cursor, as Redis 7 does)
   * and delete the expired ones. Returns [sampled, expired].
   */
  activeExpireStep(maxKeys: number): [number, number] {
    if (this.expires.size === 0) return [0, 0];
    const now = this.ctx.now();
    const expired: string[] = [];
    let sampled = 0;
    let ttlSum = 0;
    let ttlSamples = 0;
    let buckets = 0;
    do {
      this.expiresCursor = this.expires.scan(this.expiresCursor, (key, when) => {
        sampled++;
        if (now > when) expired.push(key);
        else {
          ttlSum += when - now;
          ttlSamples++;
        }
      });
      buckets++;
    } while (sampled < maxKeys && this.expiresCursor !== 0 && buckets < maxKeys * 2);
    for (const key of expired) {
      if (this.keyIsExpired(key)) this.deleteExpired(key);
    }
    if (ttlSamples > 0) {
      const avg = ttlSum / ttlSamples;
      // Redis: db->avg_ttl = (db->avg_ttl/50)*49 + (avg_ttl/50)
      this.avgTtl = this.avgTtl === 0 ? avg : (this.avgTtl / 50) * 49 + avg / 50;
    }
    return [sampled, expired.length];
  }
}
