/**
 * The RDB check report (redis-check-rdb.c): walk a file with the loader,
 * noting AUX fields, SELECTDB and the checksum as it goes, and on failure
 * say where and while doing what it stopped. The server writes this report
 * to its log when the RDB it starts from does not load; bin/nodis-check-rdb
 * prints it for any file.
 */
import { cString, loadRdb, RdbLoadError, type RdbDoing, type RdbTrace } from './reader.js';

/** rdb_type_string[]: RDB object types by number. */
const TYPE_NAMES = [
  'string',
  'list-linked',
  'set-hashtable',
  'zset-v1',
  'hash-hashtable',
  'zset-v2',
  'module-value',
  '',
  '',
  'hash-zipmap',
  'list-ziplist',
  'set-intset',
  'zset-ziplist',
  'hash-ziplist',
  'quicklist',
  'stream',
  'hash-listpack',
  'zset-listpack',
  'quicklist-v2',
];

export interface RdbCheckResult {
  ok: boolean;
  /** The report, one line per element, as redis-check-rdb prints it. */
  lines: string[];
}

/**
 * redis_check_rdb_main(): check `buf`, the contents of the file `name`.
 * Values are validated deeply (sanitize-dump-payload yes), the checksum is
 * verified, and `now` (unix ms) decides which TTLs have already passed.
 */
export function checkRdb(buf: Buffer, name: string, now = Date.now()): RdbCheckResult {
  const lines: string[] = [];
  const state = {
    doing: 'start' as RdbDoing,
    key: null as string | null,
    // rdbstate starts zeroed: until a key has been read, the type shown is 0.
    keyType: 0,
    keys: 0,
    expires: 0,
    alreadyExpired: 0,
    now,
    info(offset: number, msg: string): void {
      lines.push(`[offset ${offset}] ${msg}`);
    },
  } satisfies RdbTrace;
  const generic = (): void => {
    lines.push(`[info] ${state.keys} keys read`, `[info] ${state.expires} expires`, `[info] ${state.alreadyExpired} already expired`);
  };
  state.info(0, `Checking RDB file ${name}`);
  let end: number;
  try {
    end = loadRdb(buf, { selectDb() {}, key() {}, function() {} }, { deep: true, checksum: true, dbnum: Infinity, trace: state }).end;
  } catch (e) {
    const err = e instanceof RdbLoadError ? e : new RdbLoadError(String(e));
    // The signature and version are checked once the first 9 bytes are read.
    const offset = isHeaderError(err) ? 9 : err.offset;
    lines.push('--- RDB ERROR DETECTED ---', `[offset ${offset}] ${describe(err, state.doing)}`);
    lines.push(`[additional info] While doing: ${state.doing}`);
    // Printed as a C string: up to its first NUL.
    if (state.key !== null) lines.push(`[additional info] Reading key '${cString(state.key)}'`);
    if (state.keyType !== -1) {
      lines.push(`[additional info] Reading type ${state.keyType} (${TYPE_NAMES[state.keyType] ?? 'unknown'})`);
    }
    generic();
    return { ok: false, lines };
  }
  state.info(end, '\\o/ RDB looks OK! \\o/');
  generic();
  return { ok: true, lines };
}

/** The error line: rdbCheckError()'s message for each way a load fails. */
function describe(err: RdbLoadError, doing: RdbDoing): string {
  if (err.checksumMismatch) return 'RDB CRC error';
  const badType = /^Unknown RDB encoding type (\d+)$/.exec(err.message);
  if (badType !== null && doing === 'read-type') return `Invalid object type: ${badType[1]}`;
  if (err.truncated) return 'Unexpected EOF reading RDB file';
  if (isHeaderError(err)) return err.message;
  return `Internal error in RDB reading offset ${err.offset}, function at rdb.c:0 -> ${err.message}`;
}

function isHeaderError(err: RdbLoadError): boolean {
  return !err.truncated && /^(Wrong signature|Can't handle RDB format)/.test(err.message);
}
