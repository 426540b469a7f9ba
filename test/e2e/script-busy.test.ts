/**
 * Scripts running past busy-reply-threshold: other clients are answered
 * BUSY (or run the allow_busy commands), SCRIPT KILL stops a script that has
 * not written, SHUTDOWN NOSAVE stops the server under one that has.
 *
 * A busy script holds the thread of the server that runs it, so the server
 * here is the nodis-server executable (dist/; `npm test` builds it first),
 * not an in-process one. The same conversation is held with redis-server
 * when it is installed and the replies are compared byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { RawClient } from '../helpers/resp.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { spawnNodis, spawnRedis, untilBusy } from '../helpers/busy.js';

/** A conversation around a busy script; the replies in order. */
async function conversation(port: number): Promise<string[]> {
  const out: string[] = [];
  const [a, b, c] = await Promise.all([RawClient.connect(port), RawClient.connect(port), RawClient.connect(port)]);
  const say = async (cl: RawClient, ...args: string[]): Promise<void> => {
    out.push(await cl.callStr(...args));
  };
  await say(a, 'CONFIG', 'SET', 'lua-time-limit', '50');
  await say(a, 'SET', 'xx\xff', '1');
  await say(b, 'MULTI');
  await say(b, 'INCR', 'xx\xff');
  // A script that only reads: killable.
  a.write('*3\r\n$4\r\nEVAL\r\n$17\r\nwhile true do end\r\n$1\r\n0\r\n');
  out.push(await untilBusy(c));
  await say(b, 'INCR', 'xx\xff');
  await say(b, 'EXEC');
  // Out of the transaction: MULTI is not nested (and allowed while busy).
  await say(b, 'MULTI');
  await say(b, 'DISCARD');
  await say(c, 'MULTI');
  await say(c, 'DISCARD');
  await say(c, 'SHUTDOWN');
  await say(c, 'GET', 'xx\xff');
  await say(c, 'SCRIPT', 'KILL');
  out.push((await a.readReply(20000)).latin1Slice());
  await say(c, 'SCRIPT', 'KILL');
  await say(c, 'GET', 'xx\xff');
  // pcall cannot keep a killed script alive.
  a.write(encode(['EVAL', 'local i = 0 while true do pcall(function() while true do i = i + 1 end end) end', '0']));
  out.push(await untilBusy(c));
  await say(c, 'SCRIPT', 'KILL');
  out.push((await a.readReply(20000)).latin1Slice());
  // A script that wrote cannot be killed; SHUTDOWN NOSAVE ends the server.
  a.write(encode(['EVAL', "redis.call('set', KEYS[1], 'v') while true do end", '1', 'w\xfe']));
  out.push(await untilBusy(c));
  await say(c, 'SCRIPT', 'KILL');
  c.write(encode(['SHUTDOWN', 'NOSAVE']));
  out.push('closed:' + (await c.readUntilClose(20000)).latin1Slice());
  out.push('closed:' + (await a.readUntilClose(20000)).latin1Slice());
  b.close();
  return out;
}

/**
 * A client blocked on a list that a busy script pushes to is served once
 * the script is over, not by a command run while it is busy (the TCL
 * suite's "Timedout scripts and unblocked command"). The script watches
 * CLIENT LIST (allowed by DEBUG SET-DISABLE-DENY-SCRIPTS) for a name that
 * a HELLO, run while it is busy, sets.
 */
