/**
 * Pub/Sub against redis-server 7.0.15: two raw connections per server, one
 * subscribing and one publishing, every byte each receives compared (RESP2
 * and RESP3, binary channel names and payloads).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { encodeCommand, parseReply, type Arg, type RawClient } from '../helpers/resp.js';

warnIfNoRedis('diff/pubsub');

const BIN = 'ch\xff\x00\xc3';
const PAYLOAD = 'p\x00\xff\r\n\xc3\x28';

/** One connection to each server, driven in lockstep. */
class Conn {
  constructor(
    readonly n: RawClient,
    readonly r: RawClient,
  ) {}

  /** Send a command and compare the next `replies` replies (pushes included). */
  async same(args: Arg[], replies = 1): Promise<string> {
    const b = encodeCommand(args);
    this.n.write(b);
    this.r.write(b);
    return this.read(replies, args.join(' '));
  }

  /** A flat array reply whose order follows the server's hash table: compare sorted. */
  async sameUnordered(args: Arg[]): Promise<void> {
    const b = encodeCommand(args);
    this.n.write(b);
    this.r.write(b);
    const [x, y] = await Promise.all([this.n.readReply(), this.r.readReply()]);
    const norm = (buf: Buffer): string => {
      const [rep] = parseReply(buf);
      if (rep.t !== 'array' || rep.v === null) return buf.latin1Slice();
      return JSON.stringify(rep.kind) + JSON.stringify(rep.v.map((e) => JSON.stringify(e)).sort());
    };
    expect(norm(x), args.join(' ')).toBe(norm(y));
  }

  /** Compare the next `count` replies or pushes received on both. */
  async read(count: number, what = 'push'): Promise<string> {
    let out = '';
    for (let i = 0; i < count; i++) {
      const [x, y] = await Promise.all([this.n.readReply(), this.r.readReply()]);
      expect(x.latin1Slice(), what).toBe(y.latin1Slice());
      out += y.latin1Slice();
    }
    return out;
  }

  /** Send without comparing (HELLO shows server-specific fields). */
  async call(...args: Arg[]): Promise<void> {
    const b = encodeCommand(args);
    this.n.write(b);
    this.r.write(b);
    await Promise.all([this.n.readReply(), this.r.readReply()]);
  }

  /** Nothing further was received by either side. */
  nothingPending(): void {
    expect(this.n.pending().length, 'nodis pending').toBe(0);
    expect(this.r.pending().length, 'redis pending').toBe(0);
  }

  close(): void {
    this.n.close();
    this.r.close();
  }
}

