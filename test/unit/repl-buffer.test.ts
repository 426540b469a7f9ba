/**
 * The shared replication buffer: blocks holding the stream once, the
 * backlog keeping at least repl-backlog-size bytes of it, replicas keeping
 * the blocks from their position on, PSYNC positions, and the memory
 * figures.
 */
import { describe, expect, it } from 'vitest';
import { ReplBuffer, REPL_BACKLOG_MIN_SIZE, newCursor, type StreamCursor } from '../../src/replication/repl-buffer.js';

/** A deterministic byte source with every byte value, non-UTF-8 ones included. */
function bytes(seed: number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let j = 0; j < n; j++) b[j] = (seed * 131 + j * 31) & 0xff;
  return b;
}

/** Send `c` everything it has not been sent, as a replica's socket gets it. */
function drain(buf: ReplBuffer, c: StreamCursor): Buffer {
  const parts: Buffer[] = [];
  for (;;) {
    const b = c.block!;
    if (c.pos < b.used) {
      parts.push(Buffer.from(b.buf.subarray(c.pos, b.used)));
      c.pos = b.used;
    }
    if (!buf.step(c)) break;
  }
  return Buffer.concat(parts);
}

/** The backlog holds a suffix of the stream, at least `size` bytes of it when there are that many. */
function checkBacklog(buf: ReplBuffer, stream: Buffer, firstOffset: number): void {
  const end = firstOffset + stream.length;
  expect(buf.offset + buf.histlen).toBe(end);
  expect(buf.histlen).toBeGreaterThanOrEqual(Math.min(stream.length, buf.size));
  expect(buf.readFrom(buf.offset).equals(stream.subarray(stream.length - buf.histlen))).toBe(true);
  expect(buf.covers(buf.offset)).toBe(true);
  expect(buf.covers(end)).toBe(true);
  expect(buf.covers(end + 1)).toBe(false);
  if (buf.offset > firstOffset) expect(buf.covers(buf.offset - 1)).toBe(false);
}

