/**
 * Replication test tools: INFO parsing, polling with generous caps (never
 * timing assertions), waiting for replicas to catch up, and a mixed
 * dataset with binary keys, TTLs, every type in small and large encodings
 * and several dbs.
 */
import { RawClient, parseReply, type Reply } from './resp.js';

export const B = '\xff\x00\xc3';

/** Send one command (latin1 strings) and return the parsed reply; errors throw. */
export async function ask(c: RawClient, ...args: string[]): Promise<Reply> {
  const r = parseReply(await c.call(...args.map((a) => Buffer.from(a, 'latin1'))))[0];
  if (r.t === 'error') throw new Error(`${args.join(' ').slice(0, 80)}: ${r.v}`);
  return r;
}

/** One command on a fresh connection. */
export async function cmdOn(port: number, ...args: string[]): Promise<Reply> {
  const c = await RawClient.connect(port);
  try {
    return await ask(c, ...args);
  } finally {
    c.close();
  }
}

/** The reply of one command as a latin1 string (raw RESP). */
export async function rawOn(port: number, ...args: string[]): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    return await c.callStr(...args.map((a) => Buffer.from(a, 'latin1')));
  } finally {
    c.close();
  }
}

/** INFO <section> as name -> value. */
export async function info(port: number, section = 'replication'): Promise<Record<string, string>> {
  const r = await cmdOn(port, 'INFO', section);
  const text = r.t === 'bulk' && r.v !== null ? r.v.latin1Slice() : '';
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** INFO <section> field names, in order. */
export async function infoFieldNames(port: number, section = 'replication'): Promise<string[]> {
  const r = await cmdOn(port, 'INFO', section);
  const text = r.t === 'bulk' && r.v !== null ? r.v.latin1Slice() : '';
  return text
    .split('\r\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.slice(0, l.indexOf(':')));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `cond` until it holds; fail with `what` after `capMs` (a generous cap, not a timing check). */
export async function waitFor(what: string, cond: () => Promise<boolean>, capMs = 30000): Promise<void> {
  const deadline = Date.now() + capMs;
  let last: unknown = null;
  for (;;) {
    try {
      if (await cond()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(50);
  }
}

/**
 * Wait until every replica has its link up and has applied the primary's
 * whole stream (slave_repl_offset equals the primary's master_repl_offset,
 * read after the replica so a PING in between only delays the match).
 */
export async function waitSynced(primary: number, replicas: number[], capMs = 30000): Promise<void> {
  await waitFor(
    `replicas ${replicas.join(',')} to catch up with ${primary}`,
    async () => {
      for (const r of replicas) {
        const ri = await info(r);
        if (ri.master_link_status !== 'up') return false;
        const pi = await info(primary);
        if (ri.slave_repl_offset !== pi.master_repl_offset) return false;
      }
      return true;
    },
    capMs,
  );
}

/** Run commands on a server; an error reply fails. */
export async function run(port: number, cmds: string[][]): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    for (const cmd of cmds) await ask(c, ...cmd);
  } finally {
    c.close();
  }
}

/** A mixed dataset: binary keys and values, TTLs, small and large encodings, dbs 0, 1 and 9. */
export function dataset(tag = ''): string[][] {
  const cmds: string[][] = [];
  const far = String(Date.now() + 30 * 24 * 3600 * 1000);
  for (const db of [0, 1, 9]) {
    cmds.push(['SELECT', String(db)]);
    cmds.push(['SET', `str${B}${tag}`, `plain ${B} value`]);
    cmds.push(['SET', `int${tag}`, '-123456789012']);
    cmds.push(['SET', `long${tag}`, 'x'.repeat(3000) + B + 'y'.repeat(2000)]);
    cmds.push(['SET', `ttl${B}${tag}`, 'v', 'PXAT', far]);
    cmds.push(['SET', `empty-value${tag}`, '']);
    cmds.push(['RPUSH', `list-small${tag}`, 'a', B, '12345', '']);
    const big: string[] = ['RPUSH', `list-big${tag}`];
    for (let i = 0; i < 400; i++) big.push(i % 3 === 0 ? String(i) : `item-${i}-${B}`);
    cmds.push(big);
    cmds.push(['SADD', `set-int${tag}`, '1', '2', '-3', '99999999999']);
    cmds.push(['SADD', `set-str${tag}`, 'a', B, 'c']);
    const setBig: string[] = ['SADD', `set-big${tag}`];
    for (let i = 0; i < 300; i++) setBig.push(`m${i}${B}`);
    cmds.push(setBig);
    cmds.push(['HSET', `hash${B}${tag}`, 'f1', 'v1', B, B, 'num', '42']);
    const hBig: string[] = ['HSET', `hash-big${tag}`];
    for (let i = 0; i < 200; i++) hBig.push(`field${i}`, i % 2 ? String(i) : `value-${i}-${B}`);
    cmds.push(hBig);
    cmds.push(['ZADD', `zset${tag}`, '1', 'a', '2.5', B, '-inf', 'neg', '+inf', 'pos', '0.1', 'tenth']);
    const zBig: string[] = ['ZADD', `zset-big${tag}`];
    for (let i = 0; i < 200; i++) zBig.push(String(i / 7), `z${i}${B}`);
    cmds.push(zBig);
    cmds.push(['PEXPIRE', `hash-big${tag}`, String(20 * 24 * 3600 * 1000)]);
  }
  cmds.push(['SELECT', '0']);
  return cmds;
}

/** Writes of every kind after the initial sync, transactions and db switches included. */
export function liveWrites(tag = ''): string[][] {
  return [
    ['SET', `live${B}${tag}`, `v${B}`],
    ['INCR', `counter${tag}`],
    ['INCRBY', `counter${tag}`, '41'],
    ['APPEND', `str${B}${tag}`, '+more'],
    ['LPUSH', `list-small${tag}`, 'head'],
    ['RPOP', `list-big${tag}`],
    ['HSET', `hash${B}${tag}`, 'new', 'field'],
    ['HDEL', `hash-big${tag}`, 'field3'],
    ['SREM', `set-int${tag}`, '2'],
    ['ZINCRBY', `zset${tag}`, '10', 'a'],
    ['EXPIRE', `long${tag}`, '100000'],
    ['PERSIST', `hash-big${tag}`],
    ['DEL', `int${tag}`],
    ['MULTI'],
    ['SET', `in-multi${tag}`, '1'],
    ['INCR', `in-multi${tag}`],
    ['SELECT', '9'],
    ['LPUSH', `multi-list${B}${tag}`, 'x', 'y'],
    ['EXEC'],
    ['SELECT', '1'],
    ['SET', `db1${tag}`, 'one', 'EX', '100000'],
    ['SPOP', `set-big${tag}`, '3'],
    ['SELECT', '0'],
    ['SETRANGE', `live${B}${tag}`, '2', 'patched'],
    ['RENAME', `set-str${tag}`, `set-renamed${tag}`],
  ];
}

/**
 * Make `c` a replica by hand: PSYNC ? -1, wait for the whole EOF-marked RDB
 * (which stays in `c.pending()`), acknowledge offset 0 so the stream starts,
 * and wait until the primary lists it online.
 */
export async function rawReplicaSync(c: RawClient, port: number): Promise<void> {
  const ok = await c.callStr('REPLCONF', 'capa', 'eof', 'capa', 'psync2');
  if (ok !== '+OK\r\n') throw new Error(`REPLCONF capa: ${ok}`);
  c.write('PSYNC ? -1\r\n');
  await waitFor('the RDB', async () => {
    const s = c.pending().latin1Slice();
    const m = /^\+FULLRESYNC [0-9a-f]{40} \d+\r\n\$EOF:([0-9a-f]{40})\r\n/.exec(s);
    return m !== null && s.endsWith(m[1]);
  });
  c.write('REPLCONF ACK 0\r\n');
  await waitFor('the replica online', async () => ((await info(port)).slave0 ?? '').includes('state=online'));
}
