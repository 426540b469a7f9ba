/**
 * State that a module keeps per server (a registry, an engine, a
 * persistence state), made on first use. The instance is registered before
 * `init` runs, so hooks that `init` installs may already look it up.
 */
import type { NodisServer } from './server.js';

export interface PerServer<T> {
  /** The server's instance, made (and initialised) on first use. */
  get(server: NodisServer): T;
  /** The server's instance if one was made. */
  peek(server: NodisServer): T | undefined;
}

export function perServer<T>(make: (server: NodisServer) => T, init?: (it: T, server: NodisServer) => void): PerServer<T> {
  const map = new WeakMap<NodisServer, T>();
  return {
    get(server) {
      let it = map.get(server);
      if (it === undefined) {
        it = make(server);
        map.set(server, it);
        if (init !== undefined) init(it, server);
      }
      return it;
    },
    peek: (server) => map.get(server),
  };
}
