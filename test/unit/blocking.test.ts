/**
 * The blocking machinery driven directly through the dispatcher with
 * socketless clients: FIFO fairness per key, multi-key waiters, ready keys
 * handled once per command, timeouts on an injected clock, clients that may
 * not block, cleanup on free, and the timeout argument parser.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NodisServer } from '../../src/server/server.js';
import { ManualClock } from '../../src/store/clock.js';
import { silentLogger } from '../../src/server/logger.js';
import { CLIENT_BLOCKED, CLIENT_MULTI, type Client } from '../../src/server/client.js';
import { getBlockTimeout } from '../../src/server/blocking.js';
import { RedisError } from '../../src/commands/types.js';
import { RList } from '../../src/store/list.js';

const servers: NodisServer[] = [];

function makeServer(clock?: ManualClock): NodisServer {
  const s = new NodisServer({ config: { port: '0', save: '' }, logger: silentLogger(), clock });
  servers.push(s);
  return s;
}

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** Run a command and return what it replied so far (as a latin1 string). */
function run(s: NodisServer, c: Client, ...argv: string[]): string {
  s.processCommand(c, argv);
  return out(c);
}

function out(c: Client): string {
  if (!c.hasPendingOutput()) return '';
  const o = c.takeOutput();
  return typeof o === 'string' ? o : o.map((p) => (typeof p === 'string' ? p : p.latin1Slice())).join('');
}

describe('blocking on keys', () => {
  it('serves waiters of a key in the order they blocked, one element each', () => {
    const s = makeServer();
    const [a, b, c, w] = [s.createClient(null), s.createClient(null), s.createClient(null), s.createClient(null)];
    expect(run(s, a, 'BLPOP', 'k', '0')).toBe('');
    expect(run(s, b, 'BRPOP', 'x', 'k', '0')).toBe('');
    expect(run(s, c, 'BLPOP', 'k', '0')).toBe('');
    expect(s.blocking.blockedClients).toBe(3);
    expect(s.blocking.clientsBlockedOn(0, 'k')).toEqual([a, b, c]);
    expect(s.blocking.clientsBlockedOn(0, 'x')).toEqual([b]);
    expect(run(s, w, 'RPUSH', 'k', '1', '2')).toBe(':2\r\n');
    expect(out(a)).toBe('*2\r\n$1\r\nk\r\n$1\r\n1\r\n');
    expect(out(b)).toBe('*2\r\n$1\r\nk\r\n$1\r\n2\r\n');
    expect(out(c)).toBe('');
    expect(s.blocking.clientsBlockedOn(0, 'x')).toEqual([]);
    expect(s.blocking.clientsBlockedOn(0, 'k')).toEqual([c]);
    expect(s.dbs[0].peek('k')).toBeUndefined();
    expect(c.flags & CLIENT_BLOCKED).toBe(CLIENT_BLOCKED);
    expect(a.flags & CLIENT_BLOCKED).toBe(0);
  });

  it('fairness holds over many rounds: each waiter is served exactly once, in order', () => {
    const s = makeServer();
    const w = s.createClient(null);
    const waiters = Array.from({ length: 50 }, () => s.createClient(null));
    for (const c of waiters) run(s, c, 'BLPOP', 'q', '0');
    for (let i = 0; i < 50; i += 5) {
      run(s, w, 'RPUSH', 'q', ...[0, 1, 2, 3, 4].map((j) => String(i + j)));
      for (let j = 0; j < 5; j++) expect(out(waiters[i + j])).toBe(`*2\r\n$1\r\nq\r\n$${String(i + j).length}\r\n${i + j}\r\n`);
      expect(s.blocking.blockedClients).toBe(50 - i - 5);
    }
  });

  it('a key that is pushed and emptied within one command serves nobody', () => {
    const s = makeServer();
    const [a, w] = [s.createClient(null), s.createClient(null)];
    run(s, a, 'BLPOP', 'k', '0');
    // Another command type creating the key is a no-op for list waiters.
    run(s, w, 'SADD', 'k', 'm');
    expect(out(a)).toBe('');
    run(s, w, 'DEL', 'k');
    // Signaled when created, but the list is gone by the time the command ends.
    const db = s.dbs[0];
    const l = new RList();
    db.add('k', l);
    db.delete('k');
    expect(s.blocking.hasReadyKeys()).toBe(true);
    run(s, w, 'PING');
    expect(s.blocking.hasReadyKeys()).toBe(false);
    expect(out(a)).toBe('');
    expect(s.blocking.blockedClients).toBe(1);
  });

  it('a key created outside any command (embedding, loading) serves waiters on the next turn', async () => {
    const s = makeServer();
    const a = s.createClient(null);
    run(s, a, 'BLPOP', 'k', '0');
    s.dbs[0].add('k', RList.from(['v']));
    let reply = '';
    a.flush = () => {
      reply += out(a);
    };
    await new Promise((r) => setImmediate(r));
    expect(reply).toBe('*2\r\n$1\r\nk\r\n$1\r\nv\r\n');
    expect(s.blocking.blockedClients).toBe(0);
  });

  it('clients inside MULTI/EXEC or scripts do not block', () => {
    const s = makeServer();
    const a = s.createClient(null);
    // EXEC runs queued commands through call() with CLIENT_MULTI still set.
    const exec = (...argv: string[]): string => {
      s.call(a, s.commands.lookup(argv)!, argv);
      return out(a);
    };
    a.flags |= CLIENT_MULTI;
    expect(exec('BLPOP', 'k', '0')).toBe('*-1\r\n');
    expect(exec('BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0')).toBe('$-1\r\n');
    a.flags &= ~CLIENT_MULTI;
    a.ext.isLua = true;
    expect(run(s, a, 'BLMPOP', '0', '1', 'k', 'LEFT')).toBe('*-1\r\n');
    expect(s.blocking.blockedClients).toBe(0);
  });

  it('timeouts fire once the clock is past the deadline', async () => {
    const clock = new ManualClock();
    const s = makeServer(clock);
    const a = s.createClient(null);
    run(s, a, 'BLPOP', 'k', '0.02');
    expect(s.blocking.clientsInTimeoutTable).toBe(1);
    // The timer fires in real time, but the deadline is on the server clock.
    await new Promise((r) => setTimeout(r, 40));
    expect(a.flags & CLIENT_BLOCKED).toBe(CLIENT_BLOCKED);
    clock.advance(21);
    await new Promise((r) => setTimeout(r, 40));
    expect(a.flags & CLIENT_BLOCKED).toBe(0);
    expect(s.blocking.blockedClients).toBe(0);
    expect(s.blocking.clientsInTimeoutTable).toBe(0);
  });

  it('freeing a blocked client removes it from every key', () => {
    const s = makeServer();
    const [a, b] = [s.createClient(null), s.createClient(null)];
    run(s, a, 'BLPOP', 'k1', 'k2', '5');
    run(s, b, 'BLPOP', 'k2', '0');
    s.freeClient(a);
    expect(s.blocking.blockedClients).toBe(1);
    expect(s.blocking.clientsInTimeoutTable).toBe(0);
    expect(s.blocking.clientsBlockedOn(0, 'k1')).toEqual([]);
    expect(s.blocking.clientsBlockedOn(0, 'k2')).toEqual([b]);
  });

  it('waiters are per database', () => {
    const s = makeServer();
    const [a, w] = [s.createClient(null), s.createClient(null)];
    run(s, a, 'SELECT', '3');
    run(s, a, 'BLPOP', 'k', '0');
    run(s, w, 'RPUSH', 'k', 'db0');
    expect(out(a)).toBe('');
    run(s, w, 'SELECT', '3');
    run(s, w, 'RPUSH', 'k', 'db3');
    expect(out(a)).toBe('*2\r\n$1\r\nk\r\n$3\r\ndb3\r\n');
  });
});

