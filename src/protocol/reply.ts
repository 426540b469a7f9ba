/**
 * Reply writer. Method names mirror Redis's addReply* family in
 * networking.c so a reader can map one to the other. Replies are written
 * as bytes into a 16 KB chunk (Redis's c->buf), taken from a pool when a
 * client first has something to say and given back once the socket took
 * it; what does not fit goes to a list of parts (c->reply). One socket
 * write per batch of commands sends it.
 */
import { digits10, formatDouble, sdigits10 } from '../util/numbers.js';
import { LOOP_COPY_MAX, putLatin1 } from '../util/bytes.js';

export type Bulk = string | Buffer;

const CRLF = '\r\n';

/** Growth of the pending output between two onOutputGrowth() calls. */
export const OUTPUT_CHECK_BYTES = 16 * 1024;

/** Size of a reply chunk (PROTO_REPLY_CHUNK_BYTES). */
export const REPLY_CHUNK_BYTES = 16 * 1024;
/**
 * Strings and Buffers up to this length are copied into the current chunk
 * (a new one when it lacks room). A copy is cheaper than handing a string
 * to the socket: Node then allocates memory outside the heap for each
 * write, and on a large heap the collections that external memory triggers
 * cost more than the copy (GET of 8 KB values: 2-3x the CPU time per request).
 */
const COPY_MAX = 15 * 1024;
/**
 * Longer ones up to this length are copied too, across as many chunks as
 * they fill, so that the output stays Buffers only and goes out in one
 * gathered write (GET of 20-60 KB values: a fifth less CPU time per
 * request); beyond it, a value is kept as one part and Node converts it
 * for the write.
 */
const SPAN_MAX = 1024 * 1024;
/** Chunks kept for reuse: enough for every client answered in one turn of a busy server. */
const POOL_MAX = 256;
const chunkPool: Buffer[] = [];

function acquireChunk(): Buffer {
  const b = chunkPool.pop();
  return b !== undefined ? b : Buffer.allocUnsafeSlow(REPLY_CHUNK_BYTES);
}

/** Give back a chunk nothing refers to any more (its bytes were copied or written). */
export function releaseReplyChunk(b: Buffer): void {
  if (chunkPool.length < POOL_MAX && b.length === REPLY_CHUNK_BYTES) chunkPool.push(b);
}

/** Give back the chunks of one output taken (takeOutputChunk()) once nothing refers to them. */
export function releaseReplyChunks(sealed: Buffer[] | null, chunk: Buffer | null): void {
  if (sealed !== null) for (const b of sealed) releaseReplyChunk(b);
  if (chunk !== null) releaseReplyChunk(chunk);
}

/** Decimal digits of a non-negative int32. */
function digitCount32(v: number): number {
  if (v < 100000) return v < 100 ? (v < 10 ? 1 : 2) : v < 1000 ? 3 : v < 10000 ? 4 : 5;
  return v < 10000000 ? (v < 1000000 ? 6 : 7) : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
}

/** "00" to "99": two digits per division. */
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = 48 + Math.floor(i / 10);
  DIGIT_PAIRS[2 * i + 1] = 48 + (i % 10);
}

/** Write the safe integer `n` in decimal at `p` (at most 21 bytes); returns the end. */
function putInt(b: Buffer, p: number, n: number): number {
  if (n < 0) {
    b[p++] = 45;
    n = -n;
  }
  if (n <= 0x7fffffff) {
    // int32 arithmetic: divisions by a constant become multiplications.
    let v = n | 0;
    const end = p + digitCount32(v);
    let q = end;
    while (v >= 100) {
      const t = (v / 100) | 0;
      const r = (v - t * 100) << 1;
      v = t;
      b[--q] = DIGIT_PAIRS[r + 1];
      b[--q] = DIGIT_PAIRS[r];
    }
    if (v >= 10) {
      b[q - 1] = DIGIT_PAIRS[(v << 1) + 1];
      b[q - 2] = DIGIT_PAIRS[v << 1];
    } else {
      b[q - 1] = 48 + v;
    }
    return end;
  }
  const end = p + digits10(n);
  let q = end;
  while (n >= 10) {
    const d = n % 10;
    n = (n - d) / 10;
    b[--q] = 48 + d;
  }
  b[--q] = 48 + n;
  return end;
}

/** Write "$<n>\r\n" at `p`; returns the end. */
function putBulkHeader(b: Buffer, p: number, n: number): number {
  b[p] = 36;
  p = putInt(b, p + 1, n);
  b[p] = 13;
  b[p + 1] = 10;
  return p + 2;
}

