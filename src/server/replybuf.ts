/**
 * The size Redis gives each client's reply buffer (`c->buf`), and its
 * resizing by the cron (clientsCronResizeOutputBuffer() of server.c).
 *
 * Nodis writes replies into pooled chunks, so no client owns a buffer of
 * its own; it keeps Redis's figures instead, because CLIENT LIST shows them
 * (`rbs`, `rbp`), client memory (`tot-mem`, client eviction, used_memory)
 * counts the buffer, and INFO counts the resizes. A client starts with
 * 16 KB. Each write records how much of the buffer it would have filled
 * (its bytes, at most the buffer's size): the peak. The cron shrinks a
 * buffer whose peak stayed below half of it (to the peak, at least 1 KB)
 * and doubles one a write filled (up to 16 KB), and resets the peak every
 * `peakResetTime` ms. DEBUG REPLYBUFFER tunes both.
 */

/** PROTO_REPLY_CHUNK_BYTES: a new client's buffer, and the most it grows to. */
export const PROTO_REPLY_CHUNK_BYTES = 16 * 1024;
/** PROTO_REPLY_MIN_BYTES: the least it shrinks to. */
export const PROTO_REPLY_MIN_BYTES = 1024;
/** REPLY_BUFFER_DEFAULT_PEAK_RESET_TIME (ms). */
export const REPLY_BUFFER_DEFAULT_PEAK_RESET_TIME = 5000;

/** A client's reply buffer figures. */
export interface ReplyBufferState {
  /** c->buf_usable_size (rbs). */
  bufUsable: number;
  /** c->buf_peak (rbp). */
  bufPeak: number;
  /** c->buf_peak_last_reset_time (ms). */
  bufPeakResetAt: number;
}

/** The server-wide settings and counters of reply buffer resizing. */
export class ReplyBufferResizing {
  /** server.reply_buffer_resizing_enabled. */
  enabled = true;
  /** server.reply_buffer_peak_reset_time: ms, or -1 for never. */
  peakResetTime = REPLY_BUFFER_DEFAULT_PEAK_RESET_TIME;
  /** INFO stats reply_buffer_shrinks / reply_buffer_expands. */
  shrinks = 0;
  expands = 0;

  /**
   * clientsCronResizeOutputBuffer(): shrink or grow `c`'s buffer by its
   * peak, then reset the peak to what is `pending` (bytes waiting to be
   * written) when it is due. True when the size changed.
   */
  resize(c: ReplyBufferState, now: number, pending: number): boolean {
    if (!this.enabled) return false;
    const usable = c.bufUsable;
    const half = Math.floor(usable / 2);
    let size = 0;
    if (half >= PROTO_REPLY_MIN_BYTES && c.bufPeak < half) {
      size = Math.max(PROTO_REPLY_MIN_BYTES, c.bufPeak + 1);
      this.shrinks++;
    } else if (usable * 2 < PROTO_REPLY_CHUNK_BYTES * 2 && c.bufPeak === usable) {
      size = Math.min(PROTO_REPLY_CHUNK_BYTES, usable * 2);
      this.expands++;
    }
    if (this.peakResetTime >= 0 && now - c.bufPeakResetAt >= this.peakResetTime) {
      c.bufPeak = Math.min(pending, size !== 0 ? size : usable);
      c.bufPeakResetAt = now;
    }
    if (size === 0) return false;
    c.bufUsable = size;
    return true;
  }

  resetStats(): void {
    this.shrinks = 0;
    this.expands = 0;
  }
}
