/**
 * AOF loading (loadSingleAppendOnlyFile() / loadAppendOnlyFiles() of
 * aof.c): every BASE and INCR file of the manifest is replayed through a
 * fake client, in order. An RDB-format file (a `.base.rdb`, or an old
 * single-file AOF with an RDB preamble) is loaded as RDB first. The reading
 * mirrors Redis's fgets()/fread() loop so the same files are accepted,
 * truncated (aof-load-truncated) or refused, with the same log lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLIENT_BLOCKED, CLIENT_MULTI, CLIENT_REPLY_OFF, type Client } from '../../server/client.js';
import type { NodisServer } from '../../server/server.js';
import { RedisError } from '../../commands/types.js';
import type { AofManifest } from './manifest.js';
import { relaySteps, runLoadSteps, type LoadSteps } from '../load-steps.js';
import { debugDelay } from '../../util/sleep.js';
import { fdSource, type RdbFileSource } from '../rdb/reader.js';

export const AOF_OK = 0;
export const AOF_NOT_EXIST = 1;
export const AOF_EMPTY = 2;
export const AOF_OPEN_ERR = 3;
export const AOF_FAILED = 4;
export const AOF_TRUNCATED = 5;
export type AofStatus = 0 | 1 | 2 | 3 | 4 | 5;

/** AOF_ANNOTATION_LINE_MAX_LEN: the fgets() buffer of the loader. */
const LINE_MAX = 1024;
const CHUNK = 1 << 20;

/**
 * Loads an RDB image found at the start of an AOF file (the RDB format's
 * own loader, with the AOF-preamble flag), in steps that yield the offset
 * reached. Returns the number of bytes the RDB took (through its
 * checksum); throws on any error.
 */
export type RdbPreambleLoader = (input: Buffer | RdbFileSource) => LoadSteps<number>;

export interface AofLoadOptions {
  /** Directory holding the AOF files (`dir`/`appenddirname`). */
  dirPath: string;
  /** `appendfilename`: a BASE file of that exact name is an old-style AOF. */
  aofFilename: string;
  /** `aof-load-truncated`. */
  loadTruncated: boolean;
  /** Loader of RDB-format files and preambles; null when unavailable. */
  loadRdb: RdbPreambleLoader | null;
  /** Called with the size of all the files once known (loading_total_bytes). */
  totalSize?: (bytes: number) => void;
  /** key-load-delay: microseconds to sleep after each command (debugDelay()); read again at each step. */
  keyLoadDelay?: () => number;
}

/** The file as C stdio sees it: fgets() lines and fread() blocks. */
export class StdioReader {
  private buf = Buffer.alloc(0);
  private pos = 0;
  /** File offset of buf[0]. */
  private base = 0;
  /** feof(): a read hit the end of the file. */
  eof = false;

  constructor(
    private readonly fd: number,
    start = 0,
  ) {
    this.base = start;
  }

  /** ftello(). */
  tell(): number {
    return this.base + this.pos;
  }

  /** Make `n` bytes available from pos if the file has them; false when it has fewer. */
  private fill(n: number): boolean {
    if (this.buf.length - this.pos >= n) return true;
    const keep = this.buf.subarray(this.pos);
    const size = Math.max(CHUNK, n);
    const next = Buffer.allocUnsafe(size);
    keep.copy(next, 0);
    this.base += this.pos;
    this.pos = 0;
    let got = keep.length;
    while (got < size) {
      const r = fs.readSync(this.fd, next, got, size - got, this.base + got);
      if (r === 0) break;
      got += r;
    }
    this.buf = next.subarray(0, got);
    return got >= n;
  }

  /**
   * fgets(buf, size): up to size-1 bytes, stopping after a newline. Null
   * when nothing could be read (end of file).
   */
  fgets(size: number): Buffer | null {
    const max = size - 1;
    this.fill(max);
    const avail = Math.min(max, this.buf.length - this.pos);
    if (avail === 0) {
      this.eof = true;
      return null;
    }
    const nl = this.buf.indexOf(10, this.pos);
    let end: number;
    if (nl !== -1 && nl < this.pos + avail) {
      end = nl + 1;
    } else {
      end = this.pos + avail;
      if (avail < max) this.eof = true;
    }
    const line = this.buf.subarray(this.pos, end);
    this.pos = end;
    return line;
  }

