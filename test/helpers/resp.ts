/**
 * Test-side RESP tools: encode commands, frame raw replies (RESP2 and
 * RESP3) byte-exactly, and a raw socket client that returns reply bytes.
 */
import net from 'node:net';

export type Arg = string | Buffer | number;

/** Encode a command as a RESP multibulk; strings are taken as latin1 bytes. */
export function encodeCommand(args: Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    // Tests are not type-checked: an array passed as one argument would be
    // sent as "GET,k" to both servers, and both would agree on the error.
    if (!Buffer.isBuffer(a) && typeof a !== 'string' && typeof a !== 'number') throw new TypeError(`not a command argument: ${String(a)}`);
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'latin1');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/**
 * Length in bytes of the first complete reply in `buf` starting at `pos`,
 * or -1 if incomplete.
 */
export function replyLength(buf: Buffer, pos = 0): number {
  if (pos >= buf.length) return -1;
  const nl = buf.indexOf('\r\n', pos);
  if (nl === -1) return -1;
  const type = String.fromCharCode(buf[pos]);
  const line = buf.latin1Slice(pos + 1, nl);
  const after = nl + 2;
  switch (type) {
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
      return after - pos;
    case '$':
    case '=':
    case '!': {
      const n = parseInt(line, 10);
      if (n < 0) return after - pos;
      if (buf.length < after + n + 2) return -1;
      return after + n + 2 - pos;
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      let n = parseInt(line, 10);
      if (n < 0) return after - pos;
      if (type === '%' || type === '|') n *= 2;
      let p = after;
      for (let i = 0; i < n; i++) {
        const l = replyLength(buf, p);
        if (l === -1) return -1;
        p += l;
      }
      // An attribute is followed by the actual reply.
      if (type === '|') {
        const l = replyLength(buf, p);
        if (l === -1) return -1;
        p += l;
      }
      return p - pos;
    }
    default:
      throw new Error(`bad reply type byte ${JSON.stringify(type)} in ${JSON.stringify(buf.latin1Slice(pos, Math.min(buf.length, pos + 80)))}`);
  }
}

/** A parsed reply tree, for tests that want structure rather than bytes. */
export type Reply =
  | { t: 'status'; v: string }
  | { t: 'error'; v: string }
  | { t: 'int'; v: bigint }
  | { t: 'bulk'; v: Buffer | null }
  | { t: 'array'; v: Reply[] | null; kind: string }
  | { t: 'null' }
  | { t: 'double'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'bignum'; v: string }
  | { t: 'verbatim'; v: Buffer };

export function parseReply(buf: Buffer, pos = 0): [Reply, number] {
  const nl = buf.indexOf('\r\n', pos);
  const type = String.fromCharCode(buf[pos]);
  const line = buf.latin1Slice(pos + 1, nl);
  const after = nl + 2;
  switch (type) {
    case '+':
      return [{ t: 'status', v: line }, after];
    case '-':
      return [{ t: 'error', v: line }, after];
    case ':':
      return [{ t: 'int', v: BigInt(line) }, after];
    case '_':
      return [{ t: 'null' }, after];
    case ',':
      return [{ t: 'double', v: line }, after];
    case '#':
      return [{ t: 'bool', v: line === 't' }, after];
    case '(':
      return [{ t: 'bignum', v: line }, after];
    case '$':
    case '=': {
      const n = parseInt(line, 10);
      if (n < 0) return [{ t: 'bulk', v: null }, after];
      const v = Buffer.from(buf.subarray(after, after + n));
      return [type === '=' ? { t: 'verbatim', v } : { t: 'bulk', v }, after + n + 2];
    }
    default: {
      let n = parseInt(line, 10);
      if (n < 0) return [{ t: 'array', v: null, kind: type }, after];
      if (type === '%' || type === '|') n *= 2;
      const items: Reply[] = [];
      let p = after;
      for (let i = 0; i < n; i++) {
        const [r, np] = parseReply(buf, p);
        items.push(r);
        p = np;
      }
      return [{ t: 'array', v: items, kind: type }, p];
    }
  }
}

/** A raw TCP client: send bytes, read whole replies as bytes. */
export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(private sock: net.Socket) {
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
    sock.on('error', () => {
      this.closed = true;
      this.wake();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ port, host }, () => resolve(new RawClient(sock)));
      sock.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout; buffered: ${JSON.stringify(this.buf.latin1Slice(0, 200))}`)), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  write(data: Buffer | string): void {
    this.sock.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Send a command and return the raw bytes of its reply. */
  async call(...args: Arg[]): Promise<Buffer> {
    this.write(encodeCommand(args));
    return this.readReply();
  }

  /** Send a command and return the reply as a latin1 string. */
  async callStr(...args: Arg[]): Promise<string> {
    return (await this.call(...args)).latin1Slice();
  }

  /** Read exactly one reply's bytes. */
  async readReply(timeoutMs = 5000): Promise<Buffer> {
    for (;;) {
      const n = replyLength(this.buf);
      if (n !== -1) {
        const r = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        return Buffer.from(r);
      }
      if (this.closed) throw new Error(`connection closed; buffered: ${JSON.stringify(this.buf.latin1Slice())}`);
      await this.wait(timeoutMs);
    }
  }

  /** Read everything until the server closes the connection. */
  async readUntilClose(timeoutMs = 5000): Promise<Buffer> {
    while (!this.closed) await this.wait(timeoutMs);
    const r = this.buf;
    this.buf = Buffer.alloc(0);
    return r;
  }

  /** Bytes received but not consumed as replies. */
  pending(): Buffer {
    return this.buf;
  }

  /** Stop reading from the socket (the server's writes then queue up). */
  pauseReading(): void {
    this.sock.pause();
  }

  /** Read again after pauseReading(). */
  resumeReading(): void {
    this.sock.resume();
  }

  close(): void {
    this.sock.destroy();
  }
}
