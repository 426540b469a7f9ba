/**
 * Blocking list operations against redis-server 7.0.15: the same scenario
 * runs on both servers with several raw connections each (one blocks,
 * another writes), and every reply is compared byte for byte.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { encodeCommand, type Arg, type RawClient } from '../helpers/resp.js';

warnIfNoRedis('diff/blocking');

const BIN = '\xff\x00\xc3\x28';

/** One connection to each server, driven in lockstep. */
class Conn {
  constructor(
    readonly n: RawClient,
    readonly r: RawClient,
  ) {}

  send(...args: Arg[]): void {
    const b = encodeCommand(args);
    this.n.write(b);
    this.r.write(b);
  }

  sendRaw(s: string): void {
    this.n.write(s);
    this.r.write(s);
  }

  /** Read one reply from each server and require them to be identical. */
  async read(what = 'reply'): Promise<string> {
    const [a, b] = await Promise.all([this.n.readReply(), this.r.readReply()]);
    expect(a.latin1Slice(), what).toBe(b.latin1Slice());
    return b.latin1Slice();
  }

  async same(...args: Arg[]): Promise<string> {
    this.send(...args);
    return this.read(args.join(' '));
  }

  /** Per-server results of a command whose reply legitimately differs (ids). */
  async both(...args: Arg[]): Promise<[string, string]> {
    this.send(...args);
    const [a, b] = await Promise.all([this.n.readReply(), this.r.readReply()]);
    return [a.latin1Slice(), b.latin1Slice()];
  }

  /** Neither server sent anything (yet). */
  async nothingPending(): Promise<void> {
    await new Promise((r) => setTimeout(r, 30));
    expect(this.n.pending().latin1Slice()).toBe('');
    expect(this.r.pending().latin1Slice()).toBe('');
  }

  close(): void {
    this.n.close();
    this.r.close();
  }
}

function blockedCount(info: string): number {
  const m = /blocked_clients:(\d+)/.exec(info);
  return m ? Number(m[1]) : -1;
}

