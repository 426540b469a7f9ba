/**
 * V8 aborts the process once its heap limit (about 4 GB by default) is
 * reached; redis-server grows until maxmemory or the machine stops it. The
 * launchers raise the limit, and a server started without them says when
 * its heap cannot hold what maxmemory allows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/resp.js';
import { spawnNodisServer, type NodisProcess } from '../helpers/servers.js';

const procs: NodisProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.kill();
});

async function logged(p: NodisProcess, text: string): Promise<void> {
  const deadline = Date.now() + 10000;
  while (!p.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`not logged: ${text}\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const HEAP = 'the JavaScript heap';

describe('the JavaScript heap limit', () => {
  it('bin/nodis-server raises it: no warning with maxmemory 8gb or 100gb', async () => {
    const p = await spawnNodisServer(['--save', '', '--maxmemory', '8gb'], null);
    procs.push(p);
    const c = await RawClient.connect(p.port);
    expect(await c.callStr('CONFIG', 'SET', 'maxmemory', '100gb')).toBe('+OK\r\n');
    expect(await c.callStr('CONFIG', 'SET', 'maxmemory', '1kb')).toBe('+OK\r\n');
    // The 1kb limit's own warning is logged after any about the heap would have been.
    await logged(p, 'is smaller than the current memory usage');
    expect(p.output()).not.toContain(HEAP);
    c.close();
  });

  it('a server started with a small heap warns about maxmemory above it, at start-up and on CONFIG SET', async () => {
    const p = await spawnNodisServer(['--save', '', '--maxmemory', '1gb'], ['--max-old-space-size=64']);
    procs.push(p);
    await logged(p, `WARNING: maxmemory (1073741824 bytes) is above what ${HEAP} can hold`);
    const c = await RawClient.connect(p.port);
    expect(await c.callStr('CONFIG', 'SET', 'maxmemory', '2gb')).toBe('+OK\r\n');
    await logged(p, `WARNING: maxmemory (2147483648 bytes) is above what ${HEAP} can hold`);
    // 32 MB is within 80% of a 64 MB heap (V8 reports a little more).
    const before = p.output().length;
    expect(await c.callStr('CONFIG', 'SET', 'maxmemory', '32mb')).toBe('+OK\r\n');
    expect(await c.callStr('PING')).toBe('+PONG\r\n');
    expect(p.output().slice(before)).not.toContain(HEAP);
    c.close();
  });

  it('without maxmemory, a heap smaller than the machine is worth a warning at start-up', async () => {
    const p = await spawnNodisServer(['--save', ''], ['--max-old-space-size=64']);
    procs.push(p);
    await logged(p, `WARNING: no maxmemory is set and ${HEAP} is limited to`);
  });
});
