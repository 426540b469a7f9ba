/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] and the shutdown sequence of
 * server.c (prepareForShutdown()/finishShutdown()), also used for SIGTERM
 * and SIGINT.
 *
 * Unless NOW is given (or `shutdown-timeout` is 0), a primary whose replicas
 * have not acknowledged the whole replication stream waits for them, as
 * Redis 7 does: writes are paused, the replicas are asked for an ACK, and the
 * cron finishes the shutdown once they are in sync or `shutdown-timeout`
 * seconds have passed. SHUTDOWN clients stay blocked meanwhile; if the
 * shutdown then fails, or SHUTDOWN ABORT cancels it, they get an error.
 *
 * Saving goes through `server.hooks.saveOnShutdown` (registered by a
 * persistence module). With no hook registered nothing is saved, as in
 * Redis with no save points.
 */
import type { Client } from '../server/client.js';
import type { NodisServer } from '../server/server.js';
import { PAUSE_DURING_SHUTDOWN } from '../server/pause.js';
import { perServer } from '../server/per-server.js';
import { BLOCKED_SHUTDOWN, Blocking } from '../server/blocking.js';
import {
  SHUTDOWN_FORCE,
  SHUTDOWN_NOFLAGS,
  SHUTDOWN_NOSAVE,
  SHUTDOWN_NOW,
  SHUTDOWN_SAVE,
  type SavePoint,
} from '../server/config-defs.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { eqi } from './args.js';

export { SHUTDOWN_FORCE, SHUTDOWN_NOFLAGS, SHUTDOWN_NOSAVE, SHUTDOWN_NOW, SHUTDOWN_SAVE };

const SHUTDOWN_FAILED = 'Errors trying to SHUTDOWN. Check logs.';

interface ShutdownState {
  /** A signal asked for a shutdown, handled at the next cron tick (shutdown_asap). */
  asap: boolean;
  lastSignal: NodeJS.Signals | null;
  /** server.shutdown_flags: the flags of the shutdown under way. */
  flags: number;
  hooked: boolean;
}

const states = perServer(
  (): ShutdownState => ({ asap: false, lastSignal: null, flags: SHUTDOWN_NOFLAGS, hooked: false }),
);

function stateOf(server: NodisServer): ShutdownState {
  return states.get(server);
}

/** The cron part of a shutdown, installed the first time one is asked for. */
function hookServer(server: NodisServer): void {
  const st = stateOf(server);
  if (st.hooked) return;
  st.hooked = true;
  server.hooks.cron.push(() => shutdownCron(server));
  // whileBlockedCron(): a signal received during loading shuts down without saving.
  server.hooks.loadingCron.push(() => shutdownCron(server));
}

/** What prepareForShutdown() did. */
export type ShutdownOutcome = 'done' | 'failed' | 'waiting';

/**
 * prepareForShutdown(): 'done' when the server is shut down (listeners and
 * clients closed, `server.exitProcess` called), 'failed' when an error
 * prevented it (logged), 'waiting' while lagging replicas are waited for
 * (also when a shutdown was already waiting).
 */
export function prepareForShutdown(server: NodisServer, flags: number): ShutdownOutcome {
  const st = stateOf(server);
  if (server.shutdownMstime !== 0) return 'waiting';
  if (server.isClosed()) return 'failed';
  if (server.loading) flags = (flags & ~SHUTDOWN_SAVE) | SHUTDOWN_NOSAVE;
  st.flags = flags;
  server.logger.warn('User requested shutdown...');
  const timeout = server.config.num('shutdown-timeout');
  const repl = server.replicationChecks;
  if ((flags & SHUTDOWN_NOW) === 0 && timeout !== 0 && repl !== null && !repl.replicasInSync()) {
    hookServer(server);
    server.shutdownMstime = server.clock.now() + timeout * 1000;
    if (server.pauseType === null) repl.requestAck();
    server.pauseClients(PAUSE_DURING_SHUTDOWN, 'write', Number.MAX_SAFE_INTEGER);
    server.logger.info('Waiting for replicas before shutting down.');
    return 'waiting';
  }
  return finishShutdown(server) ? 'done' : 'failed';
}

/** finishShutdown(). */
function finishShutdown(server: NodisServer): boolean {
  const log = server.logger;
  const flags = stateOf(server).flags;
  const save = (flags & SHUTDOWN_SAVE) !== 0;
  const nosave = (flags & SHUTDOWN_NOSAVE) !== 0;
  const force = (flags & SHUTDOWN_FORCE) !== 0;
  const savePoints = server.config.raw('save') as SavePoint[];
  const saveHooks = server.hooks.saveOnShutdown;

  server.replicationChecks?.logReplicasOnShutdown();

  for (const h of server.hooks.prepareShutdown) {
    if (!h(force)) {
      log.warn('Errors trying to shut down the server. Check the logs for more information.');
      cancelShutdown(server);
      return false;
    }
  }

  if (((savePoints.length > 0 && !nosave) || save) && saveHooks.length > 0) {
    log.info('Saving the final RDB snapshot before exiting.');
    let ok = true;
    for (const h of saveHooks) {
      try {
        if (!h()) ok = false;
      } catch (e) {
        log.warn(`Error saving the DB: ${(e as Error).message}`);
        ok = false;
      }
    }
    if (!ok) {
      if (force) {
        log.warn('Error trying to save the DB. Exit anyway.');
      } else {
        log.warn("Error trying to save the DB, can't exit.");
        log.warn('Errors trying to shut down the server. Check the logs for more information.');
        cancelShutdown(server);
        return false;
      }
    }
  }

  for (const h of server.hooks.shutdown) {
    try {
      h();
    } catch (e) {
      log.warn(`Error during shutdown: ${(e as Error).message}`);
    }
  }
  server.closeListeners();
  if (server.config.str('unixsocket') !== '') log.info('Removing the unix socket file.');
  log.warn('Nodis is now ready to exit, bye bye...');
  for (const c of [...server.clients.values()]) server.closeClientAsap(c);
  void server.close().then(() => server.exitProcess?.(0));
  return true;
}

