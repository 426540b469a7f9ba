/** The Lua debugger's command parser and reply formatting (ldb.ts). */
import { describe, expect, it } from 'vitest';
import { parseDebuggerCommand, ldb, ldbLogRedisReply } from '../../src/scripting/ldb.js';

describe('ldbReplParseCommand()', () => {
  it('a command split at every byte offset: incomplete until the last byte', () => {
    const full = '*3\r\n$1\r\nr\r\n$3\r\nget\r\n$3\r\nk\xff\x00\r\n';
    for (let i = 0; i < full.length; i++) expect(parseDebuggerCommand(full.slice(0, i)), `prefix ${i}`).toBeNull();
    expect(parseDebuggerCommand(full)).toEqual(['r', 'get', 'k\xff\x00']);
  });

  it("Redis's protocol errors: no '*', bad counts and lengths, a missing CRLF", () => {
    for (const bad of ['PING\r\n', '*0\r\n', '*1025\r\n', '*-1\r\n', '*1\r\n+x\r\n', '*1\r\n$0\r\n\r\n', '*1\r\n$1025\r\n', '*1\r\n$1\r\nab\r\n']) {
      expect(parseDebuggerCommand(bad), JSON.stringify(bad)).toBe('protocol error');
    }
    // atoi(): leading digits count, an int wraps.
    expect(parseDebuggerCommand('*1x\r\n$1y\r\nc\r\n')).toEqual(['c']);
    expect(parseDebuggerCommand('*4294967297\r\n$1\r\nc\r\n')).toEqual(['c']);
  });
});

describe('ldbRedisProtocolToHuman()', () => {
  it('every RESP2 and RESP3 type', () => {
    ldb.logs = [];
    ldb.maxlen = 0;
    const replies = [':5\r\n', '$-1\r\n', '$3\r\na\xff"\r\n', '+OK\r\n', '-ERR x\r\n', '*-1\r\n', '*2\r\n:1\r\n*1\r\n$1\r\nb\r\n', '~1\r\n:1\r\n', '%1\r\n+k\r\n#t\r\n', '_\r\n', '#f\r\n', ',1.5\r\n'];
    for (const r of replies) ldbLogRedisReply(r);
    expect(ldb.logs).toEqual([
      '<reply> 5',
      '<reply> NULL',
      '<reply> "a\\xff\\""',
      '<reply> "+OK"',
      '<reply> "-ERR x"',
      '<reply> NULL',
      '<reply> [1,["b"]]',
      '<reply> ~(1)',
      '<reply> {"+k" => #true}',
      '<reply> (null)',
      '<reply> #false',
      '<reply> (double) 1.5',
    ]);
    ldb.logs = [];
    ldb.maxlen = 256;
  });
});
