/**
 * Replication commands (replication.c): REPLICAOF/SLAVEOF, REPLCONF,
 * PSYNC/SYNC, ROLE, WAIT and FAILOVER. The work is done in
 * src/replication/.
 */
import type { Client } from '../server/client.js';
import { CLIENT_SLAVE } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { eqi, getLongLong, getRangeLong } from './args.js';
import { clientInfoString } from './client.js';
import { string2ll } from '../util/numbers.js';
import { Blocking } from '../server/blocking.js';
import {
  replOf,
  replicaInfo,
  NO_FAILOVER,
  FAILOVER_WAIT_FOR_SYNC,
  SLAVE_CAPA_EOF,
  SLAVE_CAPA_PSYNC2,
  SLAVE_STATE_ONLINE,
  type ReplicaInfo,
} from '../replication/replication.js';
import { SLAVE_REQ_RDB_EXCLUDE_DATA, SLAVE_REQ_RDB_EXCLUDE_FUNCTIONS } from '../replication/primary.js';
import { registerDebugSubcommand } from './server.js';
import { PAUSE_DURING_FAILOVER } from '../server/pause.js';

/** NET_HOST_STR_LEN. */
const NET_HOST_STR_LEN = 256;
/** The longest a FAILOVER pause may be armed for (a timer's limit). */
const MAX_PAUSE_MS = 0x7fffffff - 1000;

function replicaofCommand(c: Client, argv: string[]): void {
  const server = c.server;
  const repl = replOf(server);
  if (server.config.bool('cluster-enabled')) throw new RedisError('REPLICAOF not allowed in cluster mode.');
  if (repl.failoverState !== NO_FAILOVER) throw new RedisError('REPLICAOF not allowed while failing over.');
  if (eqi(argv[1], 'no') && eqi(argv[2], 'one')) {
    if (server.masterHost !== null) {
      repl.replica.unsetPrimary();
      server.logger.info(`MASTER MODE enabled (user request from '${clientInfoString(c)}')`);
    }
  } else {
    if (c.flags & CLIENT_SLAVE) throw new RedisError('Command is not valid when client is a replica.');
    const port = getRangeLong(argv[2], 0, 65535, 'Invalid master port');
    if (server.masterHost !== null && server.masterHost.toLowerCase() === argv[1].toLowerCase() && repl.replica.masterPort === port) {
      server.logger.info(
        'REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.',
      );
      c.addReplyStatus('OK Already connected to specified master');
      return;
    }
    repl.replica.setPrimary(argv[1], port);
    server.logger.info(`REPLICAOF ${argv[1]}:${port} enabled (user request from '${clientInfoString(c)}')`);
  }
  c.addReplyOK();
}

function replconfCommand(c: Client, argv: string[]): void {
  if (argv.length % 2 === 0) throw new RedisError(Errors.syntax);
  const repl = replOf(c.server);
  const info = replicaInfo(c);
  for (let j = 1; j < argv.length; j += 2) {
    const opt = argv[j].toLowerCase();
    const val = argv[j + 1];
    if (opt === 'listening-port') {
      info.listeningPort = getLongLong(val);
    } else if (opt === 'ip-address') {
      if (val.length >= NET_HOST_STR_LEN) {
        throw new RedisError(`REPLCONF ip-address provided by replica instance is too long: ${val.length} bytes`);
      }
      info.announcedIp = val;
    } else if (opt === 'capa') {
      // Capabilities this primary does not know are ignored.
      if (eqi(val, 'eof')) info.capa |= SLAVE_CAPA_EOF;
      else if (eqi(val, 'psync2')) info.capa |= SLAVE_CAPA_PSYNC2;
    } else if (opt === 'ack') {
      // From a replica only, and never answered.
      if ((c.flags & CLIENT_SLAVE) === 0) return;
      const off = string2ll(val);
      if (off === null) return;
      repl.ack(c, off);
      return;
    } else if (opt === 'getack') {
      if (c.server.masterHost !== null && repl.replica.master !== null) repl.replica.sendAck();
      return;
    } else if (opt === 'rdb-only') {
      info.rdbOnly = getRangeLong(val, 0, 1) === 1;
    } else if (opt === 'rdb-filter-only') {
      const filters = val.split(/\s+/).filter((f) => f !== '');
      info.req |= SLAVE_REQ_RDB_EXCLUDE_DATA | SLAVE_REQ_RDB_EXCLUDE_FUNCTIONS;
      for (const f of filters) {
        if (eqi(f, 'functions')) info.req &= ~SLAVE_REQ_RDB_EXCLUDE_FUNCTIONS;
        else throw new RedisError(`Unsupported rdb-filter-only option: ${f}`);
      }
    } else {
      throw new RedisError(`Unrecognized REPLCONF option: ${argv[j]}`);
    }
  }
  c.addReplyOK();
}

function syncCommand(c: Client, argv: string[]): void {
  replOf(c.server).primary.syncCommand(c, argv);
}

function roleCommand(c: Client): void {
  const server = c.server;
  const repl = replOf(server);
  if (server.masterHost === null) {
    c.addReplyArrayLen(3);
    c.addReplyBulk('master');
    c.addReplyLongLong(repl.masterReplOffset);
    const online = repl.replicas.filter((r) => (r.ext.repl as ReplicaInfo).state === SLAVE_STATE_ONLINE);
    c.addReplyArrayLen(online.length);
    for (const r of online) {
      const info = r.ext.repl as ReplicaInfo;
      c.addReplyArrayLen(3);
      c.addReplyBulk(repl.replicaIp(r));
      c.addReplyBulk(String(info.listeningPort));
      c.addReplyBulk(String(info.ackOff));
    }
  } else {
    const rep = repl.replica;
    c.addReplyArrayLen(5);
    c.addReplyBulk('slave');
    c.addReplyBulk(server.masterHost);
    c.addReplyLongLong(rep.masterPort);
    c.addReplyBulk(rep.roleState());
    c.addReplyLongLong(rep.master !== null ? rep.reploff : -1);
  }
}

