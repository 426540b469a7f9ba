/**
 * COMMAND end to end: replies describe exactly the live command table (never
 * commands Nodis lacks), in RESP2 and RESP3 shapes, including commands that
 * are Nodis-only (registered by an embedder) and hidden (renamed away).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { RawClient, parseReply, type Reply } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';
import { cmd } from '../../src/commands/table.js';
import type { CommandSpec } from '../../src/commands/types.js';

/** Embedder-registered commands, absent from Redis. */
const extra: CommandSpec[] = [
  cmd('nodis-keys', -2, ['readonly', 'fast'], [1, -1, 1], {
    acl: ['keyspace'],
    handler: (c) => c.addReplyOK(),
    summary: 'Test command with a key range',
    since: '0.1.0',
    group: 'generic',
    complexity: 'O(1)',
    args: [{ name: 'key', type: 'key', key_spec_index: 0, multiple: true }],
  }),
  cmd('nodis-movable', -1, ['write'], [0, 0, 0], {
    handler: (c) => c.addReplyOK(),
    // Keys are every argument after a "KEYS" token.
    getKeys: (argv) => {
      const i = argv.findIndex((a) => a.toLowerCase() === 'keys');
      return i === -1 ? [] : argv.map((_, j) => j).filter((j) => j > i);
    },
  }),
];

function tree(buf: Buffer): Reply {
  return parseReply(buf)[0];
}

function arr(r: Reply): Reply[] {
  if (r.t !== 'array' || r.v === null) throw new Error(`not an aggregate: ${JSON.stringify(r)}`);
  return r.v;
}

function str(r: Reply): string {
  if (r.t === 'bulk' && r.v !== null) return r.v.latin1Slice();
  if (r.t === 'status') return r.v;
  throw new Error(`not a string: ${JSON.stringify(r)}`);
}

/** Switch a raw connection to RESP3 (HELLO 3, or directly while HELLO is absent). */
async function toResp3(srv: ServerHandle, c: RawClient): Promise<void> {
  const reply = (await c.call('HELLO', '3')).latin1Slice();
  if (reply.startsWith('-')) {
    const clients = [...srv.server.clients.values()];
    clients.reduce((a, b) => (b.id > a.id ? b : a)).resp = 3;
  }
}

