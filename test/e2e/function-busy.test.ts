/**
 * Functions running past busy-reply-threshold: other clients get the
 * FUNCTION KILL flavour of BUSY, FUNCTION STATS names the running function,
 * FUNCTION KILL stops one that has not written, SCRIPT KILL refuses to stop
 * a function and FUNCTION KILL an EVAL script, SHUTDOWN needs NOSAVE.
 *
 * A busy function holds the thread of the server that runs it, so the
 * server here is the nodis-server executable (dist/; `npm test` builds it
 * first). The same conversation is held with redis-server when it is
 * installed and the replies are compared byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { RawClient, encodeCommand } from '../helpers/resp.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { spawnNodis, spawnRedis, untilBusy } from '../helpers/busy.js';

const LIB = [
  '#!lua name=busy',
  "redis.register_function('spin', function(keys, args) local i = 0 while true do i = i + 1 end end)",
  "redis.register_function('spinw', function(keys, args) redis.call('set', keys[1], args[1]) while true do end end)",
].join('\n');

/** A conversation around busy functions; the replies in order (FUNCTION STATS' duration masked). */
async function conversation(port: number): Promise<string[]> {
  const out: string[] = [];
  const [a, c] = await Promise.all([RawClient.connect(port), RawClient.connect(port)]);
  const say = async (cl: RawClient, ...args: string[]): Promise<void> => {
    out.push((await cl.callStr(...args)).replace(/duration_ms\r\n:\d+/, 'duration_ms\r\n:<ms>'));
  };
  await say(a, 'CONFIG', 'SET', 'busy-reply-threshold', '50');
  await say(a, 'FUNCTION', 'LOAD', LIB);
  // A function that only reads: FUNCTION KILL stops it, SCRIPT KILL does not.
  a.write(encodeCommand(['FCALL', 'spin', '1', 'k\xff', 'arg\x00']));
  out.push(await untilBusy(c));
  await say(c, 'GET', 'k');
  await say(c, 'SCRIPT', 'KILL');
  await say(c, 'FUNCTION', 'STATS');
  await say(c, 'SHUTDOWN');
  await say(c, 'FUNCTION', 'KILL');
  out.push((await a.readReply(20000)).latin1Slice());
  await say(c, 'FUNCTION', 'KILL');
  await say(c, 'FUNCTION', 'STATS');
  // An EVAL script: FUNCTION KILL and FUNCTION STATS refuse, SCRIPT KILL stops it.
  a.write(encodeCommand(['EVAL', 'while true do end', '0']));
  out.push(await untilBusy(c));
  await say(c, 'FUNCTION', 'KILL');
  await say(c, 'FUNCTION', 'STATS');
  await say(c, 'SCRIPT', 'KILL');
  out.push((await a.readReply(20000)).latin1Slice());
  // A function that wrote cannot be killed; SHUTDOWN NOSAVE ends the server.
  a.write(encodeCommand(['FCALL', 'spinw', '1', 'w\xfe', 'v']));
  out.push(await untilBusy(c));
  await say(c, 'FUNCTION', 'KILL');
  c.write(encodeCommand(['SHUTDOWN', 'NOSAVE']));
  out.push('closed:' + (await c.readUntilClose(20000)).latin1Slice());
  out.push('closed:' + (await a.readUntilClose(20000)).latin1Slice());
  return out;
}

const FBUSY = '-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n';
const EBUSY = '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n';

describe('busy functions', () => {
  it('BUSY, FUNCTION STATS, FUNCTION KILL, and the KILL commands of the other kind', async () => {
    const r = await conversation(await spawnNodis());
    expect(r.slice(0, 2)).toEqual(['+OK\r\n', '$4\r\nbusy\r\n']);
    expect(r.slice(2, 5)).toEqual([FBUSY, FBUSY, FBUSY]);
    expect(r[5]).toBe(
      '*4\r\n$14\r\nrunning_script\r\n*6\r\n$4\r\nname\r\n$4\r\nspin\r\n$7\r\ncommand\r\n*5\r\n$5\r\nFCALL\r\n$4\r\nspin\r\n$1\r\n1\r\n$2\r\nk\xff\r\n$4\r\narg\x00\r\n$11\r\nduration_ms\r\n:<ms>\r\n$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n$15\r\nlibraries_count\r\n:1\r\n$15\r\nfunctions_count\r\n:2\r\n',
    );
    expect(r[6]).toBe(FBUSY);
    expect(r[7]).toBe('+OK\r\n');
    expect(r[8]).toBe('-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n');
    expect(r[9]).toBe('-NOTBUSY No scripts in execution right now.\r\n');
    expect(r[10]).toContain('running_script\r\n$-1\r\n');
    expect(r.slice(11, 15)).toEqual([EBUSY, EBUSY, EBUSY, '+OK\r\n']);
    expect(r[15]).toContain('Script killed by user with SCRIPT KILL...');
    expect(r[16]).toBe(FBUSY);
    expect(r[17]).toBe(
      '-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n',
    );
    expect(r.slice(18)).toEqual(['closed:', 'closed:']);
  }, 60000);
});

warnIfNoRedis('e2e/function-busy');
describe.skipIf(!HAVE_REDIS)('busy functions, compared with redis-server', () => {
  it('the same conversation gets the same replies', async () => {
    const [n, r] = [await conversation(await spawnNodis()), await conversation(await spawnRedis())];
    const sha = (s: string) => s.replace(/[0-9a-f]{40}/g, '<sha>');
    expect(n.map(sha)).toEqual(r.map(sha));
  }, 60000);
});
