/** HELLO, AUTH and CLIENT over TCP, in RESP2 and RESP3. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { RawClient, encodeCommand, parseReply, type Reply } from '../helpers/resp.js';
import { ManualClock, type ServerHandle } from '../../src/index.js';

let srv: ServerHandle;
beforeAll(async () => {
  srv = await startNodis();
});
afterAll(async () => {
  await srv.close();
});

async function resp3(port = srv.port): Promise<RawClient> {
  const c = await RawClient.connect(port);
  const r = await c.callStr('HELLO', '3');
  expect(r.startsWith('%7\r\n')).toBe(true);
  return c;
}

/** CLIENT INFO/LIST text (bulk in RESP2, verbatim "txt:" in RESP3). */
function text(b: Buffer): string {
  const r = parseReply(b)[0];
  if (r.t === 'bulk') return r.v!.latin1Slice();
  if (r.t === 'verbatim') {
    expect(r.v.latin1Slice(0, 4)).toBe('txt:');
    return r.v.latin1Slice(4);
  }
  throw new Error(`unexpected reply ${b.latin1Slice()}`);
}

function fields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of line.trim().split(' ')) out[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
  return out;
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('HELLO', () => {
  it('replies the server map in RESP2 and switches to RESP3', async () => {
    const c = await RawClient.connect(srv.port);
    const id = Number((await c.callStr('CLIENT', 'ID')).slice(1, -2));
    const m2 = `$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:${id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n`;
    expect(await c.callStr('HELLO')).toBe('*14\r\n' + m2);
    expect(await c.callStr('HELLO', '2')).toBe('*14\r\n' + m2);
    expect(await c.callStr('CLIENT', 'GETNAME')).toBe('$-1\r\n');
    expect(await c.callStr('HELLO', '3')).toBe('%7\r\n' + m2.replace(':2\r\n', ':3\r\n'));
    // Now in RESP3: null is "_", HELLO without arguments keeps the protocol.
    expect(await c.callStr('CLIENT', 'GETNAME')).toBe('_\r\n');
    expect((await c.callStr('HELLO')).startsWith('%7\r\n')).toBe(true);
    expect(await c.callStr('HELLO', '2')).toBe('*14\r\n' + m2);
    expect(await c.callStr('CLIENT', 'GETNAME')).toBe('$-1\r\n');
    c.close();
  });

  it('sets the name and authenticates in the same call', async () => {
    const c = await RawClient.connect(srv.port);
    expect((await c.callStr('HELLO', '3', 'AUTH', 'default', 'whatever', 'SETNAME', 'hello-name')).startsWith('%7')).toBe(true);
    expect(await c.callStr('CLIENT', 'GETNAME')).toBe('$10\r\nhello-name\r\n');
    expect((await c.callStr('HELLO', '2', 'setname', 'other')).startsWith('*14')).toBe(true);
    expect(await c.callStr('CLIENT', 'GETNAME')).toBe('$5\r\nother\r\n');
    c.close();
  });

  it('rejects bad versions and options with Redis errors', async () => {
    const c = await RawClient.connect(srv.port);
    expect(await c.callStr('HELLO', '1')).toBe('-NOPROTO unsupported protocol version\r\n');
    expect(await c.callStr('HELLO', '4')).toBe('-NOPROTO unsupported protocol version\r\n');
    expect(await c.callStr('HELLO', 'three')).toBe('-ERR Protocol version is not an integer or out of range\r\n');
    expect(await c.callStr('HELLO', '3', 'AUTH', 'default')).toBe("-ERR Syntax error in HELLO option 'AUTH'\r\n");
    expect(await c.callStr('HELLO', '3', 'bogus')).toBe("-ERR Syntax error in HELLO option 'bogus'\r\n");
    expect(await c.callStr('HELLO', '3', 'AUTH', 'alice', 'pw')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await c.callStr('HELLO', '3', 'SETNAME', 'a b')).toBe('-ERR Client names cannot contain spaces, newlines or special characters.\r\n');
    // Failed HELLOs did not switch protocol.
    expect(await c.callStr('CLIENT', 'GETNAME')).toBe('$-1\r\n');
    c.close();
  });
});

describe('AUTH and requirepass', () => {
  let sec: ServerHandle;
  beforeAll(async () => {
    sec = await startNodis({ config: { requirepass: 'p\xffss' } });
  });
  afterAll(async () => {
    await sec.close();
  });

  it('requires authentication, accepts the password, rejects wrong ones', async () => {
    const c = await RawClient.connect(sec.port);
    expect(await c.callStr('GET', 'x')).toBe('-NOAUTH Authentication required.\r\n');
    expect(await c.callStr('HELLO', '3')).toBe(
      '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n',
    );
    expect(await c.callStr('AUTH', 'wrong')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await c.callStr('AUTH', 'default', 'wrong')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await c.callStr('AUTH', 'admin', 'p\xffss')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await c.callStr('AUTH', 'a', 'b', 'c')).toBe('-ERR syntax error\r\n');
    expect(await c.callStr('GET', 'x')).toBe('-NOAUTH Authentication required.\r\n');
    expect(await c.callStr('AUTH', 'p\xffss')).toBe('+OK\r\n');
    expect(await c.callStr('GET', 'x')).toBe('$-1\r\n');
    // RESET drops the authentication.
    expect(await c.callStr('RESET')).toBe('+RESET\r\n');
    expect(await c.callStr('GET', 'x')).toBe('-NOAUTH Authentication required.\r\n');
    expect(await c.callStr('AUTH', 'default', 'p\xffss')).toBe('+OK\r\n');
    expect(await c.callStr('PING')).toBe('+PONG\r\n');
    c.close();
  });

  it('HELLO AUTH authenticates and switches protocol', async () => {
    const c = await RawClient.connect(sec.port);
    expect(await c.callStr('HELLO', '3', 'AUTH', 'default', 'nope')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect((await c.callStr('HELLO', '3', 'AUTH', 'default', 'p\xffss')).startsWith('%7\r\n')).toBe(true);
    expect(await c.callStr('GET', 'x')).toBe('_\r\n');
    c.close();
  });

  it('ioredis authenticates with binary passwords', async () => {
    const r = new Redis(sec.port, '127.0.0.1', { lazyConnect: true, enableReadyCheck: false });
    await r.connect();
    await expect(r.ping()).rejects.toThrow('NOAUTH Authentication required.');
    expect(await r.auth(Buffer.from('p\xffss', 'latin1') as unknown as string)).toBe('OK');
    expect(await r.ping()).toBe('PONG');
    r.disconnect();
  });

  it('AUTH without requirepass is an error for the one-argument form', async () => {
    const c = await RawClient.connect(srv.port);
    expect(await c.callStr('AUTH', 'x')).toBe(
      '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n',
    );
    expect(await c.callStr('AUTH', 'default', 'anything')).toBe('+OK\r\n');
    expect(await c.callStr('AUTH', 'someone', 'anything')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    c.close();
  });
});

describe('CLIENT', () => {
  it('ID is unique and matches HELLO', async () => {
    const a = await RawClient.connect(srv.port);
    const b = await RawClient.connect(srv.port);
    const ia = Number((await a.callStr('CLIENT', 'ID')).slice(1, -2));
    const ib = Number((await b.callStr('CLIENT', 'ID')).slice(1, -2));
    expect(ib).toBeGreaterThan(ia);
    expect(await a.callStr('HELLO')).toContain(`$2\r\nid\r\n:${ia}\r\n`);
    a.close();
    b.close();
  });

  it('SETNAME/GETNAME validate and clear names', async () => {
    const c = await RawClient.connect(srv.port);
    expect(await c.callStr('CLIENT', 'GETNAME')).toBe('$-1\r\n');
    expect(await c.callStr('CLIENT', 'SETNAME', 'n!~')).toBe('+OK\r\n');
    expect(await c.callStr('CLIENT', 'GETNAME')).toBe('$3\r\nn!~\r\n');
    for (const bad of ['a b', 'a\nb', 'caf\xe9', '\x00', 'tab\t']) {
      expect(await c.callStr('CLIENT', 'SETNAME', bad)).toBe('-ERR Client names cannot contain spaces, newlines or special characters.\r\n');
    }
    expect(await c.callStr('CLIENT', 'GETNAME')).toBe('$3\r\nn!~\r\n');
    expect(await c.callStr('CLIENT', 'SETNAME', '')).toBe('+OK\r\n');
    expect(await c.callStr('CLIENT', 'GETNAME')).toBe('$-1\r\n');
    c.close();
  });

  it('LIST and INFO describe connections in Redis format', async () => {
    const a = await RawClient.connect(srv.port);
    const b = await RawClient.connect(srv.port);
    await b.callStr('CLIENT', 'SETNAME', 'bee');
    await b.callStr('SELECT', '5');
    await b.callStr('GET', 'k');
    const ib = Number((await b.callStr('CLIENT', 'ID')).slice(1, -2));
    await b.callStr('GET', 'k');
    const info = text(await a.call('CLIENT', 'INFO'));
    expect(info).toMatch(
      /^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=-?\d+ name= age=\d+ idle=\d+ flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=\d+ argv-mem=10 multi-mem=0 rbs=\d+ rbp=\d+ obl=0 oll=0 omem=0 tot-mem=\d+ events=r cmd=client\|info user=default redir=-1 resp=2\n$/,
    );
    expect(fields(info).laddr).toBe(`127.0.0.1:${srv.port}`);
    const list = text(await a.call('CLIENT', 'LIST'));
    expect(list.endsWith('\n')).toBe(true);
    const lines = list.trim().split('\n').map(fields);
    const other = lines.find((l) => l.id === String(ib))!;
    expect(other).toMatchObject({ name: 'bee', db: '5', cmd: 'get', flags: 'N', resp: '2' });
    expect(lines.find((l) => l.cmd === 'client|list')).toBeDefined();
    // LIST ID keeps the argument order and skips unknown ids.
    const ia = Number(fields(info).id);
    const byId = text(await a.call('CLIENT', 'LIST', 'ID', String(ib), '999999', String(ia))).trim().split('\n').map(fields);
    expect(byId.map((l) => Number(l.id))).toEqual([ib, ia]);
    expect(text(await a.call('CLIENT', 'LIST', 'TYPE', 'normal')).trim().split('\n').length).toBeGreaterThanOrEqual(2);
    expect(text(await a.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))).toBe('');
    expect(text(await a.call('CLIENT', 'LIST', 'TYPE', 'master'))).toBe('');
    // An unknown command leaves cmd=NULL for that client.
    await b.callStr('NOSUCHCMD');
    const after = text(await a.call('CLIENT', 'LIST', 'ID', String(ib)));
    expect(fields(after).cmd).toBe('NULL');
    a.close();
    b.close();
  });

  it('LIST and INFO are verbatim strings in RESP3', async () => {
    const c = await resp3();
    const raw = (await c.call('CLIENT', 'INFO')).latin1Slice();
    expect(raw).toMatch(/^=\d+\r\ntxt:id=\d+ .* resp=3\n\r\n$/);
    expect((await c.call('CLIENT', 'LIST')).latin1Slice()).toMatch(/^=\d+\r\ntxt:id=/);
    c.close();
  });

  it('flags show no-evict and monitors', async () => {
    const c = await RawClient.connect(srv.port);
    expect(await c.callStr('CLIENT', 'NO-EVICT', 'on')).toBe('+OK\r\n');
    expect(fields(text(await c.call('CLIENT', 'INFO'))).flags).toBe('e');
    expect(await c.callStr('CLIENT', 'NO-EVICT', 'off')).toBe('+OK\r\n');
    expect(fields(text(await c.call('CLIENT', 'INFO'))).flags).toBe('N');
    const m = await RawClient.connect(srv.port);
    expect(await m.callStr('MONITOR')).toBe('+OK\r\n');
    const mid = [...srv.server.monitors][0].id;
    const line = text(await c.call('CLIENT', 'LIST', 'ID', String(mid)));
    expect(fields(line).flags).toBe('O');
    m.close();
    c.close();
  });

  it('KILL by address (old form), by ID, TYPE, USER, SKIPME and LADDR', async () => {
    const killer = await RawClient.connect(srv.port);
    const victim = await RawClient.connect(srv.port);
    const vinfo = fields(text(await victim.call('CLIENT', 'INFO')));
    expect(await killer.callStr('CLIENT', 'KILL', vinfo.addr)).toBe('+OK\r\n');
    await victim.readUntilClose();
    expect(srv.server.clients.has(Number(vinfo.id))).toBe(false);
    expect(await killer.callStr('CLIENT', 'KILL', vinfo.addr)).toBe('-ERR No such client\r\n');

    const v2 = await RawClient.connect(srv.port);
    const id2 = (await v2.callStr('CLIENT', 'ID')).slice(1, -2);
    expect(await killer.callStr('CLIENT', 'KILL', 'ID', id2)).toBe(':1\r\n');
    await v2.readUntilClose();
    expect(await killer.callStr('CLIENT', 'KILL', 'ID', id2)).toBe(':0\r\n');

    // TYPE normal with the default SKIPME yes: every other normal client.
    const others = await Promise.all([RawClient.connect(srv.port), RawClient.connect(srv.port)]);
    for (const o of others) await o.callStr('PING');
    const n = Number((await killer.callStr('CLIENT', 'KILL', 'TYPE', 'normal')).slice(1, -2));
    expect(n).toBeGreaterThanOrEqual(2);
    for (const o of others) await o.readUntilClose();
    expect(await killer.callStr('PING')).toBe('+PONG\r\n');

    // USER default with SKIPME no includes the caller: reply, then close.
    const u = await RawClient.connect(srv.port);
    await u.callStr('PING');
    const self = await RawClient.connect(srv.port);
    self.write(encodeCommand(['CLIENT', 'KILL', 'USER', 'default', 'SKIPME', 'no']));
    const reply = (await self.readUntilClose()).latin1Slice();
    expect(reply).toMatch(/^:\d+\r\n$/);
    await u.readUntilClose();
    killer.close();

    // LADDR matches the local address of the connection.
    const l = await RawClient.connect(srv.port);
    const k2 = await RawClient.connect(srv.port);
    const laddr = fields(text(await l.call('CLIENT', 'INFO'))).laddr;
    expect(await k2.callStr('CLIENT', 'KILL', 'LADDR', '1.2.3.4:1')).toBe(':0\r\n');
    expect(Number((await k2.callStr('CLIENT', 'KILL', 'LADDR', laddr)).slice(1, -2))).toBeGreaterThanOrEqual(1);
    await l.readUntilClose();
    k2.close();
  });

  it('REPLY OFF/SKIP/ON control which replies are sent', async () => {
    const c = await RawClient.connect(srv.port);
    c.write(
      Buffer.concat(
        [
          ['CLIENT', 'REPLY', 'OFF'],
          ['SET', 'rk', '1'],
          ['GET', 'rk'],
          ['CLIENT', 'REPLY', 'SKIP'],
          ['CLIENT', 'REPLY', 'ON'],
          ['ECHO', 'a'],
          ['CLIENT', 'REPLY', 'SKIP'],
          ['ECHO', 'b'],
          ['ECHO', 'c'],
          ['DEL', 'rk'],
        ].map((a) => encodeCommand(a)),
      ),
    );
    expect((await c.readReply()).latin1Slice()).toBe('+OK\r\n');
    expect((await c.readReply()).latin1Slice()).toBe('$1\r\na\r\n');
    expect((await c.readReply()).latin1Slice()).toBe('$1\r\nc\r\n');
    expect((await c.readReply()).latin1Slice()).toBe(':1\r\n');
    c.close();
  });

  it('PAUSE WRITE holds writes only, in order, until UNPAUSE', async () => {
    const admin = await RawClient.connect(srv.port);
    const w = await RawClient.connect(srv.port);
    expect(await admin.callStr('CLIENT', 'PAUSE', '100000', 'WRITE')).toBe('+OK\r\n');
    // Reads go through; the SET and everything after it on that connection wait.
    expect(await w.callStr('GET', 'pw')).toBe('$-1\r\n');
    w.write(Buffer.concat([encodeCommand(['SET', 'pw', '1']), encodeCommand(['GET', 'pw']), encodeCommand(['INCR', 'pw'])]));
    await waitFor(() => srv.server.stats.numCommands > 0 && [...srv.server.clients.values()].some((c) => c.ext.postponedArgv), 'the SET to be held');
    expect(await admin.callStr('GET', 'pw')).toBe('$-1\r\n');
    const winfo = fields(text(await admin.call('CLIENT', 'LIST', 'ID', String([...srv.server.clients.values()].find((c) => c.ext.postponedArgv)!.id))));
    expect(winfo.flags).toBe('b');
    expect(winfo.cmd).toBe('set');
    expect(await admin.callStr('INFO', 'clients')).toContain('blocked_clients:1\r\n');
    expect(w.pending().length).toBe(0);
    expect(await admin.callStr('CLIENT', 'UNPAUSE')).toBe('+OK\r\n');
    expect((await w.readReply()).latin1Slice()).toBe('+OK\r\n');
    expect((await w.readReply()).latin1Slice()).toBe('$1\r\n1\r\n');
    expect((await w.readReply()).latin1Slice()).toBe(':2\r\n');
    expect(await admin.callStr('DEL', 'pw')).toBe(':1\r\n');
    admin.close();
    w.close();
  });

  it('PAUSE WRITE holds EVAL without flags, PFCOUNT and PUBLISH, but not a no-writes script', async () => {
    const admin = await RawClient.connect(srv.port);
    const held = await Promise.all([0, 1, 2, 3].map(() => RawClient.connect(srv.port)));
    expect(await admin.callStr('PFADD', 'ph\xff', 'a')).toBe(':1\r\n');
    expect(await admin.callStr('CLIENT', 'PAUSE', '100000', 'WRITE')).toBe('+OK\r\n');
    try {
      expect(await admin.callStr('EVAL', '#!lua flags=no-writes\nreturn 7', '0')).toBe(':7\r\n');
      expect(await admin.callStr('EVAL_RO', 'return 8', '0')).toBe(':8\r\n');
      held[0].write(encodeCommand(['EVAL', 'return 1', '0']));
      held[1].write(encodeCommand(['EVAL', '#!lua\nreturn 2', '0']));
      held[2].write(encodeCommand(['PFCOUNT', 'ph\xff']));
      held[3].write(encodeCommand(['PUBLISH', 'ch', 'm']));
      await waitFor(() => [...srv.server.clients.values()].filter((c) => c.ext.postponedArgv).length === 4, 'four clients to be held');
      expect(await admin.callStr('INFO', 'clients')).toContain('blocked_clients:4\r\n');
      for (const h of held) expect(h.pending().length).toBe(0);
    } finally {
      expect(await admin.callStr('CLIENT', 'UNPAUSE')).toBe('+OK\r\n');
    }
    const replies = await Promise.all(held.map((h) => h.readReply()));
    expect(replies.map((b) => b.latin1Slice())).toEqual([':1\r\n', ':2\r\n', ':1\r\n', ':0\r\n']);
    for (const h of [admin, ...held]) h.close();
  });

  it('PAUSE ALL holds every command and ends by itself at the timeout', async () => {
    const admin = await RawClient.connect(srv.port);
    const r = await RawClient.connect(srv.port);
    expect(await admin.callStr('CLIENT', 'PAUSE', '150')).toBe('+OK\r\n');
    r.write(encodeCommand(['PING']));
    await waitFor(() => [...srv.server.clients.values()].some((c) => c.ext.postponedArgv), 'the PING to be held');
    // Released when the pause times out, without any UNPAUSE.
    expect((await r.readReply()).latin1Slice()).toBe('+PONG\r\n');
    expect(srv.server.pauseType).toBe(null);
    admin.close();
    r.close();
  });

  it('a pause that expired is lifted by the next command, releasing held clients', async () => {
    const clock = new ManualClock(Date.now());
    const own = await startNodis({ clock });
    const admin = await RawClient.connect(own.port);
    const w = await RawClient.connect(own.port);
    expect(await admin.callStr('CLIENT', 'PAUSE', '100000', 'WRITE')).toBe('+OK\r\n');
    w.write(encodeCommand(['SET', 'k', 'v']));
    await waitFor(() => [...own.server.clients.values()].some((c) => c.ext.postponedArgv), 'the SET to be held');
    clock.advance(200000);
    expect(await admin.callStr('PING')).toBe('+PONG\r\n');
    expect((await w.readReply()).latin1Slice()).toBe('+OK\r\n');
    expect(own.server.pauseType).toBe(null);
    admin.close();
    w.close();
    await own.close();
  });

  it('PAUSE validates its arguments', async () => {
    const c = await RawClient.connect(srv.port);
    expect(await c.callStr('CLIENT', 'PAUSE', '10', 'SOME')).toBe('-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n');
    expect(await c.callStr('CLIENT', 'PAUSE', '-5')).toBe('-ERR timeout is negative\r\n');
    expect(await c.callStr('CLIENT', 'PAUSE', '1.5')).toBe('-ERR timeout is not an integer or out of range\r\n');
    expect(await c.callStr('CLIENT', 'PAUSE', '0')).toBe('+OK\r\n');
    expect(srv.server.pauseType).toBe(null);
    c.close();
  });

  it('unknown and later-version subcommands are errors', async () => {
    const c = await RawClient.connect(srv.port);
    expect(await c.callStr('CLIENT', 'SETINFO', 'LIB-NAME', 'x')).toBe("-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n");
    expect(await c.callStr('CLIENT', 'NO-TOUCH', 'on')).toBe("-ERR unknown subcommand 'NO-TOUCH'. Try CLIENT HELP.\r\n");
    expect(await c.callStr('CLIENT')).toBe("-ERR wrong number of arguments for 'client' command\r\n");
    const help = parseReply(await c.call('CLIENT', 'HELP'))[0] as { v: Reply[] };
    const lines = help.v.map((x) => (x as { v: string }).v);
    expect(lines[0]).toBe('CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(lines).toContain('PAUSE <timeout> [WRITE|ALL]');
    c.close();
  });

  it('works through ioredis', async () => {
    const r = new Redis(srv.port, '127.0.0.1', { lazyConnect: true });
    await r.connect();
    expect(await r.client('SETNAME', 'ior')).toBe('OK');
    expect(await r.client('GETNAME')).toBe('ior');
    expect(String(await r.client('INFO'))).toContain('name=ior ');
    r.disconnect();
  });
});

describe('timeout (idle clients)', () => {
  it('closes a client idle for longer than `timeout` seconds and keeps one that talks; CLIENT LIST shows both idle times', async () => {
    const idle = await RawClient.connect(srv.port);
    const busy = await RawClient.connect(srv.port);
    const idleId = (await idle.callStr('CLIENT', 'ID')).slice(1, -2);
    const busyId = (await busy.callStr('CLIENT', 'ID')).slice(1, -2);
    await busy.callStr('CONFIG', 'SET', 'timeout', '2');
    try {
      for (let i = 0; i < 7; i++) {
        await new Promise((r) => setTimeout(r, 200));
        await busy.callStr('PING');
      }
      // 1.4 s on (whole seconds apart, as Redis counts): the idle client
      // has been idle for 1 or 2, the one asking for 0.
      const byId = new Map(text(await busy.call('CLIENT', 'LIST')).trim().split('\n').map((l) => [fields(l).id, fields(l)]));
      expect(['1', '2']).toContain(byId.get(idleId)?.idle);
      expect(byId.get(busyId)?.idle).toBe('0');
      for (let i = 0; i < 8 && !idle.closed; i++) {
        await new Promise((r) => setTimeout(r, 200));
        await busy.callStr('PING');
      }
      await waitFor(() => idle.closed, 'the idle client to be closed');
      expect(await busy.callStr('PING')).toBe('+PONG\r\n');
    } finally {
      await busy.callStr('CONFIG', 'SET', 'timeout', '0');
      idle.close();
      busy.close();
    }
  });
});
