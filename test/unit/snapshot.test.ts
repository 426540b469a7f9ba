/**
 * The copy-on-write keyspace snapshot (BGSAVE without fork): whatever
 * commands run between the walk's slices, the snapshot holds exactly the
 * keyspace as it was at begin(): values, TTLs, no key created later, no key
 * twice. A recording writer captures each value as it is serialized, so a
 * value changed in place after being written cannot hide a late write.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NodisServer } from '../../src/server/server.js';
import { ManualClock } from '../../src/store/clock.js';
import { silentLogger } from '../../src/server/logger.js';
import type { Client } from '../../src/server/client.js';
import type { RValue } from '../../src/store/types.js';
import { KeyspaceSnapshot, type SnapshotWriter } from '../../src/persistence/snapshot.js';
import { canonValue, pictureOf, sortedPicture, type KeyspacePicture, type CanonEntry } from '../helpers/keyspace.js';
import { RdbWriter, defaultAux } from '../../src/persistence/rdb/writer.js';
import { loadRdb } from '../../src/persistence/rdb/reader.js';

const servers: NodisServer[] = [];

function makeServer(clock = new ManualClock()): NodisServer {
  const s = new NodisServer({ config: { port: '0', save: '' }, logger: silentLogger(), clock });
  servers.push(s);
  return s;
}

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function run(s: NodisServer, c: Client, ...argv: string[]): string {
  s.processCommand(c, argv);
  if (!c.hasPendingOutput()) return '';
  const o = c.takeOutput();
  return typeof o === 'string' ? o : o.map((p) => (typeof p === 'string' ? p : p.latin1Slice())).join('');
}

/** Records what would be serialized, with each value's content at that moment. */
class RecordingWriter implements SnapshotWriter {
  cur = -1;
  selects: number[] = [];
  records: { db: number; key: string; entry: CanonEntry }[] = [];
  private bytes = 0;

  writeSelectDb(id: number): void {
    this.cur = id;
    this.selects.push(id);
    this.bytes += 4;
  }

  writeKeyValue(key: string, value: RValue, expireMs: number): void {
    if (this.cur < 0) throw new Error('key before SELECTDB');
    this.records.push({ db: this.cur, key, entry: { value: canonValue(value), expire: expireMs } });
    this.bytes += 16 + key.length;
  }

  take(): Buffer {
    const b = Buffer.alloc(this.bytes);
    this.bytes = 0;
    return b;
  }

  get pending(): number {
    return this.bytes;
  }

  picture(): KeyspacePicture {
    const p: KeyspacePicture = new Map();
    for (const r of this.records) {
      let m = p.get(r.db);
      if (m === undefined) p.set(r.db, (m = new Map()));
      if (m.has(r.key)) throw new Error(`key ${JSON.stringify(r.key)} of db ${r.db} written twice`);
      m.set(r.key, r.entry);
    }
    return p;
  }
}

function startSnapshot(s: NodisServer): { snap: KeyspaceSnapshot; w: RecordingWriter; expected: KeyspacePicture; out: number[] } {
  const w = new RecordingWriter();
  const out: number[] = [];
  const snap = new KeyspaceSnapshot({ writer: w, cfg: s.config, out: (b) => out.push(b.length), flushBytes: 64 });
  const expected = pictureOf(s);
  snap.begin(s.dbs);
  return { snap, w, expected, out };
}

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BIN = '\xff\x00\xc3';

function fill(s: NodisServer, c: Client, perDb: number): void {
  for (const db of [0, 1, 2]) {
    run(s, c, 'SELECT', String(db));
    for (let i = 0; i < perDb; i++) {
      const k = `k${i}${BIN}`;
      switch (i % 7) {
        case 0:
          run(s, c, 'SET', k, `v${i}${BIN}`);
          break;
        case 1:
          run(s, c, 'SET', k, `v${i}`, 'PX', String(10_000 + i * 100));
          break;
        case 2:
          run(s, c, 'SETRANGE', k, '3', `buf${i}`); // a Buffer value, mutated in place later
          break;
        case 3:
          run(s, c, 'RPUSH', k, 'a', `b${i}`, BIN);
          break;
        case 4:
          run(s, c, 'SADD', k, 'm1', `m${i}`, BIN);
          break;
        case 5:
          run(s, c, 'ZADD', k, '1', 'z1', String(i), `z${i}`);
          break;
        case 6:
          run(s, c, 'HSET', k, 'f', `v${i}`, BIN, BIN);
          break;
      }
    }
  }
  run(s, c, 'SELECT', '0');
}

