/**
 * Blocking exchanges with another server over cached TCP connections, for
 * MIGRATE (cluster.c's migrateGetSocket() with syncio.c's syncWrite() and
 * syncReadLine()). Redis blocks its event loop for the whole exchange; so
 * does Nodis: the sockets live in a worker thread, and the main thread
 * waits on a shared cell (Atomics.wait) until the worker reports, then
 * takes the report with receiveMessageOnPort().
 *
 * One exchange: connect unless the link named `host:port` is open (a port
 * is taken modulo 65536, as getaddrinfo() takes a numeric service), write
 * the request in 64 KB chunks (each within `timeout` ms), then read `lines`
 * reply lines (each byte within `timeout` ms, lines cut at 1023 bytes as
 * syncReadLine() cuts them). A link that fails is closed by the worker.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/** How an exchange ended. */
export interface ExchangeResult {
  /** The name did not resolve (nothing was sent). */
  connectFailed: boolean;
  /** Writing failed (`error` says why). */
  writeFailed: boolean;
  /** The lines read, without their CRLF, as latin1 strings. */
  lines: string[];
  /** null when every line was read; 'timeout' (ETIMEDOUT) or 'io' (reset, EOF...) otherwise. */
  error: null | 'timeout' | 'io';
}

interface Request {
  seq: number;
  op: 'exchange' | 'close';
  name: string;
  host?: string;
  port?: number;
  timeout?: number;
  payload?: Uint8Array;
  lines?: number;
}

/**
 * The worker's program. It is sent as source text (so it runs the same from
 * dist/ and from the TypeScript sources under test) and must not refer to
 * anything outside itself.
 */
function linkWorker(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const net = require('node:net') as typeof import('node:net');
  const cell = new Int32Array(workerData.cell as SharedArrayBuffer);
  const port = workerData.port as MessagePort;
  const CHUNK = 64 * 1024;
  const MAX_LINE = 1023;

  interface Link {
    sock: import('node:net').Socket;
    buf: Buffer;
    ended: boolean;
    wake: (() => void) | null;
  }
  const links = new Map<string, Link>();

  const reply = (msg: unknown): void => {
    port.postMessage(msg);
    Atomics.store(cell, 0, 1);
    Atomics.notify(cell, 0);
  };

  const close = (name: string): void => {
    const l = links.get(name);
    if (l === undefined) return;
    links.delete(name);
    l.sock.destroy();
  };

  /**
   * connSocketBlockingConnect() and the first write after it: only a
   * failed name lookup (or a port getaddrinfo() refuses) fails the connect
   * itself; a refused or unfinished connection shows as a failed write, and
   * the write may still complete within its own timeout.
   */
  const connect = (name: string, host: string, p: number, timeout: number): Promise<Link | 'lookup' | 'io' | 'timeout'> =>
    new Promise((resolve) => {
      if (host === '' || p < 0) {
        resolve('lookup');
        return;
      }
      let settled = false;
      let sock: import('node:net').Socket | undefined;
      const finish = (l: Link | 'lookup' | 'io' | 'timeout'): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (typeof l === 'string') sock?.destroy();
        resolve(l);
      };
      const timer = setTimeout(() => finish('timeout'), 2 * timeout);
      try {
        sock = net.connect({ host, port: p & 0xffff });
      } catch {
        finish('io');
        return;
      }
      sock.once('error', (err: NodeJS.ErrnoException) => finish(err.syscall === 'getaddrinfo' ? 'lookup' : 'io'));
      sock.once('connect', () => {
        const s = sock!;
        s.setNoDelay(true);
        const l: Link = { sock: s, buf: Buffer.alloc(0), ended: false, wake: null };
        const poke = (): void => {
          const w = l.wake;
          l.wake = null;
          if (w !== null) w();
        };
        s.removeAllListeners('error');
        s.on('data', (d: Buffer) => {
          l.buf = l.buf.length === 0 ? d : Buffer.concat([l.buf, d]);
          poke();
        });
        const end = (): void => {
          l.ended = true;
          poke();
        };
        s.on('end', end);
        s.on('close', end);
        s.on('error', end);
        links.set(name, l);
        finish(l);
      });
    });

  /** Wait for more input or the end, at most `timeout` ms: false on timeout. */
  const more = (l: Link, timeout: number): Promise<boolean> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        l.wake = null;
        resolve(false);
      }, timeout);
      l.wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });

  const writeChunk = (l: Link, chunk: Uint8Array, timeout: number): Promise<null | 'timeout' | 'io'> =>
    new Promise((resolve) => {
      let settled = false;
      const finish = (r: null | 'timeout' | 'io'): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => finish('timeout'), timeout);
      if (l.ended) return finish('io');
      l.sock.write(chunk, (err) => finish(err ? 'io' : null));
    });

  const readLine = async (l: Link, timeout: number): Promise<string | 'timeout' | 'io'> => {
    for (;;) {
      const scan = Math.min(l.buf.length, MAX_LINE);
      const nl = l.buf.subarray(0, scan).indexOf(10);
      if (nl !== -1) {
        const end = nl > 0 && l.buf[nl - 1] === 13 ? nl - 1 : nl;
        const line = l.buf.latin1Slice(0, end);
        l.buf = l.buf.subarray(nl + 1);
        return line;
      }
      if (l.buf.length >= MAX_LINE) {
        const line = l.buf.latin1Slice(0, MAX_LINE);
        l.buf = l.buf.subarray(MAX_LINE);
        return line;
      }
      if (l.ended) return 'io';
      if (!(await more(l, timeout))) return 'timeout';
    }
  };

  const exchange = async (req: Request): Promise<ExchangeResult> => {
    const out: ExchangeResult = { connectFailed: false, writeFailed: false, lines: [], error: null };
    const timeout = req.timeout!;
    let l = links.get(req.name);
    if (l === undefined) {
      const made = await connect(req.name, req.host!, req.port!, timeout);
      if (made === 'lookup') {
        out.connectFailed = true;
        return out;
      }
      if (typeof made === 'string') {
        out.writeFailed = true;
        out.error = made;
        return out;
      }
      l = made;
    }
    const payload = req.payload!;
    for (let pos = 0; pos < payload.length; pos += CHUNK) {
      const err = await writeChunk(l, payload.subarray(pos, pos + CHUNK), timeout);
      if (err !== null) {
        out.writeFailed = true;
        out.error = err;
        close(req.name);
        return out;
      }
    }
    for (let i = 0; i < req.lines!; i++) {
      const r = await readLine(l, timeout);
      if (r === 'timeout' || r === 'io') {
        out.error = r;
        close(req.name);
        return out;
      }
      out.lines.push(r);
    }
    return out;
  };

  port.on('message', (req: Request) => {
    if (req.op === 'close') {
      close(req.name);
      return;
    }
    exchange(req).then(
      (r) => reply({ seq: req.seq, ...r }),
      () => {
        close(req.name);
        reply({ seq: req.seq, connectFailed: false, writeFailed: false, lines: [], error: 'io' });
      },
    );
  });
}