/** What takeOutputChunk() returns (one object, reused: read it at once). */
export interface OutputChunk {
  parts: Bulk[] | null;
  chunk: Buffer | null;
  end: number;
  /** The full chunks whose bytes are in `parts`: back to the pool once written. */
  sealed: Buffer[] | null;
}
const takenOutput: OutputChunk = { parts: null, chunk: null, end: 0, sealed: null };

/** A deferred length header not set yet. */
interface Deferred {
  id: number;
  /** The chunk it goes into, at `pos`; once that chunk is sealed, `part` is its index in `parts`. */
  chunk: Buffer;
  pos: number;
  part: number;
}

/** Room a header `<type><integer>\r\n` may need. */
const HEADER_MAX = 24;

export abstract class ReplyWriter {
  /** Protocol version negotiated with HELLO: 2 or 3. */
  resp: 2 | 3 = 2;
  /** The chunk replies are written into, null until there is output. */
  protected rbuf: Buffer | null = null;
  /** End of the bytes written into `rbuf`. */
  protected rpos = 0;
  /** Completed output that comes before `rbuf`'s bytes (used around large values and long replies). */
  protected parts: Bulk[] | null = null;
  /** CLIENT REPLY OFF/SKIP suppress replies. */
  protected repliesOff = false;
  /** Bytes in `parts`. */
  private partsBytes = 0;
  /** Chunks moved to `parts` when full (sealChunk()). */
  private sealed: Buffer[] | null = null;
  /** Deferred length headers not set yet, in the order they were made. */
  private deferred: Deferred[] | null = null;
  private deferredSeq = 0;
  /** Pending output past which onOutputGrowth() runs next. */
  protected outCheckAt = OUTPUT_CHECK_BYTES;

  /** Called when the buffer goes from empty to non-empty. */
  protected abstract onOutput(): void;
  /** Called after an error reply was queued (stats). */
  protected abstract afterErrorReply(text: string): void;

  /**
   * Called each time the pending output grew by OUTPUT_CHECK_BYTES (output
   * buffer limits); it sets the next `outCheckAt`.
   */
  protected onOutputGrowth(): void {
    this.outCheckAt = this.pendingOutputBytes() + OUTPUT_CHECK_BYTES;
  }

  /** Bytes queued and not taken yet. */
  pendingOutputBytes(): number {
    return this.rpos + this.partsBytes;
  }

  hasPendingOutput(): boolean {
    return this.rpos !== 0 || this.parts !== null;
  }

  /**
   * A chunk with `n` free bytes at `rpos` (n <= REPLY_CHUNK_BYTES). The
   * first output of an empty writer signals onOutput().
   */
  private reserve(n: number): Buffer {
    const b = this.rbuf;
    if (b !== null && this.rpos + n <= b.length) {
      if (this.rpos === 0 && this.parts === null && this.deferred === null) this.onOutput();
      return b;
    }
    return this.newChunk();
  }

  private newChunk(): Buffer {
    if (this.rpos === 0 && this.parts === null && this.deferred === null) this.onOutput();
    if (this.rbuf !== null) this.sealChunk();
    const b = acquireChunk();
    this.rbuf = b;
    this.rpos = 0;
    return b;
  }

  /** Move the chunk's bytes to `parts`; the chunk is no longer written (nor reused: `parts` refers to it). */
  private sealChunk(): void {
    const b = this.rbuf!;
    const n = this.rpos;
    // A deferred header still to be set in this chunk keeps it as a part
    // (even an empty one): setDeferred() inserts the header there.
    const anchored = this.deferred !== null && this.anchorDeferred(b);
    if (n > 0 || anchored) {
      if (this.parts === null) this.parts = [];
      this.parts.push(b.subarray(0, n));
      this.partsBytes += n;
      if (this.sealed === null) this.sealed = [];
      this.sealed.push(b);
    } else {
      releaseReplyChunk(b);
    }
    this.rbuf = null;
    this.rpos = 0;
  }

  /** Append a part that is kept as it is (a large string or Buffer). */
  private pushPart(p: Bulk): void {
    if (this.rpos === 0 && this.parts === null && this.deferred === null) this.onOutput();
    if (this.rbuf !== null) this.sealChunk();
    if (this.parts === null) this.parts = [];
    this.parts.push(p);
    this.partsBytes += p.length;
  }