describe.skipIf(!HAVE_REDIS)('differential: blocking list operations', () => {
  let d: DiffPair;
  let ctl: Conn;
  const open: Conn[] = [];

  const connect = async (): Promise<Conn> => {
    const [n, r] = await d.connectBoth();
    const c = new Conn(n, r);
    open.push(c);
    return c;
  };

  /** Wait until both servers report `n` blocked clients. */
  const waitBlocked = async (n: number): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      const [a, b] = await ctl.both('INFO', 'clients');
      if (blockedCount(a.slice(a.indexOf('\r\n') + 2)) === n && blockedCount(b.slice(b.indexOf('\r\n') + 2)) === n) return;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`blocked_clients never reached ${n}`);
  };

  beforeAll(async () => {
    d = await DiffPair.start();
    ctl = new Conn(d.n, d.r);
  });
  beforeEach(async () => {
    while (open.length > 0) open.pop()!.close();
    await waitBlocked(0);
    await ctl.same('FLUSHALL');
  });
  afterAll(async () => {
    for (const c of open) c.close();
    await d?.close();
  });

  it('BLPOP is served by a push from another client', async () => {
    const a = await connect();
    a.send('BLPOP', 'k', '0');
    await waitBlocked(1);
    await ctl.same('RPUSH', 'k', 'v1', BIN);
    await a.read('BLPOP served');
    await ctl.same('LRANGE', 'k', '0', '-1');
    await ctl.same('EXISTS', 'k');
  });

  it('clients are served in the order they blocked (FIFO per key)', async () => {
    const [a, b, c] = [await connect(), await connect(), await connect()];
    a.send('BRPOP', 'q', '0');
    await waitBlocked(1);
    b.send('BLPOP', 'q', '0');
    await waitBlocked(2);
    c.send('BLPOP', 'other', 'q', '0');
    await waitBlocked(3);
    await ctl.same('LPUSH', 'q', 'x', 'y');
    await a.read('first waiter');
    await b.read('second waiter');
    await c.nothingPending();
    await ctl.same('EXISTS', 'q');
    await ctl.same('RPUSH', 'other', 'z');
    await c.read('third waiter, from its first key');
  });

  it('one push of many elements serves many waiters, leftovers stay', async () => {
    const [a, b] = [await connect(), await connect()];
    a.send('BLPOP', 'k', '0');
    await waitBlocked(1);
    b.send('BLPOP', 'k', '0');
    await waitBlocked(2);
    await ctl.same('RPUSH', 'k', '1', '2', '3');
    await a.read();
    await b.read();
    await ctl.same('LRANGE', 'k', '0', '-1');
  });

  it('timeouts with decimals reply with a null array (RESP2 and RESP3)', async () => {
    const a = await connect();
    await a.same('BLPOP', 'k', '0.05');
    await a.same('BRPOP', 'k1', 'k2', '0.05');
    await a.same('BLMOVE', 'k', 'd', 'LEFT', 'RIGHT', '0.05');
    await a.same('BRPOPLPUSH', 'k', 'd', '0.05');
    await a.same('BLMPOP', '0.05', '2', 'k', 'k2', 'LEFT', 'COUNT', '3');
    await a.both('HELLO', '3');
    await a.same('BLPOP', 'k', '0.05');
    await a.same('BLMOVE', 'k', 'd', 'LEFT', 'RIGHT', '0.05');
    await a.same('EXISTS', 'd');
  });

  it('pipelined commands after a blocked one wait, then run in order', async () => {
    const a = await connect();
    a.sendRaw(
      [encodeCommand(['BLPOP', 'k', '0']), encodeCommand(['PING']), encodeCommand(['LLEN', 'k']), encodeCommand(['BLPOP', 'k', '0'])]
        .map((b) => b.latin1Slice())
        .join(''),
    );
    await waitBlocked(1);
    await a.nothingPending();
    await ctl.same('RPUSH', 'k', 'a', 'b');
    await a.read('BLPOP');
    await a.read('PING');
    await a.read('LLEN');
    await a.read('second BLPOP finds b');
    await a.same('LLEN', 'k');
  });

  it('a waiter is served right after the pushing command, before the pusher\'s next one', async () => {
    const a = await connect();
    a.send('BLPOP', 'k', '0');
    await waitBlocked(1);
    ctl.sendRaw([encodeCommand(['RPUSH', 'k', 'v']), encodeCommand(['LPOP', 'k']), encodeCommand(['RPUSH', 'k', 'w'])].map((b) => b.latin1Slice()).join(''));
    await ctl.read('RPUSH');
    await ctl.read('LPOP finds nothing');
    await ctl.read('RPUSH again');
    await a.read('served with the first element');
    await ctl.same('LRANGE', 'k', '0', '-1');
  });

  it('BLMOVE is served and its push wakes the next waiter (chain)', async () => {
    const [a, b] = [await connect(), await connect()];
    a.send('BLMOVE', 'src', 'mid', 'RIGHT', 'LEFT', '0');
    await waitBlocked(1);
    b.send('BLPOP', 'mid', '0');
    await waitBlocked(2);
    await ctl.same('RPUSH', 'src', 'one', 'two');
    await a.read('BLMOVE');
    await b.read('BLPOP on the destination');
    await ctl.same('LRANGE', 'src', '0', '-1');
    await ctl.same('EXISTS', 'mid');
  });

  it('BRPOPLPUSH and BLMOVE with source == destination', async () => {
    const [a, b] = [await connect(), await connect()];
    a.send('BRPOPLPUSH', 'r', 'r', '0');
    await waitBlocked(1);
    await ctl.same('RPUSH', 'r', 'x');
    await a.read();
    await ctl.same('LRANGE', 'r', '0', '-1');
    await ctl.same('DEL', 'r');
    b.send('BLMOVE', 'r', 'r', 'LEFT', 'RIGHT', '0');
    await waitBlocked(1);
    await ctl.same('LPUSH', 'r', 'p', 'q');
    await b.read();
    await ctl.same('LRANGE', 'r', '0', '-1');
  });

  it('BLMOVE whose destination became another type gets WRONGTYPE when served', async () => {
    const a = await connect();
    a.send('BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', '0');
    await waitBlocked(1);
    await ctl.same('SET', 'dst', 'str');
    await ctl.same('RPUSH', 'src', 'v');
    await a.read('WRONGTYPE for the blocked client');
    await ctl.same('LRANGE', 'src', '0', '-1');
    await ctl.same('GET', 'dst');
  });

  it('a key of another type keeps waiters blocked until it is a list again', async () => {
    const a = await connect();
    a.send('BLPOP', 'k', '0');
    await waitBlocked(1);
    await ctl.same('SET', 'k', 'str');
    await ctl.same('SADD', 'k2', 'm');
    await a.nothingPending();
    await ctl.same('LPUSH', 'k', 'v');
    await ctl.same('DEL', 'k');
    await ctl.same('LPUSH', 'k', 'v');
    await a.read();
    await ctl.same('EXISTS', 'k');
  });

  it('WRONGTYPE at call time does not block', async () => {
    const a = await connect();
    await ctl.same('SET', 's', 'v');
    await a.same('BLPOP', 'nokey', 's', '0');
    await a.same('BLMOVE', 's', 'd', 'LEFT', 'LEFT', '0');
    await a.same('BLMPOP', '0', '1', 's', 'LEFT');
  });

  it('BLMPOP is served with COUNT from the key that became ready', async () => {
    const a = await connect();
    a.send('BLMPOP', '0', '3', 'a', 'b', 'a', 'RIGHT', 'COUNT', '2');
    await waitBlocked(1);
    await ctl.same('RPUSH', 'b', '1', '2', '3');
    await a.read();
    await ctl.same('LRANGE', 'b', '0', '-1');
    a.send('BLMPOP', '0', '1', 'c', 'LEFT', 'COUNT', '5');
    await waitBlocked(1);
    await ctl.same('RPUSH', 'c', 'only');
    await a.read();
    await ctl.same('EXISTS', 'c');
  });

  it('keys created by LMOVE, RPOPLPUSH, RENAME, MOVE, COPY and SWAPDB wake waiters', async () => {
    const [a, b, c, e] = [await connect(), await connect(), await connect(), await connect()];
    await ctl.same('RPUSH', 'src', '1', '2', '3', '4');
    a.send('BLPOP', 'd1', '0');
    await waitBlocked(1);
    await ctl.same('LMOVE', 'src', 'd1', 'LEFT', 'RIGHT');
    await a.read('LMOVE');
    b.send('BLPOP', 'd2', '0');
    await waitBlocked(1);
    await ctl.same('RPOPLPUSH', 'src', 'd2');
    await b.read('RPOPLPUSH');
    c.send('BRPOP', 'd3', '0');
    await waitBlocked(1);
    await ctl.same('RENAME', 'src', 'd3');
    await c.read('RENAME');
    await ctl.same('LRANGE', 'd3', '0', '-1');
    await e.same('SELECT', '1');
    e.send('BLPOP', 'm', '0');
    await waitBlocked(1);
    await ctl.same('RPUSH', 'm', 'moved');
    await ctl.same('MOVE', 'm', '1');
    await e.read('MOVE');
    a.send('BLPOP', 'cp', '0');
    await waitBlocked(1);
    await ctl.same('RPUSH', 'orig', 'c1');
    await ctl.same('COPY', 'orig', 'cp');
    await a.read('COPY');
    e.send('BLPOP', 'sw', '0');
    await waitBlocked(1);
    await ctl.same('RPUSH', 'sw', 's0');
    await ctl.same('SWAPDB', '0', '1');
    await e.read('SWAPDB');
    await ctl.same('DBSIZE');
  });

  it('a client disconnecting while blocked leaves no trace', async () => {
    const a = await connect();
    a.send('BLPOP', 'k', '0');
    await waitBlocked(1);
    a.close();
    await waitBlocked(0);
    await ctl.same('RPUSH', 'k', 'v');
    await ctl.same('LRANGE', 'k', '0', '-1');
  });

  it('the same key twice in BLPOP is served once', async () => {
    const [a, b] = [await connect(), await connect()];
    a.send('BLPOP', 'k', 'k', 'k', '0');
    await waitBlocked(1);
    b.send('BLPOP', 'k', '0');
    await waitBlocked(2);
    await ctl.same('RPUSH', 'k', '1', '2');
    await a.read();
    await b.read();
  });

  it('CLIENT UNBLOCK with TIMEOUT and ERROR, and its errors', async () => {
    const a = await connect();
    const [idN, idR] = (await a.both('CLIENT', 'ID')).map((s) => s.slice(1, -2));
    // A negative timeout that rounds to zero blocks forever.
    a.send('BLPOP', 'k', '-0.0001');
    await waitBlocked(1);
    const unblock = async (reason: string[]): Promise<void> => {
      ctl.n.write(encodeCommand(['CLIENT', 'UNBLOCK', idN, ...reason]));
      ctl.r.write(encodeCommand(['CLIENT', 'UNBLOCK', idR, ...reason]));
      await ctl.read('CLIENT UNBLOCK');
    };
    await unblock(['TIMEOUT']);
    await a.read('unblocked by TIMEOUT');
    a.send('BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0');
    await waitBlocked(1);
    await unblock(['error']);
    await a.read('unblocked by ERROR');
    a.send('BRPOPLPUSH', 'k', 'd', '0');
    await waitBlocked(1);
    await unblock([]);
    await a.read('unblocked, default reason');
    await unblock([]);
    await unblock(['TIMEOUT']);
    await unblock(['maybe']);
    await ctl.same('CLIENT', 'UNBLOCK', 'notanid');
    await ctl.same('CLIENT', 'UNBLOCK', 'notanid', 'maybe');
    await ctl.same('CLIENT', 'UNBLOCK', '999999', 'ERROR');
    await ctl.same('CLIENT', 'UNBLOCK', '1', 'ERROR', 'extra');
    await ctl.same('CLIENT', 'UNBLOCK');
    await a.same('PING');
  });

  it('CLIENT REPLY SKIP silences the served reply of a blocked command', async () => {
    const a = await connect();
    a.sendRaw(
      [encodeCommand(['CLIENT', 'REPLY', 'SKIP']), encodeCommand(['BLPOP', 'k', '0']), encodeCommand(['ECHO', 'after'])]
        .map((b) => b.latin1Slice())
        .join(''),
    );
    await waitBlocked(1);
    await ctl.same('RPUSH', 'k', 'v');
    await a.read('ECHO after the skipped reply');
    await ctl.same('EXISTS', 'k');
  });

  it('blocking sorted-set commands: table entries and key extraction', async () => {
    for (const name of ['bzpopmin', 'bzpopmax', 'bzmpop']) await ctl.same('COMMAND', 'INFO', name);
    await ctl.same('COMMAND', 'GETKEYS', 'BZMPOP', '0', '2', 'a', 'b', 'MIN');
    await ctl.same('COMMAND', 'GETKEYS', 'BZPOPMAX', 'a', 'b', '0');
    await ctl.same('COMMAND', 'GETKEYS', 'BZMPOP', '0', '5', 'a', 'MIN');
  });

  it('BZPOPMIN/BZPOPMAX/BZMPOP: immediate, served in order, timeouts, RESP3', async () => {
    const [a, b, e] = [await connect(), await connect(), await connect()];
    await ctl.same('ZADD', 'z', '1', 'one', '2', 'two', '3', 'three');
    await a.same('BZPOPMIN', 'nokey', 'z', '0');
    await a.same('BZPOPMAX', 'z', '0');
    await a.same('BZMPOP', '0', '2', 'nokey', 'z', 'MIN', 'COUNT', '5');
    await a.same('BZPOPMIN', 'z', '0.02');
    await a.same('BZMPOP', '0.02', '1', 'z', 'MAX');
    await a.same('BZPOPMIN', 'z', 'x');
    await a.same('BZMPOP', 'x', '1', 'z', 'MAX');
    await a.same('BZMPOP', '0', '1', 'z', 'UP');
    await ctl.same('SET', 's', 'v');
    await a.same('BZPOPMIN', 's', '0');
    a.send('BZPOPMIN', 'z', '0');
    await waitBlocked(1);
    b.send('BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '2');
    await waitBlocked(2);
    e.send('BZPOPMAX', 'z', '0');
    await waitBlocked(3);
    await ctl.same('ZADD', 'z', '1.5', 'x', '2.5', 'y', '-inf', 'lo', '10', BIN);
    await a.read('BZPOPMIN served');
    await b.read('BZMPOP served');
    await e.read('BZPOPMAX served');
    await ctl.same('ZRANGE', 'z', '0', '-1', 'WITHSCORES');
    await a.both('HELLO', '3');
    a.send('BZPOPMAX', 'z2', '0');
    await waitBlocked(1);
    b.send('BZMPOP', '0', '1', 'z2', 'MIN', 'COUNT', '10');
    await waitBlocked(2);
    await ctl.same('ZADD', 'z2', '0.5', 'p', '7', 'q');
    await a.read();
    await b.read();
    await ctl.same('EXISTS', 'z2');
    await a.same('BZPOPMIN', 'z2', '0.01');
  });

  it('list and sorted-set waiters on one key are served by the matching type only', async () => {
    const [a, b] = [await connect(), await connect()];
    a.send('BLPOP', 'k', '0');
    await waitBlocked(1);
    b.send('BZPOPMIN', 'k', '0');
    await waitBlocked(2);
    await ctl.same('ZADD', 'k', '1', 'm');
    await b.read('zset waiter');
    await a.nothingPending();
    await ctl.same('RPUSH', 'k', 'v');
    await a.read('list waiter');
  });

  it('a served client in RESP3 gets the same reply shapes', async () => {
    const a = await connect();
    await a.both('HELLO', '3');
    a.send('BLPOP', 'k', '0');
    await waitBlocked(1);
    await ctl.same('RPUSH', 'k', 'v');
    await a.read();
    a.send('BLMPOP', '0', '1', 'k', 'LEFT', 'COUNT', '2');
    await waitBlocked(1);
    await ctl.same('RPUSH', 'k', 'v', 'w', 'x');
    await a.read();
    // The list still holds x: BLMOVE does not block. Its reply comes
    // before LPOP is sent, or the two connections race for x.
    a.send('BLMOVE', 'k', 'j', 'LEFT', 'LEFT', '0');
    await a.read();
    await ctl.same('LPOP', 'k');
  });
});
