/**
 * The RDB check report (redis-check-rdb): informational lines with their
 * offsets, counts of keys and expires, and what it says for each way a file
 * fails: CRC, truncation, a corrupt value, a bad signature.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Config } from '../../src/server/config.js';
import { RdbWriter } from '../../src/persistence/rdb/writer.js';
import { loadRdb } from '../../src/persistence/rdb/reader.js';
import { checkRdb } from '../../src/persistence/rdb/check.js';
import { checkRdbMain } from '../../src/persistence/rdb/check-main.js';
import { RList } from '../../src/store/list.js';

const cfg = new Config();
const NOW = 1_800_000_000_000;

/** Three keys in db 0 (one expired at NOW, one expiring later), one in db 3. */
function sample(checksum = true): Buffer {
  const w = new RdbWriter({ compression: false, checksum });
  w.writeHeader([
    ['redis-ver', '7.0.15'],
    ['redis-bits', '64'],
  ]);
  w.writeSelectDb(0, 3, 2);
  w.writeKeyValue('old\xff', 'v', NOW - 1000, cfg);
  w.writeKeyValue('new', 'v', NOW + 1000, cfg);
  w.writeKeyValue('list', RList.from(['a', 'b\x00\xfe']), -1, cfg);
  w.writeSelectDb(3, 1, 0);
  w.writeKeyValue('big', 'x'.repeat(200), -1, cfg);
  w.writeEof();
  return Buffer.from(w.take());
}

describe('checkRdb', () => {
  it('a sound file: AUX fields, SELECTDB and the checksum with their offsets, then the counts', () => {
    const buf = sample();
    const r = checkRdb(buf, 'dump.rdb', NOW);
    expect(r.ok).toBe(true);
    const auxEnd1 = 9 + 1 + 1 + 9 + 1 + 6; // opcode, len+"redis-ver", len+"7.0.15"
    const auxEnd2 = auxEnd1 + 1 + 1 + 10 + 2; // "redis-bits", "64" as an int8
    expect(r.lines.slice(0, 4)).toEqual([
      '[offset 0] Checking RDB file dump.rdb',
      `[offset ${auxEnd1}] AUX FIELD redis-ver = '7.0.15'`,
      `[offset ${auxEnd2}] AUX FIELD redis-bits = '64'`,
      `[offset ${auxEnd2 + 2}] Selecting DB ID 0`,
    ]);
    expect(r.lines[4]).toMatch(/^\[offset \d+\] Selecting DB ID 3$/);
    expect(r.lines.slice(5)).toEqual([
      `[offset ${buf.length}] Checksum OK`,
      `[offset ${buf.length}] \\o/ RDB looks OK! \\o/`,
      '[info] 4 keys read',
      '[info] 2 expires',
      '[info] 1 already expired',
    ]);
  });

  it('a file saved without a checksum says so', () => {
    const buf = sample(false);
    expect(buf.readBigUInt64LE(buf.length - 8)).toBe(0n);
    const r = checkRdb(buf, 'x', NOW);
    expect(r.ok).toBe(true);
    expect(r.lines).toContain(`[offset ${buf.length}] RDB file was saved with checksum disabled: no check performed.`);
  });

  it('a wrong CRC: the error while checking the sum, with the counts so far', () => {
    const buf = sample();
    buf[buf.length - 1] ^= 0x40;
    const r = checkRdb(buf, 'x', NOW);
    expect(r.ok).toBe(false);
    expect(r.lines.slice(-6)).toEqual([
      '--- RDB ERROR DETECTED ---',
      `[offset ${buf.length}] RDB CRC error`,
      '[additional info] While doing: check-sum',
      '[info] 4 keys read',
      '[info] 2 expires',
      '[info] 1 already expired',
    ]);
  });

  it('a truncated value: where, which key and which type', () => {
    const buf = sample();
    const cut = buf.indexOf('x'.repeat(50)) + 10;
    const r = checkRdb(buf.subarray(0, cut), 'x', NOW);
    expect(r.ok).toBe(false);
    expect(r.lines.slice(-8)).toEqual([
      '--- RDB ERROR DETECTED ---',
      expect.stringMatching(/^\[offset \d+\] Unexpected EOF reading RDB file$/),
      '[additional info] While doing: read-object-value',
      "[additional info] Reading key 'big'",
      '[additional info] Reading type 0 (string)',
      '[info] 4 keys read',
      '[info] 2 expires',
      '[info] 1 already expired',
    ]);
  });

  it('a corrupt compact value is an internal error naming the check that failed', () => {
    // Header, SELECTDB 0, then a hash-ziplist (type 13) whose blob is garbage.
    const head = sample().subarray(0, 9);
    const body = Buffer.from([0xfe, 0x00, 13, 1, 0x68, 5, 1, 2, 3, 4, 5, 0xff]);
    const r = checkRdb(Buffer.concat([head, body, Buffer.alloc(8)]), 'x', NOW);
    expect(r.ok).toBe(false);
    expect(r.lines).toContain('[additional info] While doing: read-object-value');
    expect(r.lines).toContain("[additional info] Reading key 'h'");
    expect(r.lines).toContain('[additional info] Reading type 13 (hash-ziplist)');
    expect(r.lines.find((l) => l.includes('Internal error'))).toMatch(
      /^\[offset \d+\] Internal error in RDB reading offset \d+, function at rdb\.c:0 -> Hash ziplist integrity check failed\.$/,
    );
  });

  it('a bad signature', () => {
    const buf = sample();
    buf.write('RXDIS', 0, 'latin1');
    const r = checkRdb(buf, 'x', NOW);
    // As redis-check-rdb: the 9 bytes read, and the type of a state that starts zeroed.
    expect(r.lines.slice(1, 5)).toEqual([
      '--- RDB ERROR DETECTED ---',
      '[offset 9] Wrong signature trying to load DB from file',
      '[additional info] While doing: start',
      '[additional info] Reading type 0 (string)',
    ]);
  });

  it('the trace leaves an ordinary load unchanged', () => {
    const keys: string[] = [];
    const res = loadRdb(sample(), { selectDb() {}, key: (_db, k) => keys.push(k) });
    expect(keys).toEqual(['old\xff', 'new', 'list', 'big']);
    expect(res.keys).toBe(4);
  });
});

describe('checkRdbMain (bin/nodis-check-rdb)', () => {
  function run(args: string[]): { code: number; out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    const code = checkRdbMain(args, (l) => out.push(l), (l) => err.push(l));
    return { code, out, err };
  }

  it('usage, version, a missing file, a sound file, a corrupt one', () => {
    expect(run([])).toEqual({ code: 1, out: [], err: ['Usage: nodis-check-rdb <rdb-file-name>'] });
    expect(run(['--version']).out[0]).toMatch(/^nodis-check-rdb \d+\.\d+\.\d+$/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-check-rdb-'));
    try {
      const missing = path.join(dir, 'none.rdb');
      expect(run([missing])).toEqual({ code: 1, out: [`[offset 0] Checking RDB file ${missing}`], err: [] });
      const file = path.join(dir, 'dump.rdb');
      fs.writeFileSync(file, sample());
      const ok = run([file]);
      expect(ok.code).toBe(0);
      expect(ok.out).toContain('[info] 4 keys read');
      fs.writeFileSync(file, sample().subarray(0, 40));
      expect(run([file]).code).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
