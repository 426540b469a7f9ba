/**
 * Transactions end to end: ioredis multi()/exec(), raw RESP2 and RESP3
 * connections, WATCH against a second connection, expiry, FLUSHALL,
 * SWAPDB, RESET, blocking commands inside MULTI, what is propagated,
 * commandstats, CLIENT LIST and CLIENT PAUSE WRITE.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { RawClient, encodeCommand } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';

const BIN = '\xff\x00\xc3\x28';

let srv: ServerHandle;
let c: RawClient;
let c2: RawClient;
let propagated: string[][] = [];

beforeAll(async () => {
  srv = await startNodis();
  srv.server.hooks.propagate.push((db, argv) => propagated.push([String(db), ...argv]));
  c = await RawClient.connect(srv.port);
  c2 = await RawClient.connect(srv.port);
});

afterAll(async () => {
  c.close();
  c2.close();
  await srv.close();
});

beforeEach(async () => {
  await c.call('RESET');
  await c2.call('RESET');
  await c.call('FLUSHALL');
  propagated = [];
});

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('MULTI / EXEC', () => {
  it('ioredis multi().exec() runs the queue atomically, errors in place', async () => {
    const r = new Redis(srv.port, { lazyConnect: true });
    await r.connect();
    try {
      const res = await r.multi().set(BIN, 'v').incr(BIN).get(BIN).rpush('l', 'a', 'b').exec();
      expect(res).not.toBeNull();
      expect(res![0]).toEqual([null, 'OK']);
      expect(String(res![1][0])).toContain('value is not an integer');
      expect(res![2]).toEqual([null, 'v']);
      expect(res![3]).toEqual([null, 2]);
      // A failing WATCH: ioredis gets null.
      await r.watch('w');
      await c2.call('SET', 'w', '1');
      expect(await r.multi().get('w').exec()).toBeNull();
    } finally {
      r.disconnect();
    }
  });

  it('raw RESP2: +QUEUED, error texts, EXECABORT', async () => {
    expect(await c.callStr('EXEC')).toBe('-ERR EXEC without MULTI\r\n');
    expect(await c.callStr('DISCARD')).toBe('-ERR DISCARD without MULTI\r\n');
    expect(await c.callStr('MULTI')).toBe('+OK\r\n');
    expect(await c.callStr('MULTI')).toBe('-ERR MULTI calls can not be nested\r\n');
    expect(await c.callStr('WATCH', 'x')).toBe('-ERR WATCH inside MULTI is not allowed\r\n');
    expect(await c.callStr('SET', BIN, BIN)).toBe('+QUEUED\r\n');
    expect(await c.callStr('GET', BIN)).toBe('+QUEUED\r\n');
    expect(await c.callStr('EXEC')).toBe(`*2\r\n+OK\r\n$4\r\n${BIN}\r\n`);

    expect(await c.callStr('MULTI')).toBe('+OK\r\n');
    expect(await c.callStr('SET', 'k', 'v')).toBe('+QUEUED\r\n');
    expect(await c.callStr('NOPE')).toMatch(/^-ERR unknown command 'NOPE'/);
    expect(await c.callStr('GET')).toBe("-ERR wrong number of arguments for 'get' command\r\n");
    expect(await c.callStr('EXEC')).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    expect(await c.callStr('GET', 'k')).toBe('$-1\r\n');
    expect(await c.callStr('EXEC')).toBe('-ERR EXEC without MULTI\r\n');

    expect(await c.callStr('MULTI')).toBe('+OK\r\n');
    expect(await c.callStr('SET', 'k', 'v')).toBe('+QUEUED\r\n');
    expect(await c.callStr('EXEC', 'x')).toBe(
      "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n",
    );
    expect(await c.callStr('EXEC')).toBe('-ERR EXEC without MULTI\r\n');

    expect(await c.callStr('MULTI')).toBe('+OK\r\n');
    expect(await c.callStr('SET', 'k', 'v')).toBe('+QUEUED\r\n');
    expect(await c.callStr('DISCARD')).toBe('+OK\r\n');
    expect(await c.callStr('GET', 'k')).toBe('$-1\r\n');
    expect(await c.callStr('MULTI')).toBe('+OK\r\n');
    expect(await c.callStr('EXEC')).toBe('*0\r\n');
  });

  it('RESP3: replies inside EXEC keep their RESP3 types; failed WATCH is _', async () => {
    const r3 = await RawClient.connect(srv.port);
    try {
      await r3.call('HELLO', '3');
      expect(await r3.callStr('MULTI')).toBe('+OK\r\n');
      await r3.call('HSET', 'h', 'f', '1');
      await r3.call('HGETALL', 'h');
      await r3.call('GET', 'nokey');
      expect(await r3.callStr('EXEC')).toBe('*3\r\n:1\r\n%1\r\n$1\r\nf\r\n$1\r\n1\r\n_\r\n');
      await r3.call('WATCH', 'h');
      await c2.call('DEL', 'h');
      await r3.call('MULTI');
      await r3.call('PING');
      expect(await r3.callStr('EXEC')).toBe('_\r\n');
    } finally {
      r3.close();
    }
  });

  it('pipelined MULTI..EXEC from one write', async () => {
    c.write(Buffer.concat([['MULTI'], ['INCR', 'n'], ['INCR', 'n'], ['EXEC']].map((a) => encodeCommand(a))));
    const replies: string[] = [];
    for (let i = 0; i < 4; i++) replies.push((await c.readReply()).latin1Slice());
    expect(replies).toEqual(['+OK\r\n', '+QUEUED\r\n', '+QUEUED\r\n', '*2\r\n:1\r\n:2\r\n']);
  });
});

describe('WATCH', () => {
  async function execPing(cl = c): Promise<string> {
    expect(await cl.callStr('MULTI')).toBe('+OK\r\n');
    expect(await cl.callStr('PING')).toBe('+QUEUED\r\n');
    return cl.callStr('EXEC');
  }

  it('a write by another client makes EXEC return the null array', async () => {
    await c.call('SET', BIN, '1');
    expect(await c.callStr('WATCH', BIN, 'other')).toBe('+OK\r\n');
    await c2.call('APPEND', BIN, 'x');
    expect(await execPing()).toBe('*-1\r\n');
    // No longer watched after EXEC.
    await c2.call('APPEND', BIN, 'x');
    expect(await execPing()).toBe('*1\r\n+PONG\r\n');
  });

  it('own write before MULTI aborts; own writes inside the transaction do not', async () => {
    await c.call('WATCH', 'k');
    await c.call('SET', 'k', '1');
    expect(await execPing()).toBe('*-1\r\n');
    await c.call('WATCH', 'k');
    await c.call('MULTI');
    await c.call('SET', 'k', '2');
    await c.call('SET', 'k', '3');
    expect(await c.callStr('EXEC')).toBe('*2\r\n+OK\r\n+OK\r\n');
  });

  it('is per db', async () => {
    await c.call('SELECT', '3');
    await c.call('WATCH', 'k');
    await c2.call('SET', 'k', 'db0');
    expect(await execPing()).toBe('*1\r\n+PONG\r\n');
    await c.call('WATCH', 'k');
    await c2.call('SELECT', '3');
    await c2.call('SET', 'k', 'db3');
    expect(await execPing()).toBe('*-1\r\n');
  });

  it('UNWATCH, DISCARD and RESET forget the watches', async () => {
    await c.call('WATCH', 'k');
    await c2.call('SET', 'k', '1');
    expect(await c.callStr('CLIENT', 'INFO')).toMatch(/ flags=d /);
    expect(await c.callStr('UNWATCH')).toBe('+OK\r\n');
    expect(await execPing()).toBe('*1\r\n+PONG\r\n');
    await c.call('WATCH', 'k');
    await c2.call('SET', 'k', '2');
    await c.call('MULTI');
    expect(await c.callStr('DISCARD')).toBe('+OK\r\n');
    expect(await execPing()).toBe('*1\r\n+PONG\r\n');
    await c.call('WATCH', 'k');
    await c.call('MULTI');
    await c.call('SET', 'k', '3');
    expect(await c.callStr('RESET')).toBe('+RESET\r\n');
    expect(await c.callStr('EXEC')).toBe('-ERR EXEC without MULTI\r\n');
    await c2.call('SET', 'k', '4');
    expect(await execPing()).toBe('*1\r\n+PONG\r\n');
    expect(await c.callStr('GET', 'k')).toBe('$1\r\n4\r\n');
    expect(srv.server.clients.size).toBeGreaterThan(0);
  });

  it('a watched key that expires before EXEC aborts it; one already expired does not', async () => {
    await c.call('SET', 'e', '1', 'PX', '20');
    await c.call('WATCH', 'e');
    await new Promise((r) => setTimeout(r, 40));
    expect(await execPing()).toBe('*-1\r\n');
    await c.call('SET', 'e', '1', 'PX', '1');
    await new Promise((r) => setTimeout(r, 10));
    await c.call('WATCH', 'e');
    expect(await c.callStr('EXISTS', 'e')).toBe(':0\r\n');
    expect(await execPing()).toBe('*1\r\n+PONG\r\n');
  });

  it('a watched key deleted by active expiry aborts EXEC', async () => {
    await c.call('SET', 'ae', '1', 'PX', '10');
    await c.call('WATCH', 'ae');
    await waitFor(() => srv.server.dbs[0].peek('ae') === undefined, 'active expiry');
    expect(await execPing()).toBe('*-1\r\n');
  });

  it('FLUSHALL and FLUSHDB touch watched keys that exist', async () => {
    await c.call('SET', 'x', '1');
    await c.call('WATCH', 'x');
    await c2.call('FLUSHALL');
    expect(await execPing()).toBe('*-1\r\n');
    await c.call('WATCH', 'missing');
    await c2.call('SET', 'y', '1');
    await c2.call('FLUSHALL');
    expect(await execPing()).toBe('*1\r\n+PONG\r\n');
    await c.call('SET', 'x', '1');
    await c.call('WATCH', 'x');
    await c2.call('SELECT', '1');
    await c2.call('FLUSHDB');
    expect(await execPing()).toBe('*1\r\n+PONG\r\n');
    await c.call('WATCH', 'x');
    await c2.call('SELECT', '0');
    await c2.call('FLUSHDB');
    expect(await execPing()).toBe('*-1\r\n');
  });

  it('SWAPDB touches watched keys existing in either db', async () => {
    await c.call('SET', 'x', '1');
    await c.call('WATCH', 'x');
    await c2.call('SWAPDB', '0', '1');
    expect(await execPing()).toBe('*-1\r\n');
    await c.call('FLUSHALL');
    await c.call('WATCH', 'y');
    await c2.call('SELECT', '1');
    await c2.call('SET', 'y', '1');
    await c2.call('SWAPDB', '1', '0');
    expect(await execPing()).toBe('*-1\r\n');
    await c.call('WATCH', 'z');
    await c2.call('SWAPDB', '1', '0');
    expect(await execPing()).toBe('*1\r\n+PONG\r\n');
  });
});

describe('execution', () => {
  it('blocking commands inside MULTI return at once', async () => {
    await c.call('MULTI');
    expect(await c.callStr('BLPOP', 'empty', '0')).toBe('+QUEUED\r\n');
    await c.call('BZPOPMAX', 'emptyz', '0');
    expect(await c.callStr('EXEC')).toBe('*2\r\n*-1\r\n*-1\r\n');
  });

  it('clients blocked on keys the transaction fills are served after EXEC', async () => {
    c2.write(encodeCommand(['BLPOP', 'q', '0']));
    await waitFor(() => srv.server.blocking.blockedClients === 1, 'BLPOP to block');
    await c.call('MULTI');
    await c.call('RPUSH', 'q', 'a');
    await c.call('LLEN', 'q');
    expect(await c.callStr('EXEC')).toBe('*2\r\n:1\r\n:1\r\n');
    expect((await c2.readReply()).latin1Slice()).toBe('*2\r\n$1\r\nq\r\n$1\r\na\r\n');
  });

  it('writes are propagated as one MULTI/EXEC block, a single write alone', async () => {
    await c.call('MULTI');
    await c.call('SET', 'a', '1');
    await c.call('GET', 'a');
    await c.call('SELECT', '2');
    await c.call('INCR', 'b');
    await c.call('EXEC');
    expect(propagated).toEqual([['0', 'MULTI'], ['0', 'SET', 'a', '1'], ['2', 'INCR', 'b'], ['2', 'EXEC']]);
    propagated = [];
    await c.call('MULTI');
    await c.call('SET', 'a', '2');
    await c.call('EXEC');
    expect(propagated).toEqual([['2', 'SET', 'a', '2']]);
    propagated = [];
    await c.call('MULTI');
    await c.call('GET', 'a');
    await c.call('DEL', 'nokey');
    await c.call('EXEC');
    expect(propagated).toEqual([]);
    // SPOP with a count joins the transaction's block.
    await c.call('SADD', 's', 'm1', 'm2', 'm3');
    propagated = [];
    await c.call('MULTI');
    await c.call('SPOP', 's', '2');
    await c.call('EXEC');
    expect(propagated[0]).toEqual(['2', 'MULTI']);
    expect(propagated.filter((p) => p[1] === 'MULTI').length).toBe(1);
    expect(propagated.map((p) => p[1])).toEqual(['MULTI', 'SREM', 'SREM', 'EXEC']);
  });

  it('commandstats count EXEC once and each executed command', async () => {
    await c.call('CONFIG', 'RESETSTAT');
    await c.call('MULTI');
    await c.call('SET', 'k', 'v');
    await c.call('LPUSH', 'k', 'x');
    await c.call('EXEC');
    const stats = await c.callStr('INFO', 'commandstats');
    expect(stats).toMatch(/cmdstat_exec:calls=1,[^\r]*,rejected_calls=0,failed_calls=0/);
    expect(stats).toMatch(/cmdstat_set:calls=1,/);
    expect(stats).toMatch(/cmdstat_lpush:calls=1,[^\r]*failed_calls=1/);
    expect(stats).toMatch(/cmdstat_multi:calls=1,/);
  });

  it('CLIENT LIST shows multi=<queued> and the x flag', async () => {
    const id = (await c.callStr('CLIENT', 'ID')).slice(1, -2);
    const line = async (): Promise<string> => c2.callStr('CLIENT', 'LIST', 'ID', id);
    expect(await line()).toMatch(/ flags=N .* multi=-1 /);
    await c.call('MULTI');
    expect(await line()).toMatch(/ flags=x .* multi=0 /);
    await c.call('SET', 'a', BIN);
    await c.call('GET', 'a');
    expect(await line()).toMatch(/ flags=x .* multi=2 .* multi-mem=(\d+) /);
    await c.call('DISCARD');
    expect(await line()).toMatch(/ multi=-1 .* multi-mem=0 /);
  });

  it('CLIENT PAUSE WRITE holds an EXEC with queued writes, not a read-only one', async () => {
    const admin = await RawClient.connect(srv.port);
    try {
      await c.call('MULTI');
      await c.call('GET', 'a');
      await c2.call('MULTI');
      await c2.call('INCR', 'a');
      expect(await admin.callStr('CLIENT', 'PAUSE', '100000', 'WRITE')).toBe('+OK\r\n');
      expect(await c.callStr('EXEC')).toBe('*1\r\n$-1\r\n');
      c2.write(encodeCommand(['EXEC']));
      await waitFor(() => [...srv.server.clients.values()].some((x) => x.ext.postponedArgv), 'EXEC to be held');
      expect(c2.pending().length).toBe(0);
      expect(await admin.callStr('CLIENT', 'UNPAUSE')).toBe('+OK\r\n');
      expect((await c2.readReply()).latin1Slice()).toBe('*1\r\n:1\r\n');
    } finally {
      admin.close();
    }
  });
});
