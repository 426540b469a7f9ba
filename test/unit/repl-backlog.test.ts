/**
 * The replication backlog: a ring addressed by replication offsets that
 * keeps the last repl-backlog-size bytes, grows on demand, resizes keeping
 * the newest bytes, and tells which PSYNC offsets it can serve.
 */
import { describe, expect, it } from 'vitest';
import { ReplBacklog, REPL_BACKLOG_MIN_SIZE } from '../../src/replication/backlog.js';

/** A reference model: the whole stream, of which the backlog must hold the tail. */
function check(bl: ReplBacklog, stream: Buffer, firstOffset: number): void {
  const end = firstOffset + stream.length;
  expect(bl.offset + bl.histlen).toBe(end);
  expect(bl.histlen).toBe(Math.min(stream.length, bl.size));
  const held = bl.readFrom(bl.offset);
  expect(held.equals(stream.subarray(stream.length - bl.histlen))).toBe(true);
  expect(bl.covers(bl.offset)).toBe(true);
  expect(bl.covers(end)).toBe(true);
  expect(bl.covers(end + 1)).toBe(false);
  if (bl.offset > firstOffset) expect(bl.covers(bl.offset - 1)).toBe(false);
}

describe('ReplBacklog', () => {
  it('keeps the last size bytes of strings and Buffers, wrapping around', () => {
    const size = REPL_BACKLOG_MIN_SIZE;
    const bl = new ReplBacklog(size, 1);
    let stream = Buffer.alloc(0);
    let seed = 7;
    for (let i = 0; i < 400; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = seed % 700;
      const bytes = Buffer.alloc(n);
      for (let j = 0; j < n; j++) bytes[j] = (seed + j * 31) & 0xff;
      // Half the appends are latin1 strings (one char per byte).
      bl.append(i % 2 === 0 ? bytes : bytes.latin1Slice(0, n));
      stream = Buffer.concat([stream, bytes]);
      check(bl, stream, 1);
    }
    expect(stream.length).toBeGreaterThan(size * 5);
  });

  it('serves any offset it covers, up to the end', () => {
    const bl = new ReplBacklog(REPL_BACKLOG_MIN_SIZE, 101);
    const data = Buffer.from(Array.from({ length: 50000 }, (_, i) => i % 251));
    bl.append(data.subarray(0, 30000));
    bl.append(data.subarray(30000));
    for (const from of [bl.offset, bl.offset + 1, bl.offset + 8000, 101 + 50000]) {
      expect(bl.readFrom(from).equals(data.subarray(from - 101))).toBe(true);
    }
    expect(bl.readFrom(101 + 50000).length).toBe(0);
  });

  it('an append larger than the backlog keeps its tail', () => {
    const bl = new ReplBacklog(REPL_BACKLOG_MIN_SIZE, 1);
    bl.append('abc');
    const big = Buffer.alloc(REPL_BACKLOG_MIN_SIZE * 3, 0x41);
    big[big.length - 1] = 0x42;
    bl.append(big);
    check(bl, Buffer.concat([Buffer.from('abc'), big]), 1);
  });

  it('grows from a small buffer to its size, and a resize keeps the newest bytes', () => {
    const bl = new ReplBacklog(1024 * 1024, 1);
    expect(bl.memory).toBeLessThan(1024 * 1024);
    const chunk = Buffer.from('x'.repeat(1000) + '\xff\x00', 'latin1');
    let stream = Buffer.alloc(0);
    for (let i = 0; i < 300; i++) {
      bl.append(chunk);
      stream = Buffer.concat([stream, chunk]);
    }
    check(bl, stream, 1);
    bl.resize(20000);
    expect(bl.size).toBe(20000);
    check(bl, stream, 1);
    bl.append('tail');
    stream = Buffer.concat([stream, Buffer.from('tail')]);
    check(bl, stream, 1);
    // Never below the minimum size.
    bl.resize(10);
    expect(bl.size).toBe(REPL_BACKLOG_MIN_SIZE);
    check(bl, stream, 1);
  });
});
