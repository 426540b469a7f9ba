/**
 * DUMP and RESTORE (cluster.c dumpCommand() / restoreCommand()): values
 * serialized in Redis's RDB format with a version + CRC64 footer, so
 * payloads move between Nodis and redis-server.
 */
import type { Client } from '../server/client.js';
import { CLIENT_MASTER } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { getLongLongBig } from './args.js';
import { copt } from './string.js';
import { dbAdd, lookupRead } from './db-ops.js';
import { NOTIFY_GENERIC } from '../server/notify.js';
import { createDumpPayload, verifyDumpPayload, setSkipChecksumValidation, skipChecksumValidation } from '../persistence/rdb/payload.js';
import { registerDebugSubcommand } from './server.js';
import { rdbDecodeValue, RdbLoadError } from '../persistence/rdb/reader.js';
import { rdbIsObjectType } from '../persistence/rdb/constants.js';
import { setKeyUsage, usagePolicy } from '../persistence/rdb/usage.js';
import { setQuicklistPackedThreshold } from '../persistence/rdb/writer.js';
import { memtoullBig } from '../server/config-defs.js';

/** USER_FLAG_SANITIZE_PAYLOAD_SKIP (acl.c). */
const USER_SANITIZE_PAYLOAD_SKIP = 1 << 4;

function dumpCommand(c: Client, argv: string[]): void {
  const v = lookupRead(c, argv[1]);
  if (v === undefined) {
    c.addReplyNull();
    return;
  }
  c.addReplyBulk(createDumpPayload(v, c.server.config));
}

/**
 * Deep payload validation per sanitize-dump-payload: always with "yes";
 * with "clients", except for the primary link and users flagged
 * skip-sanitize-payload.
 */
function deepSanitize(c: Client): boolean {
  const mode = c.server.config.str('sanitize-dump-payload');
  if (mode === 'yes') return true;
  if (mode !== 'clients') return false;
  if (c.server.isLoading() || c.flags & CLIENT_MASTER) return false;
  const user = (c as { user?: { flags?: number } }).user;
  return !(user !== undefined && typeof user.flags === 'number' && user.flags & USER_SANITIZE_PAYLOAD_SKIP);
}

const LLONG_MAX = 9223372036854775807n;

/** RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] */
function restoreCommand(c: Client, argv: string[]): void {
  const server = c.server;
  const db = c.db;
  let replace = false;
  let absttl = false;
  let lfuFreq = -1n;
  let lruIdle = -1n;
  let lruClock = -1;

  for (let j = 4; j < argv.length; j++) {
    const additional = argv.length - j - 1;
    const opt = copt(argv[j]);
    if (opt === 'replace') {
      replace = true;
    } else if (opt === 'absttl') {
      absttl = true;
    } else if (opt === 'idletime' && additional >= 1 && lfuFreq === -1n) {
      lruIdle = getLongLongBig(argv[j + 1]);
      if (lruIdle < 0n) throw new RedisError('Invalid IDLETIME value, must be >= 0');
      lruClock = server.lruClock();
      j++;
    } else if (opt === 'freq' && additional >= 1 && lruIdle === -1n) {
      lfuFreq = getLongLongBig(argv[j + 1]);
      if (lfuFreq < 0n || lfuFreq > 255n) throw new RedisError('Invalid FREQ value, must be >= 0 and <= 255');
      j++;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }

  const key = argv[1];
  if (!replace && db.lookupWrite(key) !== undefined) {
    throw new RedisError('-BUSYKEY Target key name already exists.');
  }

  let ttl = getLongLongBig(argv[2]);
  if (ttl < 0n) throw new RedisError('Invalid TTL value, must be >= 0');

  const payload = Buffer.from(argv[3], 'latin1');
  if (!verifyDumpPayload(payload, skipChecksumValidation(server))) throw new RedisError('DUMP payload version or checksum are wrong');

  // The value is read from the whole payload, footer included, as Redis's rio does.
  const type = payload.length > 0 ? payload[0] : -1;
  let obj;
  const stats = { sanitizations: 0 };
  try {
    if (!rdbIsObjectType(type)) throw new RdbLoadError('bad type');
    obj = rdbDecodeValue(type, payload, 1, { config: server.config, deep: deepSanitize(c), stats }).value;
  } catch (e) {
    if (!(e instanceof RdbLoadError)) throw e;
    // rdbReportError() in a RESTORE context: logged at verbose level.
    server.logger.debug(`Internal error in RDB reading offset 0, function at rdb.c:0 -> ${e.message}`);
    obj = null;
  }
  server.stats.dumpPayloadSanitizations += stats.sanitizations;
  if (obj === null) throw new RedisError('Bad data format');

  let deleted = false;
  if (replace) deleted = db.delete(key);

  if (ttl !== 0n && !absttl) ttl = BigInt.asIntN(64, ttl + BigInt(server.now()));
  if (ttl !== 0n && ttl <= BigInt(server.now()) && !server.isLoading() && !server.isReplica()) {
    if (deleted) {
      c.ext.propagateArgv = ['DEL', key];
      server.signalModifiedKey(c, db, key);
      server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
      server.dirty++;
    }
    c.addReplyStatus('OK');
    return;
  }

  dbAdd(c, db, key, obj);
  if (ttl !== 0n) {
    db.setExpireExact(key, ttl > LLONG_MAX ? LLONG_MAX : ttl);
    if (!absttl) {
      // Propagate the TTL as an absolute time.
      const out = argv.slice();
      out[2] = ttl.toString();
      out.push('ABSTTL');
      c.ext.propagateArgv = out;
    }
  }
  setKeyUsage(
    db,
    key,
    usagePolicy(server.config.str('maxmemory-policy')),
    lfuFreq >= 0n ? Number(lfuFreq) : undefined,
    lruIdle >= 0n ? Number(lruIdle > 9007199254740991n ? 9007199254740991n : lruIdle) : undefined,
    lruClock,
    server.now(),
  );
  server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'restore', key, db.id);
  c.addReplyStatus('OK');
  server.dirty++;
}

/** atoi(): the leading decimal integer, 0 when none. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m === null ? 0 : parseInt(m[1], 10);
}

registerDebugSubcommand({
  name: 'set-skip-checksum-validation',
  argcOk: (argc) => argc === 3,
  help: ['SET-SKIP-CHECKSUM-VALIDATION <0|1>', "    Enables or disables checksum checks for RDB files and RESTORE's payload."],
  handler: (c, argv) => {
    setSkipChecksumValidation(c.server, atoi(argv[2]) !== 0);
    c.addReplyOK();
  },
});

// Lists have no nodes in Nodis: the threshold only shapes their RDB/DUMP form.
registerDebugSubcommand({
  name: 'quicklist-packed-threshold',
  argcOk: (argc) => argc === 3,
  help: [
    'QUICKLIST-PACKED-THRESHOLD <size>',
    '    Sets the threshold for elements to be inserted as plain vs packed nodes',
    '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  ],
  handler: (c, argv) => {
    const sz = memtoullBig(argv[2]);
    if (sz === null || !setQuicklistPackedThreshold(sz)) {
      throw new RedisError('argument must be a memory value bigger than 1 and smaller than 4gb');
    }
    c.addReplyOK();
  },
});

export const dumpCommands: CommandSpec[] = [
  cmd('dump', 2, ['readonly'], [1, 1, 1], { acl: ['keyspace'], handler: dumpCommand }),
  cmd('restore', -4, ['write', 'denyoom'], [1, 1, 1], { acl: ['keyspace', 'dangerous'], handler: restoreCommand }),
  cmd('restore-asking', -4, ['write', 'denyoom', 'asking'], [1, 1, 1], {
    acl: ['keyspace', 'dangerous'],
    handler: restoreCommand,
  }),
];