  /** fread(n, 1): the n bytes, or null after a short read (which still consumes). */
  fread(n: number): Buffer | null {
    if (!this.fill(n)) {
      this.pos = this.buf.length;
      this.eof = true;
      return null;
    }
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** atoi()/strtol() on a C string: blanks, sign, digits; 0 if none. */
function cAtoi(b: Buffer, from: number): number {
  let i = from;
  while (i < b.length && (b[i] === 32 || (b[i] >= 9 && b[i] <= 13))) i++;
  let neg = false;
  if (i < b.length && (b[i] === 43 || b[i] === 45)) {
    neg = b[i] === 45;
    i++;
  }
  let n = 0;
  while (i < b.length && b[i] >= 48 && b[i] <= 57) {
    n = n * 10 + (b[i] - 48);
    i++;
  }
  return neg ? -n : n;
}

/** The second byte of a line as C sees it ('\0' at the end of the string). */
function cByte(b: Buffer, i: number): number {
  for (let j = 0; j < i; j++) if (b[j] === 0) return 0;
  return i < b.length ? b[i] : 0;
}

function log(server: NodisServer, level: 'notice' | 'warning', msg: string): void {
  if (level === 'warning') server.logger.warn(msg);
  else server.logger.info(msg);
}

/** createAOFClient(): no replies, never blocks, not listed among clients. */
export function createAofClient(server: NodisServer): Client {
  const c = server.createClient(null);
  server.stats.numConnections--;
  c.flags |= CLIENT_REPLY_OFF;
  c.refreshReplyMode();
  c.ext.denyBlocking = true;
  c.ext.isAofClient = true;
  // mustObeyClient(): what the AOF holds is applied as the primary's stream is.
  c.ext.isAof = true;
  return c;
}

export function freeAofClient(server: NodisServer, c: Client): void {
  server.freeClient(c);
}

/**
 * loadSingleAppendOnlyFile(): replay one file of the AOF directory.
 */
export function loadSingleAppendOnlyFile(server: NodisServer, filename: string, opts: AofLoadOptions): AofStatus {
  return runLoadSteps(loadSingleAppendOnlyFileSteps(server, filename, opts));
}

/** loadSingleAppendOnlyFile() in steps. */
export function* loadSingleAppendOnlyFileSteps(server: NodisServer, filename: string, opts: AofLoadOptions): LoadSteps<AofStatus> {
  const filepath = path.join(opts.dirPath, fsName(filename));
  let fd: number;
  try {
    fd = fs.openSync(filepath, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') {
      log(server, 'warning', `The append log file ${filename} doesn't exist: ${strerror(err)}`);
      return AOF_NOT_EXIST;
    }
    log(server, 'warning', `Fatal error: can't open the append log file ${filename} for reading: ${strerror(err)}`);
    return AOF_OPEN_ERR;
  }
  let fake: Client | null = null;
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return AOF_EMPTY;
    fake = createAofClient(server);
    return yield* replay(server, fake, fd, filename, filepath, opts);
  } finally {
    if (fake !== null) freeAofClient(server, fake);
    fs.closeSync(fd);
  }
}

function* replay(server: NodisServer, fake: Client, fd: number, filename: string, filepath: string, opts: AofLoadOptions): LoadSteps<AofStatus> {
  let validUpTo = 0;
  let validBeforeMulti = 0;
  let start = 0;

  // An RDB image first: a .base.rdb file, or an old-style AOF's preamble.
  const sig = Buffer.alloc(5);
  const n = fs.readSync(fd, sig, 0, 5, 0);
  if (n === 5 && sig.toString('latin1') === 'REDIS') {
    const oldStyle = filename === opts.aofFilename;
    log(server, 'notice', oldStyle ? 'Reading RDB preamble from AOF file...' : 'Reading RDB base file on AOF loading...');
    let used = -1;
    let shortRead = true;
    if (opts.loadRdb !== null) {
      try {
        used = yield* opts.loadRdb(fdSource(fd));
      } catch (e) {
        // rdbReportError(): a short read is logged and loading fails; a
        // corrupt image terminates the server.
        shortRead = isShortRead(e);
        const msg = (e as Error).message;
        if (shortRead) {
          log(server, 'warning', `${msg}. Failure loading rdb format from socket, assuming connection error, resuming operation.`);
        } else {
          log(server, 'warning', `${msg}. Failure loading rdb format`);
          log(server, 'warning', 'Terminating server after rdb file reading failure.');
          return AOF_FAILED;
        }
      }
    } else {
      log(server, 'warning', 'RDB format support is not available');
      return AOF_FAILED;
    }
    if (used < 0) {
      log(
        server,
        'warning',
        oldStyle
          ? `Error reading the RDB preamble of the AOF file ${filename}, AOF loading aborted`
          : `Error reading the RDB base file ${filename}, AOF loading aborted`,
      );
      // `readerr:` at the end of the file: the short-read path, with nothing
      // valid before the image.
      return unexpectedEof(server, filename, filepath, 0, opts);
    }
    start = used;
    if (oldStyle) log(server, 'notice', 'Reading the remaining AOF tail...');
  }

  const r = new StdioReader(fd, start);
  let loops = 0;
  let keyDelay = opts.keyLoadDelay !== undefined ? opts.keyLoadDelay() : 0;
  const queue = server.queueMulti;
  for (;;) {
    if ((loops++ & 1023) === 0 && loops > 1) {
      yield r.tell();
      if (opts.keyLoadDelay !== undefined) keyDelay = opts.keyLoadDelay();
    }
    const line = r.fgets(LINE_MAX);
    if (line === null) break;
    if (line[0] === 0x23 /* # */) continue;
    if (line[0] !== 0x2a /* * */) return formatError(server, filename);
    if (cByte(line, 1) === 0) {
      if (r.eof) return unexpectedEof(server, filename, filepath, validUpTo, opts);
      return readError(server, filename);
    }
    const argc = cAtoi(line, 1);
    if (argc < 1) return formatError(server, filename);
    const argv: string[] = new Array(argc);
    for (let j = 0; j < argc; j++) {
      const l = r.fgets(LINE_MAX);
      if (l === null) return unexpectedEof(server, filename, filepath, validUpTo, opts);
      if (l[0] !== 0x24 /* $ */) return formatError(server, filename);
      const len = cAtoi(l, 1);
      if (len < 0) return formatError(server, filename);
      let arg = '';
      if (len > 0) {
        const b = r.fread(len);
        if (b === null) return unexpectedEof(server, filename, filepath, validUpTo, opts);
        arg = b.latin1Slice(0, b.length);
      }
      argv[j] = arg;
      // Discard CRLF.
      if (r.fread(2) === null) return unexpectedEof(server, filename, filepath, validUpTo, opts);
    }

    const cmd = server.commands.lookup(argv);
    if (cmd === undefined) {
      log(server, 'warning', `Unknown command '${cString(argv[0])}' reading the append only file ${filename}`);
      return AOF_FAILED;
    }
    if (cmd.name === 'multi') validBeforeMulti = validUpTo;
    fake.cmd = fake.lastCmd = cmd;
    fake.argv = argv;
    if (fake.flags & CLIENT_MULTI && cmd.name !== 'exec') {
      if (queue !== null) queue(fake, cmd, argv, cmd.flags);
    } else if ((cmd.arity > 0 && cmd.arity !== argc) || argc < -cmd.arity) {
      // Redis runs the command as is; a handler here relies on the arity
      // check, so a malformed command only gets its error reply.
    } else {
      try {
        cmd.handler!(fake, argv);
      } catch (e) {
        if (!(e instanceof RedisError)) {
          server.logger.error({ err: e, command: cmd.fullname }, 'internal error while loading the append only file');
        }
      }
    }
    if (fake.flags & CLIENT_BLOCKED) throw new Error('the AOF client was blocked');
    if (keyDelay !== 0) debugDelay(keyDelay);
    if (opts.loadTruncated) validUpTo = r.tell();
  }

  // A MULTI without EXEC at the end counts as a short read.
  if (fake.flags & CLIENT_MULTI) {
    log(server, 'warning', `Revert incomplete MULTI/EXEC transaction in AOF file ${filename}`);
    return unexpectedEof(server, filename, filepath, validBeforeMulti, opts);
  }
  return AOF_OK;
}

function readError(server: NodisServer, filename: string): AofStatus {
  log(server, 'warning', `Unrecoverable error reading the append only file ${filename}: Success`);
  return AOF_FAILED;
}

function formatError(server: NodisServer, filename: string): AofStatus {
  log(
    server,
    'warning',
    `Bad file format reading the append only file ${filename}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`,
  );
  return AOF_FAILED;
}

/** The `uxeof:` label: truncate the torn tail when allowed, else fail. */
function unexpectedEof(
  server: NodisServer,
  filename: string,
  filepath: string,
  validUpTo: number,
  opts: AofLoadOptions,
): AofStatus {
  if (opts.loadTruncated) {
    log(server, 'warning', `!!! Warning: short read while loading the AOF file ${filename}!!!`);
    log(server, 'warning', `!!! Truncating the AOF ${filename} at offset ${validUpTo} !!!`);
    if (validUpTo === -1) {
      log(server, 'warning', 'Last valid command offset is invalid');
    } else {
      let ok = true;
      try {
        fs.truncateSync(filepath, validUpTo);
      } catch (e) {
        ok = false;
        log(server, 'warning', `Error truncating the AOF file ${filename}: ${strerror(e as NodeJS.ErrnoException)}`);
      }
      if (ok) {
        log(server, 'warning', `AOF ${filename} loaded anyway because aof-load-truncated is enabled`);
        return AOF_TRUNCATED;
      }
    }
  }
  log(
    server,
    'warning',
    `Unexpected end of file reading the append only file ${filename}. You can: ` +
      '1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. ' +
      "2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
  );
  return AOF_FAILED;
}

/** Size of a file of the AOF directory, or a status when it cannot be read. */
export function aofFileSize(server: NodisServer, dirPath: string, name: string): { size: number; status: AofStatus } {
  try {
    return { size: fs.statSync(path.join(dirPath, fsName(name))).size, status: AOF_OK };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    log(server, 'warning', `Unable to obtain the AOF file ${name} length. stat: ${strerror(err)}`);
    return { size: 0, status: err.code === 'ENOENT' ? AOF_NOT_EXIST : AOF_OPEN_ERR };
  }
}

export interface LoadResult {
  status: AofStatus;
  /** Size of the BASE and INCR files (aof_current_size). */
  totalSize: number;
  /** Size of the BASE file (aof_rewrite_base_size). */
  baseSize: number;
}

/**
 * loadAppendOnlyFiles(): the BASE file, then every INCR file. A truncated
 * file is only acceptable as the last one.
 */
export function loadAppendOnlyFiles(server: NodisServer, am: AofManifest, opts: AofLoadOptions): LoadResult {
  return runLoadSteps(loadAppendOnlyFilesSteps(server, am, opts));
}

/** loadAppendOnlyFiles() in steps: the offsets yielded count the files before too. */
export function* loadAppendOnlyFilesSteps(server: NodisServer, am: AofManifest, opts: AofLoadOptions): LoadSteps<LoadResult> {
  const res: LoadResult = { status: AOF_OK, totalSize: 0, baseSize: 0 };
  if (am.isEmpty()) {
    res.status = AOF_NOT_EXIST;
    return res;
  }
  const totalNum = am.fileCount();
  let total = 0;
  for (const ai of am.base ? [am.base, ...am.incr] : am.incr) {
    const s = aofFileSize(server, opts.dirPath, ai.name);
    if (s.status !== AOF_OK) {
      res.status = s.status === AOF_NOT_EXIST ? AOF_FAILED : s.status;
      return res;
    }
    total += s.size;
  }
  if (total === 0) {
    res.status = AOF_EMPTY;
    return res;
  }
  opts.totalSize?.(total);
  let before = 0;
  let num = 0;
  let ret: AofStatus = AOF_OK;
  let baseSize = 0;
  const files: [string, 'base' | 'incr'][] = [];
  if (am.base) files.push([am.base.name, 'base']);
  for (const ai of am.incr) files.push([ai.name, 'incr']);
  for (const [name, kind] of files) {
    const last = ++num === totalNum;
    const size = aofFileSize(server, opts.dirPath, name).size;
    if (kind === 'base') baseSize = size;
    const start = process.hrtime.bigint();
    const offset = before;
    ret = yield* relaySteps(loadSingleAppendOnlyFileSteps(server, name, opts), (pos) => offset + pos);
    before += size;
    if (ret === AOF_OK || (ret === AOF_TRUNCATED && last)) {
      const secs = Number(process.hrtime.bigint() - start) / 1e9;
      log(server, 'notice', `DB loaded from ${kind} file ${name}: ${secs.toFixed(3)} seconds`);
    }
    // An empty INCR file does not make the whole AOF empty.
    if (kind === 'incr' && ret === AOF_EMPTY) ret = AOF_OK;
    if (ret === AOF_TRUNCATED && !last) {
      ret = AOF_FAILED;
      log(server, 'warning', 'Fatal error: the truncated file is not the last file');
    }
    if (ret === AOF_OPEN_ERR || ret === AOF_FAILED) {
      res.status = ret;
      return res;
    }
  }
  res.status = ret;
  res.totalSize = total;
  res.baseSize = baseSize;
  return res;
}

/** An RDB loading error caused by the end of the data (not corruption). */
function isShortRead(e: unknown): boolean {
  const err = e as { shortRead?: boolean; truncated?: boolean; message?: string };
  if (err.shortRead === true || err.truncated === true) return true;
  return typeof err.message === 'string' && /Unexpected EOF|short read/i.test(err.message);
}

/** strerror() text of a Node error. */
export function strerror(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'EACCES':
      return 'Permission denied';
    case 'EISDIR':
      return 'Is a directory';
    case 'ENOTDIR':
      return 'Not a directory';
    case 'ENOSPC':
      return 'No space left on device';
    case 'EEXIST':
      return 'File exists';
    case 'EROFS':
      return 'Read-only file system';
    case 'EIO':
      return 'Input/output error';
    default:
      return e.message;
  }
}

/** A latin1 file name as a path Node can open. */
export function fsName(name: string): string {
  return /^[\x00-\x7f]*$/.test(name) ? name : Buffer.from(name, 'latin1').toString('utf8');
}

/** printf("%s") of a string with possible NUL bytes. */
function cString(s: string): string {
  const z = s.indexOf('\0');
  return z === -1 ? s : s.slice(0, z);
}
