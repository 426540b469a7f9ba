/**
 * The cluster and module commands of a standalone server, through ioredis:
 * cluster commands refuse, MODULE lists nothing, and the
 * enable-module-command setting gates loading as enable-debug-command
 * gates DEBUG.
 */
import Redis from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startNodis } from '../helpers/servers.js';
import type { ServerHandle } from '../../src/index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function start(config: Record<string, string> = {}): Promise<{ h: ServerHandle; r: Redis }> {
  const h = await startNodis({ config });
  const r = new Redis({ port: h.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  cleanups.push(async () => {
    r.disconnect();
    await h.close();
  });
  return { h, r };
}

describe('cluster commands', () => {
  it('refuse on a standalone server, and the connection keeps working', async () => {
    const { r } = await start();
    await expect(r.call('CLUSTER', 'INFO')).rejects.toThrow('ERR This instance has cluster support disabled');
    await expect(r.call('CLUSTER', 'SLOTS')).rejects.toThrow('ERR This instance has cluster support disabled');
    await expect(r.call('CLUSTER', 'KEYSLOT', Buffer.from([0xff, 0x00]))).rejects.toThrow('cluster support disabled');
    await expect(r.call('READONLY')).rejects.toThrow('cluster support disabled');
    await expect(r.call('CLUSTER', 'INFO', 'x')).rejects.toThrow("ERR wrong number of arguments for 'cluster|info' command");
    await expect(r.call('CLUSTER', 'BOGUS')).rejects.toThrow("ERR unknown subcommand 'BOGUS'. Try CLUSTER HELP.");
    expect(await r.call('INFO', 'cluster')).toContain('cluster_enabled:0');
    expect(await r.set(Buffer.from([0xfe]), 'v')).toBe('OK');
  });
});

describe('MODULE', () => {
  it('lists no module; LOAD and UNLOAD are not allowed by default', async () => {
    const { r } = await start();
    expect(await r.call('MODULE', 'LIST')).toEqual([]);
    await expect(r.call('MODULE', 'LOAD', '/tmp/x.so')).rejects.toThrow(
      'ERR MODULE command not allowed. If the enable-module-command option is set to "local"',
    );
    await expect(r.call('MODULE', 'UNLOAD', 'x')).rejects.toThrow('ERR MODULE command not allowed.');
  });

  it('with enable-module-command local, a loopback client may try: loading fails and the log says why', async () => {
    const { h, r } = await start({ 'enable-module-command': 'local', 'enable-debug-command': 'local' });
    const warn = vi.spyOn(h.server.logger, 'warn');
    await expect(r.call('MODULE', 'LOAD', '/opt/mods/rejson.so', 'arg')).rejects.toThrow(
      'ERR Error loading the extension. Please check the server logs.',
    );
    expect(warn.mock.calls.map((c) => String(c[0])).some((m) => m.includes('Module /opt/mods/rejson.so failed to load'))).toBe(true);
    await expect(r.call('MODULE', 'UNLOAD', 'rejson')).rejects.toThrow('ERR Error unloading module: no such module with that name');
    // DEBUG keeps its own setting.
    expect(await r.call('DEBUG', 'SLEEP', '0')).toBe('OK');
  });

  it('enable-module-command does not open DEBUG, nor the other way round', async () => {
    const { r } = await start({ 'enable-module-command': 'yes' });
    await expect(r.call('DEBUG', 'SLEEP', '0')).rejects.toThrow('ERR DEBUG command not allowed. If the enable-debug-command option');
    await expect(r.call('MODULE', 'LOAD', '/x.so')).rejects.toThrow('ERR Error loading the extension.');
    const other = await start({ 'enable-debug-command': 'yes' });
    await expect(other.r.call('MODULE', 'LOAD', '/x.so')).rejects.toThrow('ERR MODULE command not allowed.');
  });
});
