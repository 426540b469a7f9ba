/**
 * MIGRATE from Nodis and from redis-server, each to its own redis-server
 * target: the same replies from the sources, and the same data in the
 * targets afterwards (values by DUMP, TTLs approximately).
 */
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, startRedis, warnIfNoRedis, type RedisHandle } from '../helpers/servers.js';
import { RawClient, parseReply, type Arg } from '../helpers/resp.js';

warnIfNoRedis('diff/migrate');

describe.skipIf(!HAVE_REDIS)('differential: MIGRATE', () => {
  let d: DiffPair;
  /** Targets: tn receives from Nodis, tr from redis-server. */
  let tn: RedisHandle;
  let tr: RedisHandle;
  let cn: RawClient;
  let cr: RawClient;
  /** A port that accepts connections and never answers. */
  let silent: net.Server;
  let silentPort: number;

  beforeAll(async () => {
    [d, tn, tr] = await Promise.all([DiffPair.start(), startRedis(), startRedis()]);
    [cn, cr] = await Promise.all([RawClient.connect(tn.port), RawClient.connect(tr.port)]);
    silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    cn?.close();
    cr?.close();
    silent?.close();
    await Promise.all([d?.close(), tn?.close(), tr?.close()]);
  });
  beforeEach(async () => {
    await d.same(['FLUSHALL']);
    await Promise.all([cn.call('FLUSHALL'), cr.call('FLUSHALL')]);
  });

  /** MIGRATE from both sources to their targets; `rest` follows the target's port. */
  async function migrate(...rest: Arg[]): Promise<string> {
    const [n, r] = await Promise.all([
      d.n.call('MIGRATE', '127.0.0.1', String(tn.port), ...rest),
      d.r.call('MIGRATE', '127.0.0.1', String(tr.port), ...rest),
    ]);
    expect(n.latin1Slice(), `MIGRATE ... ${rest.join(' ')}`).toBe(r.latin1Slice());
    return r.latin1Slice();
  }

  /** Both targets reply the same to `args` (TTLs within 1 s). */
  async function targetsSame(args: Arg[], approx = false): Promise<string> {
    const [n, r] = await Promise.all([cn.call(...args), cr.call(...args)]);
    if (approx) {
      const [a, b] = [parseReply(n)[0], parseReply(r)[0]];
      expect(a.t).toBe(b.t);
      if (a.t === 'int' && b.t === 'int') expect(Math.abs(Number(a.v) - Number(b.v))).toBeLessThan(1000);
    } else {
      expect(n.latin1Slice(), `target: ${args.join(' ')}`).toBe(r.latin1Slice());
    }
    return r.latin1Slice();
  }

  it('moves one key of each type, with its TTL, and deletes it here', async () => {
    const keys = ['s\xff', 'l', 'h', 'S', 'z', 'x'];
    await d.same(['SET', 's\xff', '\x00\xff\xfe']);
    await d.same(['PEXPIRE', 's\xff', '50000']);
    await d.same(['RPUSH', 'l', 'a', '\xff', 'c']);
    await d.same(['HSET', 'h', 'f', 'v', 'g\xff', '1']);
    await d.same(['SADD', 'S', '1', '2', '3']);
    await d.same(['ZADD', 'z', '1.5', 'a', '-inf', 'b\xff']);
    await d.same(['XADD', 'x', '1-1', 'f', 'v']);
    for (const k of keys) expect(await migrate(k, '0', '5000')).toBe('+OK\r\n');
    for (const k of keys) {
      await d.same(['EXISTS', k]);
      await targetsSame(['DUMP', k]);
      await targetsSame(['PTTL', k], true);
    }
  });

  it('KEYS form: missing keys skipped, NOKEY when none, COPY keeps, REPLACE overwrites, BUSYKEY reported', async () => {
    await d.same(['MSET', 'a', '1', 'b', '2', 'c', '3']);
    expect(await migrate('', '0', '5000', 'KEYS', 'nosuch')).toBe('+NOKEY\r\n');
    expect(await migrate('', '0', '5000', 'COPY', 'KEYS', 'a', 'nosuch', 'b')).toBe('+OK\r\n');
    await d.same(['MGET', 'a', 'b', 'c']);
    await targetsSame(['MGET', 'a', 'b', 'c']);
    // Already there: BUSYKEY, the key stays here.
    expect(await migrate('', '0', '5000', 'KEYS', 'a', 'c')).toMatch(/^-ERR Target instance replied with error: BUSYKEY/);
    await d.same(['MGET', 'a', 'b', 'c']);
    await targetsSame(['MGET', 'a', 'b', 'c']);
    await d.same(['SET', 'a', 'new\xff']);
    expect(await migrate('', '0', '5000', 'REPLACE', 'KEYS', 'a', 'b')).toBe('+OK\r\n');
    await d.same(['MGET', 'a', 'b', 'c']);
    await targetsSame(['MGET', 'a', 'b', 'c']);
    expect(await migrate('nosuch', '0', '5000')).toBe('+NOKEY\r\n');
  });

  it('selects the destination db once per cached connection, and reports a bad db', async () => {
    await d.same(['MSET', 'a', '1', 'b', '2', 'c', '3', 'e', '5']);
    await migrate('a', '3', '5000');
    await migrate('b', '3', '5000');
    await targetsSame(['SELECT', '3']);
    await targetsSame(['MGET', 'a', 'b']);
    await targetsSame(['SELECT', '0']);
    const selects = async (cl: RawClient) => /cmdstat_select:calls=(\d+)/.exec((await cl.call('INFO', 'commandstats')).latin1Slice())?.[1];
    expect(await selects(cn)).toBe(await selects(cr));
    expect(await migrate('c', '99', '5000')).toBe('-ERR Target instance replied with error: ERR DB index is out of range\r\n');
    await d.same(['EXISTS', 'c']);
    // After an error the next MIGRATE selects again.
    expect(await migrate('e', '3', '5000')).toBe('+OK\r\n');
    await targetsSame(['SELECT', '3']);
    await targetsSame(['GET', 'e']);
    await targetsSame(['SELECT', '0']);
  });

  it('AUTH and AUTH2 go first; the target\'s refusal is reported', async () => {
    await d.same(['SET', 'k', 'v']);
    expect(await migrate('k', '0', '5000', 'AUTH', 'pw')).toMatch(/^-ERR Target instance replied with error: ERR AUTH <password> called without/);
    expect(await migrate('k', '0', '5000', 'AUTH2', 'nouser', 'pw')).toMatch(/^-ERR Target instance replied with error: WRONGPASS/);
    await Promise.all([cn.call('CONFIG', 'SET', 'requirepass', 'sec\xff'), cr.call('CONFIG', 'SET', 'requirepass', 'sec\xff')]);
    try {
      expect(await migrate('k', '0', '5000', 'REPLACE', 'AUTH', 'sec\xff')).toBe('+OK\r\n');
    } finally {
      for (const cl of [cn, cr]) {
        await cl.call('AUTH', 'sec\xff');
        await cl.call('CONFIG', 'SET', 'requirepass', '');
      }
    }
    await targetsSame(['GET', 'k']);
  });

  it('a cached connection the target closed is reopened once', async () => {
    await d.same(['MSET', 'a', '1', 'b', '2']);
    await migrate('a', '0', '5000');
    // Kill every connection on the targets but ours: the cached links die.
    for (const cl of [cn, cr]) await cl.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    expect(await migrate('b', '0', '5000')).toBe('+OK\r\n');
    await targetsSame(['MGET', 'a', 'b']);
  });

  it('connection and read failures', async () => {
    await d.same(['SET', 'k', 'v']);
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    await d.same(['MIGRATE', '127.0.0.1', String(closed), 'k', '0', '500']);
    for (const [host, port] of [
      ['127.0.0.1', 'notaport'],
      ['127.0.0.1', '-1'],
      ['127.0.0.1', '4294967297'],
      ['', '6379'],
      ['nosuchhost.invalid', '6379'],
      ['localhost', String(closed)],
    ]) {
      await d.same(['MIGRATE', host, port, 'k', '0', '500']);
    }
    await d.same(['MIGRATE', '127.0.0.1', String(silentPort), 'k', '0', '200']);
    await d.same(['EXISTS', 'k']);
  });

  it('argument errors', async () => {
    await d.same(['SET', 'k', 'v']);
    const t = String(tn.port);
    for (const args of [
      ['MIGRATE', '127.0.0.1', t, 'k', '0'],
      ['MIGRATE', '127.0.0.1', t, 'k', '0', '1000', 'BOGUS'],
      ['MIGRATE', '127.0.0.1', t, 'k', '0', '1000', 'AUTH'],
      ['MIGRATE', '127.0.0.1', t, 'k', '0', '1000', 'AUTH2', 'u'],
      ['MIGRATE', '127.0.0.1', t, 'k', '0', '1000', 'KEYS', 'k'],
      ['MIGRATE', '127.0.0.1', t, 'k', 'x', '1000'],
      ['MIGRATE', '127.0.0.1', t, 'k', '0', '1.5'],
      ['MIGRATE', '127.0.0.1', t, 'k', '0', '1000', 'copy\x00junk', 'BOGUS'],
      ['MIGRATE', '127.0.0.1', t, '', '0', '1000', 'KEYS'],
    ]) {
      await d.same(args);
    }
    await d.same(['EXISTS', 'k']);
  });

  it('COMMAND GETKEYS and the movablekeys flag', async () => {
    await d.same(['COMMAND', 'GETKEYS', 'MIGRATE', 'h', '1', 'k', '0', '10']);
    await d.same(['COMMAND', 'GETKEYS', 'MIGRATE', 'h', '1', '', '0', '10', 'COPY', 'KEYS', 'a', 'b\xff']);
    await d.same(['COMMAND', 'INFO', 'MIGRATE']);
  });
});
