/**
 * The process title (proc-title-template): {title} is the program as it
 * was run, as Redis's exec_argv[0], so ps shows the server's path.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/resp.js';
import { NODIS_BIN, spawnNodisServer, type NodisProcess } from '../helpers/servers.js';

const procs: NodisProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.kill();
});

/** /proc/<pid>/cmdline as the title fields (Linux only). */
function title(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split(/[\0 ]+/).filter((f) => f !== '');
}

describe.skipIf(process.platform !== 'linux')('process title', () => {
  it('names the program run and follows proc-title-template', async () => {
    const p = await spawnNodisServer(['--save', ''], null);
    procs.push(p);
    expect(title(p.proc.pid!)).toEqual([NODIS_BIN, `127.0.0.1:${p.port}`]);
    const c = await RawClient.connect(p.port);
    expect(await c.callStr('CONFIG', 'SET', 'proc-title-template', 'T {title} {port} {tls-port}')).toBe('+OK\r\n');
    expect(title(p.proc.pid!)).toEqual(['T', NODIS_BIN, String(p.port), '0']);
    c.close();
  });
});