  /**
   * Append `v`, longer than COPY_MAX: copied across chunks up to SPAN_MAX,
   * kept as a part beyond. A Buffer is copied either way: a stored one may
   * be changed in place (SETRANGE, SETBIT) by a later command of the same
   * pipeline before it is sent.
   */
  private appendLong(v: Bulk | Uint8Array): void {
    if (v.length <= SPAN_MAX) this.copySpanning(v);
    else this.pushPart(typeof v === 'string' ? v : Buffer.from(v));
  }

  /** Copy `v` at the end of the output, filling the chunk and as many new ones as it takes. */
  private copySpanning(v: Bulk | Uint8Array): void {
    const n = v.length;
    let b = this.reserve(1);
    for (let off = 0; ; ) {
      const room = b.length - this.rpos;
      const k = n - off < room ? n - off : room;
      if (typeof v === 'string') b.latin1Write(off === 0 && k === n ? v : v.slice(off, off + k), this.rpos, k);
      else b.set(v.subarray(off, off + k), this.rpos);
      this.rpos += k;
      off += k;
      if (off === n) return;
      b = this.newChunk();
    }
  }

  /** After each reply: the output buffer limit check every OUTPUT_CHECK_BYTES of growth. */
  private grew(): void {
    if (this.rpos + this.partsBytes > this.outCheckAt) this.onOutputGrowth();
  }

  /**
   * Take everything queued so far, as one latin1 string or as parts. The
   * chunk is copied out and reused.
   */
  takeOutput(): Bulk[] | string {
    const out = this.takeOutputChunk();
    const parts = out.parts;
    const b = out.chunk;
    out.parts = null;
    out.chunk = null;
    // The caller keeps `parts`, which refer to the sealed chunks.
    out.sealed = null;
    let rest = '';
    if (b !== null) {
      rest = out.end > 0 ? b.latin1Slice(0, out.end) : '';
      releaseReplyChunk(b);
    }
    if (parts === null) return rest;
    if (rest.length > 0) parts.push(rest);
    return parts;
  }

  /** Take everything queued so far as one latin1 string. */
  takeOutputString(): string {
    const out = this.takeOutput();
    return typeof out === 'string' ? out : out.map((p) => (typeof p === 'string' ? p : p.latin1Slice(0, p.length))).join('');
  }

  /** Drop every queued reply (a client closed without sending them); the chunk goes back to the pool. */
  discardOutput(): void {
    const out = this.takeOutputChunk();
    releaseReplyChunks(out.sealed, out.chunk);
    out.parts = null;
    out.chunk = null;
    out.sealed = null;
  }

  /**
   * For the socket write: the `parts`, then the chunk's first `end` bytes
   * (the chunk stays out of the pool until given to releaseReplyChunk());
   * the writer is left empty.
   */
  protected takeOutputChunk(): OutputChunk {
    const out = takenOutput;
    out.parts = this.parts;
    out.chunk = this.rbuf;
    out.end = this.rpos;
    out.sealed = this.sealed;
    this.rbuf = null;
    this.rpos = 0;
    this.parts = null;
    this.sealed = null;
    this.partsBytes = 0;
    this.deferred = null;
    this.outCheckAt = OUTPUT_CHECK_BYTES;
    return out;
  }

  /** Append raw protocol (already formatted, one char per byte). */
  addReplyProto(s: string): void {
    if (this.repliesOff) return;
    const n = s.length;
    if (n > COPY_MAX) {
      this.appendLong(s);
    } else if (n > 0) {
      const b = this.reserve(n);
      this.rpos = putLatin1(b, this.rpos, s);
    }
    this.grew();
  }

  /** `<type><n>\r\n`: array, map, set, push and bulk headers. */
  private addHeader(type: number, n: number): void {
    const b = this.reserve(HEADER_MAX);
    let p = this.rpos;
    b[p++] = type;
    p = putInt(b, p, n);
    b[p] = 13;
    b[p + 1] = 10;
    this.rpos = p + 2;
  }

  addReplyStatus(s: string): void {
    this.addReplyProto('+' + s + CRLF);
  }

  /**
   * Error reply. Like addReplyErrorLength(): text starting with '-' carries
   * its own code (`-WRONGTYPE ...`), otherwise `-ERR ` is prepended.
   * CR/LF inside the text are replaced by spaces so the protocol stays valid.
   */
  addReplyError(text: string): void {
    let t = text;
    if (t.indexOf('\r') !== -1 || t.indexOf('\n') !== -1) t = t.replace(/[\r\n]/g, ' ');
    this.addReplyProto(t.length > 0 && t.charCodeAt(0) === 45 ? t + CRLF : '-ERR ' + t + CRLF);
    this.afterErrorReply(t);
  }

