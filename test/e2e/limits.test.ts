/**
 * Connection limits and command renaming: rename-command (config file
 * only), maxclients, the `timeout` idle disconnection with Redis's
 * exemptions (blocked, subscribed, MONITOR clients), tcp-keepalive on
 * accepted sockets. Compared with redis-server where it is installed.
 */
import { execFile } from 'node:child_process';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/index.js';
import { Config } from '../../src/server/config.js';
import { loadServerConfigFromString } from '../../src/server/config-file.js';
import { allCommands } from '../../src/commands/index.js';
import { RawClient, type Arg } from '../helpers/resp.js';
import { HAVE_REDIS, startNodis, startRedis, warnIfNoRedis, type RedisHandle } from '../helpers/servers.js';

warnIfNoRedis('e2e/limits');

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, capMs = 15000): Promise<void> {
  const end = Date.now() + capMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Everything a fresh connection receives until the server closes it (cap 10s). */
function readUntilClose(port: number, send?: Buffer): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    void RawClient.connect(port).then((c) => {
      if (send) c.write(send);
      const started = Date.now();
      const poll = (): void => {
        if (c.closed || Date.now() - started > 10000) {
          const data = (c as unknown as { buf: Buffer }).buf.latin1Slice();
          c.close();
          resolve({ data, closed: c.closed });
        } else setTimeout(poll, 20);
      };
      poll();
    });
  });
}

function renamedServer(renames: string): Promise<ServerHandle> {
  const cfg = new Config();
  loadServerConfigFromString(cfg, renames, { commandNames: new Set(allCommands.map((s) => s.name)) });
  return startNodis({ configInstance: cfg });
}

