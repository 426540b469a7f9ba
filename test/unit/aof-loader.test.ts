/**
 * Replaying AOF files (loadSingleAppendOnlyFile()/loadAppendOnlyFiles()):
 * commands through the fake client, MULTI/EXEC, annotations, and Redis's
 * handling of torn tails at every offset (aof-load-truncated yes/no),
 * format errors and unknown commands, with Redis's log lines.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodisServer } from '../../src/server/server.js';
import { encodeCommand } from '../../src/persistence/aof/resp.js';
import { parseManifest } from '../../src/persistence/aof/manifest.js';
import {
  AOF_EMPTY,
  AOF_FAILED,
  AOF_NOT_EXIST,
  AOF_OK,
  AOF_TRUNCATED,
  loadAppendOnlyFiles,
  loadSingleAppendOnlyFile,
  StdioReader,
  type AofLoadOptions,
} from '../../src/persistence/aof/loader.js';
import { isString, strValue } from '../../src/store/types.js';

let dir: string;
let lines: string[];
let server: NodisServer;

function newServer(): NodisServer {
  lines = [];
  const logger = pino({ level: 'trace' }, { write: (s: string) => lines.push(JSON.parse(s).msg) });
  return new NodisServer({ config: { save: '' }, logger });
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-aofload-'));
  server = newServer();
});
afterEach(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function opts(loadTruncated = true): AofLoadOptions {
  return { dirPath: dir, aofFilename: 'appendonly.aof', loadTruncated, loadRdb: null };
}

function write(name: string, data: string): void {
  fs.writeFileSync(path.join(dir, name), Buffer.from(data, 'latin1'));
}

function dump(s: NodisServer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const db of s.dbs) {
    db.dict.forEach((k, v) => {
      out[`${db.id}:${k}`] = isString(v) ? strValue(v) : `<${(v as { type: string }).type}>`;
    });
  }
  return out;
}

function load(name: string, loadTruncated = true): number {
  server.loading = true;
  try {
    return loadSingleAppendOnlyFile(server, name, opts(loadTruncated));
  } finally {
    server.loading = false;
  }
}

describe('StdioReader', () => {
  it('reads lines like fgets() and blocks like fread()', () => {
    write('f', 'ab\ncd');
    const fd = fs.openSync(path.join(dir, 'f'), 'r');
    const r = new StdioReader(fd);
    expect(r.fgets(1024)!.toString()).toBe('ab\n');
    expect(r.tell()).toBe(3);
    expect(r.eof).toBe(false);
    expect(r.fgets(1024)!.toString()).toBe('cd');
    expect(r.eof).toBe(true);
    expect(r.fgets(1024)).toBe(null);
    fs.closeSync(fd);
    write('g', 'x'.repeat(2000) + '\n');
    const fd2 = fs.openSync(path.join(dir, 'g'), 'r');
    const r2 = new StdioReader(fd2);
    expect(r2.fgets(1024)!.length).toBe(1023);
    expect(r2.fread(977)!.length).toBe(977);
    expect(r2.fread(2)).toBe(null);
    expect(r2.eof).toBe(true);
    fs.closeSync(fd2);
  });
});

describe('replay', () => {
  it('runs commands, SELECT and MULTI/EXEC; skips annotations; keeps binary data', () => {
    write(
      'a.aof',
      '#TS:1700000000\r\n' +
        encodeCommand(['SET', 'k\xff\x00', 'v\xc3\r\n']) +
        encodeCommand(['SELECT', '3']) +
        encodeCommand(['MULTI']) +
        encodeCommand(['SET', 'a', '1']) +
        encodeCommand(['INCR', 'a']) +
        encodeCommand(['EXEC']) +
        encodeCommand(['RPUSH', 'l', 'x', 'y']) +
        encodeCommand(['PEXPIREAT', 'l', '1']),
    );
    expect(load('a.aof')).toBe(AOF_OK);
    // Nothing expires while loading: the key is there until the first access.
    expect(dump(server)).toEqual({ '0:k\xff\x00': 'v\xc3\r\n', '3:a': '2', '3:l': '<list>' });
    expect(server.dbs[3].getExpire('l')).toBe(1);
    // The fake client is gone and did not count as a connection.
    expect(server.clients.size).toBe(0);
    expect(server.stats.numConnections).toBe(0);
  });

  it('an error reply of a command does not stop the loading', () => {
    write('e.aof', encodeCommand(['SET', 's', 'x']) + encodeCommand(['LPUSH', 's', 'y']) + encodeCommand(['SET', 't', 'z']));
    expect(load('e.aof')).toBe(AOF_OK);
    expect(dump(server)).toEqual({ '0:s': 'x', '0:t': 'z' });
  });

  it('empty and missing files', () => {
    write('empty.aof', '');
    expect(load('empty.aof')).toBe(AOF_EMPTY);
    expect(load('missing.aof')).toBe(1 /* AOF_NOT_EXIST */);
    expect(lines).toContain("The append log file missing.aof doesn't exist: No such file or directory");
  });

  it('an unknown command fails the load', () => {
    write('u.aof', encodeCommand(['SET', 'a', '1']) + encodeCommand(['NOSUCHCMD', 'x']));
    expect(load('u.aof')).toBe(AOF_FAILED);
    expect(lines).toContain("Unknown command 'NOSUCHCMD' reading the append only file u.aof");
  });

  it('a format error in the middle is fatal even with aof-load-truncated', () => {
    write('f.aof', encodeCommand(['SET', 'a', '1']) + 'garbage\r\n' + encodeCommand(['SET', 'b', '2']));
    expect(load('f.aof', true)).toBe(AOF_FAILED);
    expect(lines).toContain(
      'Bad file format reading the append only file f.aof: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>',
    );
    expect(fs.statSync(path.join(dir, 'f.aof')).size).toBeGreaterThan(20);
  });

  it('*0 and $-lines that are not bulk lengths are format errors', () => {
    write('z.aof', '*0\r\n');
    expect(load('z.aof')).toBe(AOF_FAILED);
    write('y.aof', '*1\r\n:3\r\n');
    expect(load('y.aof')).toBe(AOF_FAILED);
  });
});

