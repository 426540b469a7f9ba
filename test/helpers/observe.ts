/**
 * Watch what a server does besides replying: keyspace events (the
 * `__keyevent@<db>__:<event> key` messages), the commands it propagates to
 * the AOF/replicas, and the keys it signals as modified (WATCH/tracking).
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import Redis from 'ioredis';
import type { NodisServer, ServerHandle } from '../../src/index.js';
import { RawClient } from './resp.js';
import { startNodis } from './servers.js';

export interface Observers {
  /** "<event> <key>" for each keyevent notification. */
  event?: (e: string) => void;
  /** Each propagated command (a copy of its argv). */
  propagate?: (argv: string[]) => void;
  /** Each key passed to signalModifiedKey(). */
  modified?: (key: string) => void;
}

export function observe(server: NodisServer, o: Observers): void {
  if (o.event) {
    const event = o.event;
    server.publish = (channel: string, message: string) => {
      if (channel.startsWith('__keyevent@')) event(`${channel.slice(channel.indexOf(':') + 1)} ${message}`);
      return 0;
    };
  }
  if (o.propagate) {
    const propagate = o.propagate;
    server.hooks.propagate.push((_db, argv) => propagate([...argv]));
  }
  if (o.modified) {
    const modified = o.modified;
    server.hooks.keyModified.push((_db, key) => modified(key));
  }
}

/** An in-process server watched as observe() does, with a raw and an ioredis client. */
export interface ObservedServer {
  srv: ServerHandle;
  r: Redis;
  c: RawClient;
  /** What observe() saw since the last FLUSHALL of beforeEach. */
  events: string[];
  propagated: string[][];
  modified: string[];
}

/**
 * The set-up of a command-family e2e file: a server with `config`, started
 * before its tests and closed after them; before each test FLUSHALL, then
 * `reset` (settings the tests change), then the observations are cleared.
 * The fields are filled by the time the tests run.
 */
export function observedServer(config: Record<string, string>, reset?: (t: ObservedServer) => Promise<void> | void): ObservedServer {
  const t = { events: [], propagated: [], modified: [] } as unknown as ObservedServer;
  beforeAll(async () => {
    t.srv = await startNodis({ config });
    observe(t.srv.server, { event: (e) => t.events.push(e), propagate: (a) => t.propagated.push(a), modified: (k) => t.modified.push(k) });
    t.r = new Redis(t.srv.port, '127.0.0.1', { lazyConnect: true, enableReadyCheck: false });
    await t.r.connect();
    t.c = await RawClient.connect(t.srv.port);
  });
  afterAll(async () => {
    t.r.disconnect();
    t.c.close();
    await t.srv.close();
  });
  beforeEach(async () => {
    await t.c.call('FLUSHALL');
    if (reset) await reset(t);
    t.events.length = 0;
    t.propagated.length = 0;
    t.modified.length = 0;
  });
  return t;
}
