/**
 * XREADGROUP blocked on a key that is deleted, overwritten with another
 * type, flushed or swapped away is unblocked with -UNBLOCKED, as in
 * redis-server 7.0; XREAD stays blocked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { encodeCommand, type RawClient } from '../helpers/resp.js';

warnIfNoRedis('stream-unblock');

async function waitBlocked(c: RawClient, n: number): Promise<void> {
  const deadline = Date.now() + 20000;
  for (;;) {
    const info = (await c.call('INFO', 'clients')).latin1Slice();
    if (new RegExp(`blocked_clients:${n}\\r`).test(info)) return;
    if (Date.now() > deadline) throw new Error(`never ${n} blocked clients`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(!HAVE_REDIS)('blocked XREADGROUP when its stream goes away (diff)', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });

  const cases: [string, string[][]][] = [
    ['DEL', [['DEL', 'ms\xff']]],
    ['SET', [['SET', 'ms\xff', 'v']]],
    ['FLUSHALL', [['FLUSHALL']]],
    ['FLUSHDB', [['FLUSHDB']]],
    ['SWAPDB', [['SWAPDB', '0', '1']]],
    ['MULTI re-creating it', [['MULTI'], ['DEL', 'ms\xff'], ['XADD', 'ms\xff', '667', 'f', 'v'], ['XGROUP', 'CREATE', 'ms\xff', 'g', '$'], ['EXEC']]],
  ];
  for (const [name, kill] of cases) {
    it(name, async () => {
      const [bn, br] = await d.connectBoth();
      const [xn, xr] = await d.connectBoth();
      try {
        for (const cmd of [['FLUSHALL'], ['XADD', 'ms\xff', '666', 'f', 'v'], ['XGROUP', 'CREATE', 'ms\xff', 'g', '$']]) await d.same(...cmd);
        for (const c of [bn, br]) c.write(encodeCommand(['XREADGROUP', 'GROUP', 'g', 'Alice', 'BLOCK', '0', 'STREAMS', 'ms\xff', '>']));
        for (const c of [xn, xr]) c.write(encodeCommand(['XREAD', 'BLOCK', '0', 'STREAMS', 'ms\xff', '$']));
        await Promise.all([waitBlocked(d.n, 2), waitBlocked(d.r, 2)]);
        for (const cmd of kill) await d.same(...cmd);
        const unblocked = name !== 'MULTI re-creating it';
        if (unblocked) {
          const [a, b] = await Promise.all([bn.readReply(), br.readReply()]);
          expect(a.latin1Slice()).toBe(b.latin1Slice());
          expect(a.latin1Slice()).toBe('-UNBLOCKED the stream key no longer exists\r\n');
        }
        if (!unblocked) {
          // The new entry serves XREAD; XREADGROUP waits on the new group.
          const [a, b] = await Promise.all([xn.readReply(), xr.readReply()]);
          expect(a.latin1Slice()).toBe(b.latin1Slice());
          expect(a.latin1Slice()).toContain('667-0');
        }
        await Promise.all([waitBlocked(d.n, 1), waitBlocked(d.r, 1)]);
      } finally {
        for (const c of [bn, br, xn, xr]) c.close();
      }
      await Promise.all([waitBlocked(d.n, 0), waitBlocked(d.r, 0)]);
    });
  }
});
