/**
 * RequestParser.releaseChunk(): the server reads every connection into one
 * reused buffer, so after a read was processed the parser must keep copies
 * of whatever it still needs from that chunk. Each case overwrites the
 * chunk after releasing it and checks that the commands come out intact.
 */
import { describe, expect, it } from 'vitest';
import { RequestParser } from '../../src/protocol/parser.js';

const enc = (args: string[]): Buffer =>
  Buffer.from(`*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join(''), 'latin1');

/** Feed `stream` through one reused buffer in reads of `size` bytes, as the server does. */
function feedReused(p: RequestParser, stream: Buffer, size: number): string[][] {
  const shared = Buffer.alloc(size);
  const out: string[][] = [];
  for (let off = 0; off < stream.length; off += size) {
    const n = stream.copy(shared, 0, off, Math.min(off + size, stream.length));
    const chunk = shared.subarray(0, n);
    p.feed(chunk);
    for (let a = p.next(); a !== null; a = p.next()) out.push(a);
    p.releaseChunk(chunk);
    shared.fill(0x41); // the next read overwrites it
  }
  return out;
}

describe('RequestParser.releaseChunk()', () => {
  const cmds = [
    ['SET', 'k\xff\x00\xc3', 'v'.repeat(40)],
    ['GET', 'k\xff\x00\xc3'],
    ['MSET', ...Array.from({ length: 12 }, (_, i) => [`key:${i}`, `\xfe${i}`]).flat()],
    ['ECHO', ''],
  ];
  const stream = Buffer.concat(cmds.map(enc));

  for (const size of [1, 2, 3, 7, 16, 64, stream.length]) {
    it(`reads of ${size} bytes into one buffer give the same commands`, () => {
      expect(feedReused(new RequestParser(), stream, size)).toEqual(cmds);
    });
  }

  it('a bulk larger than a read, waiting in pending chunks, survives the reuse', () => {
    const big = 'x\xff'.repeat(50000);
    const s = Buffer.concat([enc(['SET', 'big', big]), enc(['GET', 'big'])]);
    expect(feedReused(new RequestParser(), s, 4096)).toEqual([
      ['SET', 'big', big],
      ['GET', 'big'],
    ]);
  });

  it('a completing read gives only the missing bytes; the commands after it are parsed from the read', () => {
    const v1 = '\xfe\x00'.repeat(10001);
    const v2 = 'z\x80'.repeat(9000);
    const cmds = [
      ['MSET', 'a', v1, 'b\xff', 'x', 'c', v2],
      ['GET', 'a'],
      ['SET', 'k', 'y'.repeat(33)],
      ['ECHO', 'q'.repeat(5000)],
      ['PING'],
    ];
    const s = Buffer.concat(cmds.map(enc));
    for (const size of [1, 5, 7, 31, 4096, 16384, 20003, 65536]) {
      expect(feedReused(new RequestParser(), s, size), `reads of ${size}`).toEqual(cmds);
    }
  });

  it('a bulk completed by a read survives the reuse when the commands are parsed later (a blocked client)', () => {
    const p = new RequestParser();
    const big = '\xc3\x28'.repeat(3000);
    const s = Buffer.concat([enc(['SET', 'k', big]), enc(['GET', 'k\xff'])]);
    const shared = Buffer.alloc(s.length);
    // First read: the header and part of the value.
    let n = s.copy(shared, 0, 0, 1000);
    p.feed(shared.subarray(0, n));
    expect(p.next()).toBeNull();
    p.releaseChunk(shared.subarray(0, n));
    shared.fill(0x41);
    // Second read: the rest and the next command, not parsed before the buffer is reused.
    n = s.copy(shared, 0, 1000);
    const chunk = shared.subarray(0, n);
    p.feed(chunk);
    expect(p.bufferedBytes).toBe(s.length - enc(['SET', 'k', big]).length + big.length + 2);
    p.releaseChunk(chunk);
    shared.fill(0x41);
    expect(p.next()).toEqual(['SET', 'k', big]);
    expect(p.next()).toEqual(['GET', 'k\xff']);
    expect(p.next()).toBeNull();
    expect(p.bufferedBytes).toBe(0);
  });

  it('a huge announced length is not allocated before its bytes arrive', () => {
    const p = new RequestParser();
    const len = 3 * 1024 * 1024 + 5;
    p.feed(Buffer.from(`*2\r\n$4\r\nECHO\r\n$${len}\r\nab`, 'latin1'));
    expect(p.next()).toBeNull();
    expect(p.awaitedBulkBytes).toBe(len + 2);
    expect(p.accumulatorBytes).toBeLessThanOrEqual(1024 * 1024);
    const piece = Buffer.alloc(100 * 1024, 0xe9);
    let sent = 2;
    while (sent + piece.length < len) {
      p.feed(piece);
      sent += piece.length;
      expect(p.next()).toBeNull();
      // Grown by doubling as the bytes come: never more than twice what arrived, nor more than the bulk.
      expect(p.accumulatorBytes).toBeLessThanOrEqual(Math.max(1024 * 1024, 2 * sent));
      expect(p.accumulatorBytes).toBeLessThanOrEqual(len + 2);
    }
    expect(p.bufferedBytes).toBe(sent);
    p.feed(Buffer.concat([Buffer.alloc(len - sent, 0xe9), Buffer.from('\r\n*1\r\n$4\r\nPING\r\n')]));
    const argv = p.next();
    expect(argv?.[0]).toBe('ECHO');
    expect(argv?.[1].length).toBe(len);
    expect(argv?.[1]).toBe('ab' + '\xe9'.repeat(len - 2));
    expect(p.next()).toEqual(['PING']);
    // Nothing of the bulk is kept for the next one (beyond the 16 KB stage for its small reads).
    expect(p.accumulatorBytes).toBeLessThanOrEqual(16 * 1024);
  });

  it('trimIdle() keeps the buffer of a bulk being awaited and drops a spare one', () => {
    const p = new RequestParser();
    p.feed(Buffer.from('*2\r\n$4\r\nECHO\r\n$10\r\n\xff\xfe', 'latin1'));
    expect(p.next()).toBeNull();
    p.trimIdle();
    p.feed(Buffer.from('\xfd4567', 'latin1'));
    // Completed, and more input before the parser is asked again.
    p.feed(Buffer.from('890\r\n*2\r\n$3\r\nGET\r\n$1\r', 'latin1'));
    p.feed(Buffer.from('\n\xff\r\n', 'latin1'));
    expect(p.next()).toEqual(['ECHO', '\xff\xfe\xfd4567890']);
    expect(p.next()).toEqual(['GET', '\xff']);
    expect(p.accumulatorBytes).toBe(12);
    p.trimIdle();
    expect(p.accumulatorBytes).toBe(0);
  });

  it('inline commands split across reads', () => {
    const s = Buffer.from('PING\r\nECHO "a\\xffb"\r\nSET k v\r\n', 'latin1');
    expect(feedReused(new RequestParser(), s, 5)).toEqual([['PING'], ['ECHO', 'a\xffb'], ['SET', 'k', 'v']]);
  });

  it('a fully consumed chunk leaves nothing buffered', () => {
    const p = new RequestParser();
    const chunk = enc(['PING']);
    p.feed(chunk);
    expect(p.next()).toEqual(['PING']);
    expect(p.next()).toBeNull();
    p.releaseChunk(chunk);
    expect(p.bufferedBytes).toBe(0);
  });
});
