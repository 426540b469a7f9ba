/**
 * Streams against redis-server 7.0.15, byte for byte: XADD (IDs, NOMKSTREAM,
 * MAXLEN/MINID exact and approximate, LIMIT), XRANGE/XREVRANGE, XDEL, XTRIM,
 * XSETID, XREAD, consumer groups and XINFO. Only explicit IDs are used, so
 * both servers hold the same entries.
 */
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';

warnIfNoRedis('diff/stream');

const BIN = '\xff\x00\xc3';

describe.skipIf(!HAVE_REDIS)('differential: streams', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });
  beforeEach(async () => {
    await d.same('FLUSHALL');
    await d.same('CONFIG', 'SET', 'stream-node-max-entries', '100');
    await d.same('CONFIG', 'SET', 'stream-node-max-bytes', '4096');
  });

  it('XADD IDs and errors, XLEN, TYPE, OBJECT ENCODING', async () => {
    await d.same('XADD', 's', '1-1', 'f', 'v');
    await d.same('XADD', 's', '1-1', 'f', 'v');
    await d.same('XADD', 's', '1-0', 'f', 'v');
    await d.same('XADD', 's', '1-*', 'f' + BIN, 'v' + BIN);
    await d.same('XADD', 's', '5-*', 'a', '1', 'b', '2');
    await d.same('XADD', 's', '5', 'a', '1');
    await d.same('XADD', 's', '0-0', 'a', '1');
    await d.same('XADD', 'z', '0-0', 'a', '1');
    await d.same('XADD', 'z', '0-*', 'a', '1');
    await d.same('XADD', 's', '18446744073709551615-18446744073709551615', 'a', '1');
    await d.same('XADD', 's', '18446744073709551615-*', 'a', '1');
    await d.same('XADD', 's', 'abc', 'a', '1');
    await d.same('XADD', 's', '-', 'a', '1');
    await d.same('XADD', 's', '1-1-1', 'a', '1');
    await d.same('XADD', 's', '10-1', 'a');
    await d.same('XADD', 's', '10-1', 'a', '1', 'b');
    await d.same('XADD', 's', 'NOMKSTREAM');
    await d.same('XADD', 'nokey', 'NOMKSTREAM', '1-1', 'a', '1');
    await d.same('EXISTS', 'nokey');
    await d.same('XLEN', 's');
    await d.same('XLEN', 'nokey');
    await d.same('TYPE', 's');
    await d.same('OBJECT', 'ENCODING', 's');
    await d.same('SET', 'str', 'x');
    await d.same('XADD', 'str', '1-1', 'a', '1');
    await d.same('XLEN', 'str');
    await d.same('XRANGE', 'str', '-', '+');
    await d.same('XADD', 's', 'MAXLEN', '-1', '20-1', 'a', '1');
    await d.same('XADD', 's', 'MAXLEN', 'x', '20-1', 'a', '1');
    await d.same('XADD', 's', 'MAXLEN', '1', 'MINID', '1', '20-1', 'a', '1');
    await d.same('XADD', 's', 'LIMIT', '10', '20-1', 'a', '1');
    await d.same('XADD', 's', 'MAXLEN', '5', 'LIMIT', '10', '20-1', 'a', '1');
    await d.same('XADD', 's', 'MAXLEN', '~', '5', 'LIMIT', '-1', '20-1', 'a', '1');
    await d.same('XADD', 's', 'MINID', '+', '20-1', 'a', '1');
    await d.same('XRANGE', 's', '-', '+');
  });

  it('XRANGE and XREVRANGE with exclusive bounds and COUNT', async () => {
    for (let i = 1; i <= 20; i++) await d.same('XADD', 's', `${i}-${i % 3}`, 'f', `v${i}${BIN}`, 'g', String(i));
    await d.same('XRANGE', 's', '-', '+');
    await d.same('XRANGE', 's', '5', '9');
    await d.same('XRANGE', 's', '(5-2', '(9-0');
    await d.same('XRANGE', 's', '5-2', '9-0', 'COUNT', '2');
    await d.same('XRANGE', 's', '-', '+', 'COUNT', '0');
    await d.same('XRANGE', 's', '-', '+', 'COUNT', '-3');
    await d.same('XRANGE', 's', '-', '+', 'COUNT');
    await d.same('XRANGE', 's', '-', '+', 'FOO', '1');
    await d.same('XRANGE', 's', '(-', '+');
    await d.same('XRANGE', 's', '(0-0', '+', 'COUNT', '1');
    await d.same('XRANGE', 's', '-', '(0-0');
    await d.same('XRANGE', 's', '(18446744073709551615-18446744073709551615', '+');
    await d.same('XRANGE', 's', '9', '5');
    await d.same('XREVRANGE', 's', '+', '-');
    await d.same('XREVRANGE', 's', '+', '-', 'COUNT', '3');
    await d.same('XREVRANGE', 's', '(9', '(5');
    await d.same('XREVRANGE', 's', '9', '5');
    await d.same('XREVRANGE', 's', '5', '9');
    await d.same('XRANGE', 'nokey', '-', '+');
  });

  it('XDEL, first/last entries, and XSETID', async () => {
    for (let i = 1; i <= 10; i++) await d.same('XADD', 's', `${i}-0`, 'f', String(i));
    await d.same('XDEL', 's', '1-0', '3-0', '3-0', '100-0');
    await d.same('XDEL', 's', 'bad');
    await d.same('XDEL', 'nokey', '1-0');
    await d.same('XRANGE', 's', '-', '+');
    await d.same('XSETID', 's', '5-0');
    await d.same('XSETID', 's', '10-0', 'ENTRIESADDED', '3');
    await d.same('XSETID', 's', '10-0', 'ENTRIESADDED', '-1');
    await d.same('XSETID', 's', '10-0', 'MAXDELETEDID', '11-0');
    await d.same('XSETID', 's', '20-0', 'ENTRIESADDED', '50', 'MAXDELETEDID', '15-0');
    await d.same('XSETID', 's', '20-0', 'FOO');
    await d.same('XSETID', 'nokey', '1-0');
    await d.same('XADD', 's', '20-0', 'a', 'b');
    await d.same('XADD', 's', '20-1', 'a', 'b');
    await d.same('XLEN', 's');
  });

  it('XTRIM and XADD trimming, exact and approximate, with LIMIT', async () => {
    await d.same('CONFIG', 'SET', 'stream-node-max-entries', '10');
    for (let i = 1; i <= 95; i++) await d.same('XADD', 's', `${i}-0`, 'f', String(i));
    await d.same('XTRIM', 's', 'MAXLEN', '~', '50');
    await d.same('XLEN', 's');
    await d.same('XTRIM', 's', 'MAXLEN', '~', '30', 'LIMIT', '10');
    await d.same('XLEN', 's');
    await d.same('XTRIM', 's', 'MAXLEN', '=', '25');
    await d.same('XRANGE', 's', '-', '+', 'COUNT', '2');
    await d.same('XTRIM', 's', 'MINID', '~', '85');
    await d.same('XTRIM', 's', 'MINID', '80');
    await d.same('XRANGE', 's', '-', '+', 'COUNT', '2');
    await d.same('XTRIM', 's', 'LIMIT', '1');
    await d.same('XTRIM', 's');
    await d.same('XTRIM', 's', 'MAXLEN', '10', 'LIMIT', '1');
    await d.same('XTRIM', 's', 'FOO', '10');
    await d.same('XADD', 's', 'MAXLEN', '3', '200-0', 'x', 'y');
    await d.same('XRANGE', 's', '-', '+');
    await d.same('XTRIM', 'nokey', 'MAXLEN', '1');
    await d.same('XTRIM', 's', 'MAXLEN', '0');
    await d.same('EXISTS', 's');
    await d.same('XLEN', 's');
  });
});

