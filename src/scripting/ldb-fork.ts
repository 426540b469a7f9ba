/**
 * SCRIPT DEBUG YES: the debugging session runs in a child process, Redis's
 * fork() (ldbStartSession()). The parent takes an RDB image of the dataset
 * and the state the EVAL depends on (configuration, ACL users, the client's
 * db, protocol and user), starts `ldb-child.js` and hands it the client's
 * socket; the parent then forgets the client and goes on serving. The child
 * loads the image, runs the EVAL under the debugger against its own copy,
 * sends the reply and exits: whatever the script wrote is gone with it.
 *
 * The copy is taken synchronously (an RDB image in memory), where Redis's
 * fork() copies page tables: the parent stalls for the time it takes to
 * serialize the dataset, which is short on the datasets scripts are
 * debugged against.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '../server/client.js';
import { RedisError } from '../commands/types.js';
import { rdbOf } from '../persistence/rdb-save.js';
import { perServer } from '../server/per-server.js';
import { plainSocketFd } from '../server/server.js';

/** What the child needs to run the EVAL as the parent would have. */
export interface LdbForkSetup {
  rdb: Buffer;
  /** Every configuration parameter as CONFIG GET shows it. */
  config: [string, string][];
  /** `user` directives (name, rules...) describing every ACL user. */
  users: string[][];
  client: { db: number; resp: 2 | 3; user: string; authenticated: boolean; name: string };
  argv: string[];
  /** Replies queued for the client before the EVAL (latin1). */
  pendingOutput: string;
}

/** The debugging sessions running in children (ldb.children). */
const children = perServer(
  () => new Set<ChildProcess>(),
  (set, server) => {
    // ldbKillForkedSessions(): a shutdown does not wait for them.
    server.hooks.shutdown.push(() => {
      for (const child of set) {
        server.logger.warn(`Killing debugging session ${child.pid}`);
        child.kill('SIGKILL');
      }
      set.clear();
    });
  },
);

/** The compiled child entry point (also when this module runs from the TypeScript sources). */
function childEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const js = here.replace(/ldb-fork\.[jt]s$/, 'ldb-child.js');
  if (fs.existsSync(js)) return js;
  return js.replace(/([/\\])src([/\\])scripting([/\\])ldb-child\.js$/, '$1dist$2scripting$3ldb-child.js');
}

/** The state of `c` and the server a forked session starts from. */
function forkSetup(c: Client, argv: string[]): LdbForkSetup {
  const server = c.server;
  const cfg = server.config;
  const config: [string, string][] = cfg.allDefs().map((d) => [d.name, cfg.format(d.name)]);
  const users = (cfg.describeUsers?.() ?? []).map((line) => line.split(' ').slice(1));
  return {
    rdb: rdbOf(server).imageBuffer(),
    config,
    users,
    client: { db: c.db.id, resp: c.resp, user: c.user.name, authenticated: c.authenticated, name: c.name },
    argv,
    pendingOutput: '',
  };
}

/**
 * ldbStartSession() in forked mode, parent side: the session goes to a
 * child with the client's connection; the parent frees the client.
 */
export function ldbForkSession(c: Client, argv: string[]): void {
  const server = c.server;
  const sock = c.socket;
  if (sock === null || plainSocketFd(sock) < 0) {
    throw new RedisError("Fork() failed: can't run EVAL in debugging mode: the connection has no plain socket (TLS)");
  }
  let child: ChildProcess;
  try {
    const setup = forkSetup(c, argv);
    child = fork(childEntry(), [], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    // The replies still queued (a pipeline) go with the client, as its
    // output buffer goes with Redis's fork: after the session's output.
    setup.pendingOutput = c.takeOutputString();
    // The raw handle, not the net.Socket: a socket of a net.Server sent as
    // such makes that server ask the child about it before closing.
    child.send(setup, (sock as unknown as { _handle: never })._handle, { keepOpen: true });
  } catch (e) {
    throw new RedisError(`Fork() failed: can't run EVAL in debugging mode: ${(e as Error).message}`);
  }
  const set = children.get(server);
  set.add(child);
  child.on('exit', () => set.delete(child));
  // The child's log lines, through the server's logger.
  child.on('message', (m: { log?: string }) => {
    if (typeof m?.log !== 'string') return;
    let rec: { level?: number; msg?: string };
    try {
      rec = JSON.parse(m.log) as typeof rec;
    } catch {
      return;
    }
    const log = server.logger;
    const msg = String(rec.msg ?? '');
    if ((rec.level ?? 30) >= 40) log.warn({ pid: child.pid }, msg);
    else if ((rec.level ?? 30) >= 30) log.info({ pid: child.pid }, msg);
    else log.debug({ pid: child.pid }, msg);
  });
  child.on('error', () => set.delete(child));
  // freeClientAsync(): the connection now belongs to the child (the
  // descriptor went with the message; this process closes its copy), and
  // whatever the client pipelined after the EVAL is not run here.
  server.closeClientAsap(c);
}
