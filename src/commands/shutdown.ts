/**
 * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] and the shutdown sequence of
 * server.c (prepareForShutdown()/finishShutdown()), also used for SIGTERM
 * and SIGINT.
 *
 * Saving goes through `server.hooks.saveOnShutdown` (registered by a
 * persistence module). With no hook registered nothing is saved, as in
 * Redis with no save points. There are no replicas to wait for, so the
 * shutdown always completes at once (or fails on a save error).
 */
import type { Client } from '../server/client.js';
import type { NodisServer } from '../server/server.js';
import { perServer } from '../server/per-server.js';
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

interface ShutdownState {
  /** A signal asked for a shutdown, handled at the next cron tick (shutdown_asap). */
  asap: boolean;
  lastSignal: NodeJS.Signals | null;
  cronHooked: boolean;
}

const states = perServer((): ShutdownState => ({ asap: false, lastSignal: null, cronHooked: false }));

function stateOf(server: NodisServer): ShutdownState {
  return states.get(server);
}

/**
 * prepareForShutdown(): true when the server is shut down (listeners and
 * clients closed, `server.exitProcess` called), false when an error
 * prevented it (logged).
 */
export function prepareForShutdown(server: NodisServer, flags: number): boolean {
  if (server.isClosed()) return false;
  if (server.loading) flags = (flags & ~SHUTDOWN_SAVE) | SHUTDOWN_NOSAVE;
  server.logger.warn('User requested shutdown...');
  return finishShutdown(server, flags);
}

/** finishShutdown(). */
function finishShutdown(server: NodisServer, flags: number): boolean {
  const log = server.logger;
  const save = (flags & SHUTDOWN_SAVE) !== 0;
  const nosave = (flags & SHUTDOWN_NOSAVE) !== 0;
  const force = (flags & SHUTDOWN_FORCE) !== 0;
  const savePoints = server.config.raw('save') as SavePoint[];
  const saveHooks = server.hooks.saveOnShutdown;

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

function cancelShutdown(server: NodisServer): void {
  const st = stateOf(server);
  st.asap = false;
  st.lastSignal = null;
}

/** abortShutdown(): true if a (signal-requested) shutdown was pending. */
export function abortShutdown(server: NodisServer): boolean {
  const st = stateOf(server);
  if (!st.asap) return false;
  st.asap = false;
  st.lastSignal = null;
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
  if (!st.cronHooked) {
    st.cronHooked = true;
    server.hooks.cron.push(() => signalShutdownCron(server));
    // whileBlockedCron(): a signal received during loading shuts down without saving.
    server.hooks.loadingCron.push(() => signalShutdownCron(server));
  }
  return null;
}

/** The serverCron() part that acts on a pending signal. */
function signalShutdownCron(server: NodisServer): void {
  const st = stateOf(server);
  if (!st.asap || server.isClosed()) return;
  let flags = SHUTDOWN_NOFLAGS;
  const onInt = server.config.enumValue('shutdown-on-sigint');
  const onTerm = server.config.enumValue('shutdown-on-sigterm');
  if (st.lastSignal === 'SIGINT' && onInt) flags = onInt;
  else if (st.lastSignal === 'SIGTERM' && onTerm) flags = onTerm;
  st.asap = false;
  prepareForShutdown(server, flags);
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
  // A busy script: only SHUTDOWN NOSAVE may end the server under it.
  if ((flags & SHUTDOWN_NOSAVE) === 0 && server.busyReply !== null) throw new RedisError(server.busyReply);
  // On success the connection is closed without a reply, as when Redis exits.
  if (!prepareForShutdown(server, flags)) throw new RedisError('Errors trying to SHUTDOWN. Check logs.');
}

export const shutdownCommands: CommandSpec[] = [
  cmd('shutdown', -1, ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'], [0, 0, 0], {
    handler: shutdownCommand,
  }),
];
