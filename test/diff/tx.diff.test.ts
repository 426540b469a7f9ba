/**
 * Transactions against redis-server 7.0.15: MULTI/EXEC/DISCARD/WATCH
 * sequences, with two raw connections per server driven in lockstep (one
 * watches, the other touches keys), replies compared byte for byte in
 * RESP2 and RESP3.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { encodeCommand, type Arg, type RawClient } from '../helpers/resp.js';

warnIfNoRedis('diff/tx');

const BIN = '\xff\x00\xc3\x28';

/** One connection to each server, driven in lockstep. */
class Conn {
  constructor(
    readonly n: RawClient,
    readonly r: RawClient,
  ) {}

  async same(...args: Arg[]): Promise<string> {
    const b = encodeCommand(args);
    this.n.write(b);
    this.r.write(b);
    const [x, y] = await Promise.all([this.n.readReply(), this.r.readReply()]);
    expect(x.latin1Slice(), args.join(' ')).toBe(y.latin1Slice());
    return y.latin1Slice();
  }

  /** Several commands in one write (a pipeline); every reply compared. */
  async pipeline(cmds: Arg[][]): Promise<string[]> {
    const b = Buffer.concat(cmds.map((c) => encodeCommand(c)));
    this.n.write(b);
    this.r.write(b);
    const out: string[] = [];
    for (const c of cmds) {
      const [x, y] = await Promise.all([this.n.readReply(), this.r.readReply()]);
      expect(x.latin1Slice(), c.join(' ')).toBe(y.latin1Slice());
      out.push(y.latin1Slice());
    }
    return out;
  }

  close(): void {
    this.n.close();
    this.r.close();
  }
}

