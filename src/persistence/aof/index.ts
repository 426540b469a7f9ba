/**
 * Wiring of the AOF into the server: the propagation hook, the flush before
 * replies, the cron, CONFIG SET appendonly / aof-disable-auto-gc, INFO and
 * shutdown; and the start-up sequence (aofLoadManifestFromDisk(), the AOF
 * part of loadDataFromDisk(), aofOpenIfNeededOnServerStart(),
 * aofDelHistoryFiles()).
 */
import type { NodisServer } from '../../server/server.js';
import { PROPAGATE_AOF } from '../../server/propagation.js';
import { perServer } from '../../server/per-server.js';
import { addInfoHook } from '../../server/info.js';
import { rdbChildActive, rdbOf, registerChildProbe } from '../rdb-save.js';
import { Aof, AOF_OFF, AOF_ON, AofFatalError } from './aof.js';
import { isReplicationOnly } from '../../replication/propagate.js';

export { Aof, AofFatalError };

const instances = perServer((server) => new Aof(server), initAof);

/** The server's AOF (installed with the server). */
export function aofOf(server: NodisServer): Aof {
  return instances.get(server);
}

function toggleHook<F>(list: F[], fn: F, on: boolean): void {
  const i = list.indexOf(fn);
  if (on && i === -1) list.push(fn);
  else if (!on && i !== -1) list.splice(i, 1);
}

function initAof(aof: Aof, server: NodisServer): void {
  const feed = (dbid: number, argv: string[]): void => {
    // PUBLISH is propagated to replicas only (PROPAGATE_REPL).
    if (aof.state !== AOF_OFF && !isReplicationOnly(argv)) aof.feed(dbid, argv);
  };
  const barrier = (): boolean => aof.beforeReplies();
  const diskError = (): string | null => aof.diskError();
  // The hooks the dispatcher runs for every write and every flush are
  // attached only while the AOF is on (they do nothing while it is off).
  const attach = (on: boolean): void => {
    server.setPropagationTarget(feed, on, PROPAGATE_AOF);
    toggleHook(server.beforeReplies, barrier, on);
    toggleHook(server.hooks.diskError, diskError, on);
  };
  aof.stateChanged = (state) => attach(state !== AOF_OFF);
  attach(aof.state !== AOF_OFF);
  server.hooks.cron.push(() => aof.cron());
  server.hooks.prepareShutdown.push((force) => aof.prepareShutdown(force));
  server.hooks.closing.push(() => aof.close());
  // One background job at a time, as with Redis's single child process.
  aof.otherChildActive = () => rdbChildActive(server);
  registerChildProbe(server, () => aof.child !== null);
  aof.loadRdb = (buf) => rdbOf(server).loadBufferSteps(buf, { allowDup: false, preamble: true });
  server.config.registerApply('appendonly', () => {
    const enabled = server.config.bool('appendonly');
    if (!enabled && aof.state !== AOF_OFF) {
      aof.stop();
    } else if (enabled && aof.state === AOF_OFF) {
      if (!aof.start()) return 'Unable to turn on AOF. Check server logs.';
    }
    return null;
  });
  server.config.registerApply('aof-disable-auto-gc', () => {
    if (!server.config.bool('aof-disable-auto-gc')) aof.delHistoryFiles();
    return null;
  });
  addInfoHook(server, 'persistence', (fields) => aof.infoPersistence(fields));
  addInfoHook(server, 'memory', (fields) => aof.infoMemory(fields));
}

/**
 * Start-up: read the manifest, load the AOF when `appendonly yes` (then
 * the RDB file is not read, as in Redis), open the INCR file to append to
 * and delete leftover HISTORY files. Returns true when the AOF decided the
 * dataset (appendonly yes). Throws AofFatalError where Redis exits.
 */
export async function aofLoadAtStartup(server: NodisServer, appendonly: boolean): Promise<boolean> {
  const aof = aofOf(server);
  aof.state = appendonly ? AOF_ON : AOF_OFF;
  aof.loadManifestFromDisk();
  if (aof.state !== AOF_ON) return false;
  await aof.loadAtStartup();
  return true;
}

/** After the dataset is loaded: open the AOF for appending, drop HISTORY files. */
export function aofOpenAtStartup(server: NodisServer): void {
  const aof = aofOf(server);
  aof.openAtStartup();
  aof.delHistoryFiles();
}

/**
 * The whole AOF start-up, after the RDB part of loadDataFromDisk() (which
 * leaves the dataset to the AOF when `appendonly yes`). Returns false when
 * the server must exit (the reason is logged, as Redis does). Clients
 * connected meanwhile get LOADING, as during the RDB's load. `appendonly`
 * is the setting read before the RDB part, as Redis decides once.
 */
export async function aofStartup(server: NodisServer, appendonly: boolean): Promise<boolean> {
  try {
    await aofLoadAtStartup(server, appendonly);
    aofOpenAtStartup(server);
    return true;
  } catch (e) {
    if (e instanceof AofFatalError) return false;
    throw e;
  }
}
