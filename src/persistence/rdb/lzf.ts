/**
 * LZF compression (liblzf 3.6 as built into Redis: HLOG 16, VERY_FAST, no
 * ULTRA_FAST), producing the same bytes as Redis's lzf_compress() so RDB
 * files and DUMP payloads match redis-server's.
 *
 * Format:
 *   000LLLLL <L+1 bytes>          literal run of 1..32 bytes
 *   LLLooooo oooooooo             back reference, length L+2 (3..8), offset o+1
 *   111ooooo LLLLLLLL oooooooo    back reference, length L+9, offset o+1
 *
 * liblzf as Redis builds it does not clear its hash table between calls
 * (INIT_HTAB 0), so stale slots may, rarely, offer an extra valid match;
 * this implementation behaves as if the table started empty, which is what
 * Redis does in the common case. Either output decompresses the same.
 */

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/**
 * Hash table of input positions. Entries are stored as base + position so
 * a table left over from a previous call reads as empty without clearing:
 * every stored value below `base` belongs to an earlier call.
 */
const htab = new Int32Array(HSIZE);
let base = 1;

function idx(h: number): number {
  return ((h >>> (3 * 8 - HLOG)) - Math.imul(h, 5)) & (HSIZE - 1);
}

/**
 * lzf_compress(in, in_len, out, out_len): compress `input` into at most
 * `outLen` bytes. Returns the compressed bytes, or null when they would not
 * fit in outLen (or the input is empty), as lzf_compress() returns 0.
 */
export function lzfCompress(input: Uint8Array, outLen = input.length): Buffer | null {
  const out = Buffer.allocUnsafe(Math.max(outLen, 0) + 4);
  const n = lzfCompressInto(input, input.length, outLen, out);
  return n === 0 ? null : out.subarray(0, n);
}

/**
 * lzfCompress() of input[0, inLen) into `out` (at least outLen + 4 bytes):
 * the compressed length, or 0 when the result would not fit in outLen.
 */
export function lzfCompressInto(input: Uint8Array, inLen: number, outLen: number, out: Uint8Array): number {
  if (inLen === 0 || outLen <= 0) return 0;
  if (base + inLen + 1 >= 0x7fffffff) {
    htab.fill(0);
    base = 1;
  }
  const b = base;
  base += inLen + 1;

  const ip0 = input;
  const inEnd = inLen;
  const outEnd = outLen;
  let ip = 0;
  let op = 0;
  let lit = 0;
  op++; // start run

  let hval = ((ip0[0] << 8) | ip0[1]) >>> 0;
  while (ip < inEnd - 2) {
    hval = ((hval << 8) | ip0[ip + 2]) >>> 0;
    const slot = idx(hval);
    const stored = htab[slot];
    // A valid ref is an earlier position > 0 of this input.
    const ref = stored > b ? stored - b : -1;
    htab[slot] = b + ip;

    let off = 0;
    if (ref > 0 && (off = ip - ref - 1) < MAX_OFF && ip0[ref + 2] === ip0[ip + 2] && ip0[ref] === ip0[ip] && ip0[ref + 1] === ip0[ip + 1]) {
      let len = 2;
      let maxlen = inEnd - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;

      if (op + 3 + 1 >= outEnd) {
        if (op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return 0;
      }

      out[op - lit - 1] = lit - 1; // stop run
      if (lit === 0) op--; // undo run if length is zero

      if (maxlen > 16) {
        // The unrolled comparisons of 16 bytes (no bound check: maxlen > 16).
        let k = 0;
        for (; k < 16; k++) {
          len++;
          if (ip0[ref + len] !== ip0[ip + len]) break;
        }
        if (k === 16) {
          do len++;
          while (len < maxlen && ip0[ref + len] === ip0[ip + len]);
        }
      } else {
        do len++;
        while (len < maxlen && ip0[ref + len] === ip0[ip + len]);
      }

      len -= 2; // len is now #octets - 1
      ip++;

      if (len < 7) {
        out[op++] = (off >>> 8) + (len << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;

      lit = 0;
      op++; // start run

      ip += len + 1;
      if (ip >= inEnd - 2) break;

      // VERY_FAST: rehash the last two positions of the match.
      ip -= 2;
      hval = ((ip0[ip] << 8) | ip0[ip + 1]) >>> 0;
      hval = ((hval << 8) | ip0[ip + 2]) >>> 0;
      htab[idx(hval)] = b + ip;
      ip++;
      hval = ((hval << 8) | ip0[ip + 2]) >>> 0;
      htab[idx(hval)] = b + ip;
      ip++;
    } else {
      // One more literal byte we must copy.
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = ip0[ip++];
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1; // stop run
        lit = 0;
        op++; // start run
      }
    }
  }

  if (op + 3 > outEnd) return 0; // at most 3 bytes can be missing here

  while (ip < inEnd) {
    lit++;
    out[op++] = ip0[ip++];
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }

  out[op - lit - 1] = lit - 1; // end run
  if (lit === 0) op--; // undo run if length is zero

  return op;
}

/**
 * lzf_decompress(): decompress `input`, which must expand to exactly
 * `outLen` bytes. Returns null on malformed input or a length mismatch
 * (rdbLoadLzfStringObject()'s "Invalid LZF compressed string").
 */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer | null {
  const out = Buffer.allocUnsafe(outLen);
  return lzfDecompressInto(input, 0, input.length, out, outLen) ? out : null;
}

/**
 * lzfDecompress() of input[start, end) into out[0, outLen): true when the
 * data is well formed and expands to exactly outLen bytes.
 */
export function lzfDecompressInto(input: Uint8Array, start: number, end: number, out: Uint8Array, outLen: number): boolean {
  const inEnd = end;
  let ip = start;
  let op = 0;
  while (ip < inEnd) {
    let ctrl = input[ip++];
    if (ctrl < 1 << 5) {
      ctrl++;
      if (op + ctrl > outLen) return false;
      if (ip + ctrl > inEnd) return false;
      for (let k = 0; k < ctrl; k++) out[op++] = input[ip++];
    } else {
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= inEnd) return false;
      if (len === 7) {
        len += input[ip++];
        if (ip >= inEnd) return false;
      }
      ref -= input[ip++];
      if (op + len + 2 > outLen) return false;
      if (ref < 0) return false;
      len += 2;
      // Byte by byte: the areas may overlap (runs).
      for (let k = 0; k < len; k++) out[op++] = out[ref++];
    }
  }
  return op === outLen;
}
