/**
 * The replication backlog: the last `repl-backlog-size` bytes of the
 * replication stream, so a replica that lost its link can continue from
 * the offset it reached (PSYNC) instead of loading a new RDB.
 *
 * A ring buffer addressed by replication offsets: `offset` is the offset
 * of the oldest byte held and `histlen` how many bytes follow it, so the
 * offsets a PSYNC can continue from are offset .. offset + histlen. The
 * buffer starts small and grows up to the configured size as the stream
 * fills it.
 */

/** CONFIG_REPL_BACKLOG_MIN_SIZE. */
export const REPL_BACKLOG_MIN_SIZE = 16 * 1024;
const INITIAL_CAPACITY = 64 * 1024;

export class ReplBacklog {
  private buf: Buffer;
  /** Index in `buf` of the oldest byte. */
  private head = 0;
  /** Bytes held (repl_backlog_histlen). */
  histlen = 0;
  /** Replication offset of the oldest byte held (repl_backlog_first_byte_offset). */
  offset: number;
  private limit: number;

  /** `firstOffset`: the offset the next byte of the stream will have. */
  constructor(size: number, firstOffset: number) {
    this.limit = Math.max(REPL_BACKLOG_MIN_SIZE, size);
    this.buf = Buffer.allocUnsafe(Math.min(this.limit, INITIAL_CAPACITY));
    this.offset = firstOffset;
  }

  /** The configured size (repl_backlog_size). */
  get size(): number {
    return this.limit;
  }

  /** Bytes allocated for the history (INFO mem_replication_backlog). */
  get memory(): number {
    return this.buf.length;
  }

  /** Add bytes of the stream (strings are latin1, one char per byte). */
  append(data: string | Buffer): void {
    const n = data.length;
    if (n === 0) return;
    if (this.histlen + n > this.buf.length && this.buf.length < this.limit) {
      this.grow(Math.min(this.limit, Math.max(this.buf.length * 2, this.histlen + n)));
    }
    const cap = this.buf.length;
    if (n >= cap) {
      // Only the last `cap` bytes survive.
      writePart(data, n - cap, n, this.buf, 0);
      this.offset += this.histlen + n - cap;
      this.head = 0;
      this.histlen = cap;
      return;
    }
    const pos = (this.head + this.histlen) % cap;
    const first = Math.min(n, cap - pos);
    writePart(data, 0, first, this.buf, pos);
    if (first < n) writePart(data, first, n, this.buf, 0);
    this.histlen += n;
    if (this.histlen > cap) {
      const drop = this.histlen - cap;
      this.head = (this.head + drop) % cap;
      this.offset += drop;
      this.histlen = cap;
    }
  }

  /** True when a PSYNC at `from` can be served (the byte before it is the last one the replica has). */
  covers(from: number): boolean {
    return from >= this.offset && from <= this.offset + this.histlen;
  }

  /** The bytes from replication offset `from` to the end (a copy). */
  readFrom(from: number): Buffer {
    const skip = from - this.offset;
    const len = this.histlen - skip;
    const out = Buffer.allocUnsafe(len);
    if (len === 0) return out;
    const cap = this.buf.length;
    const start = (this.head + skip) % cap;
    const first = Math.min(len, cap - start);
    this.buf.copy(out, 0, start, start + first);
    if (first < len) this.buf.copy(out, first, 0, len - first);
    return out;
  }

  /** resizeReplicationBacklog(): keep the most recent bytes that fit. */
  resize(size: number): void {
    this.limit = Math.max(REPL_BACKLOG_MIN_SIZE, size);
    if (this.buf.length > this.limit || this.histlen > this.limit) {
      const keep = Math.min(this.histlen, this.limit);
      const data = this.readFrom(this.offset + this.histlen - keep);
      this.buf = Buffer.allocUnsafe(Math.min(this.limit, Math.max(INITIAL_CAPACITY, keep)));
      this.head = 0;
      this.offset += this.histlen - keep;
      this.histlen = 0;
      this.append(data);
    }
  }

  private grow(capacity: number): void {
    const data = this.readFrom(this.offset);
    const buf = Buffer.allocUnsafe(capacity);
    data.copy(buf, 0);
    this.buf = buf;
    this.head = 0;
  }
}

function writePart(data: string | Buffer, from: number, to: number, buf: Buffer, at: number): void {
  if (typeof data === 'string') {
    buf.latin1Write(from === 0 && to === data.length ? data : data.slice(from, to), at);
  } else {
    data.copy(buf, at, from, to);
  }
}