describe.skipIf(!HAVE_REDIS)('transactions (diff)', () => {
  let d: DiffPair;
  let a: Conn;
  let b: Conn;

  beforeAll(async () => {
    d = await DiffPair.start();
    a = new Conn(...(await d.connectBoth()));
    b = new Conn(...(await d.connectBoth()));
  });
  afterAll(async () => {
    a?.close();
    b?.close();
    await d?.close();
  });
  beforeEach(async () => {
    await a.same('RESET');
    await b.same('RESET');
    await a.same('FLUSHALL');
  });

  it('MULTI / EXEC basics and error texts', async () => {
    expect(await a.same('EXEC')).toBe('-ERR EXEC without MULTI\r\n');
    await a.same('DISCARD');
    await a.same('MULTI');
    await a.same('MULTI');
    await a.same('WATCH', 'x');
    await a.same('SET', BIN, 'v\x00\xff');
    await a.same('INCR', BIN);
    await a.same('GET', BIN);
    await a.same('LPUSH', BIN, 'x');
    await a.same('PING');
    expect(await a.same('EXEC')).toContain('*5\r\n+OK\r\n-ERR value is not an integer');
    await a.same('MULTI');
    await a.same('EXEC');
    await a.same('MULTI');
    await a.same('DISCARD');
    await a.same('EXEC');
    await a.same('MULTI', 'x');
    await a.same('EXEC', 'x');
    await a.same('DISCARD', 'x');
    await a.same('WATCH');
    await a.same('UNWATCH', 'x');
    await a.same('UNWATCH');
  });

  it('queue-time errors abort EXEC', async () => {
    await a.same('MULTI');
    await a.same('SET', 'k', 'v');
    await a.same('NOSUCHCOMMAND', 'x');
    await a.same('EXEC');
    await a.same('GET', 'k');
    await a.same('MULTI');
    await a.same('SET', 'k');
    await a.same('SET', 'k', 'v');
    await a.same('EXEC');
    await a.same('MULTI');
    await a.same('CONFIG', 'NOSUCHSUB');
    await a.same('EXEC');
    await a.same('MULTI');
    await a.same('MONITOR');
    await a.same('EXEC');
    // Nested MULTI and WATCH inside MULTI do not abort.
    await a.same('MULTI');
    await a.same('MULTI');
    await a.same('WATCH', 'k');
    await a.same('SET', 'k', 'w');
    await a.same('EXEC');
    // EXEC rejected by the dispatcher (arity) discards the transaction.
    await a.same('MULTI');
    await a.same('SET', 'k', 'z');
    await a.same('EXEC', 'extra');
    await a.same('EXEC');
    await a.same('GET', 'k');
    await a.same('MULTI');
    await a.same('DISCARD', 'extra');
    await a.same('EXEC');
  });

  it('pipelined transaction', async () => {
    await a.pipeline([
      ['MULTI'],
      ['SET', 'a', '1'],
      ['INCRBY', 'a', '10'],
      ['HSET', 'h', 'f', BIN],
      ['HGETALL', 'h'],
      ['SADD', 'a', 'x'],
      ['EXEC'],
      ['GET', 'a'],
    ]);
  });

  it('WATCH: a key touched by another client aborts EXEC', async () => {
    await a.same('SET', BIN, '1');
    await a.same('WATCH', BIN);
    await b.same('SET', BIN, '2');
    await a.same('MULTI');
    await a.same('SET', BIN, '3');
    expect(await a.same('EXEC')).toBe('*-1\r\n');
    await a.same('GET', BIN);
    // Watches are gone after a failed EXEC.
    await b.same('SET', BIN, '4');
    await a.same('MULTI');
    await a.same('GET', BIN);
    await a.same('EXEC');
    // Untouched key: EXEC runs.
    await a.same('WATCH', 'x', 'y', BIN);
    await b.same('SET', 'other', '1');
    await a.same('MULTI');
    await a.same('SET', BIN, '5');
    await a.same('EXEC');
    // Touching a watched key that does not exist (DEL of nothing) does not count.
    await a.same('WATCH', 'nokey');
    await b.same('DEL', 'nokey');
    await a.same('MULTI');
    await a.same('PING');
    await a.same('EXEC');
  });

  it('WATCH: own write before MULTI aborts, inside the transaction does not', async () => {
    await a.same('WATCH', 'k');
    await a.same('SET', 'k', '1');
    await a.same('MULTI');
    await a.same('GET', 'k');
    await a.same('EXEC');
    await a.same('WATCH', 'k');
    await a.same('MULTI');
    await a.same('SET', 'k', '2');
    await a.same('INCR', 'k');
    await a.same('EXEC');
  });

  it('WATCH is per db; UNWATCH and DISCARD clear it', async () => {
    await a.same('SELECT', '1');
    await a.same('WATCH', 'k');
    await b.same('SET', 'k', 'db0');
    await a.same('MULTI');
    await a.same('PING');
    await a.same('EXEC');
    await a.same('WATCH', 'k');
    await b.same('SELECT', '1');
    await b.same('SET', 'k', 'db1');
    await a.same('MULTI');
    await a.same('PING');
    await a.same('EXEC');
    await a.same('WATCH', 'k');
    await b.same('SET', 'k', 'again');
    await a.same('UNWATCH');
    await a.same('MULTI');
    await a.same('PING');
    await a.same('EXEC');
    await a.same('WATCH', 'k');
    await b.same('SET', 'k', 'again2');
    await a.same('MULTI');
    await a.same('DISCARD');
    await a.same('MULTI');
    await a.same('PING');
    await a.same('EXEC');
  });

  it('WATCH with EXPIRE, FLUSHDB, FLUSHALL and SWAPDB', async () => {
    await a.same('SET', 'x', '1');
    await a.same('WATCH', 'x');
    await b.same('EXPIRE', 'x', '100');
    await a.same('MULTI');
    await a.same('PING');
    await a.same('EXEC');

    await a.same('SET', 'x', '1');
    await a.same('WATCH', 'x');
    await b.same('FLUSHDB');
    await a.same('MULTI');
    await a.same('PING');
    await a.same('EXEC');

    await a.same('WATCH', 'missing');
    await b.same('SET', 'other', '1');
    await b.same('FLUSHALL');
    await a.same('MULTI');
    await a.same('PING');
    await a.same('EXEC');

    await a.same('SET', 'x', '1');
    await a.same('WATCH', 'x');
    await b.same('FLUSHALL');
    await a.same('MULTI');
    await a.same('PING');
    await a.same('EXEC');

    // SWAPDB: a watched key that exists in either db is touched.
    await a.same('SET', 'x', '1');
    await a.same('WATCH', 'x');
    await b.same('SWAPDB', '0', '1');
    await a.same('MULTI');
    await a.same('PING');
    await a.same('EXEC');
    await a.same('FLUSHALL');
    await a.same('WATCH', 'y');
    await b.same('SELECT', '1');
    await b.same('SET', 'y', '1');
    await b.same('SWAPDB', '0', '1');
    await a.same('MULTI');
    await a.same('PING');
    await a.same('EXEC');
    await a.same('WATCH', 'nowhere');
    await b.same('SWAPDB', '0', '1');
    await a.same('MULTI');
    await a.same('PING');
    await a.same('EXEC');
  });

  it('a watched key that expires before EXEC aborts it', async () => {
    await a.same('SET', 'e', '1', 'PX', '30');
    await a.same('WATCH', 'e');
    await new Promise((r) => setTimeout(r, 60));
    await a.same('MULTI');
    await a.same('PING');
    expect(await a.same('EXEC')).toBe('*-1\r\n');
    // Already expired when watched: not a change.
    await a.same('SET', 'e', '1', 'PX', '1');
    await new Promise((r) => setTimeout(r, 10));
    await a.same('WATCH', 'e');
    await a.same('MULTI');
    await a.same('PING');
    await a.same('EXEC');
  });

  it('blocking commands inside MULTI do not block', async () => {
    await a.same('MULTI');
    await a.same('BLPOP', 'empty', '0');
    await a.same('BRPOPLPUSH', 'empty', 'other', '0');
    await a.same('BZPOPMIN', 'emptyz', '0');
    await a.same('RPUSH', 'l', BIN);
    await a.same('BLPOP', 'l', '0');
    await a.same('EXEC');
  });

  it('RESET discards the transaction and unwatches', async () => {
    await a.same('WATCH', 'k');
    await a.same('MULTI');
    await a.same('SET', 'k', '1');
    await a.same('RESET');
    await a.same('EXEC');
    await b.same('SET', 'k', '2');
    await a.same('MULTI');
    await a.same('PING');
    await a.same('EXEC');
    await a.same('GET', 'k');
  });

  it('RESP3: null array for a failed WATCH, same transaction replies', async () => {
    await Promise.all([a.n.call('HELLO', '3'), a.r.call('HELLO', '3')]);
    await a.same('WATCH', 'k');
    await b.same('SET', 'k', 'v');
    await a.same('MULTI');
    await a.same('GET', 'k');
    expect(await a.same('EXEC')).toBe('_\r\n');
    await a.same('MULTI');
    await a.same('HSET', 'h', 'a', '1');
    await a.same('HGETALL', 'h');
    await a.same('ZADD', 'z', '1.5', 'm');
    await a.same('ZSCORE', 'z', 'm');
    await a.same('GET', 'nokey');
    await a.same('EXEC');
    await a.same('MULTI');
    await a.same('FOO');
    await a.same('EXEC');
  });

  it('CLIENT INFO shows multi count and flags', async () => {
    const fields = (s: string): string => {
      const m = / flags=(\S+) .* multi=(-?\d+) /.exec(s);
      return m === null ? s : `flags=${m[1]} multi=${m[2]}`;
    };
    const info = async (): Promise<void> => {
      const [x, y] = await Promise.all([a.n.callStr('CLIENT', 'INFO'), a.r.callStr('CLIENT', 'INFO')]);
      expect(fields(x)).toBe(fields(y));
    };
    await info();
    await a.same('WATCH', 'k');
    await b.same('SET', 'k', '1');
    await info();
    await a.same('MULTI');
    await a.same('SET', 'k', '2');
    await a.same('GET', 'k');
    await a.same('DISCARD');
    await a.same('MULTI');
    await a.same('SET', 'k', '2');
    await a.same('GET', 'k');
    await a.same('CLIENT', 'INFO');
    const [x, y] = await Promise.all([a.n.callStr('EXEC'), a.r.callStr('EXEC')]);
    expect(fields(x)).toBe(fields(y));
    expect(fields(x)).toContain('flags=x multi=3');
  });
});

