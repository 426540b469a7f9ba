/**
 * Client eviction (`maxmemory-clients`): once the normal and pub/sub
 * clients together use the limit, the largest ones are disconnected until
 * they are below it; CLIENT NO-EVICT protects a client; INFO stats counts
 * evicted_clients; CLIENT LIST's memory figures are what eviction counts.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startNodis } from '../helpers/servers.js';
import { RawClient, encodeCommand } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';

/** Poll until `cond()` holds (no timing assertion: the cap only stops a hang). */
async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** CLIENT LIST lines by client name. */
async function clientList(ctl: RawClient): Promise<Map<string, Record<string, string>>> {
  const raw = await ctl.callStr('CLIENT', 'LIST');
  const body = raw.slice(raw.indexOf('\r\n') + 2, raw.length - 2);
  const out = new Map<string, Record<string, string>>();
  for (const line of body.split('\n')) {
    if (line === '') continue;
    const f: Record<string, string> = {};
    for (const kv of line.split(' ')) {
      const eq = kv.indexOf('=');
      f[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    out.set(f.name, f);
  }
  return out;
}

async function field(ctl: RawClient, name: string, f: string): Promise<number | null> {
  const c = (await clientList(ctl)).get(name);
  return c === undefined ? null : Number(c[f]);
}

async function exists(ctl: RawClient, name: string): Promise<boolean> {
  return (await clientList(ctl)).has(name);
}

async function info(ctl: RawClient, field: string): Promise<number> {
  const s = await ctl.callStr('INFO', 'everything');
  const m = new RegExp(`\\r\\n${field}:(\\d+)\\r\\n`).exec(s);
  if (m === null) throw new Error(`no ${field}`);
  return Number(m[1]);
}

describe('client eviction (maxmemory-clients)', () => {
  let h: ServerHandle;
  let port: number;
  let ctl: RawClient;
  const opened: RawClient[] = [];
  const sockets: net.Socket[] = [];

  async function named(name: string): Promise<RawClient> {
    const c = await RawClient.connect(port);
    opened.push(c);
    expect(await c.callStr('CLIENT', 'SETNAME', name)).toBe('+OK\r\n');
    return c;
  }

  /** A named connection that stops reading once set up. */
  async function stalled(name: string): Promise<net.Socket> {
    const sock = net.connect({ port, host: '127.0.0.1' });
    sockets.push(sock);
    sock.on('error', () => {});
    await new Promise<void>((resolve) => {
      sock.once('data', () => resolve());
      sock.write(encodeCommand(['CLIENT', 'SETNAME', name]));
    });
    sock.pause();
    return sock;
  }

  beforeAll(async () => {
    h = await startNodis({ config: { 'enable-debug-command': 'yes' } });
    port = h.port;
    ctl = await RawClient.connect(port);
    expect(await ctl.callStr('CLIENT', 'SETNAME', 'control')).toBe('+OK\r\n');
    expect(await ctl.callStr('CLIENT', 'NO-EVICT', 'on')).toBe('+OK\r\n');
  });

  afterEach(async () => {
    for (const c of opened.splice(0)) c.close();
    for (const s of sockets.splice(0)) s.destroy();
    await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', '0');
    await ctl.callStr('CONFIG', 'SET', 'maxmemory', '0');
    await ctl.callStr('FLUSHALL');
    await until(async () => (await clientList(ctl)).size === 1, 'test clients gone');
  });

  afterAll(async () => {
    ctl.close();
    await h.close();
  });

  it('is off by default; CONFIG takes bytes or a percentage of maxmemory', async () => {
    expect(await ctl.callStr('CONFIG', 'GET', 'maxmemory-clients')).toBe('*2\r\n$17\r\nmaxmemory-clients\r\n$1\r\n0\r\n');
    expect(await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', '7%')).toBe('+OK\r\n');
    expect(await ctl.callStr('CONFIG', 'GET', 'maxmemory-clients')).toBe('*2\r\n$17\r\nmaxmemory-clients\r\n$2\r\n7%\r\n');
    expect(await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', '2mb')).toBe('+OK\r\n');
    expect(await ctl.callStr('CONFIG', 'GET', 'maxmemory-clients')).toBe('*2\r\n$17\r\nmaxmemory-clients\r\n$7\r\n2097152\r\n');
    expect((await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', '101%')).startsWith('-ERR')).toBe(true);
  });

  it('evicts a client whose query buffer passes the limit, and counts it', async () => {
    await ctl.callStr('CONFIG', 'RESETSTAT');
    await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', '1000000');
    const c = await named('qbuf');
    c.write(`*1\r\n$2000000\r\n${'v'.repeat(1_200_000)}`);
    await until(() => c.closed, 'the client to be closed');
    expect(await exists(ctl, 'qbuf')).toBe(false);
    expect(await info(ctl, 'evicted_clients')).toBe(1);
    await ctl.callStr('CONFIG', 'RESETSTAT');
    expect(await info(ctl, 'evicted_clients')).toBe(0);
  });

  it('counts the arguments of a command still being received', async () => {
    await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', '1000000');
    const c = await named('argv');
    // Complete arguments of a command that never completes.
    const arg = 'a'.repeat(50_000);
    c.write('*100\r\n' + `$${arg.length}\r\n${arg}\r\n`.repeat(10));
    await until(async () => ((await field(ctl, 'argv', 'argv-mem')) ?? 0) >= 500_000, 'the arguments to be parsed');
    expect(await field(ctl, 'argv', 'tot-mem')).toBeGreaterThan(500_000);
    c.write(`$${arg.length}\r\n${arg}\r\n`.repeat(12));
    await until(() => c.closed, 'the client to be closed');
    expect(await exists(ctl, 'argv')).toBe(false);
  });

  it('counts queued MULTI commands (multi-mem)', async () => {
    await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', '300000');
    const c = await named('multi');
    expect(await c.callStr('MULTI')).toBe('+OK\r\n');
    const v = '\xff\x00\xc3'.repeat(20_000);
    expect(await c.callStr('SET', 'k', v)).toBe('+QUEUED\r\n');
    const mm = await field(ctl, 'multi', 'multi-mem');
    expect(mm).toBeGreaterThanOrEqual(60_000);
    expect(await field(ctl, 'multi', 'tot-mem')).toBeGreaterThanOrEqual((mm as number) + 1920);
    let evicted = false;
    for (let i = 0; i < 10 && !evicted; i++) {
      try {
        const r = await c.callStr('SET', 'k', v);
        expect(r).toBe('+QUEUED\r\n');
      } catch {
        evicted = true;
      }
    }
    expect(evicted).toBe(true);
    expect(await exists(ctl, 'multi')).toBe(false);
  });

  it('counts watched keys, subscriptions and tracking prefixes', async () => {
    await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', '200000');
    const keys = Array.from({ length: 500 }, (_, i) => `key:${i}`);
    const cases: Array<[string, (i: number) => string[]]> = [
      ['watch', (i) => ['WATCH', ...keys.map((k) => `${k}:${i}`)]],
      ['subscribe', (i) => ['SUBSCRIBE', ...keys.map((k) => `${k}:${i}`)]],
      ['psubscribe', (i) => ['PSUBSCRIBE', ...keys.map((k) => `${k}:${i}`)]],
      ['ssubscribe', (i) => ['SSUBSCRIBE', ...keys.map((k) => `${k}:${i}`)]],
      ['tracking', (i) => ['CLIENT', 'TRACKING', 'on', 'BCAST', ...keys.flatMap((k) => ['PREFIX', `${i}:${k}:`])]],
    ];
    for (const [name, cmd] of cases) {
      const c = await named(name);
      let sent = 0;
      const before = (await field(ctl, name, 'tot-mem')) as number;
      for (let i = 0; i < 200 && !c.closed; i++) {
        c.write(encodeCommand(cmd(i)));
        sent++;
        if (i === 0) {
          await until(async () => c.closed || ((await field(ctl, name, 'tot-mem')) ?? 0) > before, `${name}: memory to grow`);
        }
        // Wait for the server to have handled it (the connection may be gone).
        await new Promise((r) => setTimeout(r, 1));
      }
      await until(() => c.closed, `${name}: the client to be evicted`);
      expect(sent).toBeGreaterThan(1);
      expect(await exists(ctl, name)).toBe(false);
    }
  });

  it('evicts a client that does not read its replies (output buffer)', async () => {
    await ctl.callStr('SETRANGE', 'k', '200000', 'v');
    await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', '3000000');
    const sock = await stalled('obuf');
    let closed = false;
    sock.on('close', () => (closed = true));
    for (let i = 0; i < 1000 && !closed; i++) {
      const mem = await field(ctl, 'obuf', 'tot-mem');
      if (mem === null) break;
      // The client is gone before it reaches the limit.
      expect(mem).toBeLessThan(3000000);
      sock.write(encodeCommand(['GET', 'k']));
      await new Promise((r) => setTimeout(r, 2));
    }
    await until(async () => !(await exists(ctl, 'obuf')), 'the client to be evicted');
  });

  it('CLIENT NO-EVICT protects a client; turning it off evicts it', async () => {
    await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', '1000000');
    const victim = await named('victim');
    const c = await named('noevict');
    expect(await c.callStr('CLIENT', 'NO-EVICT', 'on')).toBe('+OK\r\n');
    expect((await clientList(ctl)).get('noevict')?.flags).toBe('e');
    // The protected client takes more than the limit on its own: the
    // unprotected one is evicted instead.
    c.write(`*1\r\n$1500000\r\n${'v'.repeat(1_400_000)}`);
    await until(() => victim.closed, 'the unprotected client to be evicted');
    await until(async () => ((await field(ctl, 'noevict', 'qbuf')) ?? 0) >= 1_400_000, 'the query buffer to fill');
    expect(await field(ctl, 'noevict', 'tot-mem')).toBeGreaterThan(1_000_000);
    expect(await exists(ctl, 'noevict')).toBe(true);
    expect(c.closed).toBe(false);
    c.close();
    await until(async () => !(await exists(ctl, 'noevict')), 'the protected client to leave');

    // A protected client whose output grows past the limit is evicted once unprotected.
    await ctl.callStr('SETRANGE', 'k', '300000', 'v');
    const s = await stalled('flip');
    s.write(encodeCommand(['CLIENT', 'NO-EVICT', 'on']));
    await until(async () => (await clientList(ctl)).get('flip')?.flags === 'e', 'the flag');
    while (((await field(ctl, 'flip', 'tot-mem')) as number) < 1_500_000) {
      for (let i = 0; i < 5; i++) s.write(encodeCommand(['GET', 'k']));
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await exists(ctl, 'flip')).toBe(true);
    s.write(encodeCommand(['CLIENT', 'NO-EVICT', 'off']));
    await until(async () => !(await exists(ctl, 'flip')), 'the client to be evicted once unprotected');
    expect(await info(ctl, 'evicted_clients')).toBeGreaterThanOrEqual(2);
  });

  it('evicts the largest clients first, and only until below the limit', async () => {
    const sizes: Array<[string, number]> = [
      ['small', 150_000],
      ['medium', 600_000],
      ['large', 1_300_000],
    ];
    const clients: Array<[string, RawClient]> = [];
    for (const [label, size] of sizes) {
      for (let j = 0; j < 2; j++) {
        const name = `${label}-${j}`;
        const c = await named(name);
        c.write(`*2\r\n$${size}\r\n${'v'.repeat(size)}`);
        clients.push([name, c]);
        await until(async () => ((await field(ctl, name, 'qbuf')) ?? 0) >= size, `${name}'s query buffer`);
      }
    }
    const list = await clientList(ctl);
    const mem = (n: string): number => Number(list.get(n)?.['tot-mem']);
    const control = mem('control');
    const total = (names: string[]): number => names.reduce((a, n) => a + mem(n), 0);
    // Room for all but the two large ones.
    const limit = total(['small-0', 'small-1', 'medium-0', 'medium-1']) + control + 1000;
    expect(await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', String(limit))).toBe('+OK\r\n');
    let after = await clientList(ctl);
    expect([...after.keys()].sort()).toEqual(['control', 'medium-0', 'medium-1', 'small-0', 'small-1']);
    // Room for one medium client more than the small ones: one medium goes.
    const limit2 = total(['small-0', 'small-1', 'medium-0']) + control + 1000;
    expect(await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', String(limit2))).toBe('+OK\r\n');
    after = await clientList(ctl);
    expect([...after.keys()].filter((n) => n.startsWith('medium')).length).toBe(1);
    expect(after.has('small-0') && after.has('small-1')).toBe(true);
    const sum = [...after.values()].reduce((a, f) => a + Number(f['tot-mem']), 0);
    expect(sum).toBeLessThanOrEqual(limit2 + 30000);
    const stats = await ctl.callStr('DEBUG', 'CLIENT-EVICTION');
    expect(stats).toContain('bucket     524288 -    1048575: tot-mem: ');
    expect(stats).toMatch(/bucket     131072 -     262143: tot-mem: +\d+, clients: 2\n/);
  });

  it('a percentage follows maxmemory', async () => {
    await ctl.callStr('CONFIG', 'SET', 'maxmemory', '10mb');
    await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', '5%');
    // 5% of 10mb = 524288 bytes.
    const a = await named('under');
    a.write(`*1\r\n$300000\r\n${'v'.repeat(100)}`);
    await until(async () => ((await field(ctl, 'under', 'qbuf')) ?? 0) >= 100, 'qbuf');
    // The query buffer gets room for the whole argument once its length is
    // read (an sds for 300002 bytes: 327670 usable), and the cron trims it
    // to the argument's length (sdsResize() to 300000), as in Redis.
    expect([327670 - 100, 300000 - 100]).toContain(await field(ctl, 'under', 'qbuf-free'));
    await until(async () => (await field(ctl, 'under', 'qbuf-free')) === 300000 - 100, 'the cron to trim the query buffer');
    expect(await field(ctl, 'under', 'tot-mem')).toBeGreaterThanOrEqual(300002);
    const b = await named('over');
    b.write(`*1\r\n$600000\r\n`);
    await until(() => b.closed, 'the client over 5% to be evicted');
    expect(await exists(ctl, 'under')).toBe(true);
    // A larger maxmemory raises the limit.
    await ctl.callStr('CONFIG', 'SET', 'maxmemory', '100mb');
    const c = await named('fits');
    c.write(`*1\r\n$600000\r\n`);
    await until(async () => ((await field(ctl, 'fits', 'qbuf-free')) ?? 0) > 0, 'qbuf');
    expect(await exists(ctl, 'fits')).toBe(true);
  });

  it('lowering maxmemory-clients at runtime evicts; raising it leaves clients', async () => {
    const names: string[] = [];
    for (let j = 0; j < 6; j++) {
      const name = `c${j}`;
      const c = await named(name);
      c.write(`*2\r\n$300000\r\n${'v'.repeat(300000)}`);
      names.push(name);
      await until(async () => ((await field(ctl, name, 'qbuf')) ?? 0) >= 300000, `${name}'s query buffer`);
    }
    await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', '10mb');
    expect((await clientList(ctl)).size).toBe(7);
    await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', '1mb');
    const left = [...(await clientList(ctl)).keys()].filter((n) => n.startsWith('c'));
    expect(left.length).toBeGreaterThan(0);
    expect(left.length).toBeLessThan(6);
    // Below the limit now: nothing more goes.
    await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', '10mb');
    expect([...(await clientList(ctl)).keys()].filter((n) => n.startsWith('c')).length).toBe(left.length);
  });

  it('INFO mem_clients_normal sums the clients as CLIENT LIST counts them', async () => {
    const c = await named('big');
    c.write(`*1\r\n$500000\r\n${'v'.repeat(200000)}`);
    await until(async () => ((await field(ctl, 'big', 'qbuf')) ?? 0) >= 200000, 'qbuf');
    await until(async () => (await info(ctl, 'mem_clients_normal')) >= 500000, 'mem_clients_normal');
    const normal = await info(ctl, 'mem_clients_normal');
    const list = await clientList(ctl);
    const sum = [...list.values()].reduce((a, f) => a + Number(f['tot-mem']), 0);
    // INFO runs with its own arguments instead of CLIENT LIST's.
    expect(Math.abs(normal - sum)).toBeLessThan(100);
  });

  it('DEBUG CLIENT-EVICTION needs the limit set', async () => {
    expect(await ctl.callStr('DEBUG', 'CLIENT-EVICTION')).toBe('-ERR maxmemory-clients is disabled.\r\n');
    await ctl.callStr('CONFIG', 'SET', 'maxmemory-clients', '1gb');
    const s = await ctl.callStr('DEBUG', 'CLIENT-EVICTION');
    expect(s).toContain('bucket          0 -      32767: tot-mem: ');
    expect(s).toContain('bucket 4294967296+            : tot-mem:          0, clients: 0\n');
  });
  it('reply buffers start at 16 KB, shrink when idle and grow when filled, as the cron resizes them', async () => {
    await ctl.callStr('CONFIG', 'RESETSTAT');
    const c = await named('rb');
    const sizes = async (): Promise<[number, number]> => [(await field(ctl, 'rb', 'rbs'))!, (await field(ctl, 'rb', 'rbp'))!];
    // An idle client's buffer goes down to 1 KB, and tot-mem with it.
    const fresh = (await clientList(ctl)).get('rb')!;
    expect(Number(fresh.rbs)).toBe(16384);
    await until(async () => (await sizes())[0] === 1024, 'the idle buffer shrunk');
    expect(Number((await clientList(ctl)).get('rb')!['tot-mem'])).toBe(Number(fresh['tot-mem']) - 15360);
    // A reply that fills it doubles it at the next visit, up to 16 KB.
    await ctl.callStr('SET', 'big', 'x'.repeat(40000));
    await ctl.callStr('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'never');
    for (const want of [2048, 4096, 8192, 16384]) {
      expect((await c.callStr('GET', 'big')).length).toBe(40000 + 10);
      await until(async () => (await sizes())[0] === want, `the buffer grown to ${want}`);
    }
    await c.callStr('GET', 'big');
    expect(await sizes()).toEqual([16384, 16384]);
    // With the peak reset often, an idle client shrinks again.
    await ctl.callStr('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', '100');
    await until(async () => (await sizes())[0] === 1024, 'the buffer shrunk back');
    await ctl.callStr('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'RESET');
    // RESIZING 0 freezes the sizes.
    await ctl.callStr('DEBUG', 'REPLYBUFFER', 'RESIZING', '0');
    await c.callStr('GET', 'big');
    expect(await sizes()).toEqual([1024, 1024]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await sizes()).toEqual([1024, 1024]);
    await ctl.callStr('DEBUG', 'REPLYBUFFER', 'RESIZING', '1');
    await until(async () => (await sizes())[0] === 2048, 'resizing resumed');
    const stats = await ctl.callStr('INFO', 'stats');
    expect(Number(/reply_buffer_shrinks:(\d+)/.exec(stats)![1])).toBeGreaterThanOrEqual(2);
    expect(Number(/reply_buffer_expands:(\d+)/.exec(stats)![1])).toBeGreaterThanOrEqual(5);
    expect(await ctl.callStr('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await ctl.callStr('DEBUG', 'REPLYBUFFER', 'SIZE', '1')).toBe(
      "-ERR unknown subcommand or wrong number of arguments for 'REPLYBUFFER'. Try DEBUG HELP.\r\n",
    );
    await ctl.callStr('CONFIG', 'RESETSTAT');
    expect(await ctl.callStr('INFO', 'stats')).toContain('\r\nreply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n');
  });
  it("releases a client's arguments after its command (freeClientArgv()), and keeps a blocked one's", async () => {
    const c = await named('argv');
    const big = 'v'.repeat(100000);
    expect(await c.callStr('SET', 'k', big)).toBe('+OK\r\n');
    const client = [...h.server.clients.values()].find((x) => x.name === 'argv')!;
    expect(client.argv.length).toBe(0);
    c.write(encodeCommand(['BLPOP', 'nolist', '0']));
    await until(async () => client.argv.length === 3, 'the blocked command');
    expect(client.argv[0]).toBe('BLPOP');
    expect(await ctl.callStr('RPUSH', 'nolist', 'x')).toBe(':1\r\n');
    await until(async () => client.argv.length === 0, 'the command served');
  });
});