describe('keyspace snapshot', () => {
  it('without changes writes every key once with its TTL, db by db', () => {
    const s = makeServer();
    const c = s.createClient(null);
    fill(s, c, 40);
    const { snap, w, expected, out } = startSnapshot(s);
    expect(snap.keysTotal).toBe(120);
    expect(s.dbs[0].dict.cow).not.toBeNull();
    snap.runToEnd();
    expect(snap.done).toBe(true);
    expect(sortedPicture(w.picture())).toEqual(sortedPicture(expected));
    expect(w.selects).toEqual([0, 1, 2]);
    expect(snap.keysProcessed).toBe(120);
    expect(out.length).toBeGreaterThan(1);
    for (const db of s.dbs) expect(db.dict.cow).toBeNull();
  });

  it('skips empty dbs and writes nothing for an empty keyspace', () => {
    const s = makeServer();
    const { snap, w } = startSnapshot(s);
    expect(snap.step(Infinity)).toBe(true);
    expect(w.records).toEqual([]);
    expect(w.selects).toEqual([]);
  });

  it('keeps the values at the start through a scripted sequence of changes', () => {
    const clock = new ManualClock();
    const s = makeServer(clock);
    const c = s.createClient(null);
    fill(s, c, 35);
    run(s, c, 'SET', 'ttl-gone', 'x', 'PX', '5');
    const { snap, w, expected } = startSnapshot(s);
    const steps: (() => void)[] = [
      () => run(s, c, 'SET', `k0${BIN}`, 'overwritten'),
      () => run(s, c, 'APPEND', `k2${BIN}`, 'appended in place'),
      () => run(s, c, 'SETRANGE', `k9${BIN}`, '0', 'ZZ'),
      () => run(s, c, 'SETBIT', `k16${BIN}`, '7', '1'),
      () => run(s, c, 'DEL', `k7${BIN}`),
      () => run(s, c, 'EXPIRE', `k14${BIN}`, '100'),
      () => run(s, c, 'PERSIST', `k1${BIN}`),
      () => run(s, c, 'RENAME', `k3${BIN}`, 'renamed'),
      () => run(s, c, 'RENAME', `k21${BIN}`, `k28${BIN}`),
      () => run(s, c, 'RPUSH', `k10${BIN}`, 'pushed'),
      () => run(s, c, 'LPOP', `k17${BIN}`, '10'),
      () => run(s, c, 'SADD', `k4${BIN}`, 'added'),
      () => run(s, c, 'SPOP', `k11${BIN}`),
      () => run(s, c, 'ZINCRBY', `k5${BIN}`, '5', 'z1'),
      () => run(s, c, 'HSET', `k6${BIN}`, 'f', 'changed'),
      () => run(s, c, 'HDEL', `k13${BIN}`, 'f', BIN),
      () => run(s, c, 'SET', 'brand-new', 'created after the start'),
      () => run(s, c, 'MOVE', `k20${BIN}`, '2'),
      () => run(s, c, 'COPY', `k24${BIN}`, 'copied'),
      () => run(s, c, 'SELECT', '1'),
      () => run(s, c, 'SET', `k0${BIN}`, 'db1 overwritten'),
      () => run(s, c, 'SWAPDB', '1', '2'),
      () => run(s, c, 'SET', `k4${BIN}`, 'after swap (db2 tables, now db1)'),
      () => run(s, c, 'DEL', `k5${BIN}`),
      () => run(s, c, 'FLUSHDB'),
      () => run(s, c, 'SET', 'in-flushed-db', 'new'),
      () => run(s, c, 'SELECT', '0'),
      () => clock.advance(20_000), // every PX key of the fill is now stale
      () => run(s, c, 'GET', `k8${BIN}`), // lazy expiry deletes it
      () => s.activeExpireCycle(10),
      () => run(s, c, 'INCR', 'counter'),
      () => run(s, c, 'DEL', 'renamed'),
      () => run(s, c, 'SET', `k7${BIN}`, 're-created'),
      () => run(s, c, 'FLUSHALL'),
      () => run(s, c, 'SET', 'after-flushall', '1'),
    ];
    for (const fn of steps) {
      fn();
      snap.step(Infinity, 2);
    }
    snap.runToEnd();
    expect(sortedPicture(w.picture())).toEqual(sortedPicture(expected));
    expect(snap.keysPreserved).toBeGreaterThan(0);
    // The live keyspace went on: only what was written after FLUSHALL is there.
    expect(run(s, c, 'DBSIZE')).toBe(':1\r\n');
    for (const db of s.dbs) expect(db.dict.cow).toBeNull();
  });

  it('writes a key ahead of the walk only once, and never a key created later in a freed slot', () => {
    const s = makeServer();
    const c = s.createClient(null);
    for (let i = 0; i < 100; i++) run(s, c, 'SET', `key:${i}`, `v${i}`);
    const { snap, w, expected } = startSnapshot(s);
    // Free slots ahead of the walk, then fill them with new keys.
    for (let i = 50; i < 100; i++) run(s, c, 'DEL', `key:${i}`);
    for (let i = 0; i < 50; i++) run(s, c, 'SET', `new:${i}`, 'n');
    snap.step(Infinity, 10);
    for (let i = 0; i < 100; i++) run(s, c, 'APPEND', `key:${i}`, '+');
    snap.runToEnd();
    expect(sortedPicture(w.picture())).toEqual(sortedPicture(expected));
    expect(snap.keysPreserved).toBe(90);
  });

  it('survives table growth, rehashing and mass deletion while the walk runs', () => {
    const s = makeServer();
    const c = s.createClient(null);
    for (let i = 0; i < 3000; i++) run(s, c, 'SET', `key:${i}`, `v${i}`);
    const { snap, w, expected } = startSnapshot(s);
    for (let round = 0; round < 30; round++) {
      // Deleting most keys would compact the slot arrays of a dict nobody walks.
      for (let i = round * 95; i < round * 95 + 95 && i < 3000; i++) run(s, c, 'DEL', `key:${i}`);
      for (let i = 0; i < 400; i++) run(s, c, 'SET', `grow:${round}:${i}`, 'x');
      for (let i = 0; i < 400; i++) run(s, c, 'DEL', `grow:${round}:${i}`);
      s.dbs[0].dict.resizeIfNeeded();
      s.dbs[0].dict.rehashMilliseconds(1);
      snap.step(Infinity, 50);
    }
    snap.runToEnd();
    expect(sortedPicture(w.picture())).toEqual(sortedPicture(expected));
  });

  it('keeps a list that a served blocked client pops from (made ready by SWAPDB)', () => {
    const s = makeServer();
    const c = s.createClient(null);
    const waiter = s.createClient(null);
    run(s, c, 'RPUSH', 'q', 'a', 'b', 'c');
    run(s, waiter, 'SELECT', '1');
    expect(run(s, waiter, 'BLPOP', 'q', '0')).toBe('');
    const { snap, w, expected } = startSnapshot(s);
    // The list moves to db 1 where the client waits: it is served from a read lookup.
    expect(run(s, c, 'SWAPDB', '0', '1')).toBe('+OK\r\n');
    expect(run(s, waiter, 'PING')).toBe('*2\r\n$1\r\nq\r\n$1\r\na\r\n+PONG\r\n');
    snap.runToEnd();
    expect(sortedPicture(w.picture())).toEqual(sortedPicture(expected));
  });

  it('abort() stops observing', () => {
    const s = makeServer();
    const c = s.createClient(null);
    fill(s, c, 10);
    const { snap, w } = startSnapshot(s);
    snap.step(Infinity, 3);
    snap.abort();
    for (const db of s.dbs) expect(db.dict.cow).toBeNull();
    const n = w.records.length;
    run(s, c, 'SET', `k0${BIN}`, 'x');
    run(s, c, 'FLUSHALL');
    expect(w.records.length).toBe(n);
    expect(run(s, c, 'DBSIZE')).toBe(':0\r\n');
  });

  it('refuses a second snapshot while one observes the keyspace', () => {
    const s = makeServer();
    const c = s.createClient(null);
    fill(s, c, 5);
    startSnapshot(s);
    expect(() => startSnapshot(s)).toThrow(/in progress/);
  });

  const FUZZ_CMDS: ((r: () => number, key: () => string) => string[])[] = [
    (r, k) => ['SET', k(), `s${Math.floor(r() * 100)}`],
    (r, k) => ['SET', k(), 'ttl', 'PX', String(1 + Math.floor(r() * 3000))],
    (_r, k) => ['APPEND', k(), BIN],
    (r, k) => ['SETRANGE', k(), String(Math.floor(r() * 6)), 'R'],
    (r, k) => ['SETBIT', k(), String(Math.floor(r() * 40)), '1'],
    (_r, k) => ['INCR', k()],
    (_r, k) => ['DEL', k(), k()],
    (_r, k) => ['UNLINK', k()],
    (_r, k) => ['GETDEL', k()],
    (_r, k) => ['GETEX', k(), 'PERSIST'],
    (r, k) => ['EXPIRE', k(), String(1 + Math.floor(r() * 5))],
    (r, k) => ['PEXPIRE', k(), String(Math.floor(r() * 2000))],
    (_r, k) => ['PERSIST', k()],
    (_r, k) => ['RENAME', k(), k()],
    (_r, k) => ['RENAMENX', k(), k()],
    (r, k) => ['MOVE', k(), String(Math.floor(r() * 3))],
    (_r, k) => ['COPY', k(), k(), 'REPLACE'],
    (r, k) => ['LPUSH', k(), `l${Math.floor(r() * 9)}`],
    (_r, k) => ['RPOP', k()],
    (_r, k) => ['LMOVE', k(), k(), 'LEFT', 'RIGHT'],
    (r, k) => ['LSET', k(), '0', `set${Math.floor(r() * 9)}`],
    (r, k) => ['SADD', k(), `m${Math.floor(r() * 9)}`],
    (r, k) => ['SREM', k(), `m${Math.floor(r() * 9)}`],
    (_r, k) => ['SPOP', k()],
    (_r, k) => ['SUNIONSTORE', k(), k(), k()],
    (r, k) => ['ZADD', k(), String(Math.floor(r() * 10)), `z${Math.floor(r() * 9)}`],
    (_r, k) => ['ZPOPMIN', k()],
    (_r, k) => ['ZUNIONSTORE', k(), '2', k(), k()],
    (r, k) => ['HSET', k(), `f${Math.floor(r() * 5)}`, 'v'],
    (r, k) => ['HDEL', k(), `f${Math.floor(r() * 5)}`],
    (_r, k) => ['HINCRBY', k(), 'n', '1'],
    (_r, k) => ['SORT', k(), 'ALPHA', 'STORE', k()],
    (_r, k) => ['GET', k()],
    (_r, k) => ['EXISTS', k()],
    (r) => ['SELECT', String(Math.floor(r() * 3))],
    (r) => (r() < 0.2 ? ['SWAPDB', String(Math.floor(r() * 3)), String(Math.floor(r() * 3))] : ['PING']),
    (r) => (r() < 0.05 ? ['FLUSHDB'] : ['PING']),
  ];

  for (const seed of [11, 12, 13]) {
    it(`as an RDB file: loadRdb of the bytes gives the start state (seed ${seed})`, () => {
      const clock = new ManualClock();
      const s = makeServer(clock);
      const c = s.createClient(null);
      const r = prng(seed);
      const key = (): string => `k${Math.floor(r() * 60)}${BIN}`;
      fill(s, c, 30);
      for (let i = 0; i < 800; i++) {
        const cmd = FUZZ_CMDS[Math.floor(r() * FUZZ_CMDS.length)](r, key);
        if (cmd[0] !== 'FLUSHDB') run(s, c, ...cmd);
      }
      const writer = new RdbWriter({ compression: true, checksum: true });
      writer.writeHeader(defaultAux(s));
      const chunks: Buffer[] = [];
      const snap = new KeyspaceSnapshot({ writer, cfg: s.config, out: (b) => chunks.push(Buffer.from(b)), flushBytes: 512 });
      const expected = pictureOf(s);
      snap.begin(s.dbs);
      while (!snap.done) {
        for (let i = Math.floor(r() * 8); i > 0; i--) run(s, c, ...FUZZ_CMDS[Math.floor(r() * FUZZ_CMDS.length)](r, key));
        if (r() < 0.2) clock.advance(Math.floor(r() * 800));
        snap.step(Infinity, 1 + Math.floor(r() * 4));
      }
      writer.writeEof();
      chunks.push(writer.take());
      const got: KeyspacePicture = new Map();
      loadRdb(Buffer.concat(chunks), {
        selectDb() {},
        key(db, k, value, expire) {
          let m = got.get(db);
          if (m === undefined) got.set(db, (m = new Map()));
          expect(m.has(k)).toBe(false);
          m.set(k, { value: canonValue(value), expire });
        },
      });
      expect(sortedPicture(got)).toEqual(sortedPicture(expected));
    });
  }

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`fuzz: random commands between slices leave the snapshot at the start state (seed ${seed})`, () => {
      const clock = new ManualClock();
      const s = makeServer(clock);
      const c = s.createClient(null);
      const r = prng(seed);
      const key = (): string => `k${Math.floor(r() * 40)}${BIN}`;
      for (let i = 0; i < 600; i++) {
        const cmd = FUZZ_CMDS[Math.floor(r() * FUZZ_CMDS.length)](r, key);
        if (cmd[0] !== 'FLUSHDB') run(s, c, ...cmd);
      }
      const { snap, w, expected } = startSnapshot(s);
      let steps = 0;
      while (!snap.done) {
        for (let i = Math.floor(r() * 6); i > 0; i--) {
          run(s, c, ...FUZZ_CMDS[Math.floor(r() * FUZZ_CMDS.length)](r, key));
        }
        if (r() < 0.2) clock.advance(Math.floor(r() * 800));
        if (r() < 0.1) s.activeExpireCycle(10);
        snap.step(Infinity, 1 + Math.floor(r() * 3));
        steps++;
      }
      expect(steps).toBeGreaterThan(5);
      expect(sortedPicture(w.picture())).toEqual(sortedPicture(expected));
    });
  }
});
