/**
 * MEMORY USAGE and MEMORY HELP (object.c's memoryCommand). USAGE reports the
 * estimated bytes of a key and its value as src/store/memory.ts computes
 * them for Nodis's own representations.
 */
import type { Client } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { getLongLong } from './args.js';
import { keyBytes } from '../store/memory.js';

/** OBJ_COMPUTE_SIZE_DEF_SAMPLES */
const DEFAULT_SAMPLES = 5;

function memoryUsageCommand(c: Client, argv: string[]): void {
  let samples = DEFAULT_SAMPLES;
  for (let j = 3; j < argv.length; j++) {
    if (argv[j].toLowerCase() === 'samples' && j + 1 < argv.length) {
      samples = getLongLong(argv[j + 1]);
      if (samples < 0) throw new RedisError(Errors.syntax);
      j++;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  // dbFind(): no expiry check, no LRU update, as Redis.
  const v = c.db.peek(argv[2]);
  if (v === undefined) {
    c.addReplyNull();
    return;
  }
  c.addReplyLongLong(keyBytes(argv[2], v, samples));
}

function memoryHelpCommand(c: Client): void {
  c.addReplyHelp('memory', [
    'USAGE <key> [SAMPLES <count>]',
    '    Return memory in bytes used by <key> and its value. Nested values are',
    '    sampled up to <count> times (default: 5, 0 means sample all).',
  ]);
}

export const memoryCommands: CommandSpec[] = [
  cmd('memory', -2, [], [0, 0, 0], {
    subcommands: [
      cmd('usage', -3, ['readonly'], [2, 2, 1], { handler: memoryUsageCommand }),
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], { handler: memoryHelpCommand }),
    ],
  }),
];
