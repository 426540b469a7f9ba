/**
 * Client side caching against redis-server 7.0.15: several raw connections
 * per server driven in lockstep, every reply and push each one receives
 * compared byte for byte (RESP2 redirection to a subscriber, RESP3 pushes,
 * BCAST, OPTIN/OPTOUT, NOLOOP, transactions, flushes, broken redirection).
 * Client ids differ between the two servers: a REDIRECT argument is filled in
 * per side and ids in replies are compared as a placeholder.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { encodeCommand, parseReply, type Arg, type RawClient } from '../helpers/resp.js';

warnIfNoRedis('diff/tracking');

const KEY = 'k\xff\x00\xc3';
const KEY2 = 'k\xc3\x28\r\n';
/** Stands for the redirection target's client id in a command. */
const REDIR = Symbol('redir');
type CArg = Arg | typeof REDIR;

class Conn {
  idN = 0;
  idR = 0;
  /** The connections whose ids appear in replies and REDIRECT arguments. */
  target: Conn | null = null;
  peers: Conn[] = [];

  constructor(
    readonly n: RawClient,
    readonly r: RawClient,
  ) {}

  async init(): Promise<void> {
    this.idN = Number(parseReply(await this.n.call('CLIENT', 'ID'))[0].v);
    this.idR = Number(parseReply(await this.r.call('CLIENT', 'ID'))[0].v);
  }

  private encode(args: CArg[], side: 'n' | 'r'): Buffer {
    const t = this.target;
    return encodeCommand(args.map((a) => (a === REDIR ? (side === 'n' ? t!.idN : t!.idR) : a)));
  }

  private norm(s: string, side: 'n' | 'r'): string {
    for (const p of this.peers) {
      const id = side === 'n' ? p.idN : p.idR;
      s = s.split(`:${id}\r\n`).join(':<id>\r\n');
    }
    return s;
  }

  /** Send a command and compare the next `replies` replies (pushes included). */
  async same(args: CArg[], replies = 1): Promise<string> {
    this.n.write(this.encode(args, 'n'));
    this.r.write(this.encode(args, 'r'));
    return this.read(replies, args.map(String).join(' '));
  }

  /** Compare the next `count` replies or pushes received on both. */
  async read(count = 1, what = 'push'): Promise<string> {
    let out = '';
    for (let i = 0; i < count; i++) {
      const [x, y] = await Promise.all([this.n.readReply(), this.r.readReply()]);
      const r = this.norm(y.latin1Slice(), 'r');
      expect(this.norm(x.latin1Slice(), 'n'), what).toBe(r);
      out += r;
    }
    return out;
  }

  /** Send on both without comparing (HELLO shows server-specific fields). */
  async call(...args: Arg[]): Promise<void> {
    const b = encodeCommand(args);
    this.n.write(b);
    this.r.write(b);
    await Promise.all([this.n.readReply(), this.r.readReply()]);
  }

  /** The value of `field=` in CLIENT INFO on both servers. */
  async infoField(field: string): Promise<[string, string]> {
    const [x, y] = await Promise.all([this.n.call('CLIENT', 'INFO'), this.r.call('CLIENT', 'INFO')]);
    const get = (b: Buffer): string => new RegExp(` ${field}=(\\S*)`).exec(b.latin1Slice())![1];
    return [get(x), get(y)];
  }

  /** Nothing further was received by either side (after a PING round trip). */
  async nothingPending(): Promise<void> {
    const pong = await this.same(['PING']);
    expect(pong, 'the next reply is the PING reply').toMatch(/^(\+PONG|\*2\r\n\$4\r\npong)/);
    expect(this.n.pending().length, 'nodis pending').toBe(0);
    expect(this.r.pending().length, 'redis pending').toBe(0);
  }

  close(): void {
    this.n.close();
    this.r.close();
  }
}

async function infoStat(d: DiffPair, field: string): Promise<[string, string]> {
  const [x, y] = await d.both('INFO', 'everything');
  const get = (b: Buffer): string => new RegExp(`\r\n${field}:(\\d+)\r\n`).exec(b.latin1Slice())![1];
  return [get(x), get(y)];
}

