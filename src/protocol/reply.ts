/**
 * Reply writer. Method names mirror Redis's addReply* family in
 * networking.c so a reader can map one to the other. Replies accumulate as
 * latin1 strings (one char per byte) and are flushed with one socket write
 * per batch of commands.
 */
import { formatDouble } from '../util/numbers.js';

export type Bulk = string | Buffer;

const CRLF = '\r\n';

/** Growth of the pending output between two onOutputGrowth() calls. */
export const OUTPUT_CHECK_BYTES = 16 * 1024;

export abstract class ReplyWriter {
  /** Protocol version negotiated with HELLO: 2 or 3. */
  resp: 2 | 3 = 2;
  /** Pending output not yet handed to the socket. */
  protected out = '';
  /** Completed output pieces (used around Buffers and deferred lengths). */
  protected parts: Bulk[] | null = null;
  /** CLIENT REPLY OFF/SKIP suppress replies. */
  protected repliesOff = false;
  /** Bytes moved from `out` into `parts` since the last takeOutput(). */
  private partsBytes = 0;
  /**
   * `out` length past which onOutputGrowth() runs: lowered by what moves to
   * `parts`, so it fires every OUTPUT_CHECK_BYTES of pending output.
   */
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
    this.outCheckAt = this.out.length + OUTPUT_CHECK_BYTES;
  }

  /** Bytes queued and not taken yet (deferred length headers aside). */
  pendingOutputBytes(): number {
    return this.out.length + this.partsBytes;
  }

  hasPendingOutput(): boolean {
    return this.out.length > 0 || this.parts !== null;
  }

  /** Take everything queued so far. */
  takeOutput(): Bulk[] | string {
    const parts = this.parts;
    const out = this.out;
    this.out = '';
    this.parts = null;
    this.partsBytes = 0;
    this.outCheckAt = OUTPUT_CHECK_BYTES;
    if (parts === null) return out;
    if (out.length > 0) parts.push(out);
    return parts;
  }

  /** Append raw protocol (already formatted). */
  addReplyProto(s: string): void {
    if (this.repliesOff) return;
    if (this.out.length === 0 && this.parts === null) this.onOutput();
    this.out += s;
    if (this.out.length > this.outCheckAt) this.onOutputGrowth();
  }

  private addReplyBuffer(b: Buffer): void {
    if (this.repliesOff) return;
    if (this.out.length === 0 && this.parts === null) this.onOutput();
    if (this.parts === null) this.parts = [];
    if (this.out.length > 0) this.moveOutToParts();
    this.parts.push(b);
    this.partsBytes += b.length;
    this.outCheckAt -= b.length;
    if (this.outCheckAt < 0) this.onOutputGrowth();
  }

  private moveOutToParts(): void {
    const n = this.out.length;
    this.parts!.push(this.out);
    this.out = '';
    this.partsBytes += n;
    this.outCheckAt -= n;
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

  addReplyBulk(v: Bulk): void {
    if (typeof v === 'string') {
      this.addReplyProto('$' + v.length + CRLF + v + CRLF);
    } else if (v.length < 4096) {
      this.addReplyProto('$' + v.length + CRLF + v.latin1Slice(0, v.length) + CRLF);
    } else {
      // Copied: a stored Buffer may be mutated in place (SETRANGE, SETBIT)
      // by a later command of the same pipeline before this reply is sent.
      this.addReplyProto('$' + v.length + CRLF);
      this.addReplyBuffer(Buffer.from(v));
      this.addReplyProto(CRLF);
    }
  }

  /** Bulk or null for a missing value. */
  addReplyBulkOrNull(v: Bulk | null | undefined): void {
    if (v === null || v === undefined) this.addReplyNull();
    else this.addReplyBulk(v);
  }

  addReplyLongLong(n: number | bigint): void {
    this.addReplyProto(':' + n + CRLF);
  }

  addReplyArrayLen(n: number): void {
    this.addReplyProto('*' + n + CRLF);
  }

  addReplyMapLen(n: number): void {
    this.addReplyProto(this.resp === 2 ? '*' + n * 2 + CRLF : '%' + n + CRLF);
  }

  addReplySetLen(n: number): void {
    this.addReplyProto(this.resp === 2 ? '*' + n + CRLF : '~' + n + CRLF);
  }

  addReplyAttributeLen(n: number): void {
    this.addReplyProto('|' + n + CRLF);
  }

  addReplyPushLen(n: number): void {
    this.addReplyProto(this.resp === 2 ? '*' + n + CRLF : '>' + n + CRLF);
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
    if (this.resp === 2) this.addReplyProto('$' + s.length + CRLF + s + CRLF);
    else this.addReplyProto(',' + s + CRLF);
  }

  /** A preformatted human-friendly long double (INCRBYFLOAT style). */
  addReplyHumanLongDouble(s: string): void {
    if (this.resp === 2) this.addReplyProto('$' + s.length + CRLF + s + CRLF);
    else this.addReplyProto(',' + s + CRLF);
  }

  addReplyBigNum(s: string): void {
    if (this.resp === 2) this.addReplyProto('$' + s.length + CRLF + s + CRLF);
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
    this.addReplyProto('+OK\r\n');
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

  /** Reserve a length header to be filled in later (addReplyDeferredLen). */
  addReplyDeferredLen(): number {
    if (this.repliesOff) return -1;
    if (this.out.length === 0 && this.parts === null) this.onOutput();
    if (this.parts === null) this.parts = [];
    if (this.out.length > 0) this.moveOutToParts();
    this.parts.push('');
    return this.parts.length - 1;
  }

  setDeferredArrayLen(handle: number, n: number): void {
    if (handle < 0 || this.parts === null) return;
    this.parts[handle] = '*' + n + CRLF;
  }

  setDeferredMapLen(handle: number, n: number): void {
    if (handle < 0 || this.parts === null) return;
    this.parts[handle] = this.resp === 2 ? '*' + n * 2 + CRLF : '%' + n + CRLF;
  }

  setDeferredSetLen(handle: number, n: number): void {
    if (handle < 0 || this.parts === null) return;
    this.parts[handle] = this.resp === 2 ? '*' + n + CRLF : '~' + n + CRLF;
  }
}
