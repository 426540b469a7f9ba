import { beforeEach, describe, expect, it } from 'vitest';
import { NodisServer } from '../../src/server/server.js';
import { silentLogger } from '../../src/server/logger.js';
import { ManualClock } from '../../src/store/clock.js';
import { LOOKUP_NOEXPIRE, LOOKUP_NONOTIFY, LOOKUP_NOSTATS, LOOKUP_NOTOUCH, type Db } from '../../src/store/db.js';

let clock: ManualClock;
let server: NodisServer;
let db: Db;
let events: string[];
let propagated: string[][];

beforeEach(() => {
  clock = new ManualClock();
  server = new NodisServer({ clock, logger: silentLogger(), config: { 'notify-keyspace-events': 'KEA' + 'm' } });
  db = server.dbs[0];
  events = [];
  propagated = [];
  server.publish = (channel, message) => {
    if (channel.startsWith('__keyevent@')) events.push(`${channel.slice(channel.indexOf(':') + 1)} ${message}`);
    return 0;
  };
  server.hooks.propagate.push((dbid, argv) => propagated.push([String(dbid), ...argv]));
});

describe('Db expiry with a manual clock', () => {
  it('a key expires strictly after its expire time', () => {
    db.add('k', 'v');
    db.setExpire('k', clock.now() + 100);
    clock.advance(100);
    expect(db.keyIsExpired('k')).toBe(false);
    expect(db.lookupRead('k')).toBe('v');
    clock.advance(1);
    expect(db.keyIsExpired('k')).toBe(true);
    expect(db.lookupRead('k')).toBeUndefined();
    expect(db.size).toBe(0);
    expect(db.expires.size).toBe(0);
    expect(server.stats.expiredKeys).toBe(1);
    expect(events).toEqual(['expired k', 'keymiss k']);
    expect(propagated).toEqual([['0', 'DEL', 'k']]);
  });

  it('LOOKUP_NOEXPIRE reports an expired key missing without deleting it', () => {
    db.add('k', 'v');
    db.setExpire('k', clock.now() + 10);
    clock.advance(11);
    expect(db.lookupRead('k', LOOKUP_NOEXPIRE)).toBeUndefined();
    expect(db.size).toBe(1);
    expect(server.stats.expiredKeys).toBe(0);
    expect(db.peek('k')).toBe('v');
  });

  it('nothing expires while loading', () => {
    db.add('k', 'v');
    db.setExpire('k', clock.now() - 1000);
    server.loading = true;
    expect(db.lookupRead('k')).toBe('v');
    server.loading = false;
    expect(db.lookupRead('k')).toBeUndefined();
  });

  it('expired keys are kept (but reported missing) while writes are paused', () => {
    db.add('k', 'v');
    db.setExpire('k', clock.now() + 10);
    clock.advance(11);
    server.pauseType = 'write';
    server.pauseEnd = clock.now() + 1000;
    expect(db.lookupRead('k')).toBeUndefined();
    expect(db.size).toBe(1);
    server.pauseType = null;
    server.pauseEnd = 0;
    expect(db.lookupWrite('k')).toBeUndefined();
    expect(db.size).toBe(0);
  });

  it('keeps int64 expire times beyond 2^53 exactly', () => {
    db.add('k', 'v');
    const max = 9223372036854775807n;
    db.setExpireExact('k', max);
    expect(db.getExpireExact('k')).toBe(max);
    expect(db.getExpire('k')).toBe(Number(max));
    db.setExpireExact('k', max - 1n);
    expect(db.getExpireExact('k')).toBe(max - 1n);
    // A later plain setExpire() wins over the exact side table.
    db.setExpire('k', clock.now() + 5);
    expect(db.getExpireExact('k')).toBe(BigInt(clock.now() + 5));
    db.setExpireExact('k', 1234n);
    expect(db.getExpire('k')).toBe(1234);
    expect(db.getExpireExact('missing')).toBe(-1n);
  });

  it('drops exact times with the key: delete, setKey, removeExpire, clear, and carries them on swap', () => {
    const big = 9000000000000000001n;
    db.add('a', 'v');
    db.setExpireExact('a', big);
    db.delete('a');
    db.add('a', 'v');
    expect(db.getExpireExact('a')).toBe(-1n);
    db.setExpireExact('a', big);
    db.setKey('a', 'w');
    expect(db.getExpireExact('a')).toBe(-1n);
    db.setExpireExact('a', big);
    db.setKey('a', 'x', true);
    expect(db.getExpireExact('a')).toBe(big);
    expect(db.removeExpire('a')).toBe(true);
    expect(db.getExpireExact('a')).toBe(-1n);
    db.setExpireExact('a', big);
    const other = server.dbs[1];
    db.swapWith(other);
    expect(other.getExpireExact('a')).toBe(big);
    expect(db.getExpireExact('a')).toBe(-1n);
    other.clear();
    expect(other.getExpireExact('a')).toBe(-1n);
    expect(other.size).toBe(0);
  });

  it('activeExpireStep deletes only expired keys and updates avg_ttl', () => {
    for (let i = 0; i < 50; i++) {
      db.add(`e${i}`, 'v');
      db.setExpire(`e${i}`, clock.now() + 10);
      db.add(`l${i}`, 'v');
      db.setExpire(`l${i}`, clock.now() + 100_000);
      db.add(`p${i}`, 'v');
    }
    db.setExpireExact('p0', 9223372036854775807n);
    clock.advance(11);
    let expired = 0;
    for (let i = 0; i < 100 && expired < 50; i++) expired += db.activeExpireStep(20)[1];
    expect(expired).toBe(50);
    expect(db.size).toBe(100);
    expect(db.expires.size).toBe(51);
    expect(db.avgTtl).toBeGreaterThan(0);
    expect(events.filter((e) => e.startsWith('expired '))).toHaveLength(50);
    expect(db.getExpireExact('p0')).toBe(9223372036854775807n);
  });

  it('the server cron expires keys nobody accesses', () => {
    for (let i = 0; i < 500; i++) {
      db.add(`e${i}`, 'v');
      db.setExpire(`e${i}`, clock.now() + 1000);
    }
    for (let i = 0; i < 100; i++) db.add(`p${i}`, 'v');
    server.cron();
    expect(db.size).toBe(600);
    clock.advance(1001);
    for (let i = 0; i < 50 && db.size > 100; i++) server.cron();
    expect(db.size).toBe(100);
    expect(server.stats.expiredKeys).toBe(500);
    expect(propagated.filter((p) => p[1] === 'DEL')).toHaveLength(500);
  });
});