  /** A bulk string: a latin1 string or bytes (copied at once: the caller may reuse them). */
  addReplyBulk(v: Bulk | Uint8Array): void {
    if (this.repliesOff) return;
    const n = v.length;
    if (n > COPY_MAX) {
      this.addHeader(36, n);
      this.appendLong(v);
      const b = this.reserve(2);
      b[this.rpos] = 13;
      b[this.rpos + 1] = 10;
      this.rpos += 2;
    } else {
      const b = this.reserve(n + HEADER_MAX);
      let p = putBulkHeader(b, this.rpos, n);
      if (typeof v === 'string') {
        p = putLatin1(b, p, v);
      } else {
        b.set(v, p);
        p += n;
      }
      b[p] = 13;
      b[p + 1] = 10;
      this.rpos = p + 2;
    }
    this.grew();
  }

  /**
   * addReplyBulk() of chars [start, end) of `s` without slicing it (entries
   * of a packed listpack string).
   */
  addReplyBulkRange(s: string, start: number, end: number): void {
    const n = end - start;
    if (n > LOOP_COPY_MAX) {
      this.addReplyBulk(s.slice(start, end));
      return;
    }
    if (this.repliesOff) return;
    const b = this.reserve(n + HEADER_MAX);
    let p = putBulkHeader(b, this.rpos, n);
    for (let i = start; i < end; i++) b[p++] = s.charCodeAt(i);
    b[p] = 13;
    b[p + 1] = 10;
    this.rpos = p + 2;
    this.grew();
  }

  /** addReplyBulk() of an integer's digits: addReplyLongLongWithPrefix() with '$' (int-encoded values). */
  addReplyBulkLongLong(n: number): void {
    if (this.repliesOff) return;
    const b = this.reserve(2 * HEADER_MAX);
    let p = putBulkHeader(b, this.rpos, sdigits10(n));
    p = putInt(b, p, n);
    b[p] = 13;
    b[p + 1] = 10;
    this.rpos = p + 2;
    this.grew();
  }

  /** Bulk or null for a missing value. */
  addReplyBulkOrNull(v: Bulk | null | undefined): void {
    if (v === null || v === undefined) this.addReplyNull();
    else this.addReplyBulk(v);
  }

  addReplyLongLong(n: number | bigint): void {
    if (this.repliesOff) return;
    if (typeof n === 'number' && Number.isSafeInteger(n)) {
      this.addHeaderReply(58, n);
    } else {
      this.addReplyProto(':' + n + CRLF);
    }
  }

  /** `<type><n>\r\n` as a reply of its own (integers, aggregate lengths), or nothing while replies are off. */
  private addHeaderReply(type: number, n: number): void {
    if (this.repliesOff) return;
    this.addHeader(type, n);
    this.grew();
  }

  addReplyArrayLen(n: number): void {
    this.addHeaderReply(42, n);
  }

  addReplyMapLen(n: number): void {
    if (this.resp === 2) this.addHeaderReply(42, n * 2);
    else this.addHeaderReply(37, n);
  }

  addReplySetLen(n: number): void {
    this.addHeaderReply(this.resp === 2 ? 42 : 126, n);
  }

  addReplyAttributeLen(n: number): void {
    this.addHeaderReply(124, n);
  }

  addReplyPushLen(n: number): void {
    this.addHeaderReply(this.resp === 2 ? 42 : 62, n);
  }

  addReplyNull(): void {
    this.addReplyProto(this.resp === 2 ? '$-1\r\n' : '_\r\n');
  }

  addReplyNullArray(): void {
    this.addReplyProto(this.resp === 2 ? '*-1\r\n' : '_\r\n');
  }

  addReplyBool(b: boolean): void {
    if (this.resp === 2) this.addReplyProto(b ? ':1\r\n' : ':0\r\n');
    else this.addReplyProto(b ? '#t\r\n' : '#f\r\n');
  }

  /** A double as Redis formats it: "%.17g", inf/-inf spelled out. */
  addReplyDouble(d: number): void {
    let s: string;
    if (d === Infinity) s = 'inf';
    else if (d === -Infinity) s = '-inf';
    else s = formatDouble(d);
    if (this.resp === 2) this.addReplyBulk(s);
    else this.addReplyProto(',' + s + CRLF);
  }

  /** A preformatted human-friendly long double (INCRBYFLOAT style). */
  addReplyHumanLongDouble(s: string): void {
    if (this.resp === 2) this.addReplyBulk(s);
    else this.addReplyProto(',' + s + CRLF);
  }

