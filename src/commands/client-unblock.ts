/** CLIENT UNBLOCK (networking.c): end another client's blocking command. */
import type { Client } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, type CommandSpec } from './types.js';
import { getLongLong } from './args.js';

/** CLIENT UNBLOCK <client-id> [TIMEOUT|ERROR] */
function clientUnblockCommand(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    throw new RedisError(
      `unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`,
    );
  }
  let withError = false;
  if (argv.length === 4) {
    const reason = argv[3].toLowerCase();
    if (reason === 'error') withError = true;
    else if (reason !== 'timeout') throw new RedisError('CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const id = getLongLong(argv[2]);
  const target = c.server.clients.get(id);
  const done = target !== undefined && c.server.blocking.unblockByRequest(target, withError);
  c.addReplyLongLong(done ? 1 : 0);
  if (done) c.server.flushPendingWrites();
}

export const clientUnblockSubcommand: CommandSpec = cmd('unblock', -3, ['admin', 'noscript', 'loading', 'stale'], [0, 0, 0], {
  acl: ['connection'],
  handler: clientUnblockCommand,
});
