/**
 * A client's query buffer size as CLIENT LIST shows it (qbuf + qbuf-free),
 * against redis-server: room for a read once the client sends something,
 * a buffer of their own for arguments of 32 KB and more, the cron's trim
 * of a big buffer to its peak and of an idle client's to nothing; and
 * INFO's client_recent_max_input_buffer, which the cron records from them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import type { RawClient } from '../helpers/resp.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';

warnIfNoRedis('diff/querybuf');

/** qbuf + qbuf-free of the client named `name`, from CLIENT LIST on `ctl`. */
async function querybuf(ctl: RawClient, name: string): Promise<number> {
  const list = await ctl.callStr('CLIENT', 'LIST');
  const line = list.split('\n').find((l) => l.includes(` name=${name} `));
  const m = line === undefined ? null : /qbuf=(\d+) qbuf-free=(\d+)/.exec(line);
  if (m === null) throw new Error(`no client ${name}`);
  return Number(m[1]) + Number(m[2]);
}

/** The value once `ok` holds (polled every 20 ms), or the last one seen after `ms`. */
async function settle(read: () => Promise<number>, ok: (v: number) => boolean, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  let v = await read();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    v = await read();
  }
  return v;
}

describe.skipIf(!HAVE_REDIS)('differential: query buffer sizes in CLIENT LIST', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });

  it('follow reads, big arguments and the cron as redis-server', async () => {
    const [cn, cr] = await d.connectBoth();
    const both = async (f: (c: RawClient, ctl: RawClient) => Promise<number>): Promise<[number, number]> =>
      Promise.all([f(cn, d.n), f(cr, d.r)]);
    const size = (name: string) => (_c: RawClient, ctl: RawClient) => querybuf(ctl, name);

    // A new client's first read: room for 16 KB (an sds of 20474 usable bytes).
    await Promise.all([cn.call('CLIENT', 'SETNAME', 'qb'), cr.call('CLIENT', 'SETNAME', 'qb')]);
    const [n1, r1] = await both(size('qb'));
    expect(n1).toBe(r1);

    // An argument of 40,000 bytes gets a buffer of its own, then a fresh one of its size.
    const v40 = Buffer.alloc(40000, 0xfe);
    await Promise.all([cn.call('SET', 'x', v40), cr.call('SET', 'x', v40)]);
    const [n2, r2] = await both(size('qb'));
    expect(n2).toBe(r2);

    // Small commands: the cron trims the big buffer to the recent peak, and
    // the next read makes room for 16 KB again.
    const small = async (c: RawClient, ctl: RawClient): Promise<number> =>
      settle(
        async () => {
          await c.call('SET', 'x', 'y\xff');
          return querybuf(ctl, 'qb');
        },
        (v) => v === r1,
        3000,
      );
    const [n3, r3] = await both(small);
    expect(n3).toBe(r3);

    // Part of a big argument: room for all of it, trimmed by the cron to the argument's length.
    const partial = Buffer.concat([Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$300000\r\n'), Buffer.alloc(100, 0x80)]);
    cn.write(partial);
    cr.write(partial);
    const [n4, r4] = await both((_c, ctl) => settle(() => querybuf(ctl, 'qb'), (v) => v === 300000, 3000));
    expect(n4).toBe(r4);
    expect(r4).toBe(300000);
    // INFO's recent peak of a client's input: the buffer's allocation, the
    // arguments parsed and the argv array made for the command.
    const recentInput = async (_c: RawClient, ctl: RawClient): Promise<number> =>
      Number(/client_recent_max_input_buffer:(\d+)/.exec(await ctl.callStr('INFO', 'clients'))?.[1]);
    const [ni, ri] = await both(recentInput);
    expect(ni).toBe(ri);
    expect(ri).toBeGreaterThan(300000);

    // The rest: the argument takes the buffer; a fresh one of its size replaces it.
    const rest = Buffer.concat([Buffer.alloc(299900, 0x81), Buffer.from('\r\n')]);
    cn.write(rest);
    cr.write(rest);
    await Promise.all([cn.readReply(), cr.readReply()]);
    const [n5, r5] = await both(size('qb'));
    expect(n5).toBe(r5);

    // With the argument gone, the cron trims the buffer to the new, empty peak.
    const [n6, r6] = await both((_c, ctl) => settle(() => querybuf(ctl, 'qb'), (v) => v === 0, 3000));
    expect([n6, r6]).toEqual([0, 0]);

    // A small command: room for 16 KB, kept (no peak trim below 32 KB) until
    // the client is idle for over 2 s, then all the free space goes.
    await Promise.all([cn.call('PING'), cr.call('PING')]);
    const [n7, r7] = await both(size('qb'));
    expect([n7, r7]).toEqual([r1, r1]);
    const t0 = Date.now();
    const [n8, r8] = await both((_c, ctl) => settle(() => querybuf(ctl, 'qb'), (v) => v === 0, 6000));
    expect([n8, r8]).toEqual([0, 0]);
    expect(Date.now() - t0).toBeGreaterThan(1500);
    cn.close();
    cr.close();
  }, 20000);
});
