/**
 * DEBUG subcommands about clients: CLIENT-EVICTION (the client eviction
 * buckets), PAUSE-CRON and REPLYBUFFER (debug.c).
 */
import { registerDebugSubcommand } from './server.js';
import { RedisError } from './types.js';
import { eqi, getLongLong } from './args.js';
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

/**
 * Nodis's reply buffer has a fixed size (CLIENT LIST's rbs): it is never
 * resized and keeps no peak, so these settings are validated as Redis
 * validates them and change nothing.
 */
registerDebugSubcommand({
  name: 'replybuffer',
  argcOk: (n) => n === 4,
  help: [
    'REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>',
    '    Sets the time (in milliseconds) to wait between client reply buffer peak resets.',
    '    In case NEVER is provided the last observed peak will never be reset',
    '    In case RESET is provided the peak reset time will be restored to the default value',
    'REPLYBUFFER RESIZING <0|1>',
    '    Enable or disable the reply buffer resize cron job',
  ],
  handler: (c, argv) => {
    if (eqi(argv[2], 'peak-reset-time')) {
      if (!eqi(argv[3], 'never') && !eqi(argv[3], 'reset')) getLongLong(argv[3]);
    } else if (!eqi(argv[2], 'resizing')) {
      throw new RedisError(
        `unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`,
      );
    }
    c.addReplyOK();
  },
});
