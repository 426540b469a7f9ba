/**
 * nodis-check-rdb against redis-check-rdb on the same files: a sound one,
 * one saved without a checksum, a wrong CRC, a truncated value and a bad
 * signature give the same report line for line, offsets included.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Config } from '../../src/server/config.js';
import { RdbWriter } from '../../src/persistence/rdb/writer.js';
import { RHash } from '../../src/store/hash.js';
import { RList } from '../../src/store/list.js';
import { checkRdbMain } from '../../src/persistence/rdb/check-main.js';

const checker = spawnSync('sh', ['-c', 'command -v redis-check-rdb'], { encoding: 'utf8' }).stdout.trim();
if (checker === '') console.warn('[diff/check-rdb] SKIPPED: redis-check-rdb is not installed (apt-get install -y redis-server)');

const cfg = new Config();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-diff-check-rdb-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function sample(checksum: boolean): Buffer {
  const w = new RdbWriter({ compression: true, checksum });
  w.writeHeader([
    ['redis-ver', '7.0.15'],
    ['redis-bits', '64'],
    ['ctime', '1700000000'],
  ]);
  w.writeSelectDb(0, 4, 2);
  w.writeKeyValue('gone\xff', 'v', 946684800000, cfg); // 2000: already expired
  w.writeKeyValue('later', 'v', 4102444800000, cfg); // 2100
  w.writeKeyValue('list', RList.from(['a', 'b\x00\xfe', '12345']), -1, cfg);
  const h = new RHash();
  h.set('f', 'v'.repeat(100), 0);
  w.writeKeyValue('hash', h, -1, cfg);
  w.writeSelectDb(2, 1, 0);
  w.writeKeyValue('big', 'xy'.repeat(300), -1, cfg);
  w.writeEof();
  return Buffer.from(w.take());
}

function both(name: string, buf: Buffer): { redis: string[]; nodis: string[]; redisCode: number | null; nodisCode: number } {
  const file = path.join(dir, name);
  fs.writeFileSync(file, buf);
  const r = spawnSync(checker, [file], { encoding: 'latin1' });
  // Drop the log line redis-check-rdb's exit path writes ("<pid>:C <date> # Terminating ...").
  const redis = r.stdout.split('\n').filter((l) => l !== '' && !/^\d+:[CM] /.test(l));
  const nodis: string[] = [];
  const nodisCode = checkRdbMain([file], (l) => nodis.push(l), () => {});
  return { redis, nodis, redisCode: r.status, nodisCode };
}

describe.skipIf(checker === '')('nodis-check-rdb vs redis-check-rdb', () => {
  const cases: [string, () => Buffer][] = [
    ['sound', () => sample(true)],
    ['no-checksum', () => sample(false)],
    [
      'bad-crc',
      () => {
        const b = sample(true);
        b[b.length - 3] ^= 1;
        return b;
      },
    ],
    ['truncated', () => sample(true).subarray(0, sample(true).length - 200)],
    [
      'bad-signature',
      () => {
        const b = sample(true);
        b.write('REDIX', 0, 'latin1');
        return b;
      },
    ],
  ];
  it('every single-byte flip in a file of strings: the same report (the internal offset and line aside)', () => {
    const w = new RdbWriter({ compression: true, checksum: false });
    w.writeHeader([['redis-ver', '7.0.15']]);
    w.writeSelectDb(0, 4, 1);
    w.writeKeyValue('k\x00\xff', 'v', 4102444800000, cfg);
    w.writeKeyValue('n', '12345', -1, cfg);
    w.writeKeyValue('z', 'ab'.repeat(40), -1, cfg);
    w.writeEof();
    const base = Buffer.from(w.take());
    const norm = (lines: string[]): string[] => lines.map((l) => l.replace(/reading offset \d+, function at rdb\.c:\d+/, 'reading offset -'));
    const mismatches: string[] = [];
    for (let i = 9; i < base.length - 8; i++) {
      for (const x of [0x01, 0x80, 0xff]) {
        const b = Buffer.from(base);
        b[i] ^= x;
        const res = both('flip.rdb', b);
        if (JSON.stringify(norm(res.nodis)) !== JSON.stringify(norm(res.redis)) || res.nodisCode !== res.redisCode) {
          mismatches.push(`@${i}^${x}: ${res.redis.slice(1).join(' | ')} <> ${res.nodis.slice(1).join(' | ')}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  for (const [name, make] of cases) {
    it(`${name}: the same report and exit status`, () => {
      const res = both(`${name}.rdb`, make());
      expect(res.nodis).toEqual(res.redis);
      expect(res.nodisCode).toBe(res.redisCode);
    });
  }
});
