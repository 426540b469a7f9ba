/**
 * Redis Functions beyond single replies: ioredis use, RESP3 shapes,
 * persistence (RDB files both ways with redis-server, DEBUG RELOAD, AOF
 * replay and rewrite in both base formats, restart), replication of
 * FUNCTION LOAD/DELETE/FLUSH/RESTORE and full sync to Nodis and
 * redis-server replicas, INFO memory fields.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { HAVE_REDIS, startNodis, startRedis, warnIfNoRedis, type RedisHandle } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';
import { info, rawOn, waitFor, waitSynced } from '../helpers/repl.js';
import type { ServerHandle } from '../../src/index.js';

warnIfNoRedis('e2e/functions');

const BIN = '\xff\x00\xc3';
const LIB1 = `#!lua name=lib1\nredis.register_function('echo', function(keys, args) return {keys[1], args[1]} end)\nredis.register_function{function_name='setit', callback=function(keys, args) return redis.call('set', keys[1], args[1]) end, description='sets ${BIN}'}`;
const LIB2 = `#!lua name=lib2\nredis.register_function{function_name='ro', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes', 'allow-stale'}}`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

function tmpdir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-functions-'));
  cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

async function nodis(config: Record<string, string> = {}): Promise<ServerHandle> {
  const s = await startNodis({ config: { dir: tmpdir(), 'repl-diskless-sync-delay': '0', 'enable-debug-command': 'yes', ...config } });
  cleanups.push(() => s.close());
  return s;
}

async function redis(args: string[] = []): Promise<RedisHandle> {
  const r = await startRedis(['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes', ...args]);
  cleanups.push(() => r.close());
  return r;
}

async function call(port: number, ...args: string[]): Promise<string> {
  return rawOn(port, ...args);
}

/**
 * The code of every library, sorted (Redis lists libraries and their
 * functions in hash-table order; the code says what was loaded).
 */
async function libraries(port: number): Promise<string[]> {
  const reply = await call(port, 'FUNCTION', 'LIST', 'WITHCODE');
  const out: string[] = [];
  const marker = '$12\r\nlibrary_code\r\n$';
  for (let i = reply.indexOf(marker); i !== -1; i = reply.indexOf(marker, i + 1)) {
    const at = i + marker.length;
    const eol = reply.indexOf('\r\n', at);
    const len = Number(reply.slice(at, eol));
    out.push(reply.slice(eol + 2, eol + 2 + len));
  }
  return out.sort();
}

async function loadLibs(port: number): Promise<void> {
  expect(await call(port, 'FUNCTION', 'LOAD', LIB1)).toBe('$4\r\nlib1\r\n');
  expect(await call(port, 'FUNCTION', 'LOAD', LIB2)).toBe('$4\r\nlib2\r\n');
}

async function checkLibs(port: number): Promise<void> {
  expect(await call(port, 'FCALL', 'echo', '1', `k${BIN}`, `v${BIN}`)).toBe(`*2\r\n$4\r\nk${BIN}\r\n$4\r\nv${BIN}\r\n`);
  expect(await call(port, 'FCALL', 'setit', '1', `k${BIN}`, BIN)).toBe('+OK\r\n');
  expect(await call(port, 'FCALL_RO', 'ro', '1', `k${BIN}`)).toBe(`$3\r\n${BIN}\r\n`);
  expect(await call(port, 'FUNCTION', 'STATS')).toBe(
    '*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n$15\r\nlibraries_count\r\n:2\r\n$15\r\nfunctions_count\r\n:3\r\n',
  );
}