/** cancelShutdown(): the shutdown failed or was aborted; blocked SHUTDOWN clients get an error. */
function cancelShutdown(server: NodisServer): void {
  const st = stateOf(server);
  st.asap = false;
  st.flags = SHUTDOWN_NOFLAGS;
  server.shutdownMstime = 0;
  st.lastSignal = null;
  replyToClientsBlockedOnShutdown(server);
  server.unpauseClients(PAUSE_DURING_SHUTDOWN);
}

/** replyToClientsBlockedOnShutdown(). */
function replyToClientsBlockedOnShutdown(server: NodisServer): void {
  const blocking = server.blocking;
  if (blocking.blockedByType[BLOCKED_SHUTDOWN] === 0) return;
  for (const c of server.clients.values()) {
    if (Blocking.info(c)?.btype !== BLOCKED_SHUTDOWN) continue;
    c.addReplyError(SHUTDOWN_FAILED);
    blocking.unblockClient(c);
  }
}

/** abortShutdown(): true if a shutdown was waiting for replicas or asked for by a signal. */
export function abortShutdown(server: NodisServer): boolean {
  const st = stateOf(server);
  if (server.shutdownMstime !== 0) cancelShutdown(server);
  else if (st.asap) st.asap = false;
  else return false;
  server.logger.info('Shutdown manually aborted.');
  return true;
}

/**
 * sigShutdownHandler(): log and schedule the shutdown for the next cron
 * tick. A second SIGINT exits at once with status 1. Returns the exit code
 * when the process must exit immediately, otherwise null.
 */
export function shutdownOnSignal(server: NodisServer, sig: NodeJS.Signals): number | null {
  const st = stateOf(server);
  let msg =
    sig === 'SIGINT'
      ? 'Received SIGINT scheduling shutdown...'
      : sig === 'SIGTERM'
        ? 'Received SIGTERM scheduling shutdown...'
        : 'Received shutdown signal, scheduling shutdown...';
  if (st.asap && sig === 'SIGINT') {
    server.logger.warn('You insist... exiting now.');
    return 1;
  } else if (server.loading) {
    msg = 'Received shutdown signal during loading, scheduling shutdown.';
  }
  server.logger.warn(msg);
  st.asap = true;
  st.lastSignal = sig;
  hookServer(server);
  return null;
}

/**
 * The serverCron() part of a shutdown: act on a signal, or finish a
 * shutdown waiting for replicas once they are in sync or the time is up.
 */
function shutdownCron(server: NodisServer): void {
  const st = stateOf(server);
  if (server.isClosed()) return;
  if (st.asap && server.shutdownMstime === 0) {
    let flags = SHUTDOWN_NOFLAGS;
    const onInt = server.config.enumValue('shutdown-on-sigint');
    const onTerm = server.config.enumValue('shutdown-on-sigterm');
    if (st.lastSignal === 'SIGINT' && onInt) flags = onInt;
    else if (st.lastSignal === 'SIGTERM' && onTerm) flags = onTerm;
    prepareForShutdown(server, flags);
  } else if (server.shutdownMstime !== 0) {
    if (server.clock.now() >= server.shutdownMstime || (server.replicationChecks?.replicasInSync() ?? true)) finishShutdown(server);
  }
}

function shutdownCommand(c: Client, argv: string[]): void {
  let flags = SHUTDOWN_NOFLAGS;
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (eqi(a, 'nosave')) flags |= SHUTDOWN_NOSAVE;
    else if (eqi(a, 'save')) flags |= SHUTDOWN_SAVE;
    else if (eqi(a, 'now')) flags |= SHUTDOWN_NOW;
    else if (eqi(a, 'force')) flags |= SHUTDOWN_FORCE;
    else if (eqi(a, 'abort')) abort = true;
    else throw new RedisError(Errors.syntax);
  }
  if ((abort && flags !== SHUTDOWN_NOFLAGS) || (flags & SHUTDOWN_NOSAVE && flags & SHUTDOWN_SAVE)) {
    throw new RedisError(Errors.syntax);
  }
  const server = c.server;
  if (abort) {
    if (!abortShutdown(server)) throw new RedisError('No shutdown in progress.');
    c.addReplyOK();
    return;
  }
  if ((flags & SHUTDOWN_NOW) === 0 && Blocking.denyBlocking(c)) {
    throw new RedisError("SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
  }
  // A busy script: only SHUTDOWN NOSAVE may end the server under it.
  if ((flags & SHUTDOWN_NOSAVE) === 0 && server.busyReply !== null) throw new RedisError(server.busyReply);
  // On success the connection is closed without a reply, as when Redis
  // exits; while replicas are waited for, the client stays blocked.
  const outcome = prepareForShutdown(server, flags);
  if (outcome === 'failed') throw new RedisError(SHUTDOWN_FAILED);
  if (outcome === 'waiting') server.blocking.blockForKeys(c, BLOCKED_SHUTDOWN, [], { timeout: 0 });
}

export const shutdownCommands: CommandSpec[] = [
  cmd('shutdown', -1, ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'], [0, 0, 0], {
    handler: shutdownCommand,
  }),
];