/** The file: commands whose effects are visible one by one, with a transaction. */
const COMMANDS: string[][] = [
  ['SET', 'k1', 'v1'],
  ['SET', 'k\xff2', '\x00\xc3v2'],
  ['SELECT', '2'],
  ['MULTI'],
  ['SET', 't1', 'a'],
  ['SET', 't2', 'b'],
  ['EXEC'],
  ['SET', 'k3', 'x'.repeat(40)],
  ['SELECT', '0'],
  ['SET', 'k4', ''],
];

/** What loading the first `bytes` bytes gives: [status, keys, size the file is cut to]. */
function model(bytes: number, loadTruncated: boolean): [number, Record<string, string>, number] {
  const keys: Record<string, string> = {};
  let db = 0;
  let off = 0;
  let queued: string[][] | null = null;
  let validUpTo = 0;
  let beforeMulti = 0;
  for (const argv of COMMANDS) {
    const enc = encodeCommand(argv);
    if (off + enc.length > bytes) {
      // A torn command.
      if (off === bytes && queued === null) return [AOF_OK, keys, bytes];
      if (off === bytes) return loadTruncated ? [AOF_TRUNCATED, keys, beforeMulti] : [AOF_FAILED, keys, bytes];
      return loadTruncated ? [AOF_TRUNCATED, keys, validUpTo] : [AOF_FAILED, keys, bytes];
    }
    const apply = (a: string[]): void => {
      if (a[0] === 'SELECT') db = Number(a[1]);
      else if (a[0] === 'SET') keys[`${db}:${a[1]}`] = a[2];
    };
    if (argv[0] === 'MULTI') {
      beforeMulti = validUpTo;
      queued = [];
    } else if (argv[0] === 'EXEC') {
      for (const q of queued!) apply(q);
      queued = null;
    } else if (queued !== null) {
      queued.push(argv);
    } else {
      apply(argv);
    }
    off += enc.length;
    validUpTo = off;
  }
  return [AOF_OK, keys, bytes];
}

