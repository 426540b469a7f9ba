/**
 * Differential harness: send the same commands to Nodis and to a real
 * redis-server and compare the raw reply bytes.
 *
 *   const d = await DiffPair.start();
 *   await d.same('SET', 'k', 'v');          // asserts byte-identical replies
 *   await d.same(['SMEMBERS', 's'], { sort: true });
 *   await d.close();
 */
import { expect } from 'vitest';
import { RawClient, parseReply, type Arg, type Reply } from './resp.js';
import { startNodis, startRedis, type RedisHandle } from './servers.js';
import type { ServerHandle } from '../../src/index.js';

export interface CompareOptions {
  /** Sort the elements of a top-level array reply before comparing. */
  sort?: boolean;
  /** Replace integers/bulk numbers within +-tolerance by a marker (TTLs). */
  approx?: number;
  /** Only compare the reply type byte (e.g. random results). */
  typeOnly?: boolean;
}

export class DiffPair {
  private constructor(
    readonly nodis: ServerHandle,
    readonly redis: RedisHandle,
    readonly n: RawClient,
    readonly r: RawClient,
  ) {}

  static async start(redisArgs: string[] = [], nodisConfig: Record<string, string> = {}): Promise<DiffPair> {
    const [nodis, redis] = await Promise.all([startNodis({ config: nodisConfig }), startRedis(redisArgs)]);
    const [n, r] = await Promise.all([RawClient.connect(nodis.port), RawClient.connect(redis.port)]);
    return new DiffPair(nodis, redis, n, r);
  }

  /** New raw connections to both servers (for multi-client scenarios). */
  async connectBoth(): Promise<[RawClient, RawClient]> {
    return Promise.all([RawClient.connect(this.nodis.port), RawClient.connect(this.redis.port)]);
  }

  /** Run on both; return [nodisBytes, redisBytes]. */
  async both(...args: Arg[]): Promise<[Buffer, Buffer]> {
    return Promise.all([this.n.call(...args), this.r.call(...args)]);
  }

  /** Assert both servers reply identically to `args`. Returns the reply. */
  async same(args: Arg[] | Arg, ...rest: Arg[]): Promise<string>;
  async same(args: Arg[], opts: CompareOptions): Promise<string>;
  async same(first: Arg[] | Arg, ...rest: (Arg | CompareOptions)[]): Promise<string> {
    let args: Arg[];
    let opts: CompareOptions = {};
    if (Array.isArray(first)) {
      args = first;
      if (rest.length > 0) opts = rest[0] as CompareOptions;
    } else {
      args = [first, ...(rest as Arg[])];
    }
    const [nb, rb] = await this.both(...args);
    if (opts.approx !== undefined) {
      const ok = approxEqual(parseReply(nb)[0], parseReply(rb)[0], opts.approx);
      expect(ok ? 'approximately equal' : nb.latin1Slice(), `reply to ${fmtArgs(args)} (redis: ${JSON.stringify(rb.latin1Slice())})`).toBe(
        'approximately equal',
      );
      return rb.latin1Slice();
    }
    const ns = normalize(nb, opts);
    const rs = normalize(rb, opts);
    expect(ns, `reply to ${fmtArgs(args)}`).toBe(rs);
    return rb.latin1Slice();
  }

  async close(): Promise<void> {
    this.n.close();
    this.r.close();
    await Promise.all([this.nodis.close(), this.redis.close()]);
  }
}

export function fmtArgs(args: Arg[]): string {
  return args.map((a) => JSON.stringify(Buffer.isBuffer(a) ? a.latin1Slice() : String(a))).join(' ');
}

/** Structural equality where integers (and integer bulks) may differ by `tol`. */
export function approxEqual(a: Reply, b: Reply, tol: number): boolean {
  if (a.t !== b.t) return false;
  switch (a.t) {
    case 'int': {
      const x = Number(a.v);
      const y = Number((b as typeof a).v);
      return x < 0 || y < 0 ? x === y : Math.abs(x - y) <= tol;
    }
    case 'bulk': {
      const bv = (b as typeof a).v;
      if (a.v === null || bv === null) return a.v === bv;
      const xs = a.v.latin1Slice();
      const ys = bv.latin1Slice();
      if (/^-?\d+$/.test(xs) && /^-?\d+$/.test(ys)) return Math.abs(Number(xs) - Number(ys)) <= tol;
      return xs === ys;
    }
    case 'array': {
      const bv = (b as typeof a).v;
      if (a.kind !== (b as typeof a).kind) return false;
      if (a.v === null || bv === null) return a.v === bv;
      return a.v.length === bv.length && a.v.every((x, i) => approxEqual(x, bv[i], tol));
    }
    default:
      return JSON.stringify(a) === JSON.stringify(b);
  }
}

/** Canonical text of a reply under the compare options. */
export function normalize(bytes: Buffer, opts: CompareOptions): string {
  if (!opts.sort && !opts.typeOnly) return bytes.latin1Slice();
  const [reply] = parseReply(bytes);
  if (opts.typeOnly) return reply.t;
  return render(reply, opts, true);
}

function render(r: Reply, opts: CompareOptions, top: boolean): string {
  switch (r.t) {
    case 'int':
      return `:${r.v}`;
    case 'bulk':
      if (r.v === null) return '$-1';
      return `$${r.v.latin1Slice()}`;
    case 'array': {
      if (r.v === null) return `${r.kind}-1`;
      const items = r.v.map((x) => render(x, opts, false));
      if (opts.sort && top) items.sort();
      return `${r.kind}[${items.join(',')}]`;
    }
    case 'status':
      return `+${r.v}`;
    case 'error':
      return `-${r.v}`;
    case 'null':
      return '_';
    case 'double':
      return `,${r.v}`;
    case 'bool':
      return `#${r.v}`;
    case 'bignum':
      return `(${r.v}`;
    case 'verbatim':
      return `=${r.v.latin1Slice()}`;
  }
}
