/**
 * A server loading its RDB at start-up against redis-server: the listener
 * is open while the dataset loads, commands not flagged `loading` get
 * LOADING (inside MULTI too), the rest run, and INFO persistence reports
 * the progress. Both servers load the same file, slowed down with
 * key-load-delay so the exchanges happen mid-load.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, type Arg } from '../helpers/resp.js';
import { HAVE_REDIS, spawnNodisServer, startRedis, warnIfNoRedis, type NodisProcess, type RedisHandle } from '../helpers/servers.js';

warnIfNoRedis('diff/loading');

const KEYS = 8000;
/** A millisecond per key: the load lasts at least eight seconds on both servers. */
const SLOW_LOAD = ['--key-load-delay', '1000', '--loading-process-events-interval-bytes', '1024', '--enable-protected-configs', 'yes', '--enable-debug-command', 'yes'];

describe.skipIf(!HAVE_REDIS)('differential: commands while the dataset loads', () => {
  const dirs: string[] = [];
  let redis: RedisHandle;
  let nodis: NodisProcess;

  beforeAll(async () => {
    // The file: written by redis-server, with non-UTF-8 bytes in a key and its value.
    const maker = await startRedis(['--enable-debug-command', 'yes']);
    const m = await RawClient.connect(maker.port);
    await m.call('DEBUG', 'POPULATE', KEYS, 'key', 100);
    await m.call('SET', 'k\xff\x00', 'v\xfe\xc3');
    expect(await m.callStr('SAVE')).toBe('+OK\r\n');
    m.close();
    for (let i = 0; i < 2; i++) {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-loading-'));
      fs.copyFileSync(path.join(maker.dir, 'dump.rdb'), path.join(d, 'dump.rdb'));
      dirs.push(d);
    }
    await maker.close();
    [redis, nodis] = await Promise.all([
      startRedis(['--dir', dirs[0], ...SLOW_LOAD], 'accept'),
      spawnNodisServer(['--save', '', '--dir', dirs[1], ...SLOW_LOAD], [], 'accept'),
    ]);
  });
  afterAll(async () => {
    nodis?.kill();
    await redis?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  /** The same commands on a new connection to each server: the replies, in order. */
  async function both(cmds: Arg[][]): Promise<[string, string]> {
    const out = await Promise.all(
      [nodis.port, redis.port].map(async (port) => {
        const c = await RawClient.connect(port);
        let s = '';
        for (const cmd of cmds) s += (await c.call(...cmd)).latin1Slice();
        c.close();
        return s;
      }),
    );
    return [out[0], out[1]];
  }

  it('answers LOADING to data commands and runs the commands flagged loading', async () => {
    const cmds: Arg[][] = [
      ['PING'],
      ['GET', 'k\xff\x00'],
      ['SET', 'a\xff', 'b'],
      ['DBSIZE'],
      ['EVAL', 'return 1', '0'],
      ['FUNCTION', 'LIST'],
      ['SELECT', '3'],
      ['CONFIG', 'SET', 'loglevel', 'verbose'],
      ['CONFIG', 'SET', 'dir', os.tmpdir()],
      ['CONFIG', 'SET', 'appendonly', 'yes'],
      ['CONFIG', 'GET', 'maxmemory'],
      ['CLIENT', 'SETNAME', 'loader'],
      ['CLIENT', 'GETNAME'],
      ['DEBUG', 'LOG', 'mid-load'],
      ['PUBLISH', 'ch', 'x'],
      ['ECHO', 'e'],
      ['RESET'],
    ];
    const [n, r] = await both(cmds);
    expect(r).toContain('-LOADING Redis is loading the dataset in memory\r\n');
    expect(r).toContain('+OK\r\n$6\r\nloader\r\n+OK\r\n');
    expect(n).toBe(r);
  });

  it('aborts a transaction holding a command refused while loading', async () => {
    const [n, r] = await both([['MULTI'], ['CONFIG', 'GET', 'maxmemory'], ['EXEC'], ['MULTI'], ['GET', 'x'], ['CONFIG', 'GET', 'port'], ['EXEC']]);
    expect(r).toContain('-EXECABORT');
    expect(n).toBe(r);
  });

  it('reports the progress in INFO persistence', async () => {
    const fields = async (port: number): Promise<Map<string, string>> => {
      const c = await RawClient.connect(port);
      const text = (await c.call('INFO', 'persistence')).latin1Slice();
      c.close();
      const m = new Map<string, string>();
      for (const line of text.split('\r\n')) {
        const i = line.indexOf(':');
        if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
      }
      return m;
    };
    const [n, r] = await Promise.all([fields(nodis.port), fields(redis.port)]);
    expect([...n.keys()]).toEqual([...r.keys()]);
    for (const f of [n, r]) {
      expect(f.get('loading')).toBe('1');
      expect(f.get('async_loading')).toBe('0');
      const total = Number(f.get('loading_total_bytes'));
      const loaded = Number(f.get('loading_loaded_bytes'));
      expect(total).toBe(fs.statSync(path.join(dirs[0], 'dump.rdb')).size);
      expect(loaded).toBeGreaterThan(0);
      expect(loaded).toBeLessThan(total);
      expect(Number(f.get('loading_rdb_used_mem'))).toBeGreaterThan(0);
      expect(Number(f.get('loading_loaded_perc'))).toBeCloseTo((loaded / total) * 100, 1);
      expect(Math.abs(Number(f.get('loading_start_time')) - Date.now() / 1000)).toBeLessThan(60);
    }
  });
});
