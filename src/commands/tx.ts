/** Transactions: MULTI EXEC DISCARD WATCH UNWATCH (multi.c). */
import { cmd } from './table.js';
import { RedisError, type CommandSpec } from './types.js';
import { clientInfoProviders } from './client.js';
import { CLIENT_DIRTY_CAS, CLIENT_DIRTY_EXEC, CLIENT_MULTI, type Client } from '../server/client.js';
import type { PropagatedOp } from '../server/propagation.js';
import {
  discardTransaction,
  isWatchedKeyExpired,
  multiState,
  multiStateMemOverhead,
  registry,
  unwatchAllKeys,
  watchForKey,
  type MultiState,
} from '../server/multi.js';

clientInfoProviders.multi = (c: Client): number =>
  c.flags & CLIENT_MULTI ? ((c.ext.multi as MultiState | undefined)?.commands.length ?? 0) : -1;
clientInfoProviders.multiMem = multiStateMemOverhead;

function multiCommand(c: Client): void {
  if (c.flags & CLIENT_MULTI) throw new RedisError('MULTI calls can not be nested');
  registry(c.server);
  c.flags |= CLIENT_MULTI;
  c.addReplyOK();
}

function discardCommand(c: Client): void {
  if (!(c.flags & CLIENT_MULTI)) throw new RedisError('DISCARD without MULTI');
  discardTransaction(c);
  c.addReplyOK();
}

function execCommand(c: Client, argv: string[]): void {
  if (!(c.flags & CLIENT_MULTI)) throw new RedisError('EXEC without MULTI');
  if (isWatchedKeyExpired(c)) c.flags |= CLIENT_DIRTY_CAS;
  if (c.flags & (CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC)) {
    if (c.flags & CLIENT_DIRTY_EXEC) c.addReplyError('-EXECABORT Transaction discarded because of previous errors.');
    else c.addReplyNullArray();
    discardTransaction(c);
    return;
  }
  const server = c.server;
  const st = multiState(c);
  const queued = st.commands;
  unwatchAllKeys(c);
  const execCmd = c.cmd;
  // Writes of the transaction are collected, then sent wrapped in
  // MULTI/EXEC when there is more than one (propagatePendingCommands()).
  const outer = server.propagateBuffer;
  const buffer: PropagatedOp[] = outer ?? [];
  if (outer === null) server.propagateBuffer = buffer;
  try {
    c.addReplyArrayLen(queued.length);
    for (let i = 0; i < queued.length; i++) {
      const q = queued[i];
      c.argv = q.argv;
      // The ACL rules may have changed since the command was queued.
      const denied = c.user.unrestricted ? null : server.acl.execDenied(c, q.cmd, q.argv);
      if (denied !== null) c.addReplyError(denied);
      else server.call(c, q.cmd, q.argv);
    }
  } finally {
    c.argv = argv;
    c.cmd = execCmd;
    discardTransaction(c);
    if (outer === null) {
      server.propagateBuffer = null;
      // Under call() the outermost command's collector wraps them.
      const wrap = buffer.length > 1 && server.alsoPropagate === null;
      if (wrap) server.propagate(buffer[0][0], ['MULTI']);
      for (const [dbid, a, target] of buffer) server.propagate(dbid, a, target);
      if (wrap) server.propagate(buffer[buffer.length - 1][0], ['EXEC']);
    }
  }
}

function watchCommand(c: Client, argv: string[]): void {
  if (c.flags & CLIENT_MULTI) throw new RedisError('WATCH inside MULTI is not allowed');
  // A dirty client will fail EXEC anyway.
  if ((c.flags & CLIENT_DIRTY_CAS) === 0) {
    registry(c.server);
    for (let j = 1; j < argv.length; j++) watchForKey(c, argv[j]);
  }
  c.addReplyOK();
}

function unwatchCommand(c: Client): void {
  unwatchAllKeys(c);
  c.flags &= ~CLIENT_DIRTY_CAS;
  c.addReplyOK();
}

export const txCommands: CommandSpec[] = [
  cmd('multi', 1, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], [0, 0, 0], {
    acl: ['transaction'],
    handler: multiCommand,
  }),
  cmd('exec', 1, ['noscript', 'loading', 'stale', 'skip_slowlog'], [0, 0, 0], {
    acl: ['transaction'],
    handler: execCommand,
  }),
  cmd('discard', 1, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], [0, 0, 0], {
    acl: ['transaction'],
    handler: discardCommand,
  }),
  cmd('watch', -2, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], [1, -1, 1], {
    acl: ['transaction'],
    handler: watchCommand,
  }),
  cmd('unwatch', 1, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], [0, 0, 0], {
    acl: ['transaction'],
    handler: unwatchCommand,
  }),
];
