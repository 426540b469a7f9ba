/**
 * DEBUG subcommands about clients: CLIENT-EVICTION (the client eviction
 * buckets), PAUSE-CRON and REPLYBUFFER (the reply buffer resizing of
 * server/replybuf.ts), as in debug.c.
 */
import { registerDebugSubcommand, subcommandSyntaxError } from './server.js';
import { RedisError } from './types.js';
import { eqi, getLongLong } from './args.js';
import { clientEvictionOf } from '../server/client-eviction.js';
import { REPLY_BUFFER_DEFAULT_PEAK_RESET_TIME } from '../server/replybuf.js';

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
    const rb = c.server.replyBuffers;
    if (eqi(argv[2], 'peak-reset-time')) {
      if (eqi(argv[3], 'never')) rb.peakResetTime = -1;
      else if (eqi(argv[3], 'reset')) rb.peakResetTime = REPLY_BUFFER_DEFAULT_PEAK_RESET_TIME;
      else rb.peakResetTime = getLongLong(argv[3]);
    } else if (eqi(argv[2], 'resizing')) {
      rb.enabled = atoi(argv[3]) !== 0;
    } else {
      throw subcommandSyntaxError(argv);
    }
    c.addReplyOK();
  },
});