describe('getBlockTimeout()', () => {
  const ms = (s: string): number | string => {
    try {
      return getBlockTimeout(s, 1000);
    } catch (e) {
      expect(e).toBeInstanceOf(RedisError);
      return (e as Error).message;
    }
  };

  it('converts seconds with decimals to an absolute deadline, rounding up', () => {
    expect(ms('0')).toBe(0);
    expect(ms('1')).toBe(2000);
    expect(ms('0.1')).toBe(1100);
    expect(ms('0.0001')).toBe(1001);
    expect(ms('1e-400')).toBe(1001);
    expect(ms('1.5e3')).toBe(1_501_000);
    expect(ms('0x10')).toBe(17_000);
  });

  it('negative values that round to zero block forever', () => {
    expect(ms('-0')).toBe(0);
    expect(ms('-0.0001')).toBe(0);
    expect(ms('-0.001')).toBe(0);
  });

  it('rejects what Redis rejects', () => {
    const notFloat = 'timeout is not a float or out of range';
    for (const s of ['', 'x', ' 1', '1 ', 'nan', '1e99999', '0x']) expect(ms(s)).toBe(notFloat);
    for (const s of ['-1', '-0.002', 'inf', '-inf', '1e300', '9223372036854776']) expect(ms(s)).toBe('timeout is negative');
  });

  it('deadlines beyond int64 never fire', () => {
    expect(ms('9223372036854774')).toBe(Number(9223372036854775000n));
    expect(ms('9223372036854775')).toBe(Number.MAX_VALUE);
    expect(ms('9223372036854775.807')).toBe(Number.MAX_VALUE);
  });
});
