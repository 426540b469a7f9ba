/** Blocking sorted-set pops (t_zset.c, blocked.c): BZPOPMIN BZPOPMAX BZMPOP. */
import type { Client } from '../server/client.js';
import { cmd } from './table.js';
import type { CommandSpec } from './types.js';
import { asType } from './args.js';
import { lookupWrite } from './db-ops.js';
import { genericZpop, parseZmpopArgs, ZSET_MAX, ZSET_MIN } from './zset.js';
import type { ZSet } from '../store/zset.js';
import type { Db } from '../store/db.js';
import {
  Blocking,
  BLOCKED_ZSET,
  SERVE_DONE,
  SERVE_DONE_DELETED,
  getBlockTimeout,
  registerServeFn,
  type BlockInfo,
} from '../server/blocking.js';
import { atoi } from './list.js';

/** ZPOPMIN/ZPOPMAX key [count]: what a pop replicates as. */
function zpopArgv(where: number, key: string, count: number, llen: number): string[] {
  const name = where === ZSET_MAX ? 'ZPOPMAX' : 'ZPOPMIN';
  return count === -1 ? [name, key] : [name, key, String(count > llen ? llen : count)];
}

/**
 * blockingGenericZpopCommand(): pop at once from the first non-empty
 * sorted set (replicated as ZPOPMIN/ZPOPMAX), else block.
 */
function blockingGenericZpop(
  c: Client,
  keys: string[],
  where: number,
  timeoutArg: string,
  count: number,
  nested: boolean,
  nilWhenEmpty: boolean,
): void {
  const timeout = getBlockTimeout(timeoutArg, c.server.clock.now());
  for (const key of keys) {
    const z = asType<ZSet>(lookupWrite(c, key), 'zset');
    if (z === undefined || z.size === 0) continue;
    const llen = z.size;
    genericZpop(c, [key], where, true, count, nested, nilWhenEmpty);
    c.ext.propagateArgv = zpopArgv(where, key, count, llen);
    return;
  }
  if (Blocking.denyBlocking(c)) {
    c.addReplyNullArray();
    return;
  }
  c.server.blocking.blockForKeys(c, BLOCKED_ZSET, keys, { timeout, wherefrom: where, count });
}

/** serveClientsBlockedOnSortedSetKey(), for one receiver. */
function serveClientBlockedOnZset(receiver: Client, value: unknown, key: string, db: Db, info: BlockInfo): number {
  const llen = (value as ZSet).size;
  const nested = info.cmd?.name === 'bzmpop';
  genericZpop(receiver, [key], info.wherefrom, true, info.count, nested, nested);
  receiver.server.propagate(db.id, zpopArgv(info.wherefrom, key, info.count, llen));
  return db.peek(key) === undefined ? SERVE_DONE_DELETED : SERVE_DONE;
}

registerServeFn(BLOCKED_ZSET, serveClientBlockedOnZset);

/** genericGetKeys() for BZMPOP: atoi(argv[2]) keys from argv[3]. */
function bzmpopGetKeys(argv: string[]): number[] {
  const num = argv.length > 2 ? atoi(argv[2]) : 0;
  if (num < 1 || num > argv.length - 3) return [];
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(3 + i);
  return out;
}

const SS = ['sortedset'];

export const zsetBlockingCommands: CommandSpec[] = [
  cmd('bzpopmin', -3, ['write', 'noscript', 'blocking', 'fast'], [1, -2, 1], {
    acl: SS,
    handler: (c, argv) => blockingGenericZpop(c, argv.slice(1, -1), ZSET_MIN, argv[argv.length - 1], -1, false, false),
  }),
  cmd('bzpopmax', -3, ['write', 'noscript', 'blocking', 'fast'], [1, -2, 1], {
    acl: SS,
    handler: (c, argv) => blockingGenericZpop(c, argv.slice(1, -1), ZSET_MAX, argv[argv.length - 1], -1, false, false),
  }),
  cmd('bzmpop', -5, ['write', 'blocking'], [0, 0, 0], {
    acl: SS,
    getKeys: bzmpopGetKeys,
    handler: (c, argv) => {
      const { keys, where, count } = parseZmpopArgs(argv, 2);
      blockingGenericZpop(c, keys, where, argv[1], count, true, true);
    },
  }),
];