/** The worker and its cells; made on the first exchange. */
export class SyncLinks {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private cell: Int32Array | null = null;
  private seq = 0;

  private start(): void {
    const cell = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(`(${linkWorker.toString()})()`, {
      eval: true,
      workerData: { cell, port: port2 },
      transferList: [port2],
    });
    // Neither the worker nor its port keeps the process alive.
    worker.unref();
    port1.unref();
    this.worker = worker;
    this.port = port1;
    this.cell = new Int32Array(cell);
  }

  /**
   * Run one exchange on the link `name` (opening it to host:port if
   * needed), blocking until it is over. `lines` reply lines are read.
   */
  exchange(name: string, host: string, port: number, timeout: number, payload: Uint8Array, lines: number): ExchangeResult {
    if (this.worker === null) this.start();
    // Timers hold at most 2^31-1 ms, and the connect waits twice the timeout.
    timeout = Math.min(timeout, 1_000_000_000);
    const seq = ++this.seq;
    const cell = this.cell!;
    const req: Request = { seq, op: 'exchange', name, host, port, timeout, payload, lines };
    this.port!.postMessage(req);
    // The worker enforces every timeout; this bound only guards against a
    // worker that stopped answering.
    const steps = 3 + lines + Math.ceil(payload.length / (64 * 1024));
    const deadline = performance.now() + timeout * steps + 5000;
    for (;;) {
      // Cleared before the port is read: a report posted after the read
      // sets the cell again, so the wait below cannot miss it.
      Atomics.store(cell, 0, 0);
      // Reports of exchanges abandoned earlier are skipped.
      for (let m = receiveMessageOnPort(this.port!); m !== undefined; m = receiveMessageOnPort(this.port!)) {
        const r = m.message as ExchangeResult & { seq: number };
        if (r.seq === seq) return { connectFailed: r.connectFailed, writeFailed: r.writeFailed, lines: r.lines, error: r.error };
      }
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(cell, 0, 0, left) === 'timed-out') {
        this.close(name);
        return { connectFailed: false, writeFailed: false, lines: [], error: 'timeout' };
      }
    }
  }

  /** Close the link `name` (no wait). */
  close(name: string): void {
    this.port?.postMessage({ seq: 0, op: 'close', name } satisfies Request);
  }

  /** Stop the worker and every link. */
  stop(): void {
    const w = this.worker;
    this.worker = null;
    this.port?.close();
    this.port = null;
    if (w !== null) void w.terminate();
  }
}
