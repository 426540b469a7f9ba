/**
 * The AOF manifest (Redis 7.0 multi-part AOF): the list of files that make
 * up the append-only log in `appenddirname`, one line per file:
 *
 *   file appendonly.aof.2.base.rdb seq 2 type b
 *   file appendonly.aof.1.incr.aof seq 1 type h
 *   file appendonly.aof.3.incr.aof seq 3 type i
 *
 * BASE (b): the dataset as of the last rewrite (at most one, listed first);
 * HISTORY (h): files replaced by a rewrite, waiting to be deleted;
 * INCR (i): the commands logged since, in sequence order.
 * Parsing follows aofLoadManifestFromFile() line for line, so a manifest
 * Redis rejects is rejected here with the same message.
 */
import { repr } from '../../server/config-defs.js';
import { splitArgs } from '../../server/config-file.js';

export const AOF_FILE_TYPE_BASE = 'b';
export const AOF_FILE_TYPE_HIST = 'h';
export const AOF_FILE_TYPE_INCR = 'i';

export const BASE_FILE_SUFFIX = '.base';
export const INCR_FILE_SUFFIX = '.incr';
export const RDB_FORMAT_SUFFIX = '.rdb';
export const AOF_FORMAT_SUFFIX = '.aof';
export const MANIFEST_NAME_SUFFIX = '.manifest';
export const TEMP_FILE_NAME_PREFIX = 'temp-';

/** fgets() buffer of aofLoadManifestFromFile(): MANIFEST_MAX_LINE + 1. */
const MANIFEST_MAX_LINE = 1024;

export interface AofInfo {
  /** File name (latin1 bytes), never a path. */
  name: string;
  seq: number;
  type: string;
}

/** A manifest Redis would refuse: the fatal error it logs. */
export class ManifestError extends Error {
  constructor(
    message: string,
    /** Line number and trimmed text of the offending line, when there is one. */
    readonly lineNum: number,
    readonly line: string | null,
  ) {
    super(message);
  }

  /** The lines Redis logs before exit(1). */
  logLines(): string[] {
    const out = ['\n*** FATAL AOF MANIFEST FILE ERROR ***\n'];
    if (this.line !== null) {
      out.push(`Reading the manifest file, at line ${this.lineNum}\n`);
      out.push(`>>> '${this.line}'\n`);
    }
    out.push(`${this.message}\n`);
    return out;
  }
}

export class AofManifest {
  base: AofInfo | null = null;
  incr: AofInfo[] = [];
  history: AofInfo[] = [];
  currBaseSeq = 0;
  currIncrSeq = 0;
  /** Changed since it was last written. */
  dirty = false;

  dup(): AofManifest {
    const am = new AofManifest();
    am.base = this.base ? { ...this.base } : null;
    am.incr = this.incr.map((i) => ({ ...i }));
    am.history = this.history.map((i) => ({ ...i }));
    am.currBaseSeq = this.currBaseSeq;
    am.currIncrSeq = this.currIncrSeq;
    am.dirty = this.dirty;
    return am;
  }

  /** getAofManifestAsString(): base, then history, then incr files. */
  format(): string {
    let out = '';
    if (this.base) out += formatInfo(this.base);
    for (const ai of this.history) out += formatInfo(ai);
    for (const ai of this.incr) out += formatInfo(ai);
    return out;
  }

  /** Number of BASE and INCR files (the ones loaded). */
  fileCount(): number {
    return (this.base ? 1 : 0) + this.incr.length;
  }

  isEmpty(): boolean {
    return this.base === null && this.incr.length === 0;
  }

  /**
   * getNewBaseFileNameAndMarkPreAsHistory(): name the next BASE file; the
   * current one, if any, becomes the first HISTORY file.
   */
  newBaseName(aofFilename: string, rdbPreamble: boolean): string {
    if (this.base) {
      this.base.type = AOF_FILE_TYPE_HIST;
      this.history.unshift(this.base);
    }
    const seq = ++this.currBaseSeq;
    const name = `${aofFilename}.${seq}${BASE_FILE_SUFFIX}${rdbPreamble ? RDB_FORMAT_SUFFIX : AOF_FORMAT_SUFFIX}`;
    this.base = { name, seq, type: AOF_FILE_TYPE_BASE };
    this.dirty = true;
    return name;
  }

  /** getNewIncrAofName(): append a new INCR file to the list. */
  newIncrName(aofFilename: string): string {
    const seq = ++this.currIncrSeq;
    const name = `${aofFilename}.${seq}${INCR_FILE_SUFFIX}${AOF_FORMAT_SUFFIX}`;
    this.incr.push({ name, seq, type: AOF_FILE_TYPE_INCR });
    this.dirty = true;
    return name;
  }

