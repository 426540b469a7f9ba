/**
 * Persistence replies against redis-server: SAVE/BGSAVE/LASTSAVE argument
 * and state errors, BGSAVE in a transaction, DEBUG RELOAD, the MISCONF
 * barrier after a failed BGSAVE (writes, PING, MULTI/EXEC, the config that
 * lifts it) and the INFO persistence field list.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import type { RawClient } from '../helpers/resp.js';

warnIfNoRedis('diff/persistence');

async function infoField(c: RawClient, field: string): Promise<string> {
  const s = await c.callStr('INFO', 'persistence');
  const m = new RegExp(`\\r\\n${field}:([^\\r]*)\\r\\n`).exec(s);
  if (!m) throw new Error(`no ${field}`);
  return m[1];
}

async function until(fn: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 20000;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Both servers: the last BGSAVE is over (Redis notices its child's exit in its cron). */
async function bgsaveOver(d: DiffPair): Promise<void> {
  for (const c of [d.n, d.r]) await until(async () => (await infoField(c, 'rdb_bgsave_in_progress')) === '0', 'the BGSAVE to end');
}

describe.skipIf(!HAVE_REDIS)('persistence: nodis vs redis', () => {
  let d: DiffPair;
  let nodisDir: string;
  beforeAll(async () => {
    d = await DiffPair.start(['--enable-debug-command', 'yes', '--enable-protected-configs', 'yes'], {
      'enable-debug-command': 'yes',
      'enable-protected-configs': 'yes',
    });
    nodisDir = fs.mkdtempSync(path.join(d.redis.dir, 'nodis-'));
    expect(await d.n.callStr('CONFIG', 'SET', 'dir', nodisDir)).toBe('+OK\r\n');
  });
  afterAll(async () => {
    await d?.close();
  });

  it('argument errors and SAVE inside MULTI', async () => {
    await d.same('BGSAVE', 'x');
    await d.same('BGSAVE', 'SCHEDULE', 'x');
    await d.same('SAVE', 'x');
    await d.same('LASTSAVE', 'x');
    await d.same('MULTI');
    await d.same('SAVE');
    await d.same('EXEC');
    await d.same(['LASTSAVE'], { approx: 5 });
  });

  it('SAVE, BGSAVE and BGSAVE inside a transaction', async () => {
    await d.same('SET', 'k\xff', 'v');
    await d.same('SAVE');
    await d.same('BGSAVE');
    await bgsaveOver(d);
    const saves = await Promise.all([infoField(d.n, 'rdb_saves'), infoField(d.r, 'rdb_saves')]);
    await d.same('MULTI');
    await d.same('BGSAVE');
    await d.same('EXEC');
    // The scheduled BGSAVE starts from the cron: wait until it ran.
    for (const [i, c] of [d.n, d.r].entries()) {
      await until(
        async () => Number(await infoField(c, 'rdb_saves')) > Number(saves[i]) && (await infoField(c, 'rdb_bgsave_in_progress')) === '0',
        'the scheduled BGSAVE',
      );
    }
    await d.same('BGSAVE', 'SCHEDULE');
    await bgsaveOver(d);
  });

  it('a second save while a BGSAVE runs, then FLUSHALL stops it', async () => {
    for (let i = 0; i < 5; i++) await d.same('SET', `key${i}`, 'v');
    await d.same('CONFIG', 'SET', 'rdb-key-save-delay', '1000000');
    await d.same('BGSAVE');
    await d.same('BGSAVE');
    await d.same('BGSAVE', 'SCHEDULE');
    await d.same('SAVE');
    await d.same('FLUSHALL');
    await d.same('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await bgsaveOver(d);
    expect(await infoField(d.n, 'rdb_last_bgsave_status')).toBe(await infoField(d.r, 'rdb_last_bgsave_status'));
  });

  it('DEBUG RELOAD', async () => {
    await d.same('SET', 'a\x00', '1');
    await d.same('RPUSH', 'l', 'x', 'y');
    await d.same('DEBUG', 'RELOAD');
    await d.same('LRANGE', 'l', '0', '-1');
    await d.same('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH', 'MERGE');
    await d.same('DEBUG', 'RELOAD', 'what');
    await d.same('GET', 'a\x00');
  });

  it('MISCONF after a failed BGSAVE with save points', async () => {
    const rsub = path.join(d.redis.dir, 'gone-r');
    const nsub = path.join(nodisDir, 'gone-n');
    fs.mkdirSync(rsub);
    fs.mkdirSync(nsub);
    expect(await d.r.callStr('CONFIG', 'SET', 'dir', rsub)).toBe('+OK\r\n');
    expect(await d.n.callStr('CONFIG', 'SET', 'dir', nsub)).toBe('+OK\r\n');
    await d.same('CONFIG', 'SET', 'save', '3600 1');
    await d.same('SET', 'a', '1');
    const [txn, txr] = await d.connectBoth();
    for (const c of [txn, txr]) {
      expect(await c.callStr('MULTI')).toBe('+OK\r\n');
      expect(await c.callStr('INCR', 'a')).toBe('+QUEUED\r\n');
    }
    fs.rmdirSync(rsub);
    fs.rmdirSync(nsub);
    await d.same('SAVE');
    await d.same('BGSAVE');
    for (const c of [d.n, d.r]) await until(async () => (await infoField(c, 'rdb_last_bgsave_status')) === 'err', 'the BGSAVE to fail');
    await d.same('SET', 'b', '2');
    await d.same('PING');
    await d.same('GET', 'a');
    await d.same('MULTI');
    await d.same('SET', 'b', '2');
    await d.same('GET', 'a');
    await d.same('EXEC');
    const [en, er] = await Promise.all([txn.callStr('EXEC'), txr.callStr('EXEC')]);
    expect(en).toBe(er);
    txn.close();
    txr.close();
    await d.same('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no');
    await d.same('SET', 'b', '2');
    await d.same('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes');
    await d.same('DEL', 'b');
    await d.same('CONFIG', 'SET', 'save', '');
    await d.same('SET', 'b', '3');
    await d.same('CONFIG', 'SET', 'save', '3600 1');
    await d.same('SET', 'b', '4');
    fs.mkdirSync(rsub);
    fs.mkdirSync(nsub);
    // Redis works in the directory it chdir()ed to: enter the new one.
    expect(await d.r.callStr('CONFIG', 'SET', 'dir', rsub)).toBe('+OK\r\n');
    expect(await d.n.callStr('CONFIG', 'SET', 'dir', nsub)).toBe('+OK\r\n');
    await d.same('BGSAVE');
    await bgsaveOver(d);
    await d.same('SET', 'b', '5');
    await d.same('CONFIG', 'SET', 'save', '');
  });

  it('INFO persistence lists the same fields in the same order', async () => {
    const names = async (c: RawClient): Promise<string[]> =>
      (await c.callStr('INFO', 'persistence'))
        .split('\r\n')
        .filter((l) => l.includes(':'))
        .map((l) => l.slice(0, l.indexOf(':')));
    const [n, r] = await Promise.all([names(d.n), names(d.r)]);
    expect(n.length).toBeGreaterThan(20);
    expect(n).toEqual(r);
  });
});