describe('COMMAND', () => {
  let srv: ServerHandle;
  let raw: RawClient;
  let io: Redis;

  beforeAll(async () => {
    srv = await startNodis({ commands: extra });
    raw = await RawClient.connect(srv.port);
    io = new Redis({ port: srv.port, lazyConnect: true, enableReadyCheck: false });
    await io.connect();
  });
  afterAll(async () => {
    io?.disconnect();
    raw?.close();
    await srv?.close();
  });

  const topLevel = (): string[] => srv.server.commands.all.filter((c) => !c.hidden).map((c) => c.fullname);

  it('COMMAND and COMMAND COUNT describe exactly the live table', async () => {
    const all = (await io.call('COMMAND')) as unknown[][];
    expect(all.map((e) => e[0])).toEqual(topLevel());
    expect(await io.call('COMMAND', 'COUNT')).toBe(topLevel().length);
    // Redis has commands Nodis may lack: none of those can show up.
    for (const e of all) expect(srv.server.commands.get(e[0] as string)).toBeDefined();
    expect(topLevel()).toContain('nodis-keys');
  });

  it('COMMAND INFO entries: 10 fields from the table', async () => {
    const [get, missing, sub] = (await io.call('COMMAND', 'INFO', 'get', 'no-such-command', 'command|count')) as unknown[][];
    expect(get.slice(0, 7)).toEqual(['get', 2, ['readonly', 'fast'], 1, 1, 1, ['@read', '@string', '@fast']]);
    expect(get[7]).toEqual([]);
    expect(get[9]).toEqual([]);
    expect(missing).toBeNull();
    expect(sub.slice(0, 7)).toEqual(['command|count', 2, ['loading', 'stale'], 0, 0, 0, ['@slow', '@connection']]);
  });

  it('a container reports its subcommands nested, in table order', async () => {
    const [entry] = (await io.call('COMMAND', 'INFO', 'COMMAND')) as unknown[][];
    expect(entry[0]).toBe('command');
    const subs = (entry[9] as unknown[][]).map((s) => s[0]);
    expect(subs).toEqual([...srv.server.commands.get('command')!.subcommands!.keys()].map((n) => `command|${n}`));
    expect(subs).toContain('command|getkeysandflags');
  });

  it('RESP2 shapes: flags, categories and key specs as flat arrays', async () => {
    const r = (await raw.call('COMMAND', 'INFO', 'get')).latin1Slice();
    expect(r.startsWith('*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n')).toBe(true);
    expect(r.endsWith('$5\r\nlimit\r\n:0\r\n*0\r\n')).toBe(true);
    expect((await raw.call('COMMAND', 'INFO', 'nosuch')).latin1Slice()).toBe('*1\r\n$-1\r\n');
    expect((await raw.call('COMMAND', 'DOCS', 'nosuch')).latin1Slice()).toBe('*0\r\n');
  });

  it('RESP3 shapes: sets, maps and nulls', async () => {
    const c = await RawClient.connect(srv.port);
    try {
      await toResp3(srv, c);
      const r = (await c.call('COMMAND', 'INFO', 'get', 'nosuch')).latin1Slice();
      expect(r.startsWith('*2\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n')).toBe(true);
      expect(r.endsWith('~0\r\n_\r\n')).toBe(true);
      const docs = (await c.call('COMMAND', 'DOCS', 'get')).latin1Slice();
      expect(docs).toBe(
        '%1\r\n$3\r\nget\r\n%5\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n' +
          '$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n%3\r\n' +
          '$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n',
      );
      const keys = (await c.call('COMMAND', 'GETKEYSANDFLAGS', 'set', 'k\xff', 'v')).latin1Slice();
      expect(keys).toBe('*1\r\n*2\r\n$2\r\nk\xff\r\n~2\r\n+OW\r\n+update\r\n');
      const sub = tree(await c.call('COMMAND', 'DOCS', 'command'));
      expect(sub.t === 'array' && sub.kind).toBe('%');
    } finally {
      c.close();
    }
  });

  it('COMMAND DOCS of a container nests its subcommands as a map', async () => {
    const r = tree(await raw.call('COMMAND', 'DOCS', 'command'));
    const [name, docs] = arr(r);
    expect(str(name)).toBe('command');
    const fields = arr(docs);
    const keys = fields.filter((_, i) => i % 2 === 0).map(str);
    expect(keys).toEqual(['summary', 'since', 'group', 'complexity', 'subcommands']);
    const subs = arr(fields[fields.length - 1]);
    expect(subs.filter((_, i) => i % 2 === 0).map(str)).toContain('command|docs');
  });

  it('COMMAND DOCS without names covers every top-level command once', async () => {
    const docs = (await io.call('COMMAND', 'DOCS')) as unknown[];
    const names = docs.filter((_, i) => i % 2 === 0);
    expect(names).toEqual(topLevel());
  });

  it('Nodis-only commands: docs from the spec, key specs from the key range', async () => {
    const [info] = (await io.call('COMMAND', 'INFO', 'nodis-keys')) as unknown[][];
    expect(info.slice(0, 7)).toEqual(['nodis-keys', -2, ['readonly', 'fast'], 1, -1, 1, ['@keyspace', '@read', '@fast']]);
    expect(info[8]).toEqual([
      ['flags', [], 'begin_search', ['type', 'index', 'spec', ['index', 1]], 'find_keys', ['type', 'range', 'spec', ['lastkey', -1, 'keystep', 1, 'limit', 0]]],
    ]);
    expect(await io.call('COMMAND', 'DOCS', 'nodis-keys')).toEqual([
      'nodis-keys',
      ['summary', 'Test command with a key range', 'since', '0.1.0', 'group', 'generic', 'complexity', 'O(1)', 'arguments', [
        ['name', 'key', 'type', 'key', 'key_spec_index', 0, 'flags', ['multiple']],
      ]],
    ]);
    expect(await io.call('COMMAND', 'GETKEYS', 'nodis-keys', 'a', 'b\x00')).toEqual(['a', 'b\x00']);
    expect(await io.call('COMMAND', 'GETKEYSANDFLAGS', 'nodis-keys', 'a')).toEqual([['a', []]]);
    expect(await io.call('COMMAND', 'DOCS', 'nodis-movable')).toEqual(['nodis-movable', ['group', 'server']]);
    const [mov] = (await io.call('COMMAND', 'INFO', 'nodis-movable')) as unknown[][];
    expect(mov[2]).toEqual(['write', 'movablekeys']);
    expect(mov[8]).toEqual([]);
    expect(await io.call('COMMAND', 'GETKEYS', 'nodis-movable', 'x', 'KEYS', 'k1', 'k2')).toEqual(['k1', 'k2']);
    await expect(io.call('COMMAND', 'GETKEYS', 'nodis-movable', 'x')).rejects.toThrow('ERR Invalid arguments specified for command');
  });

  it('COMMAND GETKEYS: binary keys and errors', async () => {
    expect((await raw.call('COMMAND', 'GETKEYS', 'get', '\xff\x00\xc3')).latin1Slice()).toBe('*1\r\n$3\r\n\xff\x00\xc3\r\n');
    expect((await raw.call('COMMAND', 'GETKEYS', 'nosuch', 'a')).latin1Slice()).toBe('-ERR Invalid command specified\r\n');
    expect((await raw.call('COMMAND', 'GETKEYS', 'ping', 'a')).latin1Slice()).toBe('-ERR The command has no key arguments\r\n');
    expect((await raw.call('COMMAND', 'GETKEYS', 'get', 'a', 'b')).latin1Slice()).toBe(
      '-ERR Invalid number of arguments specified for command\r\n',
    );
    expect((await raw.call('COMMAND', 'GETKEYS', 'command', 'nosuch')).latin1Slice()).toBe('-ERR Invalid command specified\r\n');
    expect((await raw.call('COMMAND', 'GETKEYSANDFLAGS', 'get')).latin1Slice()).toBe(
      "-ERR wrong number of arguments for 'command|getkeysandflags' command\r\n",
    );
  });

  it('COMMAND LIST and its filters', async () => {
    const list = (await io.call('COMMAND', 'LIST')) as string[];
    const expected: string[] = [];
    for (const c of srv.server.commands.all) {
      expected.push(c.fullname);
      if (c.subcommands) for (const s of c.subcommands.values()) expected.push(s.fullname);
    }
    expect(list).toEqual(expected);
    expect(await io.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'COMMAND|c*')).toEqual(['command|count']);
    expect(await io.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'nodis-*')).toEqual(['nodis-keys', 'nodis-movable']);
    expect(await io.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'KEYSPACE')).toContain('nodis-keys');
    expect(await io.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nosuch')).toEqual([]);
    expect(await io.call('COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'x')).toEqual([]);
    await expect(io.call('COMMAND', 'LIST', 'FILTERBY', 'X', 'y')).rejects.toThrow('ERR syntax error');
  });

  it('COMMAND HELP', async () => {
    const help = (await io.call('COMMAND', 'HELP')) as string[];
    expect(help[0]).toBe('COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(help).toContain('GETKEYSANDFLAGS <full-command>');
    expect(help[help.length - 1]).toBe('    Prints this help.');
    expect((await raw.call('COMMAND', 'nosuch')).latin1Slice()).toBe("-ERR unknown subcommand 'nosuch'. Try COMMAND HELP.\r\n");
  });

  it('a hidden (renamed away) command disappears from every reply', async () => {
    const s = await startNodis();
    const c = await RawClient.connect(s.port);
    try {
      const before = Number((await c.callStr('COMMAND', 'COUNT')).slice(1));
      expect(s.server.commands.rename('echo', '')).toBe(true);
      expect(await c.callStr('COMMAND', 'COUNT')).toBe(`:${before - 1}\r\n`);
      expect(await c.callStr('COMMAND', 'INFO', 'echo')).toBe('*1\r\n$-1\r\n');
      expect(await c.callStr('COMMAND', 'DOCS', 'echo')).toBe('*0\r\n');
      const list = arr(tree(await c.call('COMMAND', 'LIST'))).map(str);
      expect(list).not.toContain('echo');
      expect(list).toContain('ping');
      const all = arr(tree(await c.call('COMMAND'))).map((e) => str(arr(e)[0]));
      expect(all).not.toContain('echo');
    } finally {
      c.close();
      await s.close();
    }
  });
});
