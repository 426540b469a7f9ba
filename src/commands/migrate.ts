/**
 * MIGRATE (cluster.c migrateCommand()): move keys to another server as
 * RESTORE commands carrying DUMP payloads, over connections cached per
 * host:port for 10 seconds. Like Redis, the server blocks until the target
 * has answered or `timeout` ms pass on one step (server/sync-link.ts).
 *
 *   MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
 *           [AUTH password] [AUTH2 username password] [KEYS key [key ...]]
 *
 * Keys the target accepted are deleted here (unless COPY) and the command
 * propagates as DEL of those keys. Connections are plain TCP (Redis uses
 * TLS only with tls-cluster, which needs cluster mode).
 */
import type { Client } from '../server/client.js';
import type { NodisServer } from '../server/server.js';
import { SyncLinks } from '../server/sync-link.js';
import { perServer } from '../server/per-server.js';
import { addInfoHook, setInfoField } from '../server/info.js';
import { NOTIFY_GENERIC } from '../server/notify.js';
import { createDumpPayload } from '../persistence/rdb/payload.js';
import { cmd } from './table.js';
import { Errors, RedisError, type CommandSpec } from './types.js';
import { getLongLong, getLongLongBig } from './args.js';
import { copt } from './string.js';
import { dbDelete, lookupRead } from './db-ops.js';
import { redactArgument } from './client.js';
import type { RValue } from '../store/types.js';

/** MIGRATE_SOCKET_CACHE_ITEMS and MIGRATE_SOCKET_CACHE_TTL (seconds). */
const CACHE_ITEMS = 64;
const CACHE_TTL = 10;

interface CachedLink {
  /** The db the link last SELECTed successfully ('' when unknown). */
  lastDbid: string;
  /** Unix seconds of the last use. */
  lastUse: number;
}

/** server.migrate_cached_sockets: the links' state here, their sockets in the worker. */
class MigrateLinks {
  readonly links = new SyncLinks();
  readonly cached = new Map<string, CachedLink>();

  constructor(private readonly server: NodisServer) {}

  /** migrateGetSocket() without the connect, which the exchange does. */
  get(name: string): CachedLink {
    const now = Math.floor(this.server.clock.now() / 1000);
    let cs = this.cached.get(name);
    if (cs !== undefined) {
      cs.lastUse = now;
      return cs;
    }
    if (this.cached.size >= CACHE_ITEMS) {
      // Too many links: drop one at random.
      const names = [...this.cached.keys()];
      this.closeLink(names[Math.floor(Math.random() * names.length)]);
    }
    cs = { lastDbid: '', lastUse: now };
    this.cached.set(name, cs);
    return cs;
  }

  /** migrateCloseSocket(). */
  closeLink(name: string): void {
    if (!this.cached.delete(name)) return;
    this.links.close(name);
  }

  /** migrateCloseTimedoutSockets(), from the cron. */
  closeIdle(): void {
    const now = Math.floor(this.server.clock.now() / 1000);
    for (const [name, cs] of this.cached) if (now - cs.lastUse > CACHE_TTL) this.closeLink(name);
  }
}

const instances = perServer(
  (server) => new MigrateLinks(server),
  (m, server) => {
    server.hooks.cron.push(() => m.closeIdle());
    server.hooks.closing.push(() => {
      m.cached.clear();
      m.links.stop();
    });
    addInfoHook(server, 'stats', (fields) => setInfoField(fields, 'migrate_cached_sockets', m.cached.size));
  },
);

/** A command in RESP, as rioWriteBulkCount() + rioWriteBulkString() write it. */
function encodeCommand(parts: (string | Buffer)[], out: Buffer[]): void {
  out.push(Buffer.from(`*${parts.length}\r\n`, 'latin1'));
  for (const p of parts) {
    const b = typeof p === 'string' ? Buffer.from(p, 'latin1') : p;
    out.push(Buffer.from(`$${b.length}\r\n`, 'latin1'), b, Buffer.from('\r\n', 'latin1'));
  }
}