describe('Db lookup flags', () => {
  it('touches the LRU word unless LOOKUP_NOTOUCH', () => {
    db.add('k', 'v');
    const t0 = db.getMeta('k');
    clock.advance(5000);
    db.lookupRead('k', LOOKUP_NOTOUCH);
    expect(db.getMeta('k')).toBe(t0);
    db.lookupRead('k');
    expect(db.getMeta('k')).toBe(server.lruClock());
    expect(server.lruClock() - t0).toBe(5);
  });

  it('counts stats and fires keymiss as the flags allow', () => {
    db.add('k', 'v');
    const s = server.stats;
    db.lookupRead('k');
    db.lookupRead('x');
    expect([s.keyspaceHits, s.keyspaceMisses]).toEqual([1, 1]);
    expect(events).toEqual(['keymiss x']);
    db.lookupRead('k', LOOKUP_NOSTATS);
    db.lookupRead('x', LOOKUP_NOSTATS);
    expect([s.keyspaceHits, s.keyspaceMisses]).toEqual([1, 1]);
    expect(events).toEqual(['keymiss x', 'keymiss x']);
    db.lookupRead('x', LOOKUP_NONOTIFY);
    expect(s.keyspaceMisses).toBe(2);
    expect(events).toHaveLength(2);
    db.lookupWrite('x');
    db.lookupWrite('k');
    expect([s.keyspaceHits, s.keyspaceMisses]).toEqual([1, 2]);
    expect(events).toHaveLength(2);
  });
});

describe('Db: the slot of the last key looked up or stored', () => {
  it('is used only while that slot still holds that key', () => {
    db.setKey('a', '1');
    expect(db.lookupRead('a')).toBe('1');
    expect(db.delete('a')).toBe(true);
    // The freed slot goes to another key: 'a' must not be found there.
    db.setKey('b', '2');
    expect(db.lookupRead('a')).toBeUndefined();
    expect(db.lookupRead('b')).toBe('2');
    expect(db.setKey('a', '3')).toBe(true);
    expect(db.lookupRead('a')).toBe('3');
    expect(db.lookupRead('b')).toBe('2');
    // Many inserts grow and rehash the table: slots stay where they are.
    db.setKey('c', '4');
    for (let i = 0; i < 5000; i++) db.setKey(`k${i}`, String(i));
    expect(db.setKey('c', '5')).toBe(false);
    expect(db.lookupRead('c')).toBe('5');
    db.clear();
    expect(db.lookupRead('c')).toBeUndefined();
    expect(db.setKey('c', '6')).toBe(true);
    expect(db.size).toBe(1);
  });

  it('follows SWAPDB: each db answers from its own table', () => {
    const other = server.dbs[1];
    db.setKey('k', 'in0');
    other.setKey('k', 'in1');
    expect(db.lookupRead('k')).toBe('in0');
    expect(other.lookupRead('k')).toBe('in1');
    db.swapWith(other);
    expect(db.lookupRead('k')).toBe('in1');
    expect(other.lookupRead('k')).toBe('in0');
    expect(db.setKey('k', 'x')).toBe(false);
    expect(other.lookupRead('k')).toBe('in0');
  });
});
