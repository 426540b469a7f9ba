/**
 * BGREWRITEAOF, and the AOF subcommands of DEBUG (LOADAOF,
 * AOF-FLUSH-SLEEP). The AOF itself lives in src/persistence/aof/.
 */
import type { Client } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, type CommandSpec } from './types.js';
import { registerDebugSubcommand } from './server.js';
import { emptyData } from './keys.js';
import { clearFunctions } from '../scripting/function-libraries.js';
import { aofOf } from '../persistence/aof/index.js';
import { AOF_EMPTY, AOF_OFF, AOF_OK } from '../persistence/aof/aof.js';
import { runLoadSteps } from '../persistence/load-steps.js';

function bgrewriteaofCommand(c: Client): void {
  const r = aofOf(c.server).bgrewriteaof();
  if (r.ok) c.addReplyStatus(r.status);
  else throw new RedisError(r.error);
}

registerDebugSubcommand({
  name: 'loadaof',
  argcOk: () => true,
  help: ['LOADAOF', '    Flush the AOF buffers on disk and reload the AOF in memory.'],
  handler: (c) => {
    const server = c.server;
    const aof = aofOf(server);
    if (aof.state !== AOF_OFF) aof.flush(true);
    emptyData(server, -1);
    clearFunctions(server);
    aof.loadManifestFromDisk();
    aof.delHistoryFiles();
    // Other clients are served between steps (LOADING), as Redis does.
    const ret = runLoadSteps(aof.loadFilesSteps(), () => server.processEventsWhileBlocked(c));
    if (ret !== AOF_OK && ret !== AOF_EMPTY) {
      if (server.exitProcess !== null) {
        server.exitProcess(1);
        return;
      }
      throw new RedisError('Error loading the AOF');
    }
    server.dirty = 0;
    server.logger.warn('Append Only File loaded by DEBUG LOADAOF');
    c.addReplyOK();
  },
});

registerDebugSubcommand({
  name: 'aof-flush-sleep',
  argcOk: (n) => n === 3,
  help: ['AOF-FLUSH-SLEEP <microsec>', '    Server will sleep before flushing the AOF, this is used for testing.'],
  handler: (c, argv) => {
    const m = /^\s*[+-]?\d+/.exec(argv[2]);
    aofOf(c.server).flushSleepUs = m ? parseInt(m[0], 10) | 0 : 0;
    c.addReplyOK();
  },
});

export const aofCommands: CommandSpec[] = [
  cmd('bgrewriteaof', 1, ['admin', 'noscript', 'no_async_loading'], [0, 0, 0], { handler: bgrewriteaofCommand }),
];
