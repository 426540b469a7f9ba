/**
 * Server-side request parser: RESP multibulk and inline commands, as Redis's
 * processMultibulkBuffer()/processInlineBuffer() in networking.c.
 *
 * Arguments are returned as latin1 ("binary") strings: one JS char per byte,
 * never decoded as UTF-8. A bulk that spans reads is copied, read by read,
 * into one accumulation buffer sized for it (up to ACC_UPFRONT bytes at
 * once, beyond that grown by doubling as its bytes arrive), so a huge
 * announced length is not allocated before it is sent and a slowly arriving
 * big argument costs O(n), not O(n^2). A big one (PROTO_MBULK_BIG_ARG bytes
 * or more) is instead kept as one string per read and joined without a
 * copy (V8 concatenates long strings by reference), sparing the copy into
 * the accumulation buffer. The read that completes the bulk gives only its
 * missing bytes; the rest is parsed where it was read.
 */

import { constants as bufferConstants } from 'node:buffer';

/** Max bytes of an inline request or of a `*N`/`$N` header line. */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;

const EMPTY = Buffer.alloc(0);
/** PROTO_MBULK_BIG_ARG: Redis reads an argument of this size and more into a query buffer of its own. */
export const PROTO_MBULK_BIG_ARG = 32 * 1024;
/** An awaited bulk up to this size gets its whole accumulation buffer at once. */
const ACC_UPFRONT = 1024 * 1024;
/** An accumulation buffer up to this size is kept for the next bulk that spans reads. */
const ACC_KEEP = 64 * 1024;
/**
 * Reads of a big bulk shorter than this are staged in `acc` (STAGE_SIZE
 * bytes) rather than each made a piece, so that a bulk sent a byte at a
 * time costs its bytes, not a string per byte.
 */
const PIECE_MIN = 4096;
const STAGE_SIZE = 16 * 1024;
const CR = 13;
const LF = 10;

/**
 * Parse a RESP length/count header the way string2ll() does: optional '-',
 * no '+', no leading zeros, at most 20 chars, within int64. Returns NaN when
 * invalid. Values beyond 2^53 lose precision but every caller only compares
 * them against limits far below that.
 */
function parseHeaderNumber(buf: Buffer, start: number, end: number): number {
  const len = end - start;
  if (len <= 0 || len >= 21) return NaN;
  if (len === 1 && buf[start] === 48) return 0;
  let p = start;
  let neg = false;
  if (buf[p] === 45) {
    neg = true;
    p++;
    if (p === end) return NaN;
  }
  let c = buf[p];
  if (c < 49 || c > 57) return NaN;
  let v = c - 48;
  p++;
  while (p < end) {
    c = buf[p];
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
    p++;
  }
  const digits = end - start - (neg ? 1 : 0);
  if (digits > 19) return NaN;
  if (digits === 19) {
    // Exact int64 range check on the digits (the float sum above is rounded).
    const s = buf.latin1Slice(neg ? start + 1 : start, end);
    if (s > (neg ? '9223372036854775808' : '9223372036854775807')) return NaN;
  }
  return neg ? -v : v;
}

/**
 * Index of the first `byte` at or after `from`, or -1 when there is none or a
 * NUL byte comes first (C's strchr() stops at the string terminator).
 */
function findByte(buf: Buffer, byte: number, from: number): number {
  const idx = buf.indexOf(byte, from);
  if (idx === -1) return -1;
  for (let i = from; i < idx; i++) if (buf[i] === 0) return -1;
  return idx;
}

/**
 * Short arguments (command names, hot keys, small values) are interned in a
 * direct-mapped table: a repeated argument reuses the same string instead of
 * allocating a new one, which saves the allocation, the garbage and, for
 * stored values, memory (JS strings are immutable, so sharing is safe).
 */
const INTERN_MAX_LEN = 32;
/**
 * Argument positions whose last value each parser remembers (see
 * parseWhole()): four at first, up to MAX_LAST_ARGS once a longer command
 * comes (an MSET or HSET of ten pairs is 21 arguments).
 */
const LAST_ARGS = 4;
const MAX_LAST_ARGS = 24;
/**
 * Bytes kept per remembered position: the argument's whole segment as it
 * arrived, `$<len>\r\n<bytes>\r\n` (at most 5 + INTERN_MAX_LEN + 2).
 */
