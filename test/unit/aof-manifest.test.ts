/**
 * The multi-part AOF manifest: formatting as aofInfoFormat() does, parsing
 * with aofLoadManifestFromFile()'s rules and messages (compared with
 * redis-check-aof, which runs the same parser, when it is installed), and
 * the sequence bookkeeping of rewrites.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AofManifest, ManifestError, formatInfo, parseManifest } from '../../src/persistence/aof/manifest.js';
import { encodeCommand, encodeSelect, encodeTimestamp } from '../../src/persistence/aof/resp.js';

function parseError(text: string): ManifestError {
  try {
    parseManifest(text);
  } catch (e) {
    if (e instanceof ManifestError) return e;
    throw e;
  }
  throw new Error('the manifest was accepted');
}

describe('manifest format', () => {
  it('writes base, then history, then incr lines', () => {
    const am = new AofManifest();
    am.base = { name: 'appendonly.aof.2.base.rdb', seq: 2, type: 'b' };
    am.history = [{ name: 'appendonly.aof.1.base.rdb', seq: 1, type: 'h' }];
    am.incr = [
      { name: 'appendonly.aof.3.incr.aof', seq: 3, type: 'i' },
      { name: 'appendonly.aof.4.incr.aof', seq: 4, type: 'i' },
    ];
    expect(am.format()).toBe(
      'file appendonly.aof.2.base.rdb seq 2 type b\n' +
        'file appendonly.aof.1.base.rdb seq 1 type h\n' +
        'file appendonly.aof.3.incr.aof seq 3 type i\n' +
        'file appendonly.aof.4.incr.aof seq 4 type i\n',
    );
  });

  it('quotes names that need it, as sdscatrepr()', () => {
    expect(formatInfo({ name: 'a b', seq: 1, type: 'i' })).toBe('file "a b" seq 1 type i\n');
    expect(formatInfo({ name: 'x\xff\x00"', seq: 7, type: 'b' })).toBe('file "x\\xff\\x00\\"" seq 7 type b\n');
  });

  it('round-trips names with spaces, quotes and non-UTF-8 bytes', () => {
    const am = new AofManifest();
    am.base = { name: 'odd name\xff\xc3.1.base.rdb', seq: 1, type: 'b' };
    am.incr = [{ name: 'q"\t.1.incr.aof', seq: 1, type: 'i' }];
    const back = parseManifest(am.format());
    expect(back.base).toEqual(am.base);
    expect(back.incr).toEqual(am.incr);
    expect(back.currBaseSeq).toBe(1);
    expect(back.currIncrSeq).toBe(1);
  });
});

describe('manifest parsing', () => {
  it('accepts comments, keys in any case and order, extra key pairs', () => {
    const am = parseManifest(
      '# comment\nFILE b.rdb SEQ 5 TYPE b\nseq 6 type i file i6.aof\nfile i7.aof seq 7 type i future x\nfile h.aof seq 1 type h\n',
    );
    expect(am.base).toEqual({ name: 'b.rdb', seq: 5, type: 'b' });
    expect(am.incr.map((i) => i.seq)).toEqual([6, 7]);
    expect(am.history).toEqual([{ name: 'h.aof', seq: 1, type: 'h' }]);
    expect(am.currBaseSeq).toBe(5);
    expect(am.currIncrSeq).toBe(7);
  });

  it('a file of comments only is an empty manifest', () => {
    expect(parseManifest('# nothing\n').isEmpty()).toBe(true);
  });

  const cases: [string, string, number | null][] = [
    ['', 'Found an empty AOF manifest', null],
    ['file a seq 1 type b', 'The AOF manifest file contains too long line', null],
    ['\n', 'Invalid AOF manifest file format', 1],
    ['file a seq 1\n', 'Invalid AOF manifest file format', 1],
    ['file a seq 1 type\n', 'Invalid AOF manifest file format', 1],
    ['file a seq x type b\n', 'Invalid AOF manifest file format', 1],
    ['file "a seq 1 type b\n', 'Invalid AOF manifest file format', 1],
    ['file a/b seq 1 type b\n', "File can't be a path, just a filename", 1],
    ['file a seq 1 type b\nfile c seq 2 type b\n', 'Found duplicate base file information', 2],
    ['file a seq 2 type i\nfile c seq 2 type i\n', 'Found a non-monotonic sequence number', 2],
    ['file a seq 1 type x\n', 'Unknown AOF file type', 1],
    [`file ${'a'.repeat(1100)} seq 1 type b\n`, 'The AOF manifest file contains too long line', null],
  ];
  for (const [text, msg, line] of cases) {
    it(`refuses ${JSON.stringify(text.slice(0, 40))}: ${msg}`, () => {
      const e = parseError(text);
      expect(e.message).toBe(msg);
      if (line === null) {
        expect(e.line).toBe(null);
      } else {
        expect(e.lineNum).toBe(line);
        expect(e.logLines()).toContain(`Reading the manifest file, at line ${line}\n`);
      }
      expect(e.logLines()[0]).toBe('\n*** FATAL AOF MANIFEST FILE ERROR ***\n');
    });
  }

  const checkAof = spawnSync('sh', ['-c', 'command -v redis-check-aof']).status === 0;
  it.skipIf(!checkAof)('reports the same errors as redis-check-aof', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-manifest-'));
    try {
      for (const [text, msg] of cases) {
        // redis-check-aof only treats a file whose lines start with "file" as a manifest.
        if (!text.startsWith('file')) continue;
        const file = path.join(dir, 'appendonly.aof.manifest');
        fs.writeFileSync(file, Buffer.from(text, 'latin1'));
        const r = spawnSync('redis-check-aof', [file], { encoding: 'latin1' });
        expect(r.status).toBe(1);
        expect(r.stdout).toContain(`# ${msg}`);
        expect(r.stdout).toContain('*** FATAL AOF MANIFEST FILE ERROR ***');
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  if (!checkAof) console.warn('[aof-manifest] SKIPPED: redis-check-aof is not installed; the differential check did not run');
});

describe('manifest bookkeeping', () => {
  it('names base and incr files with increasing sequence numbers', () => {
    const am = new AofManifest();
    expect(am.newBaseName('appendonly.aof', true)).toBe('appendonly.aof.1.base.rdb');
    expect(am.lastIncrName('appendonly.aof')).toBe('appendonly.aof.1.incr.aof');
    expect(am.lastIncrName('appendonly.aof')).toBe('appendonly.aof.1.incr.aof');
    expect(am.newIncrName('appendonly.aof')).toBe('appendonly.aof.2.incr.aof');
    expect(am.newBaseName('appendonly.aof', false)).toBe('appendonly.aof.2.base.aof');
    expect(am.history).toEqual([{ name: 'appendonly.aof.1.base.rdb', seq: 1, type: 'h' }]);
    expect(am.dirty).toBe(true);
  });

  it('a finished rewrite turns the older incr files into history, oldest first', () => {
    const am = parseManifest(
      'file a.1.base.rdb seq 1 type b\nfile a.1.incr.aof seq 1 type i\nfile a.2.incr.aof seq 2 type i\nfile a.3.incr.aof seq 3 type i\n',
    );
    am.newBaseName('a', true);
    am.markRewrittenIncrAsHistory(true);
    expect(am.format()).toBe(
      'file a.2.base.rdb seq 2 type b\n' +
        'file a.1.incr.aof seq 1 type h\n' +
        'file a.2.incr.aof seq 2 type h\n' +
        'file a.1.base.rdb seq 1 type h\n' +
        'file a.3.incr.aof seq 3 type i\n',
    );
    const off = parseManifest('file a.1.incr.aof seq 1 type i\nfile a.2.incr.aof seq 2 type i\n');
    off.markRewrittenIncrAsHistory(false);
    expect(off.incr).toEqual([]);
    expect(off.history.map((h) => h.seq)).toEqual([1, 2]);
  });

  it('dup() is deep', () => {
    const am = parseManifest('file a.1.base.rdb seq 1 type b\nfile a.1.incr.aof seq 1 type i\n');
    const d = am.dup();
    d.newBaseName('a', true);
    d.newIncrName('a');
    expect(am.format()).toBe('file a.1.base.rdb seq 1 type b\nfile a.1.incr.aof seq 1 type i\n');
  });
});

describe('AOF command encoding', () => {
  it('encodes arguments as bulk strings, byte for byte', () => {
    expect(encodeCommand(['SET', 'k\xff\x00', 'v\r\n'])).toBe('*3\r\n$3\r\nSET\r\n$3\r\nk\xff\x00\r\n$3\r\nv\r\n\r\n');
    expect(encodeCommand(['SET', '', ''])).toBe('*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n');
    expect(encodeSelect(12)).toBe('*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n');
    expect(encodeTimestamp(1700000000)).toBe('#TS:1700000000\r\n');
  });
});
