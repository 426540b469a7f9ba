/**
 * Embedding API: start a Nodis server in-process.
 *
 *   import { startServer } from 'nodis';
 *   const srv = await startServer({ port: 0 });
 *   // connect to srv.port ...
 *   await srv.close();
 */
import { NodisServer, type ServerOptions, REDIS_VERSION, NODIS_VERSION } from './server/server.js';
import { silentLogger } from './server/logger.js';
import { loadDataFromDisk } from './persistence/rdb-save.js';
import { aofStartup } from './persistence/aof/index.js';

export { NodisServer, REDIS_VERSION, NODIS_VERSION };
export type { ServerOptions };
export { ManualClock, systemClock, type Clock } from './store/clock.js';
export { RedisError, type CommandSpec } from './commands/types.js';

export interface StartOptions extends Omit<ServerOptions, 'config'> {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Address to bind; loopback by default. */
  host?: string;
  /** Extra directives, as in redis.conf (`{ maxmemory: '64mb' }`). */
  config?: Record<string, string | string[]>;
  /** Log through pino (default: silent when embedded). */
  verbose?: boolean;
}

export interface ServerHandle {
  /** The bound port. */
  port: number;
  host: string;
  server: NodisServer;
  /** `redis://host:port` for clients. */
  url: string;
  close(): Promise<void>;
}

/** Start a server in this process and wait until it accepts connections. */
export async function startServer(opts: StartOptions = {}): Promise<ServerHandle> {
  const host = opts.host ?? '127.0.0.1';
  const config: Record<string, string | string[]> = {
    port: String(opts.port ?? 0),
    bind: host,
    save: '',
    ...(opts.config ?? {}),
  };
  const server = new NodisServer({
    ...opts,
    config,
    logger: opts.logger ?? (opts.verbose ? undefined : silentLogger()),
  });
  // loadDataFromDisk(): the RDB file, or the AOF when appendonly yes.
  const appendonly = server.config.bool('appendonly');
  if (!(await loadDataFromDisk(server, appendonly)) || !(await aofStartup(server, appendonly))) {
    await server.close();
    throw new Error('Failed loading the dataset at start-up (see the log)');
  }
  const port = await server.listen();
  server.memory.warnAboutHeapLimit(true);
  return {
    port,
    host,
    server,
    url: `redis://${host}:${port}`,
    close: () => server.close(),
  };
}