describe.skipIf(!HAVE_REDIS)('differential: stream groups and XINFO', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });
  beforeEach(async () => {
    await d.same('FLUSHALL');
    await d.same('CONFIG', 'SET', 'stream-node-max-entries', '100');
  });

  it('XINFO STREAM radix tree figures, first/last entries, groups', async () => {
    await d.same('XINFO', 'STREAM', 'nokey');
    await d.same('XGROUP', 'CREATE', 'e', 'g', '$', 'MKSTREAM');
    await d.same('XINFO', 'STREAM', 'e');
    for (const n of [1, 3, 101, 250, 1200]) {
      const args: string[] = [];
      for (let i = 1; i <= n; i++) args.push('XADD', `s${n}`, `${i * 7}-${i % 5}`, 'f' + BIN, String(i));
      for (let i = 0; i < args.length; i += 4) await d.both(...args.slice(i, i + 4));
      await d.same('XINFO', 'STREAM', `s${n}`);
    }
    await d.same('XDEL', 's3', '7-1');
    await d.same('XINFO', 'STREAM', 's3');
    await d.same('XINFO', 'STREAM', 's3', 'FULL', 'COUNT');
    await d.same('XINFO', 'STREAM', 's3', 'FOO');
    await d.same('XINFO', 'HELP');
    await d.same('XINFO', 'HELP', 'x');
    await d.same('XINFO', 'FOO', 's3');
    await d.same('XINFO', 'GROUPS', 'e');
    await d.same('XINFO', 'GROUPS', 's3');
    await d.same('XINFO', 'CONSUMERS', 's3', 'nogroup');
  });

  it('XGROUP, XREADGROUP, XACK, XPENDING summary, lag and entries-read', async () => {
    for (let i = 1; i <= 10; i++) await d.same('XADD', 's', `${i}-0`, 'f', `v${i}${BIN}`);
    await d.same('XGROUP', 'CREATE', 's', 'g1', '0');
    await d.same('XGROUP', 'CREATE', 's', 'g1', '0');
    await d.same('XGROUP', 'CREATE', 's', 'g2', '$', 'ENTRIESREAD', '10');
    await d.same('XGROUP', 'CREATE', 's', 'g3', '5-0', 'ENTRIESREAD', '-2');
    await d.same('XGROUP', 'CREATE', 'nokey', 'g', '0');
    await d.same('XGROUP', 'CREATE', 's', 'g4', '-');
    await d.same('XGROUP', 'CREATE', 's', 'g4', '0', 'FOO');
    await d.same('XGROUP', 'HELP');
    await d.same('XGROUP', 'FOO');
    await d.same('XGROUP', 'SETID', 's', 'nog', '0');
    await d.same('XINFO', 'GROUPS', 's');
    await d.same('XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '3', 'STREAMS', 's', '>');
    await d.same('XREADGROUP', 'GROUP', 'g1', 'bob' + BIN, 'COUNT', '2', 'STREAMS', 's', '>');
    await d.same('XREADGROUP', 'GROUP', 'g1', 'alice', 'STREAMS', 's', '0');
    await d.same('XREADGROUP', 'GROUP', 'g1', 'alice', 'STREAMS', 's', '$');
    await d.same('XREADGROUP', 'GROUP', 'nog', 'alice', 'STREAMS', 's', '>');
    await d.same('XREADGROUP', 'GROUP', 'g1', 'alice', 'STREAMS', 's');
    await d.same('XREAD', 'STREAMS', 's', '>');
    await d.same('XREAD', 'GROUP', 'g', 'c', 'STREAMS', 's', '0');
    await d.same('XINFO', 'GROUPS', 's');
    await d.same('XPENDING', 's', 'g1');
    await d.same('XPENDING', 's', 'g2');
    await d.same('XPENDING', 's', 'nog');
    await d.same('XPENDING', 's', 'g1', '-', '+');
    await d.same('XACK', 's', 'g1', '1-0', '2-0', '9-0');
    await d.same('XACK', 's', 'g1', 'bad');
    await d.same('XACK', 's', 'nog', '1-0');
    await d.same('XPENDING', 's', 'g1');
    await d.same('XDEL', 's', '4-0');
    await d.same('XREADGROUP', 'GROUP', 'g1', 'bob' + BIN, 'STREAMS', 's', '0');
    await d.same('XINFO', 'GROUPS', 's');
    await d.same('XREADGROUP', 'GROUP', 'g1', 'carol', 'NOACK', 'STREAMS', 's', '>');
    await d.same('XINFO', 'GROUPS', 's');
    await d.same('XGROUP', 'CREATECONSUMER', 's', 'g1', 'dave');
    await d.same('XGROUP', 'CREATECONSUMER', 's', 'g1', 'dave');
    await d.same('XGROUP', 'DELCONSUMER', 's', 'g1', 'bob' + BIN);
    await d.same('XGROUP', 'DELCONSUMER', 's', 'g1', 'nobody');
    await d.same('XPENDING', 's', 'g1');
    await d.same('XGROUP', 'SETID', 's', 'g1', '$', 'ENTRIESREAD', '3');
    await d.same('XGROUP', 'SETID', 's', 'g1', '0', 'MKSTREAM');
    await d.same('XINFO', 'GROUPS', 's');
    await d.same('XGROUP', 'DESTROY', 's', 'g2');
    await d.same('XGROUP', 'DESTROY', 's', 'g2');
    await d.same('XINFO', 'STREAM', 's');
    await d.same('XREAD', 'COUNT', '2', 'STREAMS', 's', 's', '0', '5');
    await d.same('XREAD', 'STREAMS', 's', 'nokey', '$', '0');
    await d.same('XREAD', 'STREAMS', 's', 'nokey', '0');
    await d.same('XREAD', 'COUNT', 'x', 'STREAMS', 's', '0');
    await d.same('XREAD', 'BLOCK', '-1', 'STREAMS', 's', '0');
    await d.same('MULTI');
    await d.same('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    await d.same('EXEC');
    await d.both('HELLO', '3');
    await d.same('XREAD', 'COUNT', '1', 'STREAMS', 's', 's', '0', '5');
    await d.same('XINFO', 'STREAM', 's');
    await d.same('XINFO', 'GROUPS', 's');
  });

  it('DUMP of streams matches byte for byte (nodes, tombstones, groups without PELs)', async () => {
    await d.same('CONFIG', 'SET', 'stream-node-max-entries', '7');
    for (let i = 1; i <= 30; i++) {
      const fields = i % 4 === 0 ? ['other', String(i * 1000)] : ['f' + BIN, `v${i}`, 'n', String(-i)];
      await d.same('XADD', 's', `${i * 3}-${i % 2}`, ...fields);
    }
    await d.same('XDEL', 's', '6-0', '9-1', '45-1');
    await d.same('XADD', 'big', '1-1', 'k', 'x'.repeat(300), 'num', '123456789012');
    await d.same('XGROUP', 'CREATE', 's', 'g2', '$');
    await d.same('XGROUP', 'CREATE', 's', 'g1', '9-1', 'ENTRIESREAD', '3');
    await d.same('DUMP', 's');
    await d.same('DUMP', 'big');
    await d.same('XTRIM', 's', 'MAXLEN', '~', '10');
    await d.same('DUMP', 's');
    await d.same('XGROUP', 'CREATE', 'e', 'g', '0', 'MKSTREAM');
    await d.same('DUMP', 'e');
  });

  it('XCLAIM and XAUTOCLAIM with JUSTID, FORCE, deleted entries', async () => {
    for (let i = 1; i <= 6; i++) await d.same('XADD', 's', `${i}-0`, 'f', `v${i}`);
    await d.same('XGROUP', 'CREATE', 's', 'g', '0');
    await d.same('XREADGROUP', 'GROUP', 'g', 'a', 'STREAMS', 's', '>');
    await d.same('XDEL', 's', '2-0');
    await d.same('XCLAIM', 's', 'g', 'b', '0', '1-0', '2-0', 'JUSTID');
    await d.same('XCLAIM', 's', 'g', 'b', '0', '3-0', 'RETRYCOUNT', '7');
    await d.same('XCLAIM', 's', 'g', 'b', '0', '3-0', 'FOO');
    await d.same('XCLAIM', 's', 'g', 'b', 'x', '3-0');
    await d.same('XCLAIM', 's', 'nog', 'b', '0', '3-0');
    await d.same('XCLAIM', 's', 'g', 'b', '0', '9-0', 'FORCE');
    await d.same('XCLAIM', 's', 'g', 'c', '0', '6-0', 'FORCE', 'JUSTID', 'LASTID', '100-0');
    await d.same('XCLAIM', 's', 'g', 'c', '100000', '4-0');
    await d.same('XPENDING', 's', 'g');
    await d.same('XINFO', 'GROUPS', 's');
    await d.same('XDEL', 's', '5-0');
    await d.same('XAUTOCLAIM', 's', 'g', 'z', '0', '0', 'COUNT', '2');
    await d.same('XAUTOCLAIM', 's', 'g', 'z', '0', '0', 'COUNT', '10', 'JUSTID');
    await d.same('XAUTOCLAIM', 's', 'g', 'z', '0', '(0', 'COUNT', '0');
    await d.same('XAUTOCLAIM', 's', 'g', 'z', 'x', '0');
    await d.same('XAUTOCLAIM', 's', 'g', 'z', '0', '0', 'FOO');
    await d.same('XAUTOCLAIM', 's', 'nog', 'z', '0', '0');
    await d.same('XPENDING', 's', 'g');
    await d.same('XPENDING', 's', 'g', '-', '+', '10', 'nobody');
    await d.same('XPENDING', 's', 'g', 'IDLE', '1', '-', '+');
    await d.same('XPENDING', 's', 'g', '-', '+', 'x');
  });
});
