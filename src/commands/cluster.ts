/**
 * Commands of a standalone server that belong to features Nodis does not
 * run: Redis Cluster and native modules. A redis-server 7.0 started without
 * `cluster-enabled` and without `loadmodule` still has these commands; they
 * answer as it does (Nodis refuses to start with either setting, see
 * unsupportedSetting() in server/cli.ts), so clients that probe for cluster
 * or module support get Redis's own answers.
 *
 * - CLUSTER (every subcommand), ASKING, READONLY and READWRITE reply
 *   "This instance has cluster support disabled" (cluster.c).
 * - MODULE LIST is empty, MODULE UNLOAD finds no module. MODULE LOAD and
 *   LOADEX fail as a failed dlopen() does in Redis: the reply asks to check
 *   the server log, and the log says why (Nodis cannot load shared
 *   libraries written against Redis's module API).
 */
import type { Client } from '../server/client.js';
import { cmd } from './table.js';
import type { CommandFlag, CommandSpec, Handler } from './types.js';
import { commandReference } from './command.js';

const CLUSTER_DISABLED = 'This instance has cluster support disabled';

const clusterDisabled: Handler = (c) => c.addReplyError(CLUSTER_DISABLED);

/**
 * A subcommand of `parent` with the arity and flags redis-server 7.0.15
 * reports for it (reference.json): the CLUSTER subcommands differ only in
 * those, and all share one handler.
 */
function fromReference(parent: string, name: string, handler: Handler): CommandSpec {
  const ref = commandReference.get(`${parent}|${name}`);
  if (ref === undefined) throw new Error(`${parent}|${name} is not in reference.json`);
  return cmd(name, ref.arity, ref.flags as CommandFlag[], [ref.first, ref.last, ref.step], { handler });
}

function clusterSubcommands(): CommandSpec[] {
  const ref = commandReference.get('cluster');
  const names = (ref?.subcommands ?? []).map((full) => full.slice('cluster|'.length)).sort();
  return names.map((name) => fromReference('cluster', name, clusterDisabled));
}

function moduleHelpCommand(c: Client): void {
  c.addReplyHelp('module', [
    'LIST',
    '    Return a list of loaded modules.',
    'LOAD <path> [<arg> ...]',
    '    Load a module library from <path>, passing to it any optional arguments.',
    'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
    '    Load a module library from <path>, while passing it module configurations and optional arguments.',
    'UNLOAD <name>',
    '    Unload a module.',
  ]);
}

/** moduleLoad() failing: logged as Redis logs a failed dlopen(), then the generic reply. */
function moduleLoadCommand(c: Client, argv: string[]): void {
  c.server.logger.warn(
    `Module ${argv[2]} failed to load: Nodis cannot load Redis modules (shared libraries built against the Redis module API)`,
  );
  c.addReplyError('Error loading the extension. Please check the server logs.');
}

export const clusterCommands: CommandSpec[] = [
  cmd('asking', 1, ['fast'], [0, 0, 0], { acl: ['connection'], handler: clusterDisabled }),
  cmd('cluster', -2, [], [0, 0, 0], { subcommands: clusterSubcommands() }),
  cmd('module', -2, [], [0, 0, 0], {
    subcommands: [
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], { handler: moduleHelpCommand }),
      cmd('list', 2, ['admin', 'noscript'], [0, 0, 0], { handler: (c) => c.addReplyArrayLen(0) }),
      cmd('load', -3, ['admin', 'noscript', 'no_async_loading', 'protected'], [0, 0, 0], { handler: moduleLoadCommand }),
      cmd('loadex', -3, ['admin', 'noscript', 'no_async_loading', 'protected'], [0, 0, 0], { handler: moduleLoadCommand }),
      cmd('unload', 3, ['admin', 'noscript', 'no_async_loading', 'protected'], [0, 0, 0], {
        handler: (c) => c.addReplyError('Error unloading module: no such module with that name'),
      }),
    ],
  }),
  cmd('readonly', 1, ['loading', 'stale', 'fast'], [0, 0, 0], { acl: ['connection'], handler: clusterDisabled }),
  cmd('readwrite', 1, ['loading', 'stale', 'fast'], [0, 0, 0], { acl: ['connection'], handler: clusterDisabled }),
];
