/**
 * oom-score-adj against a stand-in for /proc/self/oom_score_adj (a temp
 * file): relative and absolute scores, the replica class, restoring the
 * original score, and a CONFIG SET that fails to write being rolled back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';
import { installOomScoreAdj } from '../../src/server/oom-score.js';
import type { ServerHandle } from '../../src/index.js';

let srv: ServerHandle;
let c: RawClient;
let dir: string;
let file: string;
const score = (): string => fs.readFileSync(file, 'latin1').trim();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-oom-'));
  file = path.join(dir, 'oom_score_adj');
  fs.writeFileSync(file, '22\n');
  srv = await startNodis();
  installOomScoreAdj(srv.server, file);
  c = await RawClient.connect(srv.port);
});
afterAll(async () => {
  c?.close();
  await srv?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('oom-score-adj', () => {
  it('is off by default and leaves the score alone', async () => {
    expect(score()).toBe('22');
    expect(await c.callStr('CONFIG', 'SET', 'oom-score-adj-values', '1 2 3')).toBe('+OK\r\n');
    expect(score()).toBe('22');
  });

  it('relative adds the class value to the original score; absolute sets it; off restores', async () => {
    expect(await c.callStr('CONFIG', 'SET', 'oom-score-adj-values', '9 50 800', 'oom-score-adj', 'yes')).toBe('+OK\r\n');
    expect(score()).toBe('31');
    expect(await c.callStr('CONFIG', 'SET', 'oom-score-adj-values', '15 50 800')).toBe('+OK\r\n');
    expect(score()).toBe('37');
    expect(await c.callStr('CONFIG', 'SET', 'oom-score-adj', 'absolute')).toBe('+OK\r\n');
    expect(score()).toBe('15');
    expect(await c.callStr('CONFIG', 'SET', 'oom-score-adj-values', '1990 1990 1990')).toBe('+OK\r\n');
    expect(score()).toBe('1000');
    expect(await c.callStr('CONFIG', 'SET', 'oom-score-adj', 'no')).toBe('+OK\r\n');
    expect(score()).toBe('22');
  });

  it('a replica uses the second value, a primary again the first', async () => {
    expect(await c.callStr('CONFIG', 'SET', 'oom-score-adj-values', '10 20 30', 'oom-score-adj', 'relative')).toBe('+OK\r\n');
    expect(score()).toBe('32');
    expect(await c.callStr('REPLICAOF', '127.0.0.1', '1')).toBe('+OK\r\n');
    expect(score()).toBe('42');
    expect(await c.callStr('REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    expect(score()).toBe('32');
    expect(await c.callStr('CONFIG', 'SET', 'oom-score-adj', 'no')).toBe('+OK\r\n');
    expect(score()).toBe('22');
  });

  it('a score that cannot be written fails the CONFIG SET, which is rolled back', async () => {
    // A directory where the file was: neither readable nor writable as a score.
    fs.rmSync(file);
    fs.mkdirSync(file);
    try {
      expect(await c.callStr('CONFIG', 'SET', 'oom-score-adj', 'yes')).toBe(
        "-ERR CONFIG SET failed (possibly related to argument 'oom-score-adj') - Failed to set current oom_score_adj. Check server logs.\r\n",
      );
      expect(await c.callStr('CONFIG', 'GET', 'oom-score-adj')).toBe('*2\r\n$13\r\noom-score-adj\r\n$2\r\nno\r\n');
    } finally {
      fs.rmdirSync(file);
      fs.writeFileSync(file, '22\n');
    }
  });
});
