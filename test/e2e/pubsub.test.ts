/**
 * Pub/Sub end to end: ioredis subscriber and publisher with binary channels
 * and payloads, raw RESP2/RESP3 connections, subscribed-mode restrictions,
 * CLIENT LIST / INFO counters, CLIENT REPLY OFF, cleanup on disconnect and
 * RESET, keyspace notifications.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';
import { CLIENT_PUBSUB } from '../../src/server/client.js';

const BIN_CH = 'ch\xff\x00\xc3';
const BIN_MSG = 'm\x00\xff\r\n\xc3\x28';

function bulk(s: string): string {
  return `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;
}

let srv: ServerHandle;
let sub: RawClient;
let pub: RawClient;

beforeAll(async () => {
  srv = await startNodis();
  sub = await RawClient.connect(srv.port);
  pub = await RawClient.connect(srv.port);
});

afterAll(async () => {
  sub.close();
  pub.close();
  await srv.close();
});

beforeEach(async () => {
  await sub.call('RESET');
  await pub.call('RESET');
  await pub.call('CONFIG', 'SET', 'notify-keyspace-events', '');
});

async function waitFor(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function serverClientOf(id: number) {
  const c = srv.server.clients.get(id);
  if (!c) throw new Error(`no client ${id}`);
  return c;
}

async function clientId(r: RawClient): Promise<number> {
  return Number((await r.callStr('CLIENT', 'ID')).slice(1, -2));
}

describe('ioredis', () => {
  it('delivers binary channels and payloads to channel and pattern subscribers', async () => {
    const s = new Redis(srv.port, { lazyConnect: true });
    const p = new Redis(srv.port, { lazyConnect: true });
    await s.connect();
    await p.connect();
    try {
      const got: [string, string, string][] = [];
      s.on('messageBuffer', (ch: Buffer, msg: Buffer) => got.push(['message', ch.latin1Slice(), msg.latin1Slice()]));
      // ioredis hands the pattern back as a string; the raw tests check its bytes.
      s.on('pmessageBuffer', (_pat: unknown, ch: Buffer, msg: Buffer) => got.push(['pmessage', ch.latin1Slice(), msg.latin1Slice()]));
      const chBuf = Buffer.from(BIN_CH, 'latin1');
      expect(await s.subscribe(chBuf as unknown as string)).toBe(1);
      const patBuf = Buffer.from('ch\xff*', 'latin1');
      expect(await s.psubscribe(patBuf as unknown as string)).toBe(2);
      const n = await p.publish(chBuf as unknown as string, Buffer.from(BIN_MSG, 'latin1'));
      expect(n).toBe(2);
      await waitFor(() => got.length === 2, 'two messages');
      expect(got).toContainEqual(['message', BIN_CH, BIN_MSG]);
      expect(got).toContainEqual(['pmessage', BIN_CH, BIN_MSG]);
      expect(await p.publish(Buffer.from('ch\xffz', 'latin1') as unknown as string, 'x')).toBe(1);
      await waitFor(() => got.length === 3, 'pattern message');
      expect(got[2]).toEqual(['pmessage', 'ch\xffz', 'x']);
      const numsub = (await p.callBuffer('PUBSUB', 'NUMSUB', chBuf)) as [Buffer, number];
      expect(numsub[0].latin1Slice()).toBe(BIN_CH);
      expect(numsub[1]).toBe(1);
      expect(await p.pubsub('NUMPAT')).toBe(1);
      // (ioredis cannot match UNSUBSCRIBE confirmations for non-UTF-8 names: disconnect instead.)
      s.disconnect();
      await waitFor(async () => (await p.publish(chBuf as unknown as string, 'y')) === 0, 'subscriber gone');
    } finally {
      s.disconnect();
      p.disconnect();
    }
  });
});

describe('raw RESP2', () => {
  it('confirmations, messages and the exact no-subscription replies', async () => {
    expect(await sub.callStr('UNSUBSCRIBE')).toBe('*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n');
    expect(await sub.callStr('PUNSUBSCRIBE')).toBe('*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n');
    expect(await sub.callStr('SUNSUBSCRIBE')).toBe('*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n');
    const id = await clientId(sub);
    expect(serverClientOf(id).flags & CLIENT_PUBSUB).toBe(0);
    expect(await sub.callStr('SUBSCRIBE', BIN_CH)).toBe(`*3\r\n${bulk('subscribe')}${bulk(BIN_CH)}:1\r\n`);
    expect(serverClientOf(id).flags & CLIENT_PUBSUB).not.toBe(0);
    expect(await sub.callStr('PSUBSCRIBE', 'ch*')).toBe(`*3\r\n${bulk('psubscribe')}${bulk('ch*')}:2\r\n`);
    expect(await sub.callStr('SSUBSCRIBE', 's')).toBe(`*3\r\n${bulk('ssubscribe')}${bulk('s')}:1\r\n`);
    expect(await pub.callStr('PUBLISH', BIN_CH, BIN_MSG)).toBe(':2\r\n');
    const m1 = (await sub.readReply()).latin1Slice();
    const m2 = (await sub.readReply()).latin1Slice();
    expect(m1).toBe(`*3\r\n${bulk('message')}${bulk(BIN_CH)}${bulk(BIN_MSG)}`);
    expect(m2).toBe(`*4\r\n${bulk('pmessage')}${bulk('ch*')}${bulk(BIN_CH)}${bulk(BIN_MSG)}`);
    expect(await pub.callStr('SPUBLISH', 's', BIN_MSG)).toBe(':1\r\n');
    expect((await sub.readReply()).latin1Slice()).toBe(`*3\r\n${bulk('smessage')}${bulk('s')}${bulk(BIN_MSG)}`);
    // Subscribed mode in RESP2 refuses other commands.
    expect(await sub.callStr('GET', 'k')).toBe(
      "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
    );
    expect(await sub.callStr('PING')).toBe(`*2\r\n${bulk('pong')}${bulk('')}`);
    // CLIENT LIST counters and the P flag, INFO totals.
    const list = await pub.callStr('CLIENT', 'LIST');
    const line = list.split('\n').find((l) => l.includes(`id=${id} `)) ?? '';
    expect(line).toContain(' flags=P ');
    expect(line).toContain(' sub=1 psub=1 ssub=1 ');
    const info = await pub.callStr('INFO', 'stats');
    expect(info).toContain('pubsub_channels:1\r\n');
    expect(info).toContain('pubsub_patterns:1\r\n');
    expect(info).toContain('pubsubshard_channels:1\r\n');
    // Leaving: the flag stays until the last subscription of any kind is gone.
    expect(await sub.callStr('UNSUBSCRIBE')).toBe(`*3\r\n${bulk('unsubscribe')}${bulk(BIN_CH)}:1\r\n`);
    expect(await sub.callStr('PUNSUBSCRIBE')).toBe(`*3\r\n${bulk('punsubscribe')}${bulk('ch*')}:0\r\n`);
    expect(serverClientOf(id).flags & CLIENT_PUBSUB).not.toBe(0);
    expect(await sub.callStr('SUNSUBSCRIBE', 's')).toBe(`*3\r\n${bulk('sunsubscribe')}${bulk('s')}:0\r\n`);
    expect(serverClientOf(id).flags & CLIENT_PUBSUB).toBe(0);
    expect(await sub.callStr('PING')).toBe('+PONG\r\n');
    expect(await pub.callStr('INFO', 'stats')).toContain('pubsub_channels:0\r\n');
  });

  it('messages reach a client with CLIENT REPLY OFF', async () => {
    const r = await RawClient.connect(srv.port);
    try {
      r.write('*3\r\n$6\r\nCLIENT\r\n$5\r\nREPLY\r\n$3\r\nOFF\r\n');
      r.write('*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\nq\r\n');
      await waitFor(async () => (await pub.callStr('PUBSUB', 'NUMSUB', 'q')).endsWith(':1\r\n'), 'subscription');
      expect(await pub.callStr('PUBLISH', 'q', 'hi')).toBe(':1\r\n');
      // The SUBSCRIBE confirmation is a push too, so it is delivered as well.
      expect((await r.readReply()).latin1Slice()).toBe(`*3\r\n${bulk('subscribe')}${bulk('q')}:1\r\n`);
      expect((await r.readReply()).latin1Slice()).toBe(`*3\r\n${bulk('message')}${bulk('q')}${bulk('hi')}`);
    } finally {
      r.close();
    }
  });

  it('disconnect and RESET drop subscriptions', async () => {
    const r = await RawClient.connect(srv.port);
    await r.call('SUBSCRIBE', 'gone');
    await r.call('PSUBSCRIBE', 'gone*');
    await r.call('SSUBSCRIBE', 'gone');
    expect(await pub.callStr('PUBSUB', 'NUMPAT')).toBe(':1\r\n');
    r.close();
    await waitFor(async () => (await pub.callStr('PUBSUB', 'NUMPAT')) === ':0\r\n', 'pattern dropped');
    expect(await pub.callStr('PUBSUB', 'NUMSUB', 'gone')).toBe(`*2\r\n${bulk('gone')}:0\r\n`);
    expect(await pub.callStr('PUBSUB', 'SHARDNUMSUB', 'gone')).toBe(`*2\r\n${bulk('gone')}:0\r\n`);
    expect(await pub.callStr('PUBSUB', 'CHANNELS')).toBe('*0\r\n');

    const id = await clientId(sub);
    await sub.call('SUBSCRIBE', 'x');
    await sub.call('PSUBSCRIBE', 'x*');
    expect(await sub.callStr('RESET')).toBe('+RESET\r\n');
    expect(serverClientOf(id).flags & CLIENT_PUBSUB).toBe(0);
    expect(await pub.callStr('PUBLISH', 'x', 'm')).toBe(':0\r\n');
    expect(await sub.callStr('PING')).toBe('+PONG\r\n');
  });

  it('PUBSUB CHANNELS with and without a pattern, NUMSUB counts per channel', async () => {
    const r = await RawClient.connect(srv.port);
    try {
      await sub.call('SUBSCRIBE', 'news.a');
      await r.call('SUBSCRIBE', 'news.a');
      await r.call('SUBSCRIBE', 'other');
      const all = await pub.callStr('PUBSUB', 'CHANNELS');
      expect(all.startsWith('*2\r\n')).toBe(true);
      expect(all).toContain(bulk('news.a'));
      expect(all).toContain(bulk('other'));
      expect(await pub.callStr('PUBSUB', 'CHANNELS', 'news.*')).toBe(`*1\r\n${bulk('news.a')}`);
      expect(await pub.callStr('PUBSUB', 'NUMSUB', 'news.a', 'other', 'none')).toBe(
        `*6\r\n${bulk('news.a')}:2\r\n${bulk('other')}:1\r\n${bulk('none')}:0\r\n`,
      );
      expect(await pub.callStr('PUBSUB', 'NUMSUB')).toBe('*0\r\n');
      expect(await pub.callStr('PUBLISH', 'news.a', 'z')).toBe(':2\r\n');
      expect((await sub.readReply()).latin1Slice()).toBe(`*3\r\n${bulk('message')}${bulk('news.a')}${bulk('z')}`);
    } finally {
      r.close();
    }
  });
});

describe('raw RESP3', () => {
  it('uses push types and allows any command while subscribed', async () => {
    const r = await RawClient.connect(srv.port);
    try {
      await r.call('HELLO', '3');
      expect(await r.callStr('UNSUBSCRIBE')).toBe(`>3\r\n${bulk('unsubscribe')}_\r\n:0\r\n`);
      expect(await r.callStr('PUNSUBSCRIBE')).toBe(`>3\r\n${bulk('punsubscribe')}_\r\n:0\r\n`);
      expect(await r.callStr('SUBSCRIBE', BIN_CH)).toBe(`>3\r\n${bulk('subscribe')}${bulk(BIN_CH)}:1\r\n`);
      expect(await r.callStr('PSUBSCRIBE', '*')).toBe(`>3\r\n${bulk('psubscribe')}${bulk('*')}:2\r\n`);
      expect(await r.callStr('SET', 'k', 'v')).toBe('+OK\r\n');
      expect(await r.callStr('PING')).toBe('+PONG\r\n');
      expect(await pub.callStr('PUBLISH', BIN_CH, BIN_MSG)).toBe(':2\r\n');
      expect((await r.readReply()).latin1Slice()).toBe(`>3\r\n${bulk('message')}${bulk(BIN_CH)}${bulk(BIN_MSG)}`);
      expect((await r.readReply()).latin1Slice()).toBe(`>4\r\n${bulk('pmessage')}${bulk('*')}${bulk(BIN_CH)}${bulk(BIN_MSG)}`);
      expect(await r.callStr('SUNSUBSCRIBE', 'nope')).toBe(`>3\r\n${bulk('sunsubscribe')}${bulk('nope')}:0\r\n`);
    } finally {
      r.close();
    }
  });
});

describe('keyspace notifications', () => {
  it('SET, EXPIRE and DEL publish __keyspace@0__ and __keyevent@0__ messages', async () => {
    await pub.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    await sub.call('PSUBSCRIBE', '__key*@0__:*');
    const key = 'k\xff\x00';
    const expectPair = async (event: string): Promise<void> => {
      const a = (await sub.readReply()).latin1Slice();
      const b = (await sub.readReply()).latin1Slice();
      expect(a).toBe(`*4\r\n${bulk('pmessage')}${bulk('__key*@0__:*')}${bulk(`__keyspace@0__:${key}`)}${bulk(event)}`);
      expect(b).toBe(`*4\r\n${bulk('pmessage')}${bulk('__key*@0__:*')}${bulk(`__keyevent@0__:${event}`)}${bulk(key)}`);
    };
    expect(await pub.callStr('SET', key, 'v')).toBe('+OK\r\n');
    await expectPair('set');
    expect(await pub.callStr('EXPIRE', key, '100')).toBe(':1\r\n');
    await expectPair('expire');
    expect(await pub.callStr('DEL', key)).toBe(':1\r\n');
    await expectPair('del');
    // Events off: nothing more is published.
    await pub.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    await pub.call('SET', key, 'v');
    // The next message the subscriber sees is the probe, not an event of that SET.
    expect(await pub.callStr('PUBLISH', '__keyspace@0__:probe', 'x')).toBe(':1\r\n');
    expect((await sub.readReply()).latin1Slice()).toBe(
      `*4\r\n${bulk('pmessage')}${bulk('__key*@0__:*')}${bulk('__keyspace@0__:probe')}${bulk('x')}`,
    );
  });
});
