/**
 * The query buffer sizes CLIENT LIST reports are sds allocations: the
 * request rounded up to jemalloc's size class, less the sds header and
 * terminator. The figures are redis-server 7.0's (CLIENT LIST qbuf-free).
 */
import { describe, expect, it } from 'vitest';
import { jemallocSize, sdsAllocFor } from '../../src/server/querybuf.js';

describe('query buffer sizes', () => {
  it("jemalloc's size classes", () => {
    const classes = [8, 16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024];
    for (let n = 1; n <= 1024; n++) {
      const want = classes.find((c) => c >= n);
      expect(jemallocSize(n), `${n}`).toBe(want);
    }
    expect(jemallocSize(16390)).toBe(20480);
    expect(jemallocSize(20481)).toBe(24576);
    expect(jemallocSize(300012)).toBe(327680);
    expect(jemallocSize(400012)).toBe(458752);
    expect(jemallocSize(2 ** 20)).toBe(2 ** 20);
    expect(jemallocSize(2 ** 20 + 1)).toBe(1310720);
  });

  it('sds allocations as redis-server reports them', () => {
    // A read's room for 16 KB; arguments of 40,000, 300,000 and 400,000 bytes (plus CRLF).
    expect(sdsAllocFor(16384)).toBe(20474);
    expect(sdsAllocFor(40002)).toBe(40954);
    expect(sdsAllocFor(300002)).toBe(327670);
    expect(sdsAllocFor(400002)).toBe(458742);
    // Header sizes change at 256 and 65536 bytes.
    expect(sdsAllocFor(200)).toBe(224 - 4);
    expect(sdsAllocFor(60000)).toBe(65536 - 6);
    expect(sdsAllocFor(70000)).toBe(81920 - 10);
  });
});