describe('torn tails at every offset', () => {
  const full = COMMANDS.map(encodeCommand).join('');
  for (const loadTruncated of [true, false]) {
    it(`aof-load-truncated ${loadTruncated ? 'yes' : 'no'}`, () => {
      for (let n = 1; n <= full.length; n++) {
        for (const db of server.dbs) db.clear();
        lines.length = 0;
        write('t.aof', full.slice(0, n));
        const [status, keys, size] = model(n, loadTruncated);
        const got = load('t.aof', loadTruncated);
        expect({ n, got }).toEqual({ n, got: status });
        expect(dump(server)).toEqual(keys);
        expect({ n, size: fs.statSync(path.join(dir, 't.aof')).size }).toEqual({ n, size });
        if (status === AOF_TRUNCATED) {
          expect(lines).toContain('!!! Warning: short read while loading the AOF file t.aof!!!');
          expect(lines).toContain(`!!! Truncating the AOF t.aof at offset ${size} !!!`);
          expect(lines).toContain('AOF t.aof loaded anyway because aof-load-truncated is enabled');
        }
        if (status === AOF_FAILED) {
          expect(lines).toContain(
            "Unexpected end of file reading the append only file t.aof. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
          );
        }
      }
    });
  }

  it('an unterminated MULTI at the end is reverted', () => {
    write('m.aof', encodeCommand(['SET', 'a', '1']) + encodeCommand(['MULTI']) + encodeCommand(['SET', 'b', '2']));
    expect(load('m.aof')).toBe(AOF_TRUNCATED);
    expect(lines).toContain('Revert incomplete MULTI/EXEC transaction in AOF file m.aof');
    expect(dump(server)).toEqual({ '0:a': '1' });
    expect(fs.statSync(path.join(dir, 'm.aof')).size).toBe(encodeCommand(['SET', 'a', '1']).length);
  });
});

describe('loadAppendOnlyFiles', () => {
  it('loads the base then the incr files in order; sizes for INFO', () => {
    write('appendonly.aof.1.base.aof', encodeCommand(['SET', 'a', 'base']) + encodeCommand(['SET', 'b', 'base']));
    write('appendonly.aof.1.incr.aof', encodeCommand(['SET', 'a', 'incr1']));
    write('appendonly.aof.2.incr.aof', '');
    write('appendonly.aof.3.incr.aof', encodeCommand(['DEL', 'b']));
    const am = parseManifest(
      'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.3.incr.aof seq 3 type i\n',
    );
    const r = loadAppendOnlyFiles(server, am, opts());
    expect(r.status).toBe(AOF_OK);
    expect(dump(server)).toEqual({ '0:a': 'incr1' });
    const sizes = ['1.base', '1.incr', '2.incr', '3.incr'].map((s) => fs.statSync(path.join(dir, `appendonly.aof.${s}.aof`)).size);
    expect(r.totalSize).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(r.baseSize).toBe(sizes[0]);
    expect(lines.some((l) => /^DB loaded from base file appendonly\.aof\.1\.base\.aof: \d+\.\d{3} seconds$/.test(l))).toBe(true);
    expect(lines.some((l) => /^DB loaded from incr file appendonly\.aof\.3\.incr\.aof: \d+\.\d{3} seconds$/.test(l))).toBe(true);
  });

  it('a torn file that is not the last one is fatal', () => {
    write('x.1.base.aof', encodeCommand(['SET', 'a', '1']).slice(0, 10));
    write('x.1.incr.aof', encodeCommand(['SET', 'b', '1']));
    const am = parseManifest('file x.1.base.aof seq 1 type b\nfile x.1.incr.aof seq 1 type i\n');
    expect(loadAppendOnlyFiles(server, am, opts()).status).toBe(AOF_FAILED);
    expect(lines).toContain('Fatal error: the truncated file is not the last file');
  });

  it('a file listed in the manifest but missing on disk is fatal', () => {
    const am = parseManifest('file gone.1.incr.aof seq 1 type i\n');
    expect(loadAppendOnlyFiles(server, am, opts()).status).toBe(AOF_FAILED);
    expect(lines).toContain('Unable to obtain the AOF file gone.1.incr.aof length. stat: No such file or directory');
  });

  it('an empty manifest means no AOF; empty files mean an empty AOF', () => {
    expect(loadAppendOnlyFiles(server, parseManifest('# none\n'), opts()).status).toBe(AOF_NOT_EXIST);
    write('e.1.incr.aof', '');
    expect(loadAppendOnlyFiles(server, parseManifest('file e.1.incr.aof seq 1 type i\n'), opts()).status).toBe(AOF_EMPTY);
  });
});