function waitCommand(c: Client, argv: string[]): void {
  const server = c.server;
  const repl = replOf(server);
  if (server.masterHost !== null) {
    throw new RedisError(
      'WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
    );
  }
  const numreplicas = getLongLong(argv[1]);
  let timeout = getLongLong(argv[2], 'timeout is not an integer or out of range');
  if (timeout < 0) throw new RedisError('timeout is negative');
  if (timeout > 0) timeout += server.clock.now();
  const offset = (c.ext.woff as number | undefined) ?? 0;
  const acked = repl.countAcksByOffset(offset);
  if (acked >= numreplicas || Blocking.denyBlocking(c)) {
    c.addReplyLongLong(acked);
    return;
  }
  repl.blockForReplicas(c, offset, numreplicas, timeout);
}

function failoverCommand(c: Client, argv: string[]): void {
  const server = c.server;
  const repl = replOf(server);
  if (server.config.bool('cluster-enabled')) {
    throw new RedisError('FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.');
  }
  if (argv.length === 2 && eqi(argv[1], 'abort')) {
    if (repl.failoverState === NO_FAILOVER) throw new RedisError('No failover in progress.');
    repl.abortFailover('Failover manually aborted');
    c.addReplyOK();
    return;
  }
  let timeout = 0;
  let force = false;
  let port = 0;
  let host: string | null = null;
  for (let j = 1; j < argv.length; j++) {
    if (eqi(argv[j], 'timeout') && j + 1 < argv.length && timeout === 0) {
      timeout = getLongLong(argv[j + 1]);
      if (timeout <= 0) throw new RedisError('FAILOVER timeout must be greater than 0');
      j++;
    } else if (eqi(argv[j], 'to') && j + 2 < argv.length && host === null) {
      port = getLongLong(argv[j + 2]);
      host = argv[j + 1];
      j += 2;
    } else if (eqi(argv[j], 'force') && !force) {
      force = true;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  if (repl.failoverState !== NO_FAILOVER) throw new RedisError('FAILOVER already in progress.');
  if (server.masterHost !== null) throw new RedisError('FAILOVER is not valid when server is a replica.');
  if (repl.replicas.length === 0) throw new RedisError('FAILOVER requires connected replicas.');
  if (force && (timeout === 0 || host === null)) {
    throw new RedisError('FAILOVER with force option requires both a timeout and target HOST and IP.');
  }
  if (host !== null) {
    const r = repl.findReplica(host, port);
    if (r === null) throw new RedisError('FAILOVER target HOST and PORT is not a replica.');
    if ((r.ext.repl as ReplicaInfo).state !== SLAVE_STATE_ONLINE) throw new RedisError('FAILOVER target replica is not online.');
    repl.targetReplicaHost = host;
    repl.targetReplicaPort = port;
    server.logger.info(`FAILOVER requested to ${host}:${port}.`);
  } else {
    server.logger.info('FAILOVER requested to any replica.');
  }
  const now = Date.now();
  repl.failoverEndTime = timeout !== 0 ? now + timeout : 0;
  repl.forceFailover = force;
  repl.failoverState = FAILOVER_WAIT_FOR_SYNC;
  server.pauseClients(PAUSE_DURING_FAILOVER, 'write', server.clock.now() + MAX_PAUSE_MS);
  c.addReplyOK();
}

const REPL_ACL = ['admin', 'dangerous'];

export const replicationCommands: CommandSpec[] = [
  cmd('replicaof', 3, ['admin', 'noscript', 'stale', 'no_async_loading'], [0, 0, 0], { acl: REPL_ACL, handler: replicaofCommand }),
  cmd('slaveof', 3, ['admin', 'noscript', 'stale', 'no_async_loading'], [0, 0, 0], { acl: REPL_ACL, handler: replicaofCommand }),
  cmd('replconf', -1, ['admin', 'noscript', 'loading', 'stale', 'allow_busy'], [0, 0, 0], { acl: REPL_ACL, handler: replconfCommand }),
  cmd('psync', -3, ['admin', 'noscript', 'no_async_loading', 'no_multi'], [0, 0, 0], { acl: REPL_ACL, handler: syncCommand }),
  cmd('sync', 1, ['admin', 'noscript', 'no_async_loading', 'no_multi'], [0, 0, 0], { acl: REPL_ACL, handler: syncCommand }),
  cmd('role', 1, ['noscript', 'loading', 'stale', 'fast'], [0, 0, 0], { acl: ['admin', 'dangerous'], handler: roleCommand }),
  cmd('wait', 3, ['noscript'], [0, 0, 0], { acl: ['connection'], handler: waitCommand }),
  cmd('failover', -1, ['admin', 'noscript', 'stale'], [0, 0, 0], { acl: REPL_ACL, handler: failoverCommand }),
];

registerDebugSubcommand({
  name: 'replicate',
  argcOk: (argc) => argc >= 3,
  help: ['REPLICATE <string>', '    Replicates the provided string to replicas, allowing data divergence.'],
  // replicationFeedSlaves() in the stream's current db: the replicas run it, this server does not.
  handler: (c, argv) => {
    replOf(c.server).feedCommand(-1, argv.slice(2));
    c.addReplyOK();
  },
});