describe('functions through ioredis and RESP3', () => {
  it('load, call, list and delete', async () => {
    const s = await nodis();
    const r = new Redis(s.port, '127.0.0.1', { lazyConnect: true });
    await r.connect();
    cleanups.push(() => void r.disconnect());
    expect(await r.call('FUNCTION', 'LOAD', LIB1)).toBe('lib1');
    expect(await r.call('FCALL', 'echo', '1', 'a', 'b')).toEqual(['a', 'b']);
    expect(await r.call('FCALL', 'setit', '1', 'k', 'v')).toBe('OK');
    expect(await r.get('k')).toBe('v');
    const list = (await r.call('FUNCTION', 'LIST')) as unknown[];
    expect(list).toHaveLength(1);
    expect((list[0] as unknown[]).slice(0, 4)).toEqual(['library_name', 'lib1', 'engine', 'LUA']);
    await expect(r.call('FCALL', 'nosuch', '0')).rejects.toThrow('ERR Function not found');
    expect(await r.call('FUNCTION', 'DELETE', 'lib1')).toBe('OK');
    expect(await r.call('FUNCTION', 'LIST')).toEqual([]);
  });

  it('RESP3: maps, a set of flags, null description', async () => {
    const s = await nodis();
    const c = await RawClient.connect(s.port);
    cleanups.push(() => c.close());
    await c.call('HELLO', '3');
    await c.call('FUNCTION', 'LOAD', LIB2);
    expect(await c.callStr('FUNCTION', 'LIST')).toBe(
      '*1\r\n%3\r\n$12\r\nlibrary_name\r\n$4\r\nlib2\r\n$6\r\nengine\r\n$3\r\nLUA\r\n$9\r\nfunctions\r\n*1\r\n%3\r\n$4\r\nname\r\n$2\r\nro\r\n$11\r\ndescription\r\n_\r\n$5\r\nflags\r\n~2\r\n+no-writes\r\n+allow-stale\r\n',
    );
    expect(await c.callStr('FUNCTION', 'STATS')).toBe(
      '%2\r\n$14\r\nrunning_script\r\n_\r\n$7\r\nengines\r\n%1\r\n$3\r\nLUA\r\n%2\r\n$15\r\nlibraries_count\r\n:1\r\n$15\r\nfunctions_count\r\n:1\r\n',
    );
  });

  it('INFO memory counts libraries and functions', async () => {
    const s = await nodis();
    await loadLibs(s.port);
    const m = await info(s.port, 'memory');
    expect(m.number_of_libraries).toBe('2');
    expect(m.number_of_functions).toBe('3');
    expect(Number(m.used_memory_vm_functions)).toBeGreaterThan(0);
    expect(Number(m.used_memory_functions)).toBeGreaterThan(0);
    expect(Number(m.used_memory_vm_total)).toBe(Number(m.used_memory_vm_eval) + Number(m.used_memory_vm_functions));
    expect(Number(m.used_memory_scripts)).toBe(Number(m.used_memory_scripts_eval) + Number(m.used_memory_functions));
    await call(s.port, 'FUNCTION', 'FLUSH');
    const m2 = await info(s.port, 'memory');
    expect([m2.number_of_libraries, m2.number_of_functions]).toEqual(['0', '0']);
  });
});

describe('functions in RDB files and the AOF', () => {
  it('DEBUG RELOAD keeps them; NOFLUSH refuses a library already loaded, MERGE replaces it', async () => {
    const s = await nodis();
    await loadLibs(s.port);
    expect(await call(s.port, 'DEBUG', 'RELOAD')).toBe('+OK\r\n');
    await checkLibs(s.port);
    expect(await call(s.port, 'DEBUG', 'RELOAD', 'NOFLUSH')).toBe('-ERR Error trying to load the RDB dump\r\n');
    expect(await call(s.port, 'DEBUG', 'RELOAD', 'NOFLUSH', 'MERGE')).toBe('+OK\r\n');
    await checkLibs(s.port);
    // Without functions in the file, a reload drops them.
    await call(s.port, 'FUNCTION', 'FLUSH');
    await call(s.port, 'SAVE');
    await call(s.port, 'FUNCTION', 'LOAD', LIB1);
    expect(await call(s.port, 'DEBUG', 'RELOAD', 'NOSAVE')).toBe('+OK\r\n');
    expect(await call(s.port, 'FUNCTION', 'LIST')).toBe('*0\r\n');
  });

  it('a restart loads them from dump.rdb', async () => {
    const dir = tmpdir();
    const a = await startNodis({ config: { dir } });
    await loadLibs(a.port);
    await call(a.port, 'SAVE');
    await a.close();
    const b = await startNodis({ config: { dir } });
    cleanups.push(() => b.close());
    await checkLibs(b.port);
  });

  for (const preamble of ['yes', 'no']) {
    it(`AOF: replayed from the INCR file, and written by a rewrite (aof-use-rdb-preamble ${preamble})`, async () => {
      const dir = tmpdir();
      const config = { dir, appendonly: 'yes', 'aof-use-rdb-preamble': preamble };
      const a = await startNodis({ config });
      await loadLibs(a.port);
      await call(a.port, 'FUNCTION', 'LOAD', '#!lua name=gone\nredis.register_function("g", function() return 1 end)');
      await call(a.port, 'FUNCTION', 'DELETE', 'gone');
      await a.close();
      const b = await startNodis({ config });
      await checkLibs(b.port);
      expect(await call(b.port, 'FCALL', 'g', '0')).toBe('-ERR Function not found\r\n');
      expect(await call(b.port, 'BGREWRITEAOF')).toBe('+Background append only file rewriting started\r\n');
      await waitFor('the rewrite', async () => (await info(b.port, 'persistence')).aof_rewrite_in_progress === '0' && (await info(b.port, 'persistence')).aof_rewrite_scheduled === '0');
      const base = fs.readdirSync(path.join(dir, 'appendonlydir')).find((f) => f.includes('.base.'))!;
      const text = fs.readFileSync(path.join(dir, 'appendonlydir', base), 'latin1');
      if (preamble === 'no') expect(text.startsWith(`*3\r\n$8\r\nFUNCTION\r\n$4\r\nLOAD\r\n$${LIB1.length}\r\n${LIB1}\r\n`)).toBe(true);
      else expect(text.startsWith('REDIS0010')).toBe(true);
      await b.close();
      const c = await startNodis({ config });
      cleanups.push(() => c.close());
      expect(await libraries(c.port)).toEqual([LIB1, LIB2]);
      await checkLibs(c.port);
    });
  }
});

