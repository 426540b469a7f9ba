/**
 * DEBUG subcommands about clients: CLIENT-EVICTION (the client eviction
 * buckets) and PAUSE-CRON (debug.c). REPLYBUFFER is absent: it tunes the
 * resizing of a reply buffer Nodis does not have (its buffer is fixed), so
 * it answers as an unknown subcommand.
 */
import { registerDebugSubcommand } from './server.js';
import { RedisError } from './types.js';
import { clientEvictionOf } from '../server/client-eviction.js';

/** atoi(): the leading integer, 0 when none. */
function atoi(s: string): number {
  const m = /^\s*[+-]?\d+/.exec(s);
  return m ? parseInt(m[0], 10) | 0 : 0;
}

registerDebugSubcommand({
  name: 'client-eviction',
  argcOk: (n) => n === 2,
  help: ['CLIENT-EVICTION', '    Show low level client eviction pools info (maxmemory-clients).'],
  handler: (c) => {
    const ce = clientEvictionOf(c.server);
    if (ce === undefined || !ce.enabled) throw new RedisError('maxmemory-clients is disabled.');
    c.addReplyVerbatim(ce.describe(), 'txt');
  },
});

registerDebugSubcommand({
  name: 'pause-cron',
  argcOk: (n) => n === 3,
  help: ['PAUSE-CRON <0|1>', '    Stop periodic cron job processing.'],
  handler: (c, argv) => {
    c.server.cronPaused = atoi(argv[2]) !== 0;
    c.addReplyOK();
  },
});