async function unblockAfterScript(port: number): Promise<string[]> {
  const [a, b, c] = await Promise.all([RawClient.connect(port), RawClient.connect(port), RawClient.connect(port)]);
  const out = [await a.callStr('DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '1'), await a.callStr('CONFIG', 'SET', 'lua-time-limit', '10')];
  b.write(encode(['BLPOP', 'l\xff', '0']));
  for (let i = 0; i < 2000 && !(await a.callStr('INFO', 'clients')).includes('blocked_clients:1\r\n'); i++) {
    await new Promise((res) => setTimeout(res, 5));
  }
  const script = [
    "redis.call('lpush', KEYS[1], 'y')",
    'local clients',
    "while true do clients = redis.call('client', 'list') if string.find(clients, 'abortscript') ~= nil then break end end",
    "redis.call('lpush', KEYS[1], 'z')",
    'return 1',
  ].join('\n');
  a.write(encode(['EVAL', script, '1', 'l\xff']));
  out.push(await untilBusy(c));
  out.push(await c.callStr('HELLO', '2', 'SETNAME', 'abortscript').then((r) => r.slice(0, 3)));
  out.push((await a.readReply(20000)).latin1Slice());
  out.push((await b.readReply(20000)).latin1Slice());
  out.push(await a.callStr('LRANGE', 'l\xff', '0', '-1'));
  out.push(await a.callStr('DEBUG', 'SET-DISABLE-DENY-SCRIPTS', '0'));
  out.push(await a.callStr('EVAL', "return redis.call('client', 'list')", '0'));
  a.close();
  b.close();
  c.close();
  return out;
}

function encode(args: string[]): string {
  return `*${args.length}\r\n` + args.map((s) => `$${s.length}\r\n${s}\r\n`).join('');
}

const BUSY = '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n';

describe('busy scripts', () => {
  it('others get BUSY, SCRIPT KILL stops a reading script, SHUTDOWN NOSAVE a writing one', async () => {
    const r = await conversation(await spawnNodis());
    const killed = /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/;
    expect(r.slice(0, 4)).toEqual(['+OK\r\n', '+OK\r\n', '+OK\r\n', '+QUEUED\r\n']);
    expect(r[4]).toBe(BUSY);
    expect(r[5]).toBe(BUSY);
    expect(r[6]).toBe('-EXECABORT Transaction discarded because of: BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
    expect(r.slice(7, 9)).toEqual(['+OK\r\n', '+OK\r\n']);
    expect(r.slice(9, 14)).toEqual(['+OK\r\n', '+OK\r\n', BUSY, BUSY, '+OK\r\n']);
    expect(r[14]).toMatch(killed);
    expect(r[15]).toBe('-NOTBUSY No scripts in execution right now.\r\n');
    expect(r[16]).toBe('$1\r\n1\r\n');
    expect(r[17]).toBe(BUSY);
    expect(r[18]).toBe('+OK\r\n');
    expect(r[19]).toContain('Script killed by user with SCRIPT KILL...');
    expect(r[20]).toBe(BUSY);
    expect(r[21]).toBe(
      '-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n',
    );
    expect(r.slice(22)).toEqual(['closed:', 'closed:']);
  }, 60000);

  it('a client blocked on a key a busy script writes is served after the script', async () => {
    const r = await unblockAfterScript(await spawnNodis(['--enable-debug-command', 'yes']));
    expect(r).toEqual([
      '+OK\r\n',
      '+OK\r\n',
      BUSY,
      '*14',
      ':1\r\n',
      '*2\r\n$2\r\nl\xff\r\n$1\r\nz\r\n',
      '*1\r\n$1\r\ny\r\n',
      '+OK\r\n',
      expect.stringMatching(/^-ERR This Redis command is not allowed from script script: [0-9a-f]{40}, on @user_script:1\.\r\n$/),
    ]);
  }, 60000);
});

warnIfNoRedis('e2e/script-busy');
describe.skipIf(!HAVE_REDIS)('busy scripts, compared with redis-server', () => {
  it('the same conversation gets the same replies', async () => {
    const [n, r] = [await conversation(await spawnNodis()), await conversation(await spawnRedis())];
    const sha = (s: string) => s.replace(/[0-9a-f]{40}/g, '<sha>');
    expect(n.map(sha)).toEqual(r.map(sha));
  }, 60000);

  it('a blocked client served after the busy script: the same replies', async () => {
    const args = ['--enable-debug-command', 'yes'];
    const [n, r] = [await unblockAfterScript(await spawnNodis(args)), await unblockAfterScript(await spawnRedis(args))];
    const sha = (s: string) => s.replace(/[0-9a-f]{40}/g, '<sha>');
    expect(n.map(sha)).toEqual(r.map(sha));
  }, 60000);
});