const SEG_STRIDE = INTERN_MAX_LEN + 8;
const INTERN_SIZE = 4096;
const internTable: string[] = new Array<string>(INTERN_SIZE).fill('');


/** Whether the last internSlice() found its string in the table. */
let internHit = false;

function internSlice(buf: Buffer, start: number, len: number): string {
  const end = start + len;
  let h = len;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  const idx = (h ^ (h >>> 13)) & (INTERN_SIZE - 1);
  const cand = internTable[idx];
  if (cand.length === len) {
    let i = 0;
    while (i < len && cand.charCodeAt(i) === buf[start + i]) i++;
    if (i === len) {
      internHit = true;
      return cand;
    }
  }
  internHit = false;
  const s = buf.latin1Slice(start, end);
  internTable[idx] = s;
  return s;
}

/** End (past CRLF) of the number read by the last scanSmallNumber(). */
let fastEnd = 0;

/**
 * Read "<digits>\r\n" at `p` when it is a canonical non-negative number of
 * at most 9 digits (no sign, no leading zero except "0"). Returns the value
 * and sets `fastEnd`, or -1 when the general parser must decide.
 */
function scanSmallNumber(buf: Buffer, p: number): number {
  const end = buf.length;
  let c = buf[p];
  if (c === 48) {
    if (p + 2 < end && buf[p + 1] === CR && buf[p + 2] === LF) {
      fastEnd = p + 3;
      return 0;
    }
    return -1;
  }
  if (!(c >= 49 && c <= 57)) return -1;
  let v = c - 48;
  const limit = Math.min(end, p + 9);
  let q = p + 1;
  while (q < limit) {
    c = buf[q];
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    q++;
  }
  if (q + 1 < end && buf[q] === CR && buf[q + 1] === LF) {
    fastEnd = q + 2;
    return v;
  }
  return -1;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
function hexVal(c: number): number {
  if (c <= 57) return c - 48;
  if (c >= 97) return c - 87;
  return c - 55;
}
function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Split an inline request line like sdssplitargs(): blanks separate
 * arguments, "double quotes" support \xHH and \n \r \t \b \a escapes,
 * 'single quotes' support \'. Returns null on unbalanced quotes.
 */
export function splitInlineArgs(line: Buffer): string[] | null {
  const out: string[] = [];
  const n = line.length;
  let p = 0;
  // Byte at p, 0 past the end (the C string terminator).
  const at = (i: number): number => (i < n ? line[i] : 0);
  for (;;) {
    while (p < n && line[p] !== 0 && isCSpace(line[p])) p++;
    if (at(p) === 0) return out;
    let inq = false;
    let insq = false;
    let done = false;
    const cur: number[] = [];
    while (!done) {
      const c = at(p);
      if (inq) {
        if (c === 92 && at(p + 1) === 120 && isHexDigit(at(p + 2)) && isHexDigit(at(p + 3))) {
          cur.push(hexVal(at(p + 2)) * 16 + hexVal(at(p + 3)));
          p += 3;
        } else if (c === 92 && at(p + 1) !== 0) {
          p++;
          const e = at(p);
          cur.push(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e);
        } else if (c === 34) {
          const nx = at(p + 1);
          if (nx !== 0 && !isCSpace(nx)) return null;
          done = true;
        } else if (c === 0) {
          return null;
        } else {
          cur.push(c);
        }
      } else if (insq) {
        if (c === 92 && at(p + 1) === 39) {
          p++;
          cur.push(39);
        } else if (c === 39) {
          const nx = at(p + 1);
          if (nx !== 0 && !isCSpace(nx)) return null;
          done = true;
        } else if (c === 0) {
          return null;
        } else {
          cur.push(c);
        }
      } else if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0) {
        done = true;
      } else if (c === 34) {
        inq = true;
      } else if (c === 39) {
        insq = true;
      } else {
        cur.push(c);
      }
      if (at(p) !== 0) p++;
    }
    out.push(Buffer.from(cur).toString('latin1'));
  }
}

/** Reply text for a protocol error (sent as `-ERR <text>` then the connection closes). */
export type ProtocolErrorText = string;

