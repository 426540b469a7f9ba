/**
 * What Nodis uses of Node's socket internals (the stream binding behind
 * net.Socket) to read and write without the stream machinery Node runs per
 * read and per write. Each use checks what it finds and reports "not
 * available" otherwise; callers then keep to the public socket API.
 */
import type { Socket } from 'node:net';

/** What writeDirect() uses of a socket's handle (a libuv stream). */
export interface DirectHandle {
  writeBuffer(req: object, b: Uint8Array): number;
  /** Gathered write of `chunks` (Buffers only when `allBuffers`). */
  writev(req: object, chunks: Uint8Array[], allBuffers: boolean): number;
  readonly writeQueueSize: number;
}

/** A write request of Node's stream binding (the buffer it writes from is kept on it while it is pending). */
export type WriteReq = { oncomplete?: (status: number) => void; buffer?: Uint8Array | Uint8Array[] };

/** Node's stream binding: write requests, and the results of the last read and write. */
interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
}

function loadStreamWrap(): StreamWrapBinding | null {
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding('stream_wrap');
    if (
      typeof b.WriteWrap !== 'function' ||
      !(b.streamBaseState instanceof Int32Array) ||
      typeof b.kLastWriteWasAsync !== 'number' ||
      typeof b.kReadBytesOrError !== 'number'
    ) {
      return null;
    }
    return b as StreamWrapBinding;
  } catch {
    return null;
  }
}

export const streamWrap = loadStreamWrap();

/** Node's Socket slots of the `onread` option, found by description on first use (null: not available). */
let onreadSlots: { buffer: symbol; callback: symbol; generator: symbol } | null | undefined;

/** A socket handle as readIntoBuffer() uses it. */
interface ReadHandle {
  useUserBuffer?: (b: Uint8Array) => void;
  onread?: (this: ReadHandle, arrayBuffer: unknown) => unknown;
}

/**
 * Have `sock`'s reads land in `buf` and go to `onRead` with the byte count,
 * as Node's `onread` socket option does (net.Server offers no way to pass
 * it for accepted connections): no Buffer is allocated per read and the
 * readable-stream machinery is skipped. The handle's read callback is
 * replaced by one that calls `onRead` directly for data (Node's own runs
 * for EOF and errors): Node's would first look up the socket, its timer and
 * its option slots on every read. The callback must consume or copy the
 * bytes before returning. EOF, errors, pause() and resume() keep working
 * as with 'data' events; socket.setTimeout() is not served (Nodis keeps
 * client timeouts in its cron). Returns false, leaving the socket as it
 * was, where Node's internals are not as expected.
 */
export function readIntoBuffer(sock: Socket, buf: Buffer, onRead: (n: number) => void): boolean {
  const handle = (sock as unknown as { _handle?: ReadHandle | null })._handle;
  if (handle === null || handle === undefined || typeof handle.useUserBuffer !== 'function') return false;
  if (onreadSlots === undefined) {
    const byName = new Map(Object.getOwnPropertySymbols(sock).map((sym) => [sym.description, sym]));
    const buffer = byName.get('kBuffer');
    const callback = byName.get('kBufferCb');
    const generator = byName.get('kBufferGen');
    onreadSlots = buffer !== undefined && callback !== undefined && generator !== undefined ? { buffer, callback, generator } : null;
  }
  if (onreadSlots === null) return false;
  const slots = sock as unknown as Record<symbol, unknown>;
  if (slots[onreadSlots.buffer] !== null || slots[onreadSlots.callback] !== null) return false;
  handle.useUserBuffer(buf);
  slots[onreadSlots.buffer] = buf;
  slots[onreadSlots.callback] = onRead;
  slots[onreadSlots.generator] = null;
  const nodeOnread = handle.onread;
  if (streamWrap !== null && typeof nodeOnread === 'function') {
    const state = streamWrap.streamBaseState;
    const kRead = streamWrap.kReadBytesOrError;
    handle.onread = function (this: ReadHandle, arrayBuffer: unknown): unknown {
      const n = state[kRead];
      if (n > 0 && !sock.destroyed) {
        onRead(n);
        return undefined;
      }
      return nodeOnread.call(this, arrayBuffer);
    };
  }
  // Flowing, so that the end of the stream is emitted and closes the socket.
  sock.resume();
  return true;
}