describe.skipIf(!HAVE_REDIS)('pub/sub (diff)', () => {
  let d: DiffPair;
  let sub: Conn;
  let pub: Conn;

  beforeAll(async () => {
    d = await DiffPair.start();
    sub = new Conn(...(await d.connectBoth()));
    pub = new Conn(...(await d.connectBoth()));
  });
  afterAll(async () => {
    sub?.close();
    pub?.close();
    await d?.close();
  });
  beforeEach(async () => {
    await sub.same(['RESET']);
    await pub.same(['RESET']);
  });

  for (const proto of [2, 3]) {
    it(`SUBSCRIBE / PUBLISH / UNSUBSCRIBE in RESP${proto}`, async () => {
      if (proto === 3) await sub.call('HELLO', '3');
      await sub.same(['UNSUBSCRIBE']);
      await sub.same(['PUNSUBSCRIBE']);
      await sub.same(['SUBSCRIBE', 'a', BIN, 'a'], 3);
      expect(await pub.same(['PUBLISH', BIN, PAYLOAD])).toBe(':1\r\n');
      await sub.read(1);
      await pub.same(['PUBLISH', 'a', '']);
      await sub.read(1);
      await pub.same(['PUBLISH', 'nobody', 'x']);
      await pub.same(['PUBSUB', 'NUMSUB', 'a', BIN, 'zz']);
      await pub.same(['PUBSUB', 'CHANNELS', 'c*']);
      await pub.same(['PUBSUB', 'CHANNELS', 'nomatch*']);
      await pub.same(['PUBSUB', 'NUMPAT']);
      // Commands allowed (or refused) while subscribed.
      await sub.same(['PING']);
      await sub.same(['PING', 'x']);
      await sub.same(['GET', 'k']);
      await sub.same(['UNSUBSCRIBE', 'a', 'notsubscribed'], 2);
      await sub.same(['UNSUBSCRIBE'], 1);
      await sub.same(['UNSUBSCRIBE'], 1);
      await sub.same(['PING']);
      await pub.same(['PUBLISH', BIN, 'x']);
      sub.nothingPending();
    });

    it(`PSUBSCRIBE / PUNSUBSCRIBE and pmessage in RESP${proto}`, async () => {
      if (proto === 3) await sub.call('HELLO', '3');
      await sub.same(['PSUBSCRIBE', 'ch*', 'h?llo', 'ch*'], 3);
      await sub.same(['SUBSCRIBE', BIN], 1);
      expect(await pub.same(['PUBLISH', BIN, PAYLOAD])).toBe(':2\r\n');
      await sub.read(2);
      await pub.same(['PUBLISH', 'hello', PAYLOAD]);
      await sub.read(1);
      await pub.same(['PUBSUB', 'NUMPAT']);
      await sub.same(['PUNSUBSCRIBE', 'h?llo', 'nope'], 2);
      await sub.same(['PUNSUBSCRIBE'], 1);
      await sub.same(['PUNSUBSCRIBE'], 1);
      await pub.same(['PUBSUB', 'NUMPAT']);
      await sub.same(['UNSUBSCRIBE', BIN], 1);
      sub.nothingPending();
    });

    it(`sharded channels in RESP${proto}`, async () => {
      if (proto === 3) await sub.call('HELLO', '3');
      await sub.same(['SUNSUBSCRIBE']);
      await sub.same(['SSUBSCRIBE', BIN, 's2'], 2);
      await sub.same(['PSUBSCRIBE', '*'], 1);
      await sub.same(['SUBSCRIBE', BIN], 1);
      expect(await pub.same(['SPUBLISH', BIN, PAYLOAD])).toBe(':1\r\n');
      await sub.read(1);
      await pub.same(['PUBLISH', BIN, PAYLOAD]);
      await sub.read(2);
      await pub.same(['PUBSUB', 'SHARDNUMSUB', BIN, 's2', 'x']);
      await pub.same(['PUBSUB', 'SHARDCHANNELS', 's*']);
      await pub.sameUnordered(['PUBSUB', 'SHARDCHANNELS']);
      await sub.same(['SUNSUBSCRIBE', 's2', 'x'], 2);
      await sub.same(['SUNSUBSCRIBE'], 1);
      await sub.same(['SUNSUBSCRIBE'], 1);
      await sub.same(['UNSUBSCRIBE'], 1);
      await sub.same(['PUNSUBSCRIBE'], 1);
      await sub.same(['PING']);
      sub.nothingPending();
    });
  }

  it('PUBSUB errors, HELP and arity', async () => {
    await pub.same(['PUBSUB', 'HELP']);
    await pub.same(['PUBSUB', 'CHANNELS', 'a', 'b']);
    await pub.same(['PUBSUB', 'SHARDCHANNELS', 'a', 'b']);
    await pub.same(['PUBSUB', 'NUMPAT', 'x']);
    await pub.same(['PUBSUB', 'NOPE']);
    await pub.same(['PUBSUB']);
    await pub.same(['PUBSUB', 'NUMSUB']);
    await pub.same(['PUBLISH', 'a']);
    await pub.same(['SUBSCRIBE']);
    await pub.same(['SPUBLISH', 'a', 'b', 'c']);
  });

  it('MULTI: SUBSCRIBE queued and run, SSUBSCRIBE refused inside EXEC', async () => {
    await sub.same(['MULTI']);
    await sub.same(['SUBSCRIBE', 'm']);
    await sub.same(['SSUBSCRIBE', 'm']);
    await sub.same(['PING']);
    await sub.same(['EXEC']);
    await pub.same(['PUBLISH', 'm', 'x']);
    await sub.read(1);
    await sub.same(['UNSUBSCRIBE'], 1);
  });

  it('RESP3: publishing to oneself, pushes inside EXEC, back to RESP2 while subscribed', async () => {
    await sub.call('HELLO', '3');
    await sub.same(['SUBSCRIBE', 'self'], 1);
    // The message push precedes the PUBLISH reply.
    await sub.same(['PUBLISH', 'self', PAYLOAD], 2);
    await sub.same(['MULTI']);
    await sub.same(['PSUBSCRIBE', 's*']);
    await sub.same(['PUBLISH', 'self', 'x']);
    await sub.same(['EXEC'], 3);
    await sub.call('HELLO', '2');
    await sub.same(['GET', 'k']);
    await sub.same(['PUNSUBSCRIBE'], 1);
    await sub.same(['UNSUBSCRIBE'], 1);
    await sub.same(['GET', 'k']);
    sub.nothingPending();
  });

  it('keyspace notifications reach subscribers', async () => {
    await pub.same(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
    try {
      await sub.same(['PSUBSCRIBE', '__key*__:*'], 1);
      await pub.same(['SET', BIN, 'v']);
      await sub.read(2);
      await pub.same(['EXPIRE', BIN, '100']);
      await sub.read(2);
      await pub.same(['DEL', BIN]);
      await sub.read(2);
      sub.nothingPending();
    } finally {
      await pub.same(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    }
  });

  it('RESET leaves subscribed mode; INFO counts', async () => {
    await sub.same(['SUBSCRIBE', 'x'], 1);
    await sub.same(['PSUBSCRIBE', 'y*'], 1);
    await sub.same(['RESET']);
    await pub.same(['PUBLISH', 'x', 'm']);
    await pub.same(['PUBSUB', 'NUMPAT']);
    await sub.same(['GET', 'k']);
    sub.nothingPending();
  });
});