describe.skipIf(!HAVE_REDIS)('client side caching (diff)', () => {
  let d: DiffPair;
  /** The tracking client. */
  let t: Conn;
  /** A second tracking client. */
  let t2: Conn;
  /** Redirection target. */
  let rd: Conn;
  /** Writer. */
  let w: Conn;

  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    for (const c of [t, t2, rd, w]) c?.close();
    await d?.close();
  });
  // Fresh connections for each test: nothing left over from the previous one.
  beforeEach(async () => {
    for (const c of [t, t2, rd, w]) c?.close();
    t = new Conn(...(await d.connectBoth()));
    t2 = new Conn(...(await d.connectBoth()));
    rd = new Conn(...(await d.connectBoth()));
    w = new Conn(...(await d.connectBoth()));
    for (const c of [t, t2, rd, w]) await c.init();
    for (const c of [t, t2, rd, w]) {
      c.target = rd;
      c.peers = [t, t2, rd, w];
    }
    await w.same(['FLUSHALL']);
    await w.same(['CONFIG', 'SET', 'tracking-table-max-keys', '1000000']);
  });

  it('CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO errors and replies', async () => {
    await t.same(['CLIENT', 'TRACKING']);
    await t.same(['CLIENT', 'TRACKING', 'maybe']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'nosuchoption']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'REDIRECT']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'PREFIX']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'REDIRECT', 'x']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'REDIRECT', '0']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'REDIRECT', '99999999']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'REDIRECT', REDIR, 'REDIRECT', REDIR]);
    await t.same(['CLIENT', 'TRACKING', 'on', 'PREFIX', 'a']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTIN']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'OPTOUT']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'OPTIN', 'OPTOUT']);
    await t.same(['CLIENT', 'TRACKING', 'maybe', 'PREFIX', 'a']);
    await t.same(['CLIENT', 'TRACKING', 'off', 'PREFIX', 'a', 'NOLOOP']);
    await t.same(['CLIENT', 'CACHING', 'yes']);
    await t.same(['CLIENT', 'CACHING']);
    await t.same(['CLIENT', 'CACHING', 'yes', 'no']);
    await t.same(['CLIENT', 'GETREDIR']);
    await t.same(['CLIENT', 'GETREDIR', 'x']);
    await t.same(['CLIENT', 'TRACKINGINFO']);
    await t.same(['CLIENT', 'TRACKINGINFO', 'x']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'optin']);
    await t.same(['CLIENT', 'CACHING', 'no']);
    await t.same(['CLIENT', 'CACHING', 'maybe']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'optout']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST']);
    await t.same(['CLIENT', 'CACHING', 'yes']);
    await t.same(['CLIENT', 'TRACKINGINFO']);
    await t.same(['CLIENT', 'TRACKING', 'off']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'optout', 'noloop', 'REDIRECT', REDIR]);
    await t.same(['CLIENT', 'CACHING', 'yes']);
    await t.same(['CLIENT', 'CACHING', 'no']);
    await t.same(['CLIENT', 'TRACKINGINFO']);
    await t.same(['CLIENT', 'GETREDIR']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'optin']);
    await t.same(['CLIENT', 'TRACKING', 'off']);
    await t.same(['CLIENT', 'TRACKING', 'off']);
    await t.same(['CLIENT', 'GETREDIR']);
    await t.call('HELLO', '3');
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'b', 'PREFIX', KEY]);
    await t.same(['CLIENT', 'TRACKINGINFO']);
    await t.same(['CLIENT', 'TRACKING', 'on']);
    await t.same(['CLIENT', 'TRACKING', 'off']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'optin']);
    await t.same(['CLIENT', 'CACHING', 'YES']);
    await t.same(['CLIENT', 'TRACKINGINFO']);
    // CACHING lasts for the next command only; CLIENT subcommands keep it.
    await t.same(['CLIENT', 'GETREDIR']);
    await t.same(['CLIENT', 'TRACKINGINFO']);
    await t.same(['PING']);
    await t.same(['CLIENT', 'TRACKINGINFO']);
  });

  it('BCAST prefix overlaps: the errors, and the extra +OK Redis adds past the first prefix', async () => {
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FOOBAR', 'PREFIX', 'FOO']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FOO', 'PREFIX', 'FOOBAR']);
    await t.same(['CLIENT', 'TRACKINGINFO']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FOO', 'PREFIX', 'BAR']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FO']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'BARB']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x\x00a']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'x\x00ab']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'BA']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST']);
    await t.same(['CLIENT', 'TRACKINGINFO']);
    await t.same(['CLIENT', 'TRACKING', 'off']);
    // An overlap among the given prefixes after the first: error, then +OK.
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'b', 'PREFIX', 'bc'], 2);
    await t.same(['CLIENT', 'TRACKINGINFO']);
    await t.same(['CLIENT', 'TRACKING', 'off']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', '']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a']);
    await t.nothingPending();
  });

  it('RESP3: invalidation pushes for keys read, binary key names, MSET order', async () => {
    await t.call('HELLO', '3');
    await t.same(['CLIENT', 'TRACKING', 'on']);
    await w.same(['MSET', KEY, '1', KEY2, '2', 'c', '3']);
    await t.same(['MGET', KEY, KEY2, 'c', 'missing']);
    await w.same(['MSET', 'c', 'x', KEY2, 'y', KEY, 'z', 'unread', '1']);
    await t.read(3);
    await w.same(['SET', KEY, 'again']);
    await w.same(['SET', 'missing', '1']);
    await t.read(1);
    await t.nothingPending();
    // Its own writes: the reply, then the invalidation.
    await t.same(['HSET', 'h', 'f', '1']);
    await t.same(['HGET', 'h', 'f']);
    await t.same(['HDEL', 'h', 'f'], 2);
    await t.same(['GET', KEY]);
    await t.same(['DEL', KEY, 'h'], 2);
    await t.nothingPending();
  });

  it('RESP3: both tracking clients get the invalidation, in id order', async () => {
    await t.call('HELLO', '3');
    await t2.call('HELLO', '3');
    await t.same(['CLIENT', 'TRACKING', 'on']);
    await t2.same(['CLIENT', 'TRACKING', 'on']);
    await t.same(['GET', 'shared']);
    await t2.same(['GET', 'shared']);
    await t2.same(['INCR', 'shared'], 2);
    await t.read(1);
    await t.nothingPending();
    await t2.nothingPending();
  });

  it('transactions: invalidations follow the EXEC reply', async () => {
    await t.call('HELLO', '3');
    await t.same(['CLIENT', 'TRACKING', 'on']);
    await t.same(['MSET', 'a', '1', 'b', '2']);
    await t.same(['GET', 'a']);
    await t.same(['MULTI']);
    await t.same(['INCR', 'a']);
    await t.same(['GET', 'b']);
    await t.same(['SET', 'b', '3']);
    await t.same(['EXEC'], 3);
    await t.nothingPending();
    await t.same(['GET', 'a']);
    await t.same(['MULTI']);
    await t.same(['FLUSHDB']);
    await t.same(['EXEC'], 2);
    await t.nothingPending();
  });

  it('flushes send a null invalidation to every tracking client', async () => {
    await t.call('HELLO', '3');
    await t.same(['CLIENT', 'TRACKING', 'on']);
    await t2.same(['CLIENT', 'TRACKING', 'on', 'REDIRECT', REDIR]);
    await rd.same(['SUBSCRIBE', '__redis__:invalidate']);
    await t.same(['GET', 'x']);
    await w.same(['FLUSHALL']);
    await t.read(1);
    // The RESP2 client redirects: its subscriber gets a message with a RESP2 null.
    await rd.read(1);
    await w.same(['FLUSHDB', 'ASYNC']);
    await t.read(1);
    await rd.read(1);
    await t.same(['FLUSHALL'], 2);
    await rd.read(1);
    // A RESP3 tracking client redirecting to a RESP2 subscriber: Redis
    // writes the RESP3 null into the RESP2 stream.
    await t.same(['CLIENT', 'TRACKING', 'on', 'REDIRECT', REDIR]);
    await w.same(['FLUSHDB']);
    await rd.read(2);
    // SWAPDB is no flush for tracking.
    await t.same(['GET', 'x']);
    await w.same(['SWAPDB', '0', '1']);
    await t.nothingPending();
    await rd.nothingPending();
  });

  it('RESP2: redirection to a subscriber, nothing sent to a RESP2 client itself', async () => {
    await rd.same(['SUBSCRIBE', '__redis__:invalidate']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'REDIRECT', REDIR]);
    await t2.same(['CLIENT', 'TRACKING', 'on']);
    await t.same(['GET', KEY]);
    await t2.same(['GET', KEY]);
    await t.same(['GET', 'b']);
    await w.same(['INCR', 'b']);
    await w.same(['SET', KEY, 'v']);
    await rd.read(2);
    await t2.nothingPending();
    await t.nothingPending();
    // A redirect target not subscribed gets nothing in RESP2.
    await rd.same(['UNSUBSCRIBE'], 1);
    await t.same(['GET', 'c']);
    await w.same(['SET', 'c', '1']);
    await rd.nothingPending();
    // A RESP3 target gets a push, subscribed or not.
    await rd.call('HELLO', '3');
    await t.same(['GET', 'c']);
    await w.same(['SET', 'c', '2']);
    await rd.read(1);
    await rd.nothingPending();
  });

  it('broken redirection: tracking-redir-broken, R flag, TRACKINGINFO', async () => {
    const extra = new Conn(...(await d.connectBoth()));
    await extra.init();
    const peers = [t, t2, rd, w, extra];
    t.target = extra;
    for (const c of peers) c.peers = peers;
    try {
      await t.call('HELLO', '3');
      await t.same(['CLIENT', 'TRACKING', 'on', 'REDIRECT', REDIR]);
      await t.same(['GET', 'k']);
      expect(await t.infoField('flags')).toEqual(['t', 't']);
      const redir = await t.infoField('redir');
      expect(redir).toEqual([String(extra.idN), String(extra.idR)]);
      await extra.same(['QUIT']);
      await w.same(['SET', 'k', '1']);
      await t.read(1);
      await t.same(['CLIENT', 'TRACKINGINFO']);
      await t.same(['CLIENT', 'GETREDIR']);
      expect(await t.infoField('flags')).toEqual(['tR', 'tR']);
      // The broken flag stays; every later invalidation reports it again.
      await t.same(['GET', 'k']);
      await t.same(['SET', 'k', '2'], 2);
      await t.same(['CLIENT', 'TRACKING', 'on']);
      await t.same(['CLIENT', 'TRACKINGINFO']);
      await t.nothingPending();
    } finally {
      t.target = rd;
      for (const c of [t, t2, rd, w]) c.peers = [t, t2, rd, w];
      extra.close();
    }
  });

  it('BCAST: per-prefix batches after the transaction, NOLOOP, redirection', async () => {
    await rd.same(['SUBSCRIBE', '__redis__:invalidate']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'REDIRECT', REDIR, 'PREFIX', 'b:', 'PREFIX', 'a:']);
    expect(await t.infoField('flags')).toEqual(['tB', 'tB']);
    await w.same(['MULTI']);
    for (const k of ['a:2', 'b:1', 'a:1', 'c:1', 'b:2', 'a:2']) await w.same(['INCR', k]);
    await w.same(['EXEC']);
    await rd.read(2);
    await rd.nothingPending();
    // Adding a prefix to the BCAST client.
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'REDIRECT', REDIR, 'PREFIX', KEY]);
    await w.same(['SET', KEY + 'x', '1']);
    await rd.read(1);
    // NOLOOP in BCAST mode: keys changed by the client itself are left out.
    await t.same(['CLIENT', 'TRACKING', 'off']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP', 'REDIRECT', REDIR]);
    await t.same(['SET', 'loop', '1']);
    await w.same(['SET', 'other', '1']);
    await rd.read(1);
    await t.same(['MULTI']);
    await t.same(['SET', 'mine', '1']);
    await t.same(['SET', 'mine2', '1']);
    await t.same(['EXEC']);
    await rd.nothingPending();
    // RESP3, no redirection, the empty prefix, a second BCAST client.
    await t.same(['CLIENT', 'TRACKING', 'off']);
    await t.call('HELLO', '3');
    await t2.call('HELLO', '3');
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST']);
    await t2.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'z']);
    await w.same(['MSET', 'zz', '1', 'y', '2', 'z', '3']);
    await t.read(1);
    await t2.read(1);
    // Expired keys are broadcast too (c = none, so NOLOOP does not filter them).
    await t.same(['SET', 'zexp', '1', 'PX', '1']);
    await t.read(1);
    await t2.read(1);
    await t2.read(1);
    await t.read(1);
    await t.nothingPending();
    await t2.nothingPending();
  });

  it('switching from default mode to BCAST: keys tracked before get no invalidation', async () => {
    await t.call('HELLO', '3');
    await t.same(['CLIENT', 'TRACKING', 'on']);
    await t.same(['GET', 'key1']);
    await t.same(['CLIENT', 'TRACKING', 'off']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST']);
    await w.same(['INCR', 'key1']);
    await t.read(1);
    await t.nothingPending();
  });

  it('OPTIN / OPTOUT with CLIENT CACHING, NOLOOP in default mode', async () => {
    await rd.same(['SUBSCRIBE', '__redis__:invalidate']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'OPTIN', 'REDIRECT', REDIR]);
    await t.same(['GET', 'notcached']);
    await t.same(['CLIENT', 'CACHING', 'yes']);
    await t.same(['GET', 'cached']);
    await t.same(['GET', 'notcached2']);
    await t.same(['CLIENT', 'CACHING', 'yes']);
    await t.same(['MULTI']);
    await t.same(['GET', 'inmulti']);
    await t.same(['EXEC']);
    await t.same(['GET', 'afterexec']);
    await w.same(['MSET', 'notcached', '1', 'cached', '1', 'notcached2', '1', 'inmulti', '1', 'afterexec', '1']);
    await rd.read(2);
    await rd.nothingPending();
    await t.same(['CLIENT', 'TRACKING', 'off']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'OPTOUT', 'REDIRECT', REDIR]);
    await t.same(['CLIENT', 'CACHING', 'no']);
    await t.same(['GET', 'skipped']);
    await t.same(['GET', 'kept']);
    await w.same(['MSET', 'skipped', '1', 'kept', '1']);
    await rd.read(1);
    await rd.nothingPending();
    await t.same(['CLIENT', 'TRACKING', 'off']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'NOLOOP', 'REDIRECT', REDIR]);
    await t.same(['MGET', 'o1', 'loop', 'o2']);
    await w.same(['SET', 'o1', '1']);
    await t.same(['SET', 'loop', '1']);
    await w.same(['SET', 'o2', '1']);
    await rd.read(2);
    await rd.nothingPending();
  });

  it('tracking table: INFO figures, CLIENT LIST redir, tracking-table-max-keys', async () => {
    await rd.same(['SUBSCRIBE', '__redis__:invalidate']);
    await t.same(['CLIENT', 'TRACKING', 'on', 'REDIRECT', REDIR]);
    await t2.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'p:', 'PREFIX', 'q:']);
    await t.same(['MGET', 'a', 'b', 'c']);
    await t2.same(['GET', 'a']);
    for (const f of ['tracking_clients', 'tracking_total_keys', 'tracking_total_items', 'tracking_total_prefixes']) {
      const [x, y] = await infoStat(d, f);
      expect(x, f).toBe(y);
    }
    await w.same(['CONFIG', 'SET', 'tracking-table-max-keys', '1']);
    // Redis drops random keys, Nodis the oldest: compare how many.
    for (let i = 0; i < 2; i++) {
      const [x, y] = await Promise.all([rd.n.readReply(), rd.r.readReply()]);
      expect(parseReply(x)[0].t).toBe(parseReply(y)[0].t);
    }
    const [x, y] = await infoStat(d, 'tracking_total_keys');
    expect(x).toBe('1');
    expect(y).toBe('1');
    await rd.nothingPending();
  });

  it('client reply off: pushes still arrive', async () => {
    await t.call('HELLO', '3');
    await t.same(['CLIENT', 'TRACKING', 'on']);
    await t.same(['GET', 'foo']);
    t.n.write(encodeCommand(['CLIENT', 'REPLY', 'OFF']));
    t.r.write(encodeCommand(['CLIENT', 'REPLY', 'OFF']));
    await w.same(['SET', 'foo', 'bar']);
    await t.read(1);
    await t.same(['CLIENT', 'REPLY', 'ON']);
    await t.nothingPending();
  });

  it('a served blocked BLMOVE gets the invalidation after its reply', async () => {
    await t.call('HELLO', '3');
    await t.same(['CLIENT', 'TRACKING', 'on']);
    await w.same(['RPUSH', 'dst', 'a']);
    await t.same(['LRANGE', 'dst', '0', '-1']);
    const b = encodeCommand(['BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', '0']);
    t.n.write(b);
    t.r.write(b);
    for (;;) {
      const [x, y] = await d.both('INFO', 'clients');
      if (/blocked_clients:1/.test(x.latin1Slice()) && /blocked_clients:1/.test(y.latin1Slice())) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await w.same(['RPUSH', 'src', 'foo']);
    await t.read(2);
    await t.nothingPending();
  });

  it('RESET and disconnection end tracking', async () => {
    await t.call('HELLO', '3');
    await t.same(['CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'r']);
    await t.same(['RESET']);
    await t.same(['CLIENT', 'TRACKINGINFO']);
    const [x, y] = await infoStat(d, 'tracking_total_prefixes');
    expect(x).toBe(y);
    await w.same(['SET', 'rk', '1']);
    await t.nothingPending();
  });
});
