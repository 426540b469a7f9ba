/**
 * Watch what a server does besides replying: keyspace events (the
 * `__keyevent@<db>__:<event> key` messages), the commands it propagates to
 * the AOF/replicas, and the keys it signals as modified (WATCH/tracking).
 */
import type { NodisServer } from '../../src/index.js';

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
