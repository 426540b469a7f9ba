/**
 * ACL over TCP: ioredis logging in with a username, NOPERM errors, the ACL
 * log, clients dropped when their user goes away, requirepass, users from
 * config lines and from the ACL file (LOAD/SAVE), RESP3 replies.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { RawClient, parseReply, type Reply } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';
import { Config } from '../../src/server/config.js';
import { ConfigFileError, loadServerConfigFromString } from '../../src/server/config-file.js';
import { CommandTable } from '../../src/commands/table.js';
import { allCommands } from '../../src/commands/index.js';
import { AclStartupError, hashPassword, userDirectiveValidator } from '../../src/server/acl.js';

const BIN = '\xff\x00\xc3';

async function waitFor(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function toJs(r: Reply): unknown {
  switch (r.t) {
    case 'bulk':
      return r.v === null ? null : r.v.latin1Slice();
    case 'array':
      return r.v === null ? null : r.v.map(toJs);
    case 'int':
      return Number(r.v);
    default:
      return (r as { v: unknown }).v;
  }
}

describe('ACL with ioredis', () => {
  let srv: ServerHandle;
  let admin: Redis;
  const opened: Redis[] = [];

  function client(opts: Record<string, unknown> = {}): Redis {
    const r = new Redis({ port: srv.port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null, ...opts });
    opened.push(r);
    return r;
  }

  beforeAll(async () => {
    srv = await startNodis();
    admin = new Redis({ port: srv.port, host: '127.0.0.1' });
  });
  afterEach(async () => {
    for (const r of opened.splice(0)) r.disconnect();
    await admin.acl('LOG', 'RESET');
  });
  afterAll(async () => {
    admin.disconnect();
    await srv.close();
  });

  it('ioredis logs in with a username; WHOAMI and CLIENT LIST name the user', async () => {
    await admin.acl('SETUSER', 'alice', 'on', '>s3cret', '~*', '&*', '+@all');
    const r = client({ username: 'alice', password: 's3cret' });
    await r.connect();
    expect(await r.acl('WHOAMI')).toBe('alice');
    const id = await r.client('ID');
    const list = (await admin.client('LIST')) as string;
    const line = list.split('\n').find((l) => l.startsWith(`id=${id} `))!;
    expect(line).toMatch(/ user=alice /);
    // CLIENT KILL USER drops every connection of the user.
    expect(await admin.client('KILL', 'USER', 'alice')).toBe(1);
    await expect(admin.client('KILL', 'USER', 'nobody')).rejects.toThrow("ERR No such user 'nobody'");
    await admin.acl('DELUSER', 'alice');
  });

  it('a wrong password is refused and logged', async () => {
    await admin.acl('SETUSER', 'bob', 'on', '>right', '+@all', '~*');
    const r = client({ username: 'bob', password: 'wrong' });
    const failed = new Promise<Error>((resolve) => r.once('error', resolve));
    r.connect().catch(() => undefined);
    expect((await failed).message).toBe('WRONGPASS invalid username-password pair or user is disabled.');
    const log = (await admin.acl('LOG')) as unknown[][];
    const entry = Object.fromEntries(
      Array.from({ length: log[0].length / 2 }, (_, i) => [log[0][2 * i], log[0][2 * i + 1]]),
    ) as Record<string, unknown>;
    expect(entry.reason).toBe('auth');
    expect(entry.username).toBe('bob');
    expect(entry.context).toBe('toplevel');
    expect(entry.count).toBe(1);
    expect(String(entry['client-info'])).toMatch(/^id=\d+ addr=127\.0\.0\.1:\d+ /);
    await admin.acl('DELUSER', 'bob');
  });

  it('NOPERM for commands, keys and channels; the log names the object', async () => {
    await admin.acl('SETUSER', 'carol', 'on', 'nopass', '+get', '+set', '+publish', '%R~r:*', '~rw:*', 'resetchannels', '&news');
    const r = client({ username: 'carol', password: 'x' });
    await r.connect();
    await expect(r.incr('rw:1')).rejects.toThrow("NOPERM this user has no permissions to run the 'incr' command");
    await expect(r.set('r:1', 'v')).rejects.toThrow('NOPERM this user has no permissions to access one of the keys used as arguments');
    expect(await r.set('rw:' + BIN, 'v')).toBe('OK');
    expect(await r.get('r:1')).toBeNull();
    await expect(r.publish('sport', 'm')).rejects.toThrow(
      'NOPERM this user has no permissions to access one of the channels used as arguments',
    );
    expect(await r.publish('news', 'm')).toBe(0);
    const raw = await RawClient.connect(srv.port);
    const log = toJs(parseReply(await raw.call('ACL', 'LOG'))[0]) as unknown[][];
    raw.close();
    const objects = log.map((e) => [e[3], e[7], e[9]]);
    expect(objects).toEqual([
      ['channel', 'sport', 'carol'],
      ['key', 'r:1', 'carol'],
      ['command', 'incr', 'carol'],
    ]);
    await admin.acl('DELUSER', 'carol');
  });

  it('MULTI: denied commands abort EXEC; rules changed before EXEC deny at EXEC', async () => {
    await admin.acl('SETUSER', 'dave', 'on', 'nopass', '+multi', '+exec', '+set', '+get', '~*');
    const r = client({ username: 'dave', password: 'x' });
    await r.connect();
    const tx = await r.multi().set('k', 'v').incr('k').exec().catch((e: Error) => e);
    expect(String(tx)).toMatch(/EXECABORT Transaction discarded because of previous errors/);
    const raw = await RawClient.connect(srv.port);
    expect(await raw.callStr('AUTH', 'dave', 'x')).toBe('+OK\r\n');
    expect(await raw.callStr('MULTI')).toBe('+OK\r\n');
    expect(await raw.callStr('SET', 'k', 'v')).toBe('+QUEUED\r\n');
    expect(await raw.callStr('GET', 'k')).toBe('+QUEUED\r\n');
    await admin.acl('SETUSER', 'dave', '-set');
    expect(await raw.callStr('EXEC')).toBe(
      '*2\r\n-NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. ' +
        'This command is no longer allowed for the following reason: no permission to execute the command or subcommand\r\n$-1\r\n',
    );
    raw.close();
    const log = (await admin.acl('LOG', '1')) as unknown[][];
    expect(log[0].slice(0, 8)).toEqual(['count', 1, 'reason', 'command', 'context', 'multi', 'object', 'set']);
    await admin.acl('DELUSER', 'dave');
  });

  it('deleting a user disconnects its clients; the caller gets its reply first', async () => {
    await admin.acl('SETUSER', 'erin', 'on', '>pw', '+@all', '~*');
    const other = await RawClient.connect(srv.port);
    expect(await other.callStr('AUTH', 'erin', 'pw')).toBe('+OK\r\n');
    const self = await RawClient.connect(srv.port);
    expect(await self.callStr('AUTH', 'erin', 'pw')).toBe('+OK\r\n');
    const bystander = await RawClient.connect(srv.port);
    expect(await self.callStr('ACL', 'DELUSER', 'erin')).toBe(':1\r\n');
    await self.readUntilClose();
    await other.readUntilClose();
    expect(await bystander.callStr('PING')).toBe('+PONG\r\n');
    bystander.close();
  });

  it('subscribers lose their connection when a channel is revoked, not otherwise', async () => {
    await admin.acl('SETUSER', 'sub', 'on', 'nopass', '+@all', 'resetchannels', '&a', '&b:*');
    const s = await RawClient.connect(srv.port);
    await s.call('AUTH', 'sub', 'x');
    await s.call('SUBSCRIBE', 'a');
    await s.call('PSUBSCRIBE', 'b:*');
    await admin.acl('SETUSER', 'sub', '&c');
    expect(await s.callStr('PING')).toMatch(/pong/);
    await admin.acl('SETUSER', 'sub', 'resetchannels', '&a');
    await s.readUntilClose();
    await admin.acl('DELUSER', 'sub');
  });

  it('SORT BY and GET patterns need read access to every key', async () => {
    await admin.rpush('l', '2', '1');
    await admin.acl('SETUSER', 'sorter', 'on', 'nopass', '+sort', '~l');
    const r = client({ username: 'sorter', password: 'x' });
    await r.connect();
    await expect(r.sort('l', 'BY', 'w_*')).rejects.toThrow('ERR BY option of SORT denied due to insufficient ACL permissions.');
    await expect(r.sort('l', 'GET', '#')).rejects.toThrow('ERR GET option of SORT denied due to insufficient ACL permissions.');
    expect(await r.sort('l', 'BY', 'nosort')).toEqual(['2', '1']);
    await admin.acl('SETUSER', 'sorter', '%R~*');
    expect(await r.sort('l', 'BY', 'w_*', 'GET', '#')).toEqual(['1', '2']);
    await admin.acl('DELUSER', 'sorter');
    await admin.del('l');
  });

  it('RESP3: GETUSER is a map with a set of flags; LOG entries are maps', async () => {
    await admin.acl('SETUSER', 'r3', 'on', '>p', '~k', '(+get ~x)');
    const raw = await RawClient.connect(srv.port);
    await raw.call('HELLO', '3');
    const h = hashPassword('p');
    expect(await raw.callStr('ACL', 'GETUSER', 'r3')).toBe(
      '%6\r\n$5\r\nflags\r\n~1\r\n$2\r\non\r\n$9\r\npasswords\r\n*1\r\n$64\r\n' +
        h +
        '\r\n$8\r\ncommands\r\n$5\r\n-@all\r\n$4\r\nkeys\r\n$2\r\n~k\r\n$8\r\nchannels\r\n$0\r\n\r\n' +
        '$9\r\nselectors\r\n*1\r\n%3\r\n$8\r\ncommands\r\n$10\r\n-@all +get\r\n$4\r\nkeys\r\n$2\r\n~x\r\n$8\r\nchannels\r\n$0\r\n\r\n',
    );
    expect(await raw.callStr('ACL', 'GETUSER', 'nobody')).toBe('_\r\n');
    await raw.call('AUTH', 'r3', 'bad');
    const log = await raw.callStr('ACL', 'LOG');
    expect(log).toMatch(/^\*1\r\n%7\r\n\$5\r\ncount\r\n:1\r\n/);
    expect(log).toMatch(/\$11\r\nage-seconds\r\n,[0-9.e-]+\r\n/);
    raw.close();
    await admin.acl('DELUSER', 'r3');
  });

  it('AUTH texts for the default user, NOAUTH when the default user is off', async () => {
    const raw = await RawClient.connect(srv.port);
    expect(await raw.callStr('AUTH', 'x')).toBe(
      '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n',
    );
    await admin.acl('SETUSER', 'default', 'off');
    const late = await RawClient.connect(srv.port);
    expect(await late.callStr('GET', 'x')).toBe('-NOAUTH Authentication required.\r\n');
    expect(await late.callStr('HELLO', '3')).toMatch(/^-NOAUTH HELLO must be called with the client already authenticated/);
    await admin.acl('SETUSER', 'default', 'on');
    // Back to nopass and on: unauthenticated clients may run commands again.
    expect(await late.callStr('PING')).toBe('+PONG\r\n');
    late.close();
    raw.close();
  });
});

describe('requirepass and users from the configuration', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-acl-'));
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('requirepass is the default user password; CONFIG SET changes it', async () => {
    const srv = await startNodis({ config: { requirepass: 'pw' } });
    try {
      const raw = await RawClient.connect(srv.port);
      expect(await raw.callStr('GET', 'x')).toBe('-NOAUTH Authentication required.\r\n');
      expect(await raw.callStr('AUTH', 'bad')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
      expect(await raw.callStr('AUTH', 'default', 'pw')).toBe('+OK\r\n');
      expect(await raw.callStr('CONFIG', 'SET', 'requirepass', 'a\x00b')).toBe('+OK\r\n');
      expect(await raw.callStr('ACL', 'LIST')).toBe(`*1\r\n$93\r\nuser default on #${hashPassword('a\x00b')} ~* &* +@all\r\n`);
      const r = new Redis({ port: srv.port, password: 'a\x00b', lazyConnect: true });
      await r.connect();
      expect(await r.ping()).toBe('PONG');
      r.disconnect();
      raw.close();
    } finally {
      await srv.close();
    }
  });

  it('user lines of the config file are validated and loaded', async () => {
    const cfg = new Config();
    const opts = { validateUser: userDirectiveValidator(cfg, () => new CommandTable(allCommands)) };
    loadServerConfigFromString(cfg, 'user alice on >a ~* +@all\nuser default on nopass ~* &* +@all -flushdb\n', opts);
    expect(() => loadServerConfigFromString(cfg, 'user alice on\n', opts)).toThrow(ConfigFileError);
    const bad = new Config();
    try {
      loadServerConfigFromString(bad, 'user bob on bogus\n', {
        validateUser: userDirectiveValidator(bad, () => new CommandTable(allCommands)),
      });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigFileError).reason).toBe("Error in user declaration 'bob': Syntax error");
    }
    const srv = await startNodis({ configInstance: cfg });
    try {
      const raw = await RawClient.connect(srv.port);
      expect(await raw.callStr('FLUSHDB')).toBe("-NOPERM this user has no permissions to run the 'flushdb' command\r\n");
      expect(await raw.callStr('AUTH', 'alice', 'a')).toBe('+OK\r\n');
      const users = await raw.call('ACL', 'USERS');
      expect(toJs(parseReply(users)[0])).toEqual(['alice', 'default']);
      raw.close();
    } finally {
      await srv.close();
    }
  });

  it('an unknown command in a user line stops the start', async () => {
    const cfg = new Config();
    loadServerConfigFromString(cfg, 'user alice on +nosuchcommand\n');
    await expect(startNodis({ configInstance: cfg })).rejects.toThrow(AclStartupError);
  });

  it('users in the config file and an ACL file are exclusive', async () => {
    const file = path.join(tmp, 'conflict.acl');
    fs.writeFileSync(file, 'user default on nopass ~* &* +@all\n');
    const cfg = new Config();
    loadServerConfigFromString(cfg, `user alice on\naclfile ${file}\n`);
    await expect(startNodis({ configInstance: cfg })).rejects.toThrow(
      /users defined in redis\.conf and at the same setting an ACL file path is invalid/,
    );
  });

  it('ACL SAVE and ACL LOAD with an ACL file', async () => {
    const file = path.join(tmp, 'users.acl');
    fs.writeFileSync(file, 'user alice on >alice ~* &* +@all\n\nuser bob on -@all +@set +acl ~set* &* >bob\n');
    const srv = await startNodis({ config: { aclfile: file } });
    try {
      const a = await RawClient.connect(srv.port);
      expect(await a.callStr('ACL', 'USERS')).toBe('*3\r\n$5\r\nalice\r\n$3\r\nbob\r\n$7\r\ndefault\r\n');
      expect(await a.callStr('ACL', 'SETUSER', 'eve', 'on', '>eve', '+get', '~*')).toBe('+OK\r\n');
      expect(await a.callStr('ACL', 'SAVE')).toBe('+OK\r\n');
      expect(fs.readFileSync(file, 'latin1')).toBe(
        `user alice on #${hashPassword('alice')} ~* &* +@all\n` +
          `user bob on #${hashPassword('bob')} ~set* &* -@all +@set +acl\n` +
          'user default on nopass ~* &* +@all\n' +
          `user eve on #${hashPassword('eve')} ~* resetchannels -@all +get\n`,
      );
      // A client of a user that LOAD replaces is disconnected; the default user's are not.
      const b = await RawClient.connect(srv.port);
      expect(await b.callStr('AUTH', 'bob', 'bob')).toBe('+OK\r\n');
      fs.appendFileSync(file, 'user carl on nopass +@all ~*\n');
      expect(await a.callStr('ACL', 'LOAD')).toBe('+OK\r\n');
      await b.readUntilClose();
      expect(await a.callStr('ACL', 'USERS')).toBe('*5\r\n$5\r\nalice\r\n$3\r\nbob\r\n$4\r\ncarl\r\n$7\r\ndefault\r\n$3\r\neve\r\n');
      // Errors change nothing and are all reported.
      fs.writeFileSync(file, 'user zed on +nosuch\nfoo bar\nuser zed on\nuser y on ~a allkeys ~b bogus\n');
      expect(await a.callStr('ACL', 'LOAD')).toBe(
        `-ERR ${file}:1: Error in applying operation '+nosuch': Unknown command or category name in ACL. ` +
          `${file}:2 should start with user keyword followed by the username. ` +
          "WARNING: Duplicate user 'zed' found on line 3. " +
          `${file}:4: Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns. ` +
          'WARNING: ACL errors detected, no change to the previously active ACL rules was performed\r\n',
      );
      expect(await a.callStr('ACL', 'USERS')).toBe('*5\r\n$5\r\nalice\r\n$3\r\nbob\r\n$4\r\ncarl\r\n$7\r\ndefault\r\n$3\r\neve\r\n');
      // A file without the default user gives it back its initial rules.
      fs.writeFileSync(file, 'user solo on nopass ~* +@all\n');
      expect(await a.callStr('ACL', 'SETUSER', 'default', '-flushdb')).toBe('+OK\r\n');
      expect(await a.callStr('ACL', 'LOAD')).toBe('+OK\r\n');
      expect(await a.callStr('ACL', 'LIST')).toBe(
        '*2\r\n$34\r\nuser default on nopass ~* &* +@all\r\n$42\r\nuser solo on nopass ~* resetchannels +@all\r\n',
      );
      a.close();
      fs.rmSync(file);
      const c = await RawClient.connect(srv.port);
      expect(await c.callStr('ACL', 'LOAD')).toBe(`-ERR Error loading ACLs, opening file '${file}': No such file or directory\r\n`);
      c.close();
    } finally {
      await srv.close();
    }
  });
});