describe('rename-command', () => {
  const RENAMES = 'rename-command get myget\nrename-command flushall ""\nrename-command Config "CFG"\n';
  let s: ServerHandle;
  let c: RawClient;
  beforeAll(async () => {
    s = await renamedServer(RENAMES);
    c = await RawClient.connect(s.port);
  });
  afterAll(async () => {
    c?.close();
    await s?.close();
  });

  it('the new name runs the command, the old one is unknown, "" disables it', async () => {
    expect(await c.callStr('SET', 'k\xff', 'v\x00')).toBe('+OK\r\n');
    expect(await c.callStr('MYGET', 'k\xff')).toBe('$2\r\nv\x00\r\n');
    expect(await c.callStr('myget', 'k\xff')).toBe('$2\r\nv\x00\r\n');
    expect(await c.callStr('GET', 'k\xff')).toBe("-ERR unknown command 'GET', with args beginning with: 'k\xff' \r\n");
    expect(await c.callStr('FLUSHALL')).toBe("-ERR unknown command 'FLUSHALL', with args beginning with: \r\n");
    expect(await c.callStr('cfg', 'get', 'maxclients')).toBe('*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n');
    expect(await c.callStr('CONFIG', 'GET', 'maxclients')).toMatch(/^-ERR unknown command 'CONFIG'/);
    expect(await c.callStr('MYGET')).toBe("-ERR wrong number of arguments for 'get' command\r\n");
  });

  it('ioredis uses the new name through call()', async () => {
    const io = new Redis(s.port);
    try {
      const key = Buffer.from('k\xff', 'latin1');
      expect(await io.callBuffer('myget', key)).toEqual(Buffer.from('v\x00', 'latin1'));
      await expect(io.get(key)).rejects.toThrow("ERR unknown command 'get'");
    } finally {
      io.disconnect();
    }
  });

  it('COMMAND reflects it: the original name is listed, a disabled command is gone', async () => {
    const info = await c.callStr('COMMAND', 'INFO', 'myget', 'get', 'flushall');
    expect(info.startsWith('*3\r\n*10\r\n$3\r\nget\r\n:2\r\n')).toBe(true);
    expect(info.endsWith('$-1\r\n$-1\r\n')).toBe(true);
    expect(await c.callStr('COMMAND', 'GETKEYS', 'myget', 'k')).toBe('*1\r\n$1\r\nk\r\n');
    const plain = await startNodis();
    const pc = await RawClient.connect(plain.port);
    const count = Number((await pc.callStr('COMMAND', 'COUNT')).slice(1));
    pc.close();
    await plain.close();
    expect(await c.callStr('COMMAND', 'COUNT')).toBe(`:${count - 1}\r\n`);
    const list = (await c.call('COMMAND', 'LIST')).latin1Slice();
    expect(list).toContain('\r\nget\r\n');
    expect(list).not.toContain('flushall');
    expect(list).not.toContain('myget');
  });

  it('loading fails on an unknown command or a name already taken', () => {
    const names = new Set(allCommands.map((x) => x.name));
    expect(() => loadServerConfigFromString(new Config(), 'rename-command nosuch foo\n', { commandNames: new Set(names) })).toThrow(
      'No such command in rename-command',
    );
    expect(() => loadServerConfigFromString(new Config(), 'rename-command get set\n', { commandNames: new Set(names) })).toThrow(
      'Target command name already exists',
    );
  });

  describe.skipIf(!HAVE_REDIS)('compared with redis-server', () => {
    let r: RedisHandle;
    let rc: RawClient;
    beforeAll(async () => {
      r = await startRedis(['--rename-command', 'get', 'myget', '--rename-command', 'flushall', '', '--rename-command', 'Config', 'CFG']);
      rc = await RawClient.connect(r.port);
    });
    afterAll(async () => {
      rc?.close();
      await r?.close();
    });
    const same = async (...args: Arg[]): Promise<void> => {
      const [a, b] = await Promise.all([c.callStr(...args), rc.callStr(...args)]);
      expect(a, args.join(' ')).toBe(b);
    };

    it('the same replies', async () => {
      await same('SET', 'k', 'v');
      await same('myget', 'k');
      await same('MyGet', 'k');
      await same('get', 'k');
      await same('flushall');
      await same('flushall', 'async');
      await same('myget');
      await same('COMMAND', 'INFO', 'myget', 'get', 'flushall', 'config');
      await same('COMMAND', 'GETKEYS', 'myget', 'x');
      await same('COMMAND', 'GETKEYS', 'get', 'x');
      await same('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'myget');
      await same('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'ge?');
      await same('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'flush*');
      await same('cfg', 'get', 'maxclients');
      await same('cfg', 'nosuch');
      await same('config', 'get', 'maxclients');
      await same('MULTI');
      await same('myget', 'k');
      await same('get', 'k');
      await same('EXEC');
    });
  });
});

describe('maxclients', () => {
  it('a connection beyond the limit gets the error and is closed; counted in rejected_connections', async () => {
    const s = await startNodis();
    const admin = await RawClient.connect(s.port);
    try {
      expect(await admin.callStr('CONFIG', 'SET', 'maxclients', '2')).toBe('+OK\r\n');
      const second = await RawClient.connect(s.port);
      expect(await second.callStr('PING')).toBe('+PONG\r\n');
      const third = await readUntilClose(s.port);
      expect(third).toEqual({ data: '-ERR max number of clients reached\r\n', closed: true });
      const io = new Redis({ port: s.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      io.on('error', () => {});
      await expect(io.connect().then(() => io.ping())).rejects.toThrow();
      io.disconnect();
      expect(await admin.callStr('INFO', 'stats')).toMatch(/\r\nrejected_connections:2\r\n/);
      // Room again once a client leaves.
      second.close();
      await waitFor(() => s.server.clients.size === 1, 'the client to go');
      const again = await RawClient.connect(s.port);
      expect(await again.callStr('PING')).toBe('+PONG\r\n');
      again.close();
    } finally {
      admin.close();
      await s.close();
    }
  });

  it.skipIf(!HAVE_REDIS)('the same bytes as redis-server for the refused connection', async () => {
    const [s, r] = await Promise.all([startNodis({ config: { maxclients: '1' } }), startRedis(['--maxclients', '1'])]);
    const [a, b] = await Promise.all([RawClient.connect(s.port), RawClient.connect(r.port)]);
    try {
      const [n, rr] = await Promise.all([readUntilClose(s.port), readUntilClose(r.port)]);
      expect(n).toEqual(rr);
      expect(await a.callStr('CONFIG', 'GET', 'maxclients')).toBe(await b.callStr('CONFIG', 'GET', 'maxclients'));
      expect(await a.callStr('CONFIG', 'SET', 'maxclients', '0')).toBe(await b.callStr('CONFIG', 'SET', 'maxclients', '0'));
    } finally {
      a.close();
      b.close();
      await Promise.all([s.close(), r.close()]);
    }
  });
});

describe('timeout', () => {
  it('closes idle clients, but not blocked, subscribed, MONITOR or RESP3 subscribed clients', async () => {
    const s = await startNodis();
    const admin = await RawClient.connect(s.port);
    try {
      const blocked = await RawClient.connect(s.port);
      blocked.write(Buffer.from('*3\r\n$5\r\nBLPOP\r\n$4\r\nlist\r\n$1\r\n0\r\n'));
      const sub = await RawClient.connect(s.port);
      expect(await sub.callStr('SUBSCRIBE', 'ch')).toBe('*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n');
      const sub3 = await RawClient.connect(s.port);
      expect(await sub3.callStr('HELLO', '3')).toMatch(/^%7/);
      expect(await sub3.callStr('PSUBSCRIBE', 'p*')).toBe('>3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:1\r\n');
      const mon = await RawClient.connect(s.port);
      expect(await mon.callStr('MONITOR')).toBe('+OK\r\n');
      const partial = await RawClient.connect(s.port);
      partial.write(Buffer.from('*2\r\n$4\r\nECHO\r\n$3\r\nab'));
      const idle = await RawClient.connect(s.port);
      expect(await idle.callStr('PING')).toBe('+PONG\r\n');
      await waitFor(() => s.server.clients.size === 7, 'every client');

      expect(await admin.callStr('CONFIG', 'SET', 'timeout', '1')).toBe('+OK\r\n');
      // The admin stays active while the idle clients time out.
      await waitFor(async () => (await admin.callStr('PING')) === '+PONG\r\n' && idle.closed && partial.closed, 'the idle clients to be closed');
      expect(blocked.closed || sub.closed || sub3.closed || mon.closed).toBe(false);
      expect(await admin.callStr('CONFIG', 'SET', 'timeout', '0')).toBe('+OK\r\n');
      // The exempt clients still work.
      expect(await admin.callStr('RPUSH', 'list', 'x')).toBe(':1\r\n');
      expect(await blocked.readReply().then((b) => b.latin1Slice())).toBe('*2\r\n$4\r\nlist\r\n$1\r\nx\r\n');
      expect(await admin.callStr('PUBLISH', 'ch', 'm')).toBe(':1\r\n');
      expect(await sub.readReply().then((b) => b.latin1Slice())).toBe('*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nm\r\n');
      for (const c of [blocked, sub, sub3, mon]) c.close();
    } finally {
      admin.close();
      await s.close();
    }
  });

  it('an ioredis client reconnects after an idle disconnection', async () => {
    const s = await startNodis({ config: { timeout: '1' } });
    const io = new Redis({ port: s.port, retryStrategy: () => 10 });
    const closes: number[] = [];
    io.on('close', () => closes.push(Date.now()));
    try {
      expect(await io.set('a', '1')).toBe('OK');
      await waitFor(() => closes.length > 0, 'the idle disconnection');
      expect(await io.get('a')).toBe('1');
    } finally {
      io.disconnect();
      await s.close();
    }
  });
});

describe('tcp-keepalive', () => {
  /**
   * The timer ss shows for the server side of the connection from `clientPort`
   * once it is idle (no retransmission timer pending): 'keepalive <time>' or
   * 'none'; null when ss is unavailable.
   */
  async function idleTimer(port: number, clientPort: number): Promise<string | null> {
    const end = Date.now() + 10000;
    for (;;) {
      const line = await new Promise<string | null>((resolve) => {
        execFile('ss', ['-tnoH', 'state', 'established', `( sport = :${port} and dport = :${clientPort} )`], { encoding: 'utf8' }, (err, out) =>
          resolve(err ? null : out.trim()),
        );
      });
      if (line === null) return null;
      const m = /timer:\((\w+),([^,]+),/.exec(line);
      const t = m ? `${m[1]} ${m[2]}` : 'none';
      if (line !== '' && !t.startsWith('on ')) return t;
      if (Date.now() > end) throw new Error(`no idle state for the connection: ${JSON.stringify(line)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const clientPort = async (c: RawClient): Promise<number> => Number(/addr=[^ ]*:(\d+) /.exec(await c.callStr('CLIENT', 'INFO'))![1]);

  it('sets SO_KEEPALIVE with the configured idle time on accepted sockets; 0 disables it for new ones', async (ctx) => {
    const s = await startNodis({ config: { 'tcp-keepalive': '60' } });
    const a = await RawClient.connect(s.port);
    try {
      const first = await idleTimer(s.port, await clientPort(a));
      if (first === null) {
        console.warn('[e2e/limits] SKIPPED: ss is not available; tcp-keepalive not checked');
        ctx.skip();
        return;
      }
      expect(first).toMatch(/^keepalive (\d|[1-5]\d|60)sec$/);
      expect(await a.callStr('CONFIG', 'SET', 'tcp-keepalive', '0')).toBe('+OK\r\n');
      const b = await RawClient.connect(s.port);
      expect(await idleTimer(s.port, await clientPort(b))).toBe('none');
      // Applied at accept, as Redis: the first connection keeps its keepalive.
      expect(await idleTimer(s.port, await clientPort(a))).toMatch(/^keepalive /);
      b.close();
    } finally {
      a.close();
      await s.close();
    }
  });
});
