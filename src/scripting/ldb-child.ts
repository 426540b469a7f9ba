/**
 * The child process of a forked Lua debugging session (SCRIPT DEBUG YES,
 * see ldb-fork.ts). It receives the dataset, the configuration, the ACL
 * users and the debugging client's socket from the server, runs that
 * client's EVAL under the debugger and exits once the reply is sent.
 * Nothing it does reaches the server's dataset, its files or its replicas.
 */
import { NodisServer } from '../server/server.js';
import { Config } from '../server/config.js';
import pino from 'pino';
import { pinoLevel, silentLogger } from '../server/logger.js';
import { CLIENT_LUA_DEBUG } from '../server/client.js';
import { rdbOf } from '../persistence/rdb-save.js';
import { ldbSetForkedChild, ldbReset } from './ldb.js';
import type { LdbForkSetup } from './ldb-fork.js';
import { Socket, type SocketConstructorOpts } from 'node:net';

/**
 * Settings the child must not take over: it listens nowhere, saves
 * nothing, writes no AOF, follows no primary, owns no pid file.
 */
const NOT_INHERITED = new Set([
  'port',
  'tls-port',
  'bind',
  'unixsocket',
  'save',
  'appendonly',
  'replicaof',
  'aclfile',
  'pidfile',
  'daemonize',
  'supervised',
  'oom-score-adj',
  'cluster-enabled',
]);

// Like Redis's child: a SIGTERM or SIGINT meant for the server does not end the session.
process.on('SIGTERM', () => {});
process.on('SIGINT', () => {});

process.once('message', (setup: LdbForkSetup, handle: unknown) => {
  if (handle === undefined || handle === null) process.exit(1);
  const sock = new Socket({ handle, readable: true, writable: true } as unknown as SocketConstructorOpts);
  const cfg = new Config();
  for (const [name, value] of setup.config) {
    if (NOT_INHERITED.has(name)) continue;
    try {
      cfg.set(name, value, true);
    } catch {
      /* a value that only CONFIG SET could give: the default stays */
    }
  }
  cfg.set('save', '', true);
  cfg.userDirectives = setup.users;
  // The server's logger writes the child's lines (its file, or an embedder's logger).
  const logger = pino(
    { level: pinoLevel(cfg.str('loglevel')), base: { pid: process.pid } },
    { write: (line: string) => process.send?.({ log: line }) },
  );
  // Loading the copy is not the server's loading: it is not logged.
  const server = new NodisServer({ configInstance: cfg, logger: silentLogger() });
  rdbOf(server).loadBuffer(setup.rdb, { allowDup: false, preamble: false });
  server.logger = logger;
  logger.warn('Redis forked for debugging eval');
  ldbSetForkedChild();
  ldbReset();

  const c = server.accept(sock);
  if (c === null) process.exit(1);
  c.selectDb(setup.client.db);
  c.resp = setup.client.resp;
  c.name = setup.client.name;
  c.authenticated = setup.client.authenticated;
  const user = server.acl.getUser(setup.client.user);
  if (user !== undefined) c.user = user;
  c.flags |= CLIENT_LUA_DEBUG;
  if (setup.pendingOutput.length > 0) c.addReplyProto(setup.pendingOutput);
  server.hooks.clientFreed.push((freed) => {
    if (freed !== c) return;
    logger.warn('Lua debugging session child exiting');
    // Exit once the parent has the last log line.
    process.send?.({ done: true }, () => process.exit(0));
  });
  server.processCommand(c, setup.argv);
  server.flushPendingWrites();
});
