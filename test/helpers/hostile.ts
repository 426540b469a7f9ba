/**
 * Hostile request streams for the protocol fuzzers: a seeded generator of
 * byte streams mixing valid commands with malformed RESP (bad headers,
 * huge announced lengths, nesting attempts, binary garbage, inline lines
 * with unbalanced quotes, truncated requests). Everything is drawn from one
 * seeded PRNG, so a failing stream is reproduced by its seed.
 */
import { encodeCommand } from './resp.js';

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Gen {
  readonly rnd: () => number;
  constructor(readonly seed: number) {
    this.rnd = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }
  /** Random bytes; `noLetters` keeps ASCII letters out so no command name can appear by chance. */
  bytes(n: number, noLetters = true): string {
    let s = '';
    while (s.length < n) {
      const b = this.int(256);
      if (noLetters && ((b >= 65 && b <= 90) || (b >= 97 && b <= 122))) continue;
      s += String.fromCharCode(b);
    }
    return s;
  }
  /** A value with the bytes that matter: NUL, CR, LF, quotes, high bytes. */
  value(): string {
    const n = this.pick([0, 1, 2, 5, 16, 40]);
    let s = '';
    for (let i = 0; i < n; i++) s += this.pick(['a', 'b', 'z', '0', '9', ' ', '"', "'", '\\', '\x00', '\r', '\n', '\xff', '\xc3', '\x80', '*', '$']);
    return s;
  }
}

/** Commands whose replies do not depend on the server instance, connection, or time. */
const KEYS = ['hk:a', 'hk:b', 'hk:\xff\x00', 'hk:c'];

function validArgs(g: Gen): string[] {
  const k = g.pick(KEYS);
  switch (g.int(14)) {
    case 0:
      return ['PING'];
    case 1:
      return ['PING', g.value()];
    case 2:
      return ['ECHO', g.value()];
    case 3:
      return ['SET', k, g.value()];
    case 4:
      return ['GET', k];
    case 5:
      return ['INCR', k];
    case 6:
      return ['DEL', k, g.pick(KEYS)];
    case 7:
      return ['EXISTS', k];
    case 8:
      return ['APPEND', k, g.value()];
    case 9:
      return ['STRLEN', k];
    case 10:
      return ['RPUSH', `${k}:l`, g.value(), g.value()];
    case 11:
      return ['LRANGE', `${k}:l`, '0', String(g.int(5) - 2)];
    case 12:
      return [g.pick(['NOSUCH', 'get', 'Set', 'x\xff']), ...Array.from({ length: g.int(3) }, () => g.value())];
    default:
      return [g.pick(['GET', 'SET', 'PING', 'ECHO'])].concat(g.chance(0.5) ? [] : [g.value(), g.value(), g.value()]);
  }
}

/** sdssplitargs()-style quoting of one argument for an inline command. */
function inlineArg(g: Gen, a: string): string {
  if (a !== '' && !/[\s"'\\\x00]/.test(a) && g.chance(0.6)) return a;
  let s = '"';
  for (const ch of a) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') s += '\\' + ch;
    else if (c < 32 || c >= 127) s += '\\x' + c.toString(16).padStart(2, '0');
    else s += ch;
  }
  return s + '"';
}

export type Fragment = { kind: string; data: string; /** a well-formed, complete request */ valid: boolean };

/** One piece of a hostile stream. */
export function fragment(g: Gen): Fragment {
  const r = g.int(100);
  if (r < 30) return { kind: 'multibulk', data: encodeCommand(validArgs(g)).latin1Slice(), valid: true };
  if (r < 42) {
    const args = validArgs(g).filter((a) => !a.includes('\x00'));
    return { kind: 'inline', data: args.map((a) => inlineArg(g, a)).join(g.pick([' ', '  ', '\t'])) + g.pick(['\r\n', '\n']), valid: true };
  }
  if (r < 46) return { kind: 'blank', data: g.pick(['\r\n', '\n', '   \r\n', '*0\r\n', '*-1\r\n', '*-5\r\n']), valid: true };
  if (r < 54) {
    const hdr = g.pick([
      '*abc\r\n', '*\r\n', '*+1\r\n', '*01\r\n', '*2147483648\r\n', '*99999999999999999999\r\n', '*-\r\n', '*1 \r\n', '*3000000000\r\n',
    ]);
    return { kind: 'bad-count', data: hdr, valid: false };
  }
  if (r < 62) {
    const bulk = g.pick([
      '$999999999999\r\n', '$-5\r\n', '$abc\r\n', '$\r\n', '$01\r\n', '$536870913\r\n', '$18446744073709551616\r\n', ':1\r\n', '+OK\r\n', 'x\r\n',
    ]);
    return { kind: 'bad-bulk', data: `*${1 + g.int(3)}\r\n` + bulk, valid: false };
  }
  if (r < 67) return { kind: 'nesting', data: '*1\r\n'.repeat(2 + g.int(400)) + '$4\r\nPING\r\n', valid: false };
  if (r < 72) {
    const q = g.pick(['"', "'"]);
    return { kind: 'unbalanced', data: `ECHO ${q}abc${g.chance(0.5) ? ' def' : ''}\r\n`, valid: false };
  }
  if (r < 76) return { kind: 'quote-glued', data: g.pick(['ECHO "a"b\r\n', "ECHO 'a'b\r\n"]), valid: false };
  if (r < 90) return { kind: 'garbage', data: g.bytes(1 + g.int(120)), valid: false };
  // A huge announced length with a little data: the server must wait without allocating it.
  return { kind: 'huge-announce', data: g.pick(['*2147483647\r\n$4\r\nPING\r\n', '*1\r\n$536870912\r\nabc', '*2\r\n$4\r\nECHO\r\n$100000\r\nxyz']), valid: false };
}

/** A stream of up to `n` fragments, optionally ending with a truncated request. */
export function hostileStream(g: Gen, n: number): { data: Buffer; kinds: string[] } {
  const parts: string[] = [];
  const kinds: string[] = [];
  const count = 1 + g.int(n);
  for (let i = 0; i < count; i++) {
    const f = fragment(g);
    parts.push(f.data);
    kinds.push(f.kind);
  }
  if (g.chance(0.3)) {
    const whole = encodeCommand(validArgs(g)).latin1Slice();
    parts.push(whole.slice(0, 1 + g.int(whole.length - 1)));
    kinds.push('truncated');
  }
  return { data: Buffer.from(parts.join(''), 'latin1'), kinds };
}

/** Error texts a protocol error may carry (networking.c), each followed by the close. */
export const PROTOCOL_ERRORS = [
  /^-ERR Protocol error: invalid multibulk length$/,
  /^-ERR Protocol error: invalid bulk length$/,
  /^-ERR Protocol error: expected '\$', got '[\s\S]'$/,
  /^-ERR Protocol error: unbalanced quotes in request$/,
  /^-ERR Protocol error: too big inline request$/,
  /^-ERR Protocol error: too big mbulk count string$/,
  /^-ERR Protocol error: too big bulk count string$/,
  /^-ERR Protocol error: unauthenticated multibulk length$/,
  /^-ERR Protocol error: unauthenticated bulk length$/,
];