describe.skipIf(!HAVE_REDIS)('transactions: stale watched keys (diff)', () => {
  let d: DiffPair;
  let a: Conn;

  beforeAll(async () => {
    d = await DiffPair.start(['--enable-debug-command', 'yes'], { 'enable-debug-command': 'yes' });
    a = new Conn(d.n, d.r);
  });
  afterAll(async () => {
    await a?.same('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    await d?.close();
  });

  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  async function execPing(): Promise<void> {
    await a.same('MULTI');
    await a.same('PING');
    await a.same('EXEC');
  }

  it('stale keys: WATCH, lazy deletion, FLUSHDB and SWAPDB', async () => {
    await a.same('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    // Watched while stale, then deleted by lazy expiry: no change.
    await a.same('SET', 'x', BIN, 'PX', '1');
    await sleep(5);
    await a.same('WATCH', 'x');
    await a.same('EXISTS', 'x');
    await execPing();
    // Watched while stale, flushed: no change.
    await a.same('SET', 'x', BIN, 'PX', '1');
    await sleep(5);
    await a.same('WATCH', 'x');
    await a.same('FLUSHDB');
    await execPing();
    // Stale key swapped away for nothing; missing key replaced by a stale one;
    // stale key replaced by another stale key: none counts as a change.
    await a.same('SET', 'x', BIN, 'PX', '1');
    await sleep(5);
    await a.same('WATCH', 'x');
    await a.same('SWAPDB', '0', '1');
    await execPing();
    await a.same('FLUSHALL');
    await a.same('SELECT', '1');
    await a.same('SET', 'y', BIN, 'PX', '1');
    await a.same('SELECT', '0');
    await sleep(5);
    await a.same('WATCH', 'y');
    await a.same('SWAPDB', '0', '1');
    await execPing();
    await a.same('FLUSHALL');
    await a.same('SET', 'z', '1', 'PX', '1');
    await a.same('SELECT', '1');
    await a.same('SET', 'z', '2', 'PX', '1');
    await a.same('SELECT', '0');
    await sleep(5);
    await a.same('WATCH', 'z');
    await a.same('SWAPDB', '0', '1');
    await execPing();
    // A live key replacing a stale watched one is a change.
    await a.same('FLUSHALL');
    await a.same('SET', 'w', '1', 'PX', '1');
    await a.same('SELECT', '1');
    await a.same('SET', 'w', '2');
    await a.same('SELECT', '0');
    await sleep(5);
    await a.same('WATCH', 'w');
    await a.same('SWAPDB', '0', '1');
    await execPing();
    await a.same('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
  });
});