describe.skipIf(!HAVE_REDIS)('functions between Nodis and redis-server', () => {
  it('RDB files: Nodis reads redis-server dump.rdb, redis-server reads Nodis dump.rdb', async () => {
    // redis-server -> Nodis
    const rdir = tmpdir();
    const r = await redis(['--dir', rdir]);
    await loadLibs(r.port);
    await call(r.port, 'SET', `k${BIN}`, 'x');
    await call(r.port, 'SAVE');
    // Loaded at start-up, and again by DEBUG RELOAD NOSAVE.
    const n = await nodis({ dir: rdir });
    expect(await libraries(n.port)).toEqual([LIB1, LIB2]);
    expect(await call(n.port, 'DEBUG', 'RELOAD', 'NOSAVE')).toBe('+OK\r\n');
    expect(await libraries(n.port)).toEqual([LIB1, LIB2]);
    expect(await libraries(r.port)).toEqual([LIB1, LIB2]);
    await checkLibs(n.port);
    // Nodis -> redis-server
    const ndir = tmpdir();
    const n2 = await nodis({ dir: ndir });
    await loadLibs(n2.port);
    await call(n2.port, 'SAVE');
    const r2 = await redis(['--dir', ndir]);
    expect(await libraries(r2.port)).toEqual([LIB1, LIB2]);
    await checkLibs(r2.port);
  });

  it('FUNCTION DUMP payloads restore across the two servers', async () => {
    const n = await nodis();
    const r = await redis();
    await loadLibs(n.port);
    const c = await RawClient.connect(n.port);
    cleanups.push(() => c.close());
    const dump = await c.call('FUNCTION', 'DUMP');
    const payload = dump.subarray(dump.indexOf('\r\n') + 2, dump.length - 2);
    const rc = await RawClient.connect(r.port);
    cleanups.push(() => rc.close());
    expect(await rc.callStr('FUNCTION', 'RESTORE', payload)).toBe('+OK\r\n');
    expect(await libraries(r.port)).toEqual(await libraries(n.port));
  });

  for (const primaryKind of ['nodis', 'redis'] as const) {
    for (const replicaKind of ['nodis', 'redis'] as const) {
      if (primaryKind === 'redis' && replicaKind === 'redis') continue;
      it(`replication ${primaryKind} -> ${replicaKind}: full sync carries them, LOAD/DELETE/RESTORE/FLUSH follow`, async () => {
        const p = primaryKind === 'nodis' ? (await nodis()).port : (await redis()).port;
        const rp = replicaKind === 'nodis' ? (await nodis()).port : (await redis()).port;
        await loadLibs(p);
        await call(rp, 'REPLICAOF', '127.0.0.1', String(p));
        await waitSynced(p, [rp]);
        expect(await libraries(rp)).toEqual(await libraries(p));
        // Writes of a function reach the replica as the commands it ran.
        expect(await call(p, 'FCALL', 'setit', '1', `k${BIN}`, BIN)).toBe('+OK\r\n');
        await waitSynced(p, [rp]);
        expect(await call(rp, 'FCALL_RO', 'ro', '1', `k${BIN}`)).toBe(`$3\r\n${BIN}\r\n`);
        expect(await call(rp, 'FCALL', 'setit', '1', 'x', 'y')).toBe("-READONLY You can't write against a read only replica.\r\n");
        expect(await call(rp, 'FUNCTION', 'LOAD', LIB1)).toBe("-READONLY You can't write against a read only replica.\r\n");
        const c = await RawClient.connect(p);
        cleanups.push(() => c.close());
        const dump = await c.call('FUNCTION', 'DUMP');
        await call(p, 'FUNCTION', 'DELETE', 'lib1');
        await waitSynced(p, [rp]);
        expect(await libraries(rp)).toEqual(await libraries(p));
        expect(await c.callStr('FUNCTION', 'RESTORE', dump.subarray(dump.indexOf('\r\n') + 2, dump.length - 2), 'REPLACE')).toBe('+OK\r\n');
        await waitSynced(p, [rp]);
        expect(await libraries(rp)).toEqual(await libraries(p));
        await call(p, 'FUNCTION', 'FLUSH');
        await waitSynced(p, [rp]);
        expect(await call(rp, 'FUNCTION', 'LIST')).toBe('*0\r\n');
      });
    }
  }
});