  /** getLastIncrAofName(): the INCR file to append to (a new one if none). */
  lastIncrName(aofFilename: string): string {
    if (this.incr.length === 0) return this.newIncrName(aofFilename);
    return this.incr[this.incr.length - 1].name;
  }

  /**
   * markRewrittenIncrAofAsHistory(): after a rewrite every INCR file
   * becomes HISTORY, except the one being written when the AOF is on.
   */
  markRewrittenIncrAsHistory(keepLast: boolean): void {
    if (this.incr.length === 0) return;
    const keep = keepLast ? this.incr.slice(-1) : [];
    const moved = keepLast ? this.incr.slice(0, -1) : this.incr;
    // listAddNodeHead() while walking from the tail: oldest first.
    for (let i = 0; i < moved.length; i++) this.history.unshift({ ...moved[moved.length - 1 - i], type: AOF_FILE_TYPE_HIST });
    this.incr = keep;
    this.dirty = true;
  }
}

/** sdsneedsrepr(). */
function needsRepr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c || c === 0x22 || c === 10 || c === 13 || c === 9 || c === 32 || c === 7 || c === 8) return true;
    if (c < 32 || c >= 127) return true;
  }
  return false;
}

/** aofInfoFormat(). */
export function formatInfo(ai: AofInfo): string {
  const name = needsRepr(ai.name) ? repr(ai.name) : ai.name;
  return `file ${name} seq ${ai.seq} type ${ai.type}\n`;
}

/** atoll(): optional blanks and sign, then digits; 0 when there are none. */
function atoll(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : 0;
}

/** sdstrim(s, " \t\r\n"). */
function trim(s: string): string {
  return s.replace(/^[ \t\r\n]+/, '').replace(/[ \t\r\n]+$/, '');
}

/**
 * aofLoadManifestFromFile() on the file's bytes (latin1). Throws
 * ManifestError with Redis's message on any problem.
 */
export function parseManifest(text: string): AofManifest {
  const am = new AofManifest();
  let maxseq = 0;
  let linenum = 0;
  let pos = 0;
  for (;;) {
    // fgets(buf, MANIFEST_MAX_LINE + 1): up to 1024 bytes, newline included.
    if (pos >= text.length) {
      if (linenum === 0) throw new ManifestError('Found an empty AOF manifest', 0, null);
      break;
    }
    const nl = text.indexOf('\n', pos);
    const end = nl !== -1 && nl - pos < MANIFEST_MAX_LINE ? nl + 1 : Math.min(text.length, pos + MANIFEST_MAX_LINE);
    let buf = text.slice(pos, end);
    pos = end;
    // The C string stops at a NUL byte.
    const nul = buf.indexOf('\0');
    if (nul !== -1) buf = buf.slice(0, nul);
    linenum++;
    if (buf[0] === '#') continue;
    if (!buf.includes('\n')) throw new ManifestError('The AOF manifest file contains too long line', 0, null);
    const line = trim(buf);
    const fail = (msg: string): never => {
      throw new ManifestError(msg, linenum, line);
    };
    if (line === '') fail('Invalid AOF manifest file format');
    const argv = splitArgs(line);
    if (argv === null || argv.length < 6 || argv.length % 2 !== 0) fail('Invalid AOF manifest file format');
    let name: string | null = null;
    let seq = 0;
    let type = '';
    const args = argv!;
    for (let i = 0; i < args.length; i += 2) {
      const k = args[i].toLowerCase();
      if (k === 'file') {
        const v = args[i + 1];
        const z = v.indexOf('\0');
        name = z === -1 ? v : v.slice(0, z);
        if (name.includes('/') || name.includes('\\')) fail("File can't be a path, just a filename");
      } else if (k === 'seq') {
        seq = atoll(args[i + 1]);
      } else if (k === 'type') {
        type = args[i + 1].length > 0 ? args[i + 1][0] : '';
      }
    }
    if (!name || seq === 0 || type === '' || type === '\0') fail('Invalid AOF manifest file format');
    const ai: AofInfo = { name: name!, seq, type };
    if (type === AOF_FILE_TYPE_BASE) {
      if (am.base) fail('Found duplicate base file information');
      am.base = ai;
      am.currBaseSeq = seq;
    } else if (type === AOF_FILE_TYPE_HIST) {
      am.history.push(ai);
    } else if (type === AOF_FILE_TYPE_INCR) {
      if (seq <= maxseq) fail('Found a non-monotonic sequence number');
      am.incr.push(ai);
      am.currIncrSeq = seq;
      maxseq = seq;
    } else {
      fail('Unknown AOF file type');
    }
  }
  return am;
}
