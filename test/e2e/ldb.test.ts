/**
 * The Lua debugger without a reference server: a forked session (SCRIPT
 * DEBUG YES) from an embedded server, which keeps serving while the
 * session waits and keeps none of its changes; SHUTDOWN ending forked
 * sessions; a SYNC session holding the whole server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/resp.js';
import { startNodis, spawnNodisServer } from '../helpers/servers.js';
import type { ServerHandle } from '../../src/index.js';

const KEY = 'dbg\xff\x00';

describe('Lua debugger: forked sessions (SCRIPT DEBUG YES)', () => {
  let srv: ServerHandle;
  beforeAll(async () => {
    srv = await startNodis();
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('runs in a child: the server answers others meanwhile, and the changes are gone after', async () => {
    const other = await RawClient.connect(srv.port);
    await other.call('SET', KEY, 'orig');
    const dbg = await RawClient.connect(srv.port);
    expect(await dbg.callStr('SCRIPT', 'DEBUG', 'yes')).toBe('+OK\r\n');
    const first = await dbg.callStr('EVAL', "redis.call('set', KEYS[1], 'changed')\nreturn redis.call('get', KEYS[1])", '1', KEY);
    expect(first).toBe("*2\r\n+* Stopped at 1, stop reason = step over\r\n+-> 1   redis.call('set', KEYS[1], 'changed')\r\n");
    // The parent is not blocked by the waiting session.
    expect(await other.callStr('PING')).toBe('+PONG\r\n');
    const step = await dbg.callStr('s');
    expect(step).toBe(
      `*4\r\n+<redis> set ${KEY} changed\r\n+<reply> "+OK"\r\n+* Stopped at 2, stop reason = step over\r\n+-> 2   return redis.call('get', KEYS[1])\r\n`,
    );
    // The child's copy has the change; the server does not.
    expect(await other.callStr('GET', KEY)).toBe('$4\r\norig\r\n');
    const end = await dbg.callStr('c');
    expect(end).toBe('*1\r\n+<endsession>\r\n');
    expect((await dbg.readUntilClose()).latin1Slice()).toBe('$7\r\nchanged\r\n');
    expect(await other.callStr('GET', KEY)).toBe('$4\r\norig\r\n');
    other.close();
  });

  it('commands pipelined after the EVAL are not run by the server', async () => {
    const c = await RawClient.connect(srv.port);
    await c.call('DEL', 'piped');
    await c.call('SCRIPT', 'DEBUG', 'yes');
    c.write('*3\r\n$4\r\nEVAL\r\n$8\r\nreturn 1\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$5\r\npiped\r\n$1\r\n1\r\n');
    expect((await c.readReply()).latin1Slice()).toContain('* Stopped at 1');
    expect((await c.call('c')).latin1Slice()).toBe('*1\r\n+<endsession>\r\n');
    expect((await c.readUntilClose()).latin1Slice()).toBe(':1\r\n');
    const other = await RawClient.connect(srv.port);
    expect(await other.callStr('EXISTS', 'piped')).toBe(':0\r\n');
    other.close();
  });

  it('a forked session reads the db, user and protocol of its client', async () => {
    const dbg = await RawClient.connect(srv.port);
    await dbg.call('ACL', 'SETUSER', 'dbguser', 'on', 'nopass', '~*', '+@all', '-incr');
    await dbg.call('AUTH', 'dbguser', 'x');
    await dbg.call('HELLO', '3');
    await dbg.call('SELECT', '5');
    await dbg.call('SET', 'n', '10');
    await dbg.call('SCRIPT', 'DEBUG', 'yes');
    await dbg.call('EVAL', "redis.setresp(3)\nlocal v = redis.call('get', 'n')\nlocal ok = redis.pcall('incr', 'n')\nreturn {v, ok, redis.call('hgetall', 'none')}", '0');
    const end = (await dbg.callStr('c')) + (await dbg.readUntilClose()).latin1Slice();
    expect(end).toContain('<endsession>');
    // RESP3 reply, db 5's value, the ACL of the user applied in the child.
    expect(end).toContain('*3\r\n$2\r\n10\r\n-ERR The user executing the script can\'t run this command or subcommand');
    expect(end).toMatch(/%0\r\n$/);
    const c = await RawClient.connect(srv.port);
    await c.call('ACL', 'DELUSER', 'dbguser');
    c.close();
  });
});

describe('Lua debugger: sessions of a server process', () => {
  it('SHUTDOWN ends the forked sessions; a SYNC session holds the server', async () => {
    const p = await spawnNodisServer(['--save', '']);
    try {
      const sync = await RawClient.connect(p.port);
      await sync.call('SCRIPT', 'DEBUG', 'sync');
      expect(await sync.callStr('EVAL', 'return 1', '0')).toContain('* Stopped at 1');
      // Held: another client gets nothing until the session ends.
      const other = await RawClient.connect(p.port);
      other.write('*1\r\n$4\r\nPING\r\n');
      await new Promise((r) => setTimeout(r, 300));
      expect(other.pending().length).toBe(0);
      expect(await sync.callStr('c')).toBe('*1\r\n+<endsession>\r\n');
      expect((await sync.readUntilClose()).latin1Slice()).toBe(':1\r\n');
      expect((await other.readReply()).latin1Slice()).toBe('+PONG\r\n');

      const forked = await RawClient.connect(p.port);
      await forked.call('SCRIPT', 'DEBUG', 'yes');
      expect(await forked.callStr('EVAL', 'return 1', '0')).toContain('* Stopped at 1');
      await other.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      // The child is killed: its connection closes without an <endsession>.
      expect((await forked.readUntilClose(10000)).length).toBe(0);
      await p.exited;
      expect(p.output()).toMatch(/Killing debugging session \d+/);
      expect(p.output()).toContain('Redis forked for debugging eval');
      expect(p.output()).toContain('Redis synchronous debugging eval session started');
    } finally {
      p.kill();
    }
  });
});
