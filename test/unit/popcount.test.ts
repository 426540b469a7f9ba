import { afterEach, describe, expect, it } from 'vitest';
import { BITS_IN_BYTE, disableWasmPopcount, popcount, popcountJs, wasmPopcountActive } from '../../src/util/popcount.js';

function naive(b: Uint8Array, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) {
    let x = b[i];
    while (x !== 0) {
      n += x & 1;
      x >>= 1;
    }
  }
  return n;
}

let seed = 12345;
function rnd(n: number): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % n;
}

function bytes(len: number, kind: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = kind === 0 ? rnd(256) : kind === 1 ? 0xff : rnd(20) ? 0 : 1 << rnd(8);
  return b;
}

describe('popcount', () => {
  afterEach(() => disableWasmPopcount(false));

  it('BITS_IN_BYTE counts each byte', () => {
    for (let i = 0; i < 256; i++) expect(BITS_IN_BYTE[i]).toBe(naive(Uint8Array.of(i), 0, 1));
  });

  for (const wasm of [true, false]) {
    it(`counts strings and buffers over every range shape (${wasm ? 'WebAssembly' : 'JavaScript'})`, () => {
      disableWasmPopcount(!wasm);
      for (const len of [0, 1, 7, 31, 32, 33, 63, 64, 65, 200, 4099, 65535, 65536, 65537, 200_001]) {
        for (let kind = 0; kind < 3; kind++) {
          // A view at an odd offset exercises the unaligned head of the word loop.
          const buf = Buffer.concat([Buffer.from([0xff]), bytes(len, kind)]).subarray(1);
          const str = buf.toString('latin1');
          const ranges: [number, number][] = [[0, len]];
          for (let t = 0; t < 12 && len > 0; t++) {
            const s = rnd(len);
            ranges.push([s, rnd(len - s + 1)]);
          }
          if (len > 3) ranges.push([3, len - 3], [1, len - 2]);
          for (const [s, n] of ranges) {
            const want = naive(buf, s, n);
            expect(popcount(buf, s, n)).toBe(want);
            expect(popcount(str, s, n)).toBe(want);
            expect(popcountJs(buf, s, n)).toBe(want);
          }
        }
      }
    });
  }

  it('uses WebAssembly where the runtime has it', () => {
    // The module must be valid, or the WebAssembly case above would have
    // silently tested the JavaScript loop twice.
    disableWasmPopcount(false);
    expect(wasmPopcountActive()).toBe(true);
  });
});
