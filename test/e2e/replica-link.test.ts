/**
 * A replica's link carries the replication stream, never replies: a
 * replica whose command generates one is disconnected without it, with
 * Redis's log line (_addReplyToBufferOrList(), addReplyDeferredLen()).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/resp.js';
import { spawnNodisServer, type NodisProcess } from '../helpers/servers.js';

let p: NodisProcess;
// SYNC saves the RDB it sends there.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-replica-link-'));
beforeAll(async () => {
  p = await spawnNodisServer(['--save', '', '--dir', dir]);
  const c = await RawClient.connect(p.port);
  await c.call('SET', 'k\xff', 'v\x00\xfe');
  c.close();
});
afterAll(() => {
  p.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A replica's connection, past the RDB it is sent. */
async function replica(sync: string): Promise<RawClient> {
  const r = await RawClient.connect(p.port);
  r.write(sync);
  // Wait for the RDB's end: its CRC follows the EOF opcode (0xff).
  const deadline = Date.now() + 5000;
  while (!/\xff[\s\S]{8}$/.test(r.pending().latin1Slice())) {
    if (Date.now() > deadline) throw new Error('no RDB');
    await new Promise((res) => setTimeout(res, 10));
  }
  return r;
}

describe('commands on a replica link', () => {
  for (const [sync, cmd, name] of [
    ['SYNC\r\n', 'PING\r\n', 'ping'],
    ['PSYNC ? -1\r\n', '*2\r\n$3\r\nGET\r\n$2\r\nk\xff\r\n', 'get'],
    ['PSYNC ? -1\r\n', 'XINFO HELP\r\n', 'xinfo|help'],
    ['PSYNC ? -1\r\n', 'NOSUCH\r\n', '<unknown>'],
  ]) {
    it(`${name} after ${sync.trim()}: disconnected without a reply`, async () => {
      const r = await replica(sync);
      const before = r.pending().length;
      r.write(cmd);
      const all = await r.readUntilClose();
      expect(all.length).toBe(before);
      const line = `Replica generated a reply to command '${name}', disconnecting it: id=`;
      const deadline = Date.now() + 5000;
      while (!p.output().includes(line) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
      expect(p.output()).toContain(line);
    });
  }

  it('REPLCONF ACK and newlines generate nothing: the link stays', async () => {
    const r = await replica('PSYNC ? -1\r\n');
    r.write('REPLCONF ACK 0\r\n\n\r\n');
    const c = await RawClient.connect(p.port);
    // A write reaches the replica as stream, not as a reply to it.
    expect(await c.callStr('SET', 'k2', 'x')).toBe('+OK\r\n');
    const deadline = Date.now() + 5000;
    while (!r.pending().latin1Slice().includes('$2\r\nk2\r\n$1\r\nx\r\n') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    expect(r.pending().latin1Slice()).toContain('$2\r\nk2\r\n$1\r\nx\r\n');
    expect(r.closed).toBe(false);
    c.close();
    r.close();
  });
});
