import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { crc64, Crc64 } from '../../src/persistence/rdb/crc64.js';
import { lzfCompress, lzfDecompress } from '../../src/persistence/rdb/lzf.js';

/** Bit-by-bit reference CRC-64/Jones (reflected), with BigInt. */
function crcRef(buf: Uint8Array): bigint {
  const poly = 0x95ac9329ac4bc9b5n;
  let crc = 0n;
  for (const b of buf) {
    crc ^= BigInt(b);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc;
}

describe('crc64', () => {
  it('matches the CRC-64/Jones check value', () => {
    expect(crc64(0, Buffer.from('123456789'))).toBe(0xe9c6d914c4b8d9can);
    expect(crc64(0n, Buffer.alloc(0))).toBe(0n);
  });

  it('equals a bitwise reference for every length and split point', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(), (bytes, k) => {
        const cut = bytes.length === 0 ? 0 : k % bytes.length;
        const whole = crc64(0, bytes);
        expect(whole).toBe(crcRef(bytes));
        const part = crc64(crc64(0, bytes.subarray(0, cut)), bytes.subarray(cut));
        expect(part).toBe(whole);
      }),
    );
  });

  it('writes and compares little-endian', () => {
    const c = new Crc64().update(Buffer.from('123456789'));
    const le = c.toBufferLE();
    expect(le.readBigUInt64LE(0)).toBe(0xe9c6d914c4b8d9can);
    expect(c.equalsLE(le, 0)).toBe(true);
    le[3] ^= 1;
    expect(c.equalsLE(le, 0)).toBe(false);
  });
});

describe('lzf', () => {
  it('compresses repetitive data and round-trips it', () => {
    const input = Buffer.from('a'.repeat(100) + 'abcabcabc'.repeat(30) + '\xff\x00\xc3'.repeat(40), 'latin1');
    const c = lzfCompress(input, input.length - 4)!;
    expect(c).not.toBeNull();
    expect(c.length).toBeLessThan(input.length / 4);
    expect(lzfDecompress(c, input.length)!.equals(input)).toBe(true);
  });

  it('reproduces liblzf output bytes', () => {
    // 25 x 'a' as redis-server 7.0 stores it (DUMP): position 0 is never referenced.
    const c = lzfCompress(Buffer.from('a'.repeat(25)), 21)!;
    expect(c.toString('hex')).toBe('016161e00c00016161');
  });

  it('gives up on incompressible input within the output bound', () => {
    const input = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 0xff));
    expect(lzfCompress(input, input.length - 4)).toBeNull();
    expect(lzfCompress(Buffer.alloc(0))).toBeNull();
  });

  it('round-trips arbitrary binary data', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(Buffer.from('xyzxyzxyz'), Buffer.alloc(50, 0xff))), {
          maxLength: 30,
        }),
        (parts) => {
          const input = Buffer.concat(parts);
          const c = lzfCompress(input, input.length + 64);
          if (input.length === 0) {
            expect(c).toBeNull();
            return;
          }
          expect(c).not.toBeNull();
          expect(lzfDecompress(c!, input.length)!.equals(input)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects malformed or mismatched compressed data', () => {
    const input = Buffer.from('hello hello hello hello hello');
    const c = lzfCompress(input, input.length)!;
    expect(lzfDecompress(c, input.length + 1)).toBeNull();
    expect(lzfDecompress(c, input.length - 1)).toBeNull();
    expect(lzfDecompress(c.subarray(0, c.length - 1), input.length)).toBeNull();
    // A back reference before the start of the output.
    expect(lzfDecompress(Buffer.from([0x20, 0x05]), 3)).toBeNull();
    // A literal run longer than the input.
    expect(lzfDecompress(Buffer.from([0x05, 0x61]), 6)).toBeNull();
  });
});
