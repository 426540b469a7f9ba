import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodis } from '../helpers/servers.js';
import { RawClient, encodeCommand, replyLength } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';

const E = (t: string) => `-ERR Protocol error: ${t}\r\n`;

/** Wait until `cond()` holds, polling. */
async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Send `data`, return everything received until the server closes. */
async function sendUntilClose(port: number, data: string | Buffer): Promise<string> {
  const c = await RawClient.connect(port);
  c.write(data);
  const out = await c.readUntilClose();
  return out.latin1Slice();
}

describe('protocol over TCP', () => {
  let srv: ServerHandle;
  beforeAll(async () => {
    srv = await startNodis({ config: { 'client-query-buffer-limit': '1mb' } });
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('replies to each protocol error and closes only that connection', async () => {
    const cases: [string, string][] = [
      ['*abc\r\n', E('invalid multibulk length')],
      ['*-\r\n', E('invalid multibulk length')],
      ['*3000000000\r\n', E('invalid multibulk length')],
      ['*1\r\n$-1\r\n', E('invalid bulk length')],
      ['*1\r\n$abc\r\n', E('invalid bulk length')],
      ['*1\r\nx\r\n', E("expected '$', got 'x'")],
      ['ECHO "a"b\r\n', E('unbalanced quotes in request')],
      ["ECHO 'abc\r\n", E('unbalanced quotes in request')],
      // commands before the error are answered first
      ['PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n', '+PONG\r\n+PONG\r\n' + E('invalid bulk length')],
      // commands after the error are not executed
      ['*1\r\n$x\r\n*1\r\n$4\r\nPING\r\n', E('invalid bulk length')],
    ];
    const bystander = await RawClient.connect(srv.port);
    for (const [input, expected] of cases) {
      expect(await sendUntilClose(srv.port, input), JSON.stringify(input)).toBe(expected);
      expect(await bystander.callStr('PING')).toBe('+PONG\r\n');
    }
    bystander.close();
  });

  it('closes the socket after a protocol error even while the client keeps writing', async () => {
    // Like Redis's "Protocol desync regression" tests: a NUL hides every later
    // newline/CR, the buffer grows past 64KB, the error is sent and the socket
    // closed, so the writer eventually fails instead of writing forever.
    for (const [seq, error] of [
      ['\x00', 'too big inline request'],
      ['*\x00', 'too big mbulk count string'],
      ['$\x00', 'too big inline request'],
    ]) {
      // allowHalfOpen: like a Tcl client, keep writing after the server's FIN.
      const sock = net.connect({ port: srv.port, host: '127.0.0.1', allowHalfOpen: true });
      await new Promise((r) => sock.once('connect', r));
      let got = '';
      let closed = false;
      sock.on('data', (d) => (got += d.latin1Slice(0, d.length)));
      sock.on('error', () => (closed = true));
      sock.on('close', () => (closed = true));
      sock.write(seq);
      const payload = Buffer.alloc(1024, 0x41);
      const deadline = Date.now() + 10000;
      while (!closed && Date.now() < deadline) {
        sock.write(payload);
        await new Promise((r) => setTimeout(r, 1));
      }
      sock.destroy();
      expect(closed, `connection closed after ${JSON.stringify(seq)}`).toBe(true);
      expect(got).toBe(E(error));
    }
  });

  it('too big inline request / mbulk count / bulk count strings', async () => {
    expect(await sendUntilClose(srv.port, 'SET k ' + 'x'.repeat(70000))).toBe(E('too big inline request'));
    expect(await sendUntilClose(srv.port, '*' + '1'.repeat(70000))).toBe(E('too big mbulk count string'));
    expect(await sendUntilClose(srv.port, '*1\r\n$' + '1'.repeat(70000))).toBe(E('too big bulk count string'));
  });

  it('closes a client whose query buffer exceeds client-query-buffer-limit, without a reply', async () => {
    const before = srv.server.stats.clientQbufLimitDisconnections;
    const c = await RawClient.connect(srv.port);
    const bystander = await RawClient.connect(srv.port);
    // A 2MB argument is allowed by proto-max-bulk-len but cannot fit the 1mb query buffer.
    c.write('*2\r\n$4\r\nECHO\r\n$2000000\r\n');
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 20 && !c.closed; i++) {
      c.write(chunk);
      await new Promise((r) => setTimeout(r, 1));
    }
    const out = await c.readUntilClose();
    expect(out.latin1Slice()).toBe('');
    expect(srv.server.stats.clientQbufLimitDisconnections).toBe(before + 1);
    expect(await bystander.callStr('PING')).toBe('+PONG\r\n');
    bystander.close();
  });

  it('a complete argument up to the limit is accepted', async () => {
    const c = await RawClient.connect(srv.port);
    const value = Buffer.alloc(1024 * 1024 - 100, 0xfe);
    expect(await c.callStr('SET', 'big', value)).toBe('+OK\r\n');
    const got = await c.call('GET', 'big');
    expect(got.length).toBe(value.length + '$1048476\r\n\r\n'.length);
    c.close();
  });

  it('rejects a bulk length above proto-max-bulk-len without allocating it', async () => {
    const small = await startNodis({ config: { 'proto-max-bulk-len': '1mb' } });
    try {
      expect(await sendUntilClose(small.port, '*1\r\n$1048577\r\n')).toBe(E('invalid bulk length'));
      expect(await sendUntilClose(small.port, '*1\r\n$9223372036854775807\r\n')).toBe(E('invalid bulk length'));
      const c = await RawClient.connect(small.port);
      expect(await c.callStr('ECHO', Buffer.alloc(1024 * 1024, 0x62))).toMatch(/^\$1048576\r\n/);
      c.close();
    } finally {
      await small.close();
    }
    expect(await sendUntilClose(srv.port, '*1\r\n$536870913\r\n')).toBe(E('invalid bulk length'));
  });

  it('an announced but unsent large bulk does not allocate its length', async () => {
    // proto-max-bulk-len is 1mb here: use a dedicated server with the default 512mb.
    const big = await startNodis();
    try {
      const base = process.memoryUsage().arrayBuffers;
      const clients: RawClient[] = [];
      for (let i = 0; i < 4; i++) {
        const c = await RawClient.connect(big.port);
        c.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870912\r\nabc');
        clients.push(c);
      }
      const probe = await RawClient.connect(big.port);
      expect(await probe.callStr('PING')).toBe('+PONG\r\n');
      await until(() => [...big.server.clients.values()].filter((c) => c.parser.inProgress).length === 4, 'partial commands');
      // 4 x 512MB would be 2GB: nothing near that was reserved.
      expect(process.memoryUsage().arrayBuffers - base).toBeLessThan(64 * 1024 * 1024);
      for (const c of clients) c.close();
      probe.close();
    } finally {
      await big.close();
    }
  });

  it('inline commands with quotes and escapes', async () => {
    const c = await RawClient.connect(srv.port);
    c.write('SET "k \\xff" \'it\\\'s\'\r\nGET "k \\xff"\r\nECHO "a\\r\\nb"\nPING\r\n');
    expect((await c.readReply()).latin1Slice()).toBe('+OK\r\n');
    expect((await c.readReply()).latin1Slice()).toBe("$4\r\nit's\r\n");
    expect((await c.readReply()).latin1Slice()).toBe('$4\r\na\r\nb\r\n');
    expect((await c.readReply()).latin1Slice()).toBe('+PONG\r\n');
    expect(await c.callStr('GET', 'k \xff')).toBe("$4\r\nit's\r\n");
    c.close();
  });

  it('skips empty lines and empty multibulks', async () => {
    const c = await RawClient.connect(srv.port);
    c.write('\r\n\n   \r\n*0\r\n*-1\r\nPING\r\n');
    expect((await c.readReply()).latin1Slice()).toBe('+PONG\r\n');
    expect(await c.callStr('ECHO', 'x')).toBe('$1\r\nx\r\n');
    c.close();
  });

  it('answers a pipeline of 10,000 commands in order', async () => {
    const c = await RawClient.connect(srv.port);
    const parts: Buffer[] = [];
    const n = 10000;
    for (let i = 0; i < n; i++) {
      if (i % 3 === 0) parts.push(encodeCommand(['SET', `p:${i}`, `v${i}`]));
      else if (i % 3 === 1) parts.push(encodeCommand(['GET', `p:${i - 1}`]));
      else parts.push(Buffer.from(`ECHO e${i}\r\n`));
    }
    c.write(Buffer.concat(parts));
    for (let i = 0; i < n; i++) {
      const r = (await c.readReply()).latin1Slice();
      let expected: string;
      if (i % 3 === 0) expected = '+OK\r\n';
      else if (i % 3 === 1) expected = `$${`v${i - 1}`.length}\r\nv${i - 1}\r\n`;
      else expected = `$${`e${i}`.length}\r\ne${i}\r\n`;
      if (r !== expected) expect(r, `reply ${i}`).toBe(expected);
    }
    expect(c.pending().length).toBe(0);
    c.close();
  });

  it('a pipeline written byte by byte is answered the same', async () => {
    const sock = net.connect(srv.port, '127.0.0.1');
    sock.setNoDelay(true);
    await new Promise((r) => sock.once('connect', r));
    let got = Buffer.alloc(0);
    sock.on('data', (d) => (got = Buffer.concat([got, d])));
    const stream = Buffer.concat([encodeCommand(['SET', 'bb', 'x\r\ny']), Buffer.from('GET bb\r\n'), encodeCommand(['ECHO', '\xff'])]);
    for (const byte of stream) {
      sock.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    await until(() => got.length >= 5 + 10 + 7, 'replies');
    expect(got.latin1Slice()).toBe('+OK\r\n$4\r\nx\r\ny\r\n$1\r\n\xff\r\n');
    sock.destroy();
  });

  it('a client that sends half a command and disconnects leaves the server healthy', async () => {
    for (const half of ['*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$5\r\nab', '*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$500000\r\n' + 'z'.repeat(100000), 'SET half "x', '*2\r\n$3\r']) {
      const known = new Set(srv.server.clients.keys());
      const c = await RawClient.connect(srv.port);
      c.write(half);
      let id = -1;
      await until(() => {
        for (const [cid, cl] of srv.server.clients) if (!known.has(cid) && cl.parser.inProgress) id = cid;
        return id !== -1;
      }, 'partial command');
      c.close();
      await until(() => !srv.server.clients.has(id), 'client freed');
    }
    const c = await RawClient.connect(srv.port);
    expect(await c.callStr('GET', 'half')).toBe('$-1\r\n');
    expect(await c.callStr('PING')).toBe('+PONG\r\n');
    c.close();
  });

  it('replies to many clients interleaving partial commands', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => RawClient.connect(srv.port)));
    const streams = clients.map((_, i) => encodeCommand(['ECHO', `client-${i}-` + 'x'.repeat(i * 100)]));
    for (let off = 0; off < 3000; off += 7) {
      clients.forEach((c, i) => {
        if (off < streams[i].length) c.write(streams[i].subarray(off, off + 7));
      });
    }
    for (let i = 0; i < clients.length; i++) {
      const r = await clients[i].readReply();
      const v = `client-${i}-` + 'x'.repeat(i * 100);
      expect(r.latin1Slice()).toBe(`$${v.length}\r\n${v}\r\n`);
      expect(replyLength(r)).toBe(r.length);
      clients[i].close();
    }
  });
});

describe('unauthenticated clients', () => {
  let srv: ServerHandle;
  beforeAll(async () => {
    srv = await startNodis({ config: { requirepass: 'secret' } });
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('refuse large multibulk counts and bulk lengths before AUTH', async () => {
    const args = Array.from({ length: 11 }, (_, i) => `a${i}`);
    expect(await sendUntilClose(srv.port, encodeCommand(args))).toBe(E('unauthenticated multibulk length'));
    expect(await sendUntilClose(srv.port, encodeCommand(['AUTH', 'x'.repeat(16385)]))).toBe(E('unauthenticated bulk length'));
    const c = await RawClient.connect(srv.port);
    expect(await c.callStr('ECHO', 'x'.repeat(16384))).toMatch(/^-NOAUTH /);
    c.close();
  });
});
