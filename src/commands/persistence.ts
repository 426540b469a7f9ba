/**
 * SAVE, BGSAVE [SCHEDULE] (rdb.c) and DEBUG RELOAD (debug.c). The work is
 * done in src/persistence/rdb-save.ts; LASTSAVE is in server.ts.
 */
import type { Client } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { eqi } from './args.js';
import { registerDebugSubcommand } from './server.js';
import { emptyData } from './keys.js';
import { clearFunctions } from '../scripting/function-libraries.js';
import { rdbOf } from '../persistence/rdb-save.js';
import { RdbLoadError } from '../persistence/rdb/reader.js';
import { runLoadSteps } from '../persistence/load-steps.js';

function saveCommand(c: Client): void {
  const rdb = rdbOf(c.server);
  if (rdb.bg !== null) throw new RedisError('Background save already in progress');
  rdb.saves++;
  if (!rdb.save()) throw new RedisError('-ERR');
  c.addReplyOK();
}

function bgsaveCommand(c: Client, argv: string[]): void {
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length === 2 && eqi(argv[1], 'schedule')) schedule = true;
    else throw new RedisError(Errors.syntax);
  }
  const rdb = rdbOf(c.server);
  const inExec = c.server.propagateBuffer !== null;
  if (rdb.bg !== null) {
    throw new RedisError('Background save already in progress');
  } else if (rdb.hasActiveChild() || inExec) {
    if (schedule || inExec) {
      rdb.bgsaveScheduled = true;
      c.addReplyStatus('Background saving scheduled');
    } else {
      throw new RedisError(
        "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
      );
    }
  } else if (rdb.saveBackground()) {
    c.addReplyStatus('Background saving started');
  } else {
    throw new RedisError('-ERR');
  }
}

/** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty and load the RDB file. */
function debugReload(c: Client, argv: string[]): void {
  let flush = true;
  let save = true;
  let allowDup = false;
  for (let j = 2; j < argv.length; j++) {
    const opt = argv[j];
    if (eqi(opt, 'merge')) allowDup = true;
    else if (eqi(opt, 'noflush')) flush = false;
    else if (eqi(opt, 'nosave')) save = false;
    else throw new RedisError('DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  const server = c.server;
  const rdb = rdbOf(server);
  // A BGSAVE would write the same temp file and snapshot a keyspace about to go.
  if (rdb.bg !== null) rdb.killBackgroundSave();
  if (save && !rdb.save()) throw new RedisError('-ERR');
  // emptyData() without EMPTYDB_NOFUNCTIONS: the libraries go too.
  if (flush) {
    emptyData(server, -1);
    clearFunctions(server);
  }
  let ok: boolean;
  try {
    // Other clients are served between steps (LOADING), as Redis does.
    ok = runLoadSteps(rdb.loadFileSteps(rdb.filePath(), { allowDup }), () => server.processEventsWhileBlocked(c));
  } catch (e) {
    const msg = e instanceof RdbLoadError ? e.message : (e as Error).message;
    server.logger.warn(`Error loading the RDB file on DEBUG RELOAD: ${msg}`);
    ok = false;
  }
  if (!ok) throw new RedisError('Error trying to load the RDB dump');
  server.logger.warn('DB reloaded by DEBUG RELOAD');
  c.addReplyOK();
}

registerDebugSubcommand({
  name: 'reload',
  argcOk: () => true,
  help: [
    'RELOAD [option ...]',
    '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
    '    * MERGE: conflicting keys will be loaded from RDB.',
    '    * NOFLUSH: the existing database will not be removed before load, but',
    '      conflicting keys will generate an exception and kill the server.',
    '    * NOSAVE: the database will be loaded from an existing RDB file.',
    '    Examples:',
    '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
    '      the database.',
    '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
    '      existing RDB file.',
    '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
    '      file to the database.',
  ],
  handler: debugReload,
});

export const persistenceCommands: CommandSpec[] = [
  cmd('save', 1, ['admin', 'noscript', 'no_async_loading', 'no_multi'], [0, 0, 0], { acl: ['admin', 'dangerous'], handler: saveCommand }),
  cmd('bgsave', -1, ['admin', 'noscript', 'no_async_loading'], [0, 0, 0], { acl: ['admin', 'dangerous'], handler: bgsaveCommand }),
];