export class RequestParser {
  /** Max accepted bulk length (`proto-max-bulk-len`). */
  maxBulkLen = 512 * 1024 * 1024;
  /**
   * The longest argument that can be held: the longest string V8 makes
   * (536870888 bytes, 24 less than 512 MB).
   */
  maxArgLength: number = bufferConstants.MAX_STRING_LENGTH;
  /**
   * True while the client must still authenticate: then multibulk counts
   * above 10 and bulk lengths above 16384 are refused (as Redis does).
   */
  authRequired: () => boolean = () => false;
  /** Set when the stream is malformed; the connection must reply and close. */
  error: ProtocolErrorText | null = null;
  /**
   * Empty inline lines skipped since the owner last reset it: a replica's
   * newlines, which keep its link alive while it loads our RDB.
   */
  emptyLines = 0;

  private buf: Buffer = EMPTY;
  private pos = 0;
  /**
   * The bulk being awaited (`need` bytes: its length and CRLF, 0 when none)
   * accumulates in `acc`, `accLen` bytes of it so far; once whole, next()
   * takes the argument from it and goes on in `buf`.
   */
  private acc: Buffer = EMPTY;
  private accLen = 0;
  private need = 0;
  /**
   * The awaited bulk's bytes as strings, one per read, when it is big
   * (null otherwise: it accumulates in `acc`); `accLen` counts them too.
   */
  private pieces: string[] | null = null;
  /** Bytes of the big bulk staged in `acc` (small reads, joined before they become a piece). */
  private staged = 0;

  private multibulklen = 0;
  private bulklen = -1;
  private argv: string[] = [];
  /** Short arguments of the last command parsed by parseWhole(), by position. */
  private lastArgs: string[] = new Array<string>(LAST_ARGS).fill('');
  /**
   * Their segments as received (SEG_STRIDE bytes per position), a view
   * that sameSegment() reads them through, and each segment's length (0:
   * the position is not compared).
   */
  private lastBytes = new Uint8Array(LAST_ARGS * SEG_STRIDE);
  private lastView = new DataView(this.lastBytes.buffer);
  private lastSegLen = new Uint8Array(LAST_ARGS);
  /** Misses in a row at each position, of lastArgs and of the intern table (see parseWhole()). */
  private lastMisses = new Int32Array(LAST_ARGS);
  private internMisses = new Int32Array(LAST_ARGS);
  /** A view of `viewOf` (the buffer parseWhole() last compared in). */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private viewOf: Buffer = EMPTY;
  /** Sum of the lengths of `argv` (kept as arguments are added). */
  private argvBytes = 0;
  /** Length of the last argument of PROTO_MBULK_BIG_ARG bytes or more parsed, until taken (takeBigArgLength()). */
  private bigArg = 0;

  /** Bytes buffered but not yet consumed (the query buffer length). */
  get bufferedBytes(): number {
    return this.buf.length - this.pos + this.accLen;
  }

  /** Arguments announced by a partially received multibulk command (0 when none): what Redis sizes its argv for. */
  get partialArgc(): number {
    return this.multibulklen > 0 ? this.argv.length + this.multibulklen : 0;
  }

  /** Bytes of the arguments already parsed of a partially received command (c->argv_len_sum). */
  get partialArgvBytes(): number {
    return this.argvBytes;
  }

  /**
   * Bytes of the bulk argument being awaited whole (its length plus CRLF),
   * 0 when none: Redis sizes the query buffer for such an argument as soon
   * as its length is known.
   */
  get awaitedBulkBytes(): number {
    return this.need;
  }

  /**
   * The length of the last argument of PROTO_MBULK_BIG_ARG bytes or more
   * parsed since the last call, or 0 (Redis gives such an argument a query
   * buffer of its own, then a fresh one of the same size).
   */
  takeBigArgLength(): number {
    const n = this.bigArg;
    this.bigArg = 0;
    return n;
  }

  /** Bytes allocated to accumulate a bulk that spans reads (kept or in use). */
  get accumulatorBytes(): number {
    return this.acc.length + (this.pieces !== null ? this.accLen - this.staged : 0);
  }

  /** True if a command is partially received. */
  get inProgress(): boolean {
    return this.multibulklen > 0 || this.bufferedBytes > 0;
  }