/** atoi() of the port argument: strtol() clamped to a long, then cut to an int. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  let v = BigInt(m[1]);
  if (v > 9223372036854775807n) v = 9223372036854775807n;
  if (v < -9223372036854775808n) v = -9223372036854775808n;
  return Number(BigInt.asIntN(32, v));
}

function migrateCommand(c: Client, argv: string[]): void {
  let copy = false;
  let replace = false;
  let username: string | null = null;
  let password: string | null = null;
  let firstKey = 3;
  let numKeys = 1;

  for (let j = 6; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    const a = argv[j];
    if (copt(a) === 'copy') {
      copy = true;
    } else if (copt(a) === 'replace') {
      replace = true;
    } else if (copt(a) === 'auth') {
      if (moreargs === 0) throw new RedisError(Errors.syntax);
      password = argv[++j];
      redactArgument(c, j);
    } else if (copt(a) === 'auth2') {
      if (moreargs < 2) throw new RedisError(Errors.syntax);
      username = argv[++j];
      redactArgument(c, j);
      password = argv[++j];
      redactArgument(c, j);
    } else if (copt(a) === 'keys') {
      if (argv[3].length !== 0) {
        throw new RedisError('When using MIGRATE KEYS option, the key argument must be set to the empty string');
      }
      firstKey = j + 1;
      numKeys = argv.length - j - 1;
      break;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }

  let timeout = getLongLong(argv[5]);
  const dbid = getLongLongBig(argv[4]).toString();
  if (timeout <= 0) timeout = 1000;

  // The keys that are here; none at all is not an error.
  let keys: string[] = [];
  let values: RValue[] = [];
  for (let j = 0; j < numKeys; j++) {
    const v = lookupRead(c, argv[firstKey + j]);
    if (v !== undefined) {
      keys.push(argv[firstKey + j]);
      values.push(v);
    }
  }
  if (keys.length === 0) {
    c.addReplyStatus('NOKEY');
    return;
  }

  const server = c.server;
  const m = instances.get(server);
  const host = argv[1];
  const port = atoi(argv[2]);
  const name = `${argv[1]}:${argv[2]}`;
  let mayRetry = true;

  for (;;) {
    const cs = m.get(name);

    // The request: AUTH, SELECT when the link has another db, one RESTORE per live key.
    const out: Buffer[] = [];
    if (password !== null) encodeCommand(username !== null ? ['AUTH', username, password] : ['AUTH', password], out);
    const select = cs.lastDbid !== dbid;
    if (select) encodeCommand(['SELECT', dbid], out);
    const db = c.db;
    const liveKeys: string[] = [];
    const liveValues: RValue[] = [];
    for (let j = 0; j < keys.length; j++) {
      let ttl = 0;
      const expireAt = db.getExpire(keys[j]);
      if (expireAt !== -1) {
        ttl = expireAt - server.clock.now();
        if (ttl < 0) continue;
        if (ttl < 1) ttl = 1;
      }
      liveKeys.push(keys[j]);
      liveValues.push(values[j]);
      const restore: (string | Buffer)[] = ['RESTORE', keys[j], String(ttl), createDumpPayload(values[j], server.config)];
      if (replace) restore.push('REPLACE');
      encodeCommand(restore, out);
    }
    keys = liveKeys;
    values = liveValues;

    const expected = (password !== null ? 1 : 0) + (select ? 1 : 0) + keys.length;
    const r = m.links.exchange(name, host, port, timeout, Buffer.concat(out), expected);
    if (r.connectFailed) {
      m.closeLink(name);
      c.addReplyError('-IOERR error or timeout connecting to the client');
      return;
    }

    // Replies: AUTH's, SELECT's, then one per RESTORE. A missing or empty
    // line is a failed read (syncReadLine() <= 0).
    let li = 0;
    const authReply = password !== null ? r.lines[li++] : undefined;
    const selectReply = select ? r.lines[li++] : undefined;
    const timedOut = r.error === 'timeout';
    const headerFailed = (password !== null && !authReply) || (select && !selectReply);
    if (r.writeFailed || headerFailed) {
      // socket_err: close the link, and retry once unless it timed out.
      m.closeLink(name);
      if (!timedOut && mayRetry) {
        mayRetry = false;
        continue;
      }
      c.addReplyError(`-IOERR error or timeout ${r.writeFailed ? 'writing' : 'reading'} to target instance`);
      return;
    }
    let errorFromTarget = false;
    let socketError = false;
    let acknowledged = 0;
    const deleted: string[] = [];
    for (let j = 0; j < keys.length; j++) {
      const line = r.lines[li++];
      if (!line) {
        socketError = true;
        break;
      }
      acknowledged++;
      const failed = authReply?.[0] === '-' ? authReply : selectReply?.[0] === '-' ? selectReply : line[0] === '-' ? line : null;
      if (failed !== null) {
        if (!errorFromTarget) {
          // The link's db is no longer known.
          cs.lastDbid = '';
          errorFromTarget = true;
          c.addReplyError(`Target instance replied with error: ${failed.slice(1)}`);
        }
      } else if (!copy) {
        dbDelete(c, db, keys[j]);
        server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', keys[j], db.id);
        server.dirty++;
        deleted.push(keys[j]);
      }
    }
    // Nothing was acknowledged: a fresh connection may do better.
    if (!errorFromTarget && socketError && acknowledged === 0 && mayRetry && !timedOut) {
      m.closeLink(name);
      mayRetry = false;
      continue;
    }
    if (socketError) m.closeLink(name);
    if (deleted.length > 0) c.ext.propagateArgv = ['DEL', ...deleted];
    if (!errorFromTarget && socketError) {
      c.addReplyError('-IOERR error or timeout reading to target instance');
      return;
    }
    if (!errorFromTarget) {
      cs.lastDbid = dbid;
      c.addReplyOK();
    }
    return;
  }
}

/** Options migrateGetKeys() steps over, with how many arguments each takes. */
const SKIP_OPTIONS = new Map<string, number>([
  ['copy', 0],
  ['replace', 0],
  ['auth', 1],
  ['auth2', 2],
]);

/**
 * migrateGetKeys(): the key argument, or the keys after KEYS when it is
 * empty (none when it is not: MIGRATE itself reports that). Option
 * arguments are skipped, so a password spelled "keys" is not the keyword.
 */
function migrateGetKeys(argv: string[]): number[] {
  let first = 3;
  let num = 1;
  for (let i = 6; i < argv.length; i++) {
    const a = copt(argv[i]);
    if (a === 'keys') {
      if (argv[3].length > 0) {
        num = 0;
      } else {
        first = i + 1;
        num = argv.length - first;
      }
      break;
    }
    i += SKIP_OPTIONS.get(a) ?? 0;
  }
  const keys: number[] = [];
  for (let i = 0; i < num; i++) keys.push(first + i);
  return keys;
}

export const migrateCommands: CommandSpec[] = [
  cmd('migrate', -6, ['write'], [3, 3, 1], {
    acl: ['keyspace', 'dangerous'],
    handler: migrateCommand,
    getKeys: migrateGetKeys,
  }),
];
