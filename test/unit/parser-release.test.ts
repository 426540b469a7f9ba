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