  /**
   * Add received bytes (kept by reference: see releaseChunk()). `view`, when
   * given, reads `chunk` at the same offsets (a view of a reused read
   * buffer made once), saving parseWhole() a DataView per read.
   */
  feed(chunk: Buffer, view?: DataView<ArrayBufferLike>): void {
    // (A bulk completed earlier but not yet taken, by a client that is
    // blocked, is followed by reads like any input.)
    if (this.need > this.accLen) {
      const missing = this.need - this.accLen;
      if (chunk.length < missing) {
        this.accumulate(chunk, chunk.length);
        return;
      }
      // The bulk is whole: the rest of the read is parsed in place.
      this.accumulate(chunk, missing);
      this.buf = chunk;
      this.pos = missing;
      if (view !== undefined) {
        this.view = view;
        this.viewOf = chunk;
      }
      return;
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      if (view !== undefined) {
        this.view = view;
        this.viewOf = chunk;
      }
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
  }

  /** Copy the first `n` bytes of `chunk` to the awaited bulk, growing its buffer as needed. */
  private accumulate(chunk: Buffer, n: number): void {
    if (this.pieces !== null) {
      this.addPiece(chunk, 0, n);
      return;
    }
    const len = this.accLen + n;
    if (len > this.acc.length) {
      let cap = this.acc.length * 2;
      if (cap < len) cap = len;
      if (cap > this.need) cap = this.need;
      const acc = Buffer.allocUnsafe(cap);
      this.acc.copy(acc, 0, 0, this.accLen);
      this.acc = acc;
    }
    chunk.copy(this.acc, this.accLen, 0, n);
    this.accLen = len;
  }

  /**
   * Await the rest of the bulk begun at `pos` (`need` bytes in all): its
   * first bytes move to the accumulation buffer, made for it unless the
   * kept one is big enough.
   */
  private awaitBulk(buf: Buffer, need: number): void {
    const have = buf.length - this.pos;
    this.need = need;
    if (need >= PROTO_MBULK_BIG_ARG + 2) {
      this.pieces = [];
      this.accLen = 0;
      this.addPiece(buf, this.pos, have);
      this.buf = EMPTY;
      this.pos = 0;
      return;
    }
    const want = need <= ACC_UPFRONT ? need : Math.max(ACC_UPFRONT, have);
    if (this.acc.length < want) this.acc = Buffer.allocUnsafe(want);
    buf.copy(this.acc, 0, this.pos);
    this.accLen = have;
    this.buf = EMPTY;
    this.pos = 0;
  }

  /**
   * The awaited bulk arrived whole: add it to the arguments. Returns the
   * command when it was the last one.
   */
  private takeAwaitedBulk(): string[] | undefined {
    const len = this.need - 2;
    this.need = 0;
    this.accLen = 0;
    if (this.pieces !== null) {
      this.unstage();
      const pieces = this.pieces;
      this.pieces = null;
      if (len > this.maxArgLength) {
        // Within proto-max-bulk-len (512 MB at most) but longer than a
        // JavaScript string can be (24 bytes less): refused once it has
        // arrived, as announcing it is not an error in Redis.
        this.fail('Protocol error: invalid bulk length');
        return undefined;
      }
      this.pushArg(joinPieces(pieces));
    } else {
      this.addBulk(this.acc, 0);
      if (this.acc.length > ACC_KEEP) this.acc = EMPTY;
    }
    return this.multibulklen > 0 ? undefined : this.takeCommand();
  }

  /**
   * `chunk`, fed earlier, is about to be overwritten (the server reads
   * into one reused buffer): keep a copy of the part still needed.
   */
  releaseChunk(chunk: Buffer): void {
    if (this.buf === chunk) {
      const rest = chunk.length - this.pos;
      this.buf = rest > 0 ? Buffer.from(chunk.subarray(this.pos)) : EMPTY;
      this.pos = 0;
    }
  }

  /**
   * `n` more bytes of the big bulk awaited, at `start` of `chunk`: what
   * belongs to the bulk becomes a piece (its trailing CRLF is only counted).
   */
  private addPiece(chunk: Buffer, start: number, n: number): void {
    const content = this.need - 2 - this.accLen;
    const take = n < content ? n : content;
    this.accLen += n;
    if (take <= 0) return;
    if (take >= PIECE_MIN) {
      this.unstage();
      this.pieces!.push(chunk.latin1Slice(start, start + take));
      return;
    }
    if (this.acc.length < STAGE_SIZE) this.acc = Buffer.allocUnsafe(STAGE_SIZE);
    let from = start;
    const to = start + take;
    while (from < to) {
      const m = Math.min(to - from, STAGE_SIZE - this.staged);
      chunk.copy(this.acc, this.staged, from, from + m);
      this.staged += m;
      from += m;
      if (this.staged === STAGE_SIZE) this.unstage();
    }
  }

  /** The staged bytes of the big bulk become a piece. */
  private unstage(): void {
    if (this.staged === 0) return;
    this.pieces!.push(this.acc.latin1Slice(0, this.staged));
    this.staged = 0;
  }

  /** Let go of a kept accumulation buffer (an idle client's), unless a bulk is being awaited. */
  trimIdle(): void {
    if (this.need === 0) this.acc = EMPTY;
  }

  /** Drop all buffered input (after a protocol error or on reset). */
  clear(): void {
    this.buf = EMPTY;
    this.pos = 0;
    this.acc = EMPTY;
    this.accLen = 0;
    this.need = 0;
    this.pieces = null;
    this.staged = 0;
    this.multibulklen = 0;
    this.bulklen = -1;
    this.argv = [];
    this.argvBytes = 0;
    this.bigArg = 0;
  }

  /**
   * Parse the next complete command. Returns its arguments, or null when more
   * input is needed or a protocol error occurred (then `error` is set).
   * Empty commands (`*0`, `*-1`, blank inline lines) are skipped.
   */
  next(): string[] | null {
    for (;;) {
      if (this.error !== null) return null;
      if (this.need > 0) {
        if (this.accLen < this.need) return null;
        const whole = this.takeAwaitedBulk();
        if (whole !== undefined) return whole;
      }
      const buf = this.buf;
      if (this.pos >= buf.length) {
        if (this.pos > 0) {
          this.buf = EMPTY;
          this.pos = 0;
        }
        return null;
      }
      let argv: string[] | null | undefined;
      if (this.multibulklen === 0 && buf[this.pos] === 42 /* '*' */) {
        argv = this.parseWhole(buf);
        if (argv !== null) return argv;
      }
      if (this.multibulklen > 0 || buf[this.pos] === 42 /* '*' */) {
        argv = this.parseMultibulk();
      } else {
        argv = this.parseInline();
      }
      if (argv === null) return null;
      if (argv !== undefined) return argv;
      // undefined: an empty command was consumed, keep going.
    }
  }

  /**
   * The common case in one pass: a whole command in the buffer, with
   * canonical headers (a count of 1-1024, bulk lengths of at most 16384).
   * Returns its arguments, or null having consumed nothing: anything else
   * (a partial command, an error, an empty or unusual header) is left to
   * the general path, which gives the same result byte for byte.
   */
  private parseWhole(buf: Buffer): string[] | null {
    const end = buf.length;
    let p = this.pos + 1;
    let c = buf[p];
    if (!(c >= 49 && c <= 57)) return null;
    let n = c - 48;
    for (p++; p < end; p++) {
      c = buf[p];
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      if (n > 1024) return null;
    }
    if (p + 1 >= end || buf[p] !== CR || buf[p + 1] !== LF) return null;
    p += 2;
    if (n > 10 && this.authRequired()) return null;
    const maxLen = this.maxBulkLen < 16384 ? this.maxBulkLen : 16384;
    const argv = new Array<string>(n);
    const remembered = n <= this.lastArgs.length ? n : this.rememberMore(n);
    const segLen = this.lastSegLen;
    for (let i = 0; i < n; i++) {
      // The connection's previous command often had the same argument
      // here (its name, a hot key): its whole segment, header included, is
      // compared first (sameSegment()). Equal bytes parse to the same
      // argument, so the header need not be read.
      if (i < remembered) {
        const sl = segLen[i];
        if (sl !== 0 && p + sl <= end && this.sameSegment(buf, i, p, sl)) {
          argv[i] = this.lastArgs[i];
          this.lastMisses[i] = 0;
          p += sl;
          continue;
        }
      }
      if (p + 3 >= end || buf[p] !== 36 /* '$' */) return null;
      const q = p;
      c = buf[++p];
      let len: number;
      if (c === 48) {
        len = 0;
        p++;
      } else {
        if (!(c >= 49 && c <= 57)) return null;
        len = c - 48;
        for (p++; p < end; p++) {
          c = buf[p];
          if (c < 48 || c > 57) break;
          len = len * 10 + (c - 48);
          if (len > maxLen) return null;
        }
      }
      if (p + 1 >= end || buf[p] !== CR || buf[p + 1] !== LF) return null;
      p += 2;
      // The trailing CRLF must have arrived; it is skipped, not checked (as Redis).
      if (p + len + 2 > end) return null;
      if (len > INTERN_MAX_LEN) {
        argv[i] = buf.latin1Slice(p, p + len);
      } else if (i < remembered) {
        // Nor in the intern table, time after time (unique keys): the
        // position is sliced without hashing, and tried again every 16th time.
        const skip = this.internMisses[i] >= 8 && (this.internMisses[i]++ & 15) !== 0;
        const a = skip ? buf.latin1Slice(p, p + len) : internSlice(buf, p, len);
        if (!skip) this.internMisses[i] = internHit ? 0 : this.internMisses[i] + 1;
        argv[i] = a;
        // A position that keeps changing (unique keys) is remembered only
        // now and then, and not compared in between, so that it costs
        // little more than the interning.
        if ((this.lastMisses[i]++ & 7) === 0) {
          this.lastArgs[i] = a;
          const sl = p + len + 2 - q;
          segLen[i] = sl;
          const lb = this.lastBytes;
          const base = i * SEG_STRIDE;
          for (let j = 0; j < sl; j++) lb[base + j] = buf[q + j];
        } else if (this.lastMisses[i] === 2) {
          segLen[i] = 0;
        }
      } else {
        argv[i] = internSlice(buf, p, len);
      }
      p += len + 2;
    }
    this.pos = p;
    return argv;
  }

  /** Grow the remembered positions for a command of `n` arguments; returns how many there are. */
  private rememberMore(n: number): number {
    const have = this.lastArgs.length;
    if (have >= MAX_LAST_ARGS) return have;
    const m = n < MAX_LAST_ARGS ? n : MAX_LAST_ARGS;
    const args = this.lastArgs.concat(new Array<string>(m - have).fill(''));
    const bytes = new Uint8Array(m * SEG_STRIDE);
    bytes.set(this.lastBytes);
    const segLen = new Uint8Array(m);
    segLen.set(this.lastSegLen);
    const lastMisses = new Int32Array(m);
    lastMisses.set(this.lastMisses);
    const internMisses = new Int32Array(m);
    internMisses.set(this.internMisses);
    this.lastArgs = args;
    this.lastBytes = bytes;
    this.lastView = new DataView(bytes.buffer);
    this.lastSegLen = segLen;
    this.lastMisses = lastMisses;
    this.internMisses = internMisses;
    return m;
  }

  /**
   * Whether the `len` bytes at `p` (at least 6: a segment) are the segment
   * remembered at position `i`. Compared eight bytes at a time as doubles:
   * equal doubles have equal bytes, except zero and minus zero (checked
   * apart); a NaN equals nothing, which only sends the argument down the
   * slower path. A last, partial group overlaps the one before it.
   */
  private sameSegment(buf: Buffer, i: number, p: number, len: number): boolean {
    let v = this.view;
    if (this.viewOf !== buf) {
      v = this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      this.viewOf = buf;
    }
    const lv = this.lastView;
    const base = i * SEG_STRIDE;
    if (len < 8) {
      return v.getInt32(p, true) === lv.getInt32(base, true) && v.getInt32(p + len - 4, true) === lv.getInt32(base + len - 4, true);
    }
    for (let j = 0; ; ) {
      const a = v.getFloat64(p + j, true);
      const b = lv.getFloat64(base + j, true);
      if (a !== b || (a === 0 && 1 / a !== 1 / b)) return false;
      if (j + 8 >= len) return true;
      j = j + 16 <= len ? j + 8 : len - 8;
    }
  }

  private fail(text: string): null {
    this.error = text;
    return null;
  }

  /** Returns argv, null (incomplete/error) or undefined (empty command). */
  private parseInline(): string[] | null | undefined {
    const buf = this.buf;
    const start = this.pos;
    const nl = findByte(buf, LF, start);
    if (nl === -1) {
      if (buf.length - start > PROTO_INLINE_MAX_SIZE) {
        return this.fail('Protocol error: too big inline request');
      }
      return null;
    }
    let end = nl;
    if (end !== start && buf[end - 1] === CR) end--;
    if (end === start) this.emptyLines++;
    const args = splitInlineArgs(buf.subarray(start, end));
    if (args === null) return this.fail('Protocol error: unbalanced quotes in request');
    this.pos = nl + 1;
    return args.length > 0 ? args : undefined;
  }

  private parseMultibulk(): string[] | null | undefined {
    const buf = this.buf;
    if (this.multibulklen === 0) {
      // Fast path: "*<1-9 digits>\r\n" with a small positive count.
      const n = scanSmallNumber(buf, this.pos + 1);
      if (n > 0 && n <= 10) {
        this.pos = fastEnd;
        this.multibulklen = n;
        this.argv = [];
        return this.parseBulks(buf);
      }
      const cr = findByte(buf, CR, this.pos);
      if (cr === -1) {
        if (buf.length - this.pos > PROTO_INLINE_MAX_SIZE) {
          return this.fail('Protocol error: too big mbulk count string');
        }
        return null;
      }
      if (cr > buf.length - 2) return null; // need the '\n' too
      const ll = parseHeaderNumber(buf, this.pos + 1, cr);
      if (Number.isNaN(ll) || ll > 2147483647) {
        return this.fail('Protocol error: invalid multibulk length');
      }
      if (ll > 10 && this.authRequired()) {
        return this.fail('Protocol error: unauthenticated multibulk length');
      }
      this.pos = cr + 2;
      if (ll <= 0) return undefined;
      this.multibulklen = ll;
      this.argv = [];
    }
    return this.parseBulks(buf);
  }

  private parseBulks(buf: Buffer): string[] | null | undefined {
    while (this.multibulklen > 0) {
      if (this.bulklen === -1 && buf[this.pos] === 36) {
        // Fast path: "$<digits>\r\n" within limits (no auth limit applies below 16385).
        const n = scanSmallNumber(buf, this.pos + 1);
        if (n >= 0 && n <= 16384 && n <= this.maxBulkLen) {
          this.pos = fastEnd;
          this.bulklen = n;
        }
      }
      if (this.bulklen === -1) {
        const cr = findByte(buf, CR, this.pos);
        if (cr === -1) {
          if (buf.length - this.pos > PROTO_INLINE_MAX_SIZE) {
            return this.fail('Protocol error: too big bulk count string');
          }
          return null;
        }
        if (cr > buf.length - 2) return null;
        if (buf[this.pos] !== 36 /* '$' */) {
          return this.fail(`Protocol error: expected '$', got '${String.fromCharCode(buf[this.pos])}'`);
        }
        const ll = parseHeaderNumber(buf, this.pos + 1, cr);
        if (Number.isNaN(ll) || ll < 0 || ll > this.maxBulkLen) {
          return this.fail('Protocol error: invalid bulk length');
        }
        if (ll > 16384 && this.authRequired()) {
          return this.fail('Protocol error: unauthenticated bulk length');
        }
        this.pos = cr + 2;
        this.bulklen = ll;
      }
      const avail = buf.length - this.pos;
      if (avail < this.bulklen + 2) {
        this.awaitBulk(buf, this.bulklen + 2);
        return null;
      }
      const len = this.bulklen;
      if (len > this.maxArgLength) return this.fail('Protocol error: invalid bulk length');
      this.addBulk(buf, this.pos);
      this.pos += len + 2; // the trailing CRLF is skipped, not checked (as Redis)
    }
    return this.takeCommand();
  }

  /** Add the bulk of `bulklen` bytes at `start` of `buf` to the arguments; the next header follows. */
  private addBulk(buf: Buffer, start: number): void {
    const len = this.bulklen;
    this.pushArg(len <= INTERN_MAX_LEN ? internSlice(buf, start, len) : buf.latin1Slice(start, start + len));
  }

  /** Add the bulk just parsed, `arg`, to the arguments. */
  private pushArg(arg: string): void {
    const len = arg.length;
    this.argv.push(arg);
    if (len >= PROTO_MBULK_BIG_ARG) this.bigArg = len;
    this.argvBytes += len;
    this.bulklen = -1;
    this.multibulklen--;
  }

  /** The arguments of the command just completed; the next one starts empty. */
  private takeCommand(): string[] {
    const argv = this.argv;
    this.argv = [];
    this.argvBytes = 0;
    return argv;
  }
}

/**
 * One string of `pieces`, concatenated as a balanced tree: V8 joins long
 * strings by reference (a cons string, flattened once when first read
 * whole), and a balanced tree keeps its depth logarithmic.
 */
function joinPieces(pieces: string[]): string {
  let level = pieces;
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? level[i] + level[i + 1] : level[i]);
    level = next;
  }
  return level.length === 1 ? level[0] : '';
}
