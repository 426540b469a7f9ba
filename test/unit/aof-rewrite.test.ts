/**
 * The commands form of a rewrite (rewriteAppendOnlyFileRio()): the exact
 * commands per type, variadic commands of at most 64 items, PEXPIREAT for
 * TTLs, scores as "%.17g", and a round trip through the loader.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodisServer, silentLogger } from '../../src/server/server.js';
import { AOF_REWRITE_ITEMS_PER_CMD, CommandsBaseWriter, rewriteKey, type ByteSink } from '../../src/persistence/aof/rewrite.js';
import { encodeCommand } from '../../src/persistence/aof/resp.js';
import { AOF_OK, loadSingleAppendOnlyFile } from '../../src/persistence/aof/loader.js';
import { RList } from '../../src/store/list.js';
import { RSet } from '../../src/store/set.js';
import { RHash } from '../../src/store/hash.js';
import { ZSet } from '../../src/store/zset.js';
import { pictureOf, sortedPicture } from '../helpers/keyspace.js';

class StringSink implements ByteSink {
  out = '';
  write(chunk: string | Buffer): void {
    this.out += typeof chunk === 'string' ? chunk : chunk.latin1Slice();
  }
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aofrw-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function zset(pairs: [number, string][]): ZSet {
  const z = ZSet.forFirstMember(pairs[0][1], { maxEntries: 128, maxValue: 64 });
  for (const [s, m] of pairs) z.add(s, m, 0, { maxEntries: 128, maxValue: 64 });
  return z;
}

describe('rewriteKey', () => {
  it('strings and TTLs', () => {
    const s = new StringSink();
    rewriteKey(s, 'k\xff', 'v\x00', -1);
    rewriteKey(s, 'e', Buffer.from('buf'), 1700000000123);
    expect(s.out).toBe(
      encodeCommand(['SET', 'k\xff', 'v\x00']) + encodeCommand(['SET', 'e', 'buf']) + encodeCommand(['PEXPIREAT', 'e', '1700000000123']),
    );
  });

  it('variadic commands carry at most 64 items', () => {
    const items = Array.from({ length: 2 * AOF_REWRITE_ITEMS_PER_CMD + 3 }, (_, i) => `i${i}`);
    const s = new StringSink();
    rewriteKey(s, 'l', RList.from(items), -1);
    expect(s.out).toBe(
      encodeCommand(['RPUSH', 'l', ...items.slice(0, 64)]) +
        encodeCommand(['RPUSH', 'l', ...items.slice(64, 128)]) +
        encodeCommand(['RPUSH', 'l', ...items.slice(128)]),
    );
    const h = new RHash();
    const lim = { maxEntries: 1000, maxValue: 64 };
    for (let i = 0; i < 65; i++) h.set(`f${i}`, `v${i}`, lim);
    const t = new StringSink();
    rewriteKey(t, 'h', h, -1);
    const pairs: string[] = [];
    h.forEach((f, v) => pairs.push(f, v));
    expect(t.out).toBe(encodeCommand(['HMSET', 'h', ...pairs.slice(0, 128)]) + encodeCommand(['HMSET', 'h', ...pairs.slice(128)]));
  });

  it('sets and sorted sets: members, scores as %.17g, infinities', () => {
    const set = RSet.createIntset();
    for (const m of ['3', '1', '2']) set.add(m, 512);
    const s = new StringSink();
    rewriteKey(s, 's', set, -1);
    expect(s.out).toBe(encodeCommand(['SADD', 's', '1', '2', '3']));
    const z = zset([
      [0.1, 'a'],
      [-Infinity, 'b'],
      [3, 'c'],
      [Infinity, 'd'],
    ]);
    const t = new StringSink();
    rewriteKey(t, 'z', z, 5);
    expect(t.out).toBe(
      encodeCommand(['ZADD', 'z', '-inf', 'b', '0.10000000000000001', 'a', '3', 'c', 'inf', 'd']) + encodeCommand(['PEXPIREAT', 'z', '5']),
    );
  });
});

describe('CommandsBaseWriter', () => {
  it('SELECTs each db before its keys; the output loads back to the same keyspace', () => {
    const src = new NodisServer({ config: { save: '' }, logger: silentLogger() });
    const lim = { maxEntries: 128, maxValue: 64 };
    src.dbs[0].add('str', 'v\xff');
    src.dbs[0].add('list', RList.from(['a', 'b']));
    src.dbs[3].add('z', zset([[1.5, 'm']]));
    const h = new RHash();
    h.set('f', 'v', lim);
    src.dbs[3].add('h', h);
    src.dbs[3].setExpire('h', Date.now() + 100000);
    const sink = new StringSink();
    const w = new CommandsBaseWriter(sink, 1700000000);
    for (const db of src.dbs) {
      db.dict.forEach((key, value) => w.key({ dbid: db.id, key, value, expire: db.getExpire(key) }));
    }
    expect(sink.out.startsWith('#TS:1700000000\r\n' + encodeCommand(['SELECT', '0']))).toBe(true);
    expect(sink.out.split(encodeCommand(['SELECT', '3'])).length).toBe(2);
    fs.writeFileSync(path.join(dir, 'base.aof'), Buffer.from(sink.out, 'latin1'));
    const dst = new NodisServer({ config: { save: '' }, logger: silentLogger() });
    dst.loading = true;
    const r = loadSingleAppendOnlyFile(dst, 'base.aof', { dirPath: dir, aofFilename: 'appendonly.aof', loadTruncated: true, loadRdb: null });
    dst.loading = false;
    expect(r).toBe(AOF_OK);
    expect(sortedPicture(pictureOf(dst))).toEqual(sortedPicture(pictureOf(src)));
    void src.close();
    void dst.close();
  });
});