  addReplyBigNum(s: string): void {
    if (this.resp === 2) this.addReplyBulk(s);
    else this.addReplyProto('(' + s + CRLF);
  }

  addReplyVerbatim(s: string, ext: string): void {
    if (this.resp === 2) {
      this.addReplyBulk(s);
    } else {
      const e = (ext + '   ').slice(0, 3);
      this.addReplyProto('=' + (s.length + 4) + CRLF + e + ':' + s + CRLF);
    }
  }

  /** OK status, the most common reply. */
  addReplyOK(): void {
    if (this.repliesOff) return;
    const b = this.reserve(5);
    const p = this.rpos;
    b[p] = 43;
    b[p + 1] = 79;
    b[p + 2] = 75;
    b[p + 3] = 13;
    b[p + 4] = 10;
    this.rpos = p + 5;
    this.grew();
  }

  /** Array of bulk strings (null entries become null bulks). */
  addReplyBulkArray(items: readonly (Bulk | null)[]): void {
    this.addReplyArrayLen(items.length);
    for (const it of items) this.addReplyBulkOrNull(it);
  }

  /**
   * `<CMD> <subcommand> [<arg> [value] [opt] ...]. Subcommands are:` then
   * the lines, then the HELP footer, as addReplyHelp().
   */
  addReplyHelp(cmdName: string, lines: readonly string[]): void {
    this.addReplyArrayLen(lines.length + 3);
    this.addReplyStatus(`${cmdName.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
    for (const l of lines) this.addReplyStatus(l);
    this.addReplyStatus('HELP');
    this.addReplyStatus('    Prints this help.');
  }

  /**
   * Reserve a length header to be filled in later (addReplyDeferredLen()):
   * the place is remembered, and setDeferred() inserts the header there.
   */
  addReplyDeferredLen(): number {
    if (this.repliesOff) return -1;
    const b = this.reserve(HEADER_MAX);
    const id = ++this.deferredSeq;
    if (this.deferred === null) this.deferred = [];
    this.deferred.push({ id, chunk: b, pos: this.rpos, part: -1 });
    return id;
  }

  setDeferredArrayLen(handle: number, n: number): void {
    this.setDeferred(handle, '*' + n + CRLF);
  }

  setDeferredMapLen(handle: number, n: number): void {
    this.setDeferred(handle, this.resp === 2 ? '*' + n * 2 + CRLF : '%' + n + CRLF);
  }

  setDeferredSetLen(handle: number, n: number): void {
    this.setDeferred(handle, this.resp === 2 ? '*' + n + CRLF : '~' + n + CRLF);
  }

  /** The chunk `b` is being sealed as part number parts.length: its pending headers now refer to that part. */
  private anchorDeferred(b: Buffer): boolean {
    const part = this.parts === null ? 0 : this.parts.length;
    let any = false;
    for (const d of this.deferred!) {
      if (d.part === -1 && d.chunk === b) {
        d.part = part;
        any = true;
      }
    }
    return any;
  }

  /**
   * setDeferredReply(): insert `header` where the deferred length `handle`
   * was reserved. Usually the bytes since then are still in the current
   * chunk and move right to make room; a reply that outgrew the chunk has
   * its sealed part copied with the header in.
   */
  private setDeferred(handle: number, header: string): void {
    const list = this.deferred;
    if (handle < 0 || list === null) return;
    let i = list.length - 1;
    while (i >= 0 && list[i].id !== handle) i--;
    // Not found: the output was taken (or dropped) since.
    if (i < 0) return;
    const d = list[i];
    const len = header.length;
    if (d.part === -1 && this.rpos + len > d.chunk.length) this.sealChunk();
    if (d.part === -1) {
      const b = d.chunk;
      if (this.rpos > d.pos) b.copyWithin(d.pos + len, d.pos, this.rpos);
      putLatin1(b, d.pos, header);
      this.rpos += len;
    } else {
      const old = this.parts![d.part] as Buffer;
      const h = Buffer.allocUnsafe(old.length + len);
      old.copy(h, 0, 0, d.pos);
      putLatin1(h, d.pos, header);
      old.copy(h, d.pos + len, d.pos);
      this.parts![d.part] = h;
      this.partsBytes += len;
    }
    // Headers reserved later in the same place come after this one.
    for (let j = i + 1; j < list.length; j++) {
      const e = list[j];
      if (e.part === d.part && (d.part !== -1 || e.chunk === d.chunk)) e.pos += len;
    }
    list.splice(i, 1);
    if (list.length === 0) this.deferred = null;
    this.grew();
  }
}