describe('ReplBuffer', () => {
  it('keeps the backlog within one block of its size when no replica holds it', () => {
    const buf = new ReplBuffer(REPL_BACKLOG_MIN_SIZE, 1);
    let stream = Buffer.alloc(0);
    let seed = 7;
    for (let i = 0; i < 600; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const b = bytes(seed, seed % 900);
      // Half the appends are latin1 strings (one char per byte).
      const at = buf.append(i % 2 === 0 ? b : b.latin1Slice(0, b.length));
      if (at.added) buf.trim(64);
      stream = Buffer.concat([stream, b]);
      checkBacklog(buf, stream, 1);
      // Trimmed as blocks are added, to the first block that keeps `size`
      // bytes: at most that block and the tail's (20,440 bytes each) more.
      expect(buf.histlen).toBeLessThanOrEqual(buf.size + 2 * 20440);
    }
    expect(stream.length).toBeGreaterThan(buf.size * 10);
    // Blocks of 16 KB at least (jemalloc's 20 KB class, less the header), never fewer than one.
    expect(buf.blockCount).toBeGreaterThanOrEqual(1);
    expect(buf.blockCount).toBeLessThanOrEqual(2);
  });

  it('an append larger than a block spans blocks of at most a sixteenth of the backlog', () => {
    const size = 4 * 1024 * 1024;
    const buf = new ReplBuffer(size, 1);
    const big = bytes(3, 3 * 1024 * 1024);
    const at = buf.append(big);
    expect(at.added).toBe(true);
    expect(at.pos).toBe(0);
    // 256 KB blocks: 12 of them, each counted with its header and list node.
    expect(buf.blockCount).toBe(Math.ceil(big.length / (size / 16 + 64 * 1024 - 40)));
    expect(buf.readFrom(1).equals(big)).toBe(true);
    expect(buf.mem).toBeGreaterThan(big.length);
    expect(buf.mem).toBeLessThan(big.length * 1.3);
  });

  it('a replica keeps every block from its position: the backlog outgrows its size, then shrinks when it goes', () => {
    const buf = new ReplBuffer(REPL_BACKLOG_MIN_SIZE, 1);
    buf.append(bytes(1, 5000));
    const c = newCursor();
    const at = buf.append(bytes(2, 100));
    buf.attach(c, at.block, at.pos);
    let expected = bytes(2, 100);
    for (let i = 0; i < 200; i++) {
      const b = bytes(i, 1000 + i);
      if (buf.append(b).added) buf.trim(64);
      expected = Buffer.concat([expected, b]);
    }
    // Nothing after the replica's position was freed.
    expect(buf.histlen).toBeGreaterThan(expected.length);
    expect(buf.pending(c)).toBe(expected.length);
    const memBefore = buf.mem;
    expect(buf.memoryFrom(c)).toBeGreaterThan(expected.length);
    expect(buf.memoryFrom(c)).toBeLessThanOrEqual(memBefore);
    expect(buf.blocksFrom(c)).toBe(buf.blockCount);
    // It is sent exactly the stream from where it joined.
    expect(drain(buf, c).equals(expected)).toBe(true);
    expect(buf.pending(c)).toBe(0);
    // Having moved to the last block, it no longer holds the rest: trimming frees them.
    buf.trim(1000);
    expect(buf.mem).toBeLessThan(memBefore);
    expect(buf.histlen).toBeLessThanOrEqual(buf.size + 2 * 20440);
    expect(buf.blocksFrom(c)).toBe(1);
  });

  it('releasing a lagging replica lets the backlog shrink, a bounded number of blocks per call', () => {
    const buf = new ReplBuffer(REPL_BACKLOG_MIN_SIZE, 1);
    const c = newCursor();
    const at = buf.append('x');
    buf.attach(c, at.block, at.pos);
    for (let i = 0; i < 400; i++) if (buf.append(bytes(i, 4000)).added) buf.trim(64);
    const blocks = buf.blockCount;
    expect(blocks).toBeGreaterThan(64);
    buf.release(c);
    expect(c.block).toBe(null);
    // One call frees 64 blocks at most.
    expect(buf.blockCount).toBe(blocks - 64);
    buf.trim(10000);
    expect(buf.blockCount).toBeLessThanOrEqual(2);
  });

  it('attaches a continuing replica at any offset it covers, and a copy shares the position', () => {
    const buf = new ReplBuffer(64 * 1024, 101);
    const holder = newCursor();
    const first = buf.append(bytes(9, 10));
    buf.attach(holder, first.block, first.pos);
    let stream = bytes(9, 10);
    for (let i = 0; i < 30; i++) {
      const b = bytes(i, 3001);
      buf.append(i % 3 === 0 ? b.latin1Slice(0, b.length) : b);
      stream = Buffer.concat([stream, b]);
    }
    const end = 101 + stream.length;
    for (const from of [101, 102, 101 + 20429, 101 + 20430, 101 + 20431, 101 + 50000, end - 1, end]) {
      expect(buf.covers(from)).toBe(true);
      const c = newCursor();
      expect(buf.attachAt(c, from)).toBe(end - from);
      expect(ReplBuffer.position(c)).toBe(from);
      const copy = newCursor();
      buf.copy(copy, c);
      expect(drain(buf, c).equals(stream.subarray(from - 101))).toBe(true);
      expect(drain(buf, copy).equals(stream.subarray(from - 101))).toBe(true);
      expect(buf.readFrom(from).equals(stream.subarray(from - 101))).toBe(true);
    }
  });

  it('an empty backlog attaches nobody: the next append does', () => {
    const buf = new ReplBuffer(REPL_BACKLOG_MIN_SIZE, 5);
    const c = newCursor();
    expect(buf.covers(5)).toBe(true);
    expect(buf.attachAt(c, 5)).toBe(0);
    expect(c.block).toBe(null);
    expect(buf.memoryFrom(c)).toBe(0);
    expect(buf.pending(c)).toBe(0);
  });

  it('a smaller size trims down to it; never below the minimum', () => {
    const buf = new ReplBuffer(1024 * 1024, 1);
    let stream = Buffer.alloc(0);
    for (let i = 0; i < 300; i++) {
      const b = bytes(i, 1002);
      buf.append(b);
      stream = Buffer.concat([stream, b]);
    }
    checkBacklog(buf, stream, 1);
    buf.resize(40000);
    expect(buf.size).toBe(40000);
    checkBacklog(buf, stream, 1);
    expect(buf.histlen).toBeLessThan(40000 + 2 * 20440);
    buf.resize(10);
    expect(buf.size).toBe(REPL_BACKLOG_MIN_SIZE);
  });

  it('rebase moves every offset, keeping the bytes', () => {
    const buf = new ReplBuffer(REPL_BACKLOG_MIN_SIZE, 1);
    const data = bytes(4, 50000);
    buf.append(data);
    buf.rebase(1000 + buf.histlen - 1);
    expect(buf.offset).toBe(1000);
    expect(buf.readFrom(1000).equals(data.subarray(data.length - buf.histlen))).toBe(true);
    const c = newCursor();
    buf.attachAt(c, 1000 + buf.histlen - 10);
    expect(drain(buf, c).equals(data.subarray(data.length - 10))).toBe(true);
  });
});
