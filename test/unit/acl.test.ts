/**
 * ACL model: rule parsing and its errors, selector merging, key and channel
 * pattern checks, selectors, rule descriptions that parse back to the same
 * permissions, config-file `user` line validation.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CommandTable, type Command } from '../../src/commands/table.js';
import { allCommands } from '../../src/commands/index.js';
import {
  ACL_DENIED_CHANNEL,
  ACL_DENIED_CMD,
  ACL_DENIED_KEY,
  ACL_OK,
  AclCommandIndex,
  AclUser,
  aclErrorText,
  aclHasSpaces,
  hashPassword,
  mergeSelectorArguments,
  validateUserDirective,
  type AclContext,
} from '../../src/server/acl.js';

const table = new CommandTable(allCommands);
const index = new AclCommandIndex(table);
const ctx: AclContext = { index, pubsubDefault: () => 0 };

function user(...rules: string[]): AclUser {
  const u = new AclUser(ctx, 'u');
  for (const r of rules) expect(u.set(r), r).toBe(0);
  return u;
}

function command(name: string): Command {
  const c = index.lookup(name);
  if (c === undefined) throw new Error(`no command ${name}`);
  return c;
}

/** checkCommand() for a command line, resolving the command as the dispatcher does. */
function check(u: AclUser, ...argv: string[]): number {
  const cmd = table.lookup(argv);
  if (cmd === undefined) throw new Error(`no command ${argv.join(' ')}`);
  return u.checkCommand(cmd, argv);
}

function errorOf(rule: string): string {
  const u = new AclUser(ctx, 'u');
  const e = u.set(rule);
  return e === 0 ? 'OK' : aclErrorText(e);
}

describe('passwords', () => {
  it('are stored as SHA-256 hex of the bytes', () => {
    expect(hashPassword('passwd4')).toBe('34344e4d60c2b6d639b7bd22e18f2b0b91bc34bf0ac5f9952744435093cfb4e6');
    // Binary: one byte per char, not UTF-8.
    expect(hashPassword('\xff')).toBe('a8100ae6aa1940d0b663bb31cd466142ebbdbd5187131b92d93818987832eb89');
    const u = user('>a\x00b', '#' + hashPassword('x'));
    expect(u.passwords).toEqual([hashPassword('a\x00b'), hashPassword('x')]);
    expect(u.set('<a\x00b')).toBe(0);
    expect(u.passwords).toEqual([hashPassword('x')]);
  });

  it('nopass clears them, a new password clears nopass, resetpass clears both', () => {
    const u = user('>p', 'nopass');
    expect(u.passwords).toEqual([]);
    expect(u.flagNames()).toEqual(['off', 'nopass']);
    u.set('>q');
    expect(u.flagNames()).toEqual(['off']);
    u.set('nopass');
    u.set('resetpass');
    expect(u.flagNames()).toEqual(['off']);
    expect(u.passwords).toEqual([]);
  });

  it('errors', () => {
    expect(errorOf('#abc')).toMatch(/^The password hash must be exactly 64 characters/);
    expect(errorOf('#' + hashPassword('x').toUpperCase())).toMatch(/^The password hash must be/);
    expect(errorOf('<nothere')).toBe('The password you are trying to remove from the user does not exist');
    expect(errorOf('!' + hashPassword('x'))).toBe('The password you are trying to remove from the user does not exist');
  });
});

describe('rule parsing', () => {
  it('keywords are case-insensitive and end at a NUL byte, as strcasecmp() sees them', () => {
    expect(user('ON').flagNames()).toEqual(['on']);
    expect(user('on\x00junk').flagNames()).toEqual(['on']);
    expect(user('ALLKEYS').root.keysField()).toBe('~*');
  });

  it('reports Redis error texts', () => {
    expect(errorOf('bogus')).toBe('Syntax error');
    expect(errorOf('+nosuch')).toBe('Unknown command or category name in ACL');
    expect(errorOf('+@nosuch')).toBe('Unknown command or category name in ACL');
    expect(errorOf('+')).toBe('Unknown command or category name in ACL');
    expect(errorOf('+get|')).toBe('Syntax error');
    expect(errorOf('+config|get|x')).toBe('Allowing first-arg of a subcommand is not supported');
    expect(errorOf('+config|nosuch')).toBe('Unknown command or category name in ACL');
    expect(errorOf('+get|a|b')).toBe('Unknown command or category name in ACL');
    expect(errorOf('%X~a')).toBe('Syntax error');
    expect(errorOf('%RR~a')).toBe('Syntax error');
    expect(errorOf('%~a')).toBe('Syntax error');
    expect(errorOf('~a b')).toBe('Syntax error');
    expect(errorOf('&a\x00')).toBe('Syntax error');
    expect(errorOf('((~a))')).toBe('Syntax error');
    expect(errorOf('(on)')).toBe('Syntax error');
    const u = user('allkeys', 'allchannels');
    expect(aclErrorText(u.set('~a'))).toMatch(/^Adding a pattern after the \* pattern \(or the 'allkeys' flag\)/);
    expect(aclErrorText(u.set('&a'))).toMatch(/^Adding a pattern after the \* pattern \(or the 'allchannels' flag\)/);
  });

  it('key patterns merge their permissions', () => {
    expect(user('%R~a', '%W~a').root.keysField()).toBe('~a');
    expect(user('%R~a', '%W~b', '%RW~c', '%wr~d').root.keysField()).toBe('%R~a %W~b ~c ~d');
    expect(user('~a', '~a', '~*').root.keysField()).toBe('~*');
    expect(user('%R').root.keysField()).toBe('%R~');
    expect(user('~a', 'resetkeys').root.keysField()).toBe('');
  });

  it('channel patterns', () => {
    expect(user('&a', '&a', '&b*').root.channelsField()).toBe('&a &b*');
    expect(user('&a', 'allchannels').root.channelsField()).toBe('&*');
    expect(user('&*').root.channelsField()).toBe('&*');
  });

  it('acl-pubsub-default decides the channels of new users and of reset', () => {
    const all: AclContext = { index, pubsubDefault: () => 1 << 3 };
    const u = new AclUser(all, 'x');
    expect(u.root.channelsField()).toBe('&*');
    u.set('resetchannels');
    u.set('reset');
    expect(u.root.channelsField()).toBe('&*');
    expect(user('reset').root.channelsField()).toBe('');
  });

  it('a container rule carries its subcommands, +container|sub allows one', () => {
    const u = user('+config');
    expect(check(u, 'config', 'get', 'x')).toBe(ACL_OK);
    u.set('-config|set');
    expect(check(u, 'config', 'set', 'a', 'b')).toBe(ACL_DENIED_CMD);
    expect(check(u, 'config', 'get', 'x')).toBe(ACL_OK);
    expect(u.root.describeCommands()).toBe('-@all +config -config|set');
    const v = user('+client|id');
    expect(check(v, 'client', 'id')).toBe(ACL_OK);
    expect(check(v, 'client', 'kill', 'x')).toBe(ACL_DENIED_CMD);
  });

  it('first arguments of commands without subcommands', () => {
    const u = user('+select|0', '+SELECT|2', '+select|0');
    expect(check(u, 'select', '0')).toBe(ACL_OK);
    expect(check(u, 'select', '2')).toBe(ACL_OK);
    expect(check(u, 'select', '1')).toBe(ACL_DENIED_CMD);
    expect(u.root.describeCommands()).toBe('-@all +select|0 +select|2');
    // A later +select or -select drops them.
    u.set('-select');
    expect(check(u, 'select', '0')).toBe(ACL_DENIED_CMD);
    expect(u.root.describeCommands()).toBe('-@all');
  });

  it('categories set every member and the subcommands of member containers', () => {
    const u = user('+@all', '-@dangerous', 'allkeys');
    expect(check(u, 'flushall')).toBe(ACL_DENIED_CMD);
    expect(check(u, 'get', 'k')).toBe(ACL_OK);
    expect(u.root.describeCommands()).toBe('+@all -@dangerous');
    expect(check(user('+@all', '-@dangerous'), 'get', 'k')).toBe(ACL_DENIED_KEY);
    expect(user('-@all', '+@hash').root.describeCommands()).toBe('-@all +@hash');
  });

  it('commands marked no_auth pass any command rule', () => {
    const u = user('-@all');
    expect(check(u, 'auth', 'x')).toBe(ACL_OK);
    expect(check(u, 'hello')).toBe(ACL_OK);
    expect(check(u, 'ping')).toBe(ACL_DENIED_CMD);
  });
});

describe('selector arguments', () => {
  it('selectors spread over several arguments are merged', () => {
    expect(mergeSelectorArguments(['on', '(~a', '+get)', 'off'])).toEqual(['on', '(~a +get)', 'off']);
    expect(mergeSelectorArguments(['(~a', 'x', '+get)'])).toEqual(['(~a x +get)']);
    expect(mergeSelectorArguments(['()', '(+get)'])).toEqual(['()', '(+get)']);
    expect(mergeSelectorArguments(['on', '(~a', '+get'])).toBe(1);
    expect(mergeSelectorArguments(['('])).toBe(0);
  });

  it('a selector is quoted with sdssplitargs() rules and starts with no permissions', () => {
    const u = user('(~"a" +get)');
    expect(u.selectors.length).toBe(2);
    expect(u.selectors[1].keysField()).toBe('~a');
    expect(u.selectors[1].describeCommands()).toBe('-@all +get');
    expect(user('()').selectors[1].describe()).toBe('resetchannels -@all');
    u.set('clearselectors');
    expect(u.selectors.length).toBe(1);
  });
});

describe('permission checks', () => {
  it('keys: read and write permissions come from the key specs', () => {
    const u = user('+@all', '%R~r*', '%W~w*', '~rw*');
    expect(check(u, 'get', 'r1')).toBe(ACL_OK);
    expect(check(u, 'get', 'w1')).toBe(ACL_DENIED_KEY);
    expect(check(u, 'set', 'w1', 'v')).toBe(ACL_OK);
    expect(check(u, 'set', 'r1', 'v')).toBe(ACL_DENIED_KEY);
    // SET ... GET reads the key as well.
    expect(check(u, 'set', 'w1', 'v', 'get')).toBe(ACL_DENIED_KEY);
    expect(check(u, 'set', 'rw1', 'v', 'get')).toBe(ACL_OK);
    // EXISTS neither reads nor writes the value: any pattern will do.
    expect(check(u, 'exists', 'w1')).toBe(ACL_OK);
    expect(check(u, 'exists', 'other')).toBe(ACL_DENIED_KEY);
    expect(check(u, 'lmove', 'rw1', 'w1', 'left', 'right')).toBe(ACL_OK);
    expect(check(u, 'lmove', 'r1', 'w1', 'left', 'right')).toBe(ACL_DENIED_KEY);
    expect(check(u, 'mget', 'r1', 'r2', 'w3')).toBe(ACL_DENIED_KEY);
  });

  it('keys: binary names and glob patterns', () => {
    const u = user('+@all', '~\xff[a-c]?');
    expect(check(u, 'get', '\xffbz')).toBe(ACL_OK);
    expect(check(u, 'get', '\xffdz')).toBe(ACL_DENIED_KEY);
    // "*" as a pattern (not the allkeys flag) does not match the empty key.
    const v = user('+@all', '%R~*');
    expect(check(v, 'get', '')).toBe(ACL_DENIED_KEY);
    expect(check(user('+@all', '~*'), 'get', '')).toBe(ACL_OK);
  });

  it('channels: names match patterns, PSUBSCRIBE patterns match literally', () => {
    const u = user('+@all', 'allkeys', 'resetchannels', '&news.*');
    expect(check(u, 'publish', 'news.1', 'm')).toBe(ACL_OK);
    expect(check(u, 'publish', 'sport', 'm')).toBe(ACL_DENIED_CHANNEL);
    expect(check(u, 'subscribe', 'news.1', 'news.2')).toBe(ACL_OK);
    expect(check(u, 'ssubscribe', 'news.1', 'x')).toBe(ACL_DENIED_CHANNEL);
    expect(check(u, 'psubscribe', 'news.*')).toBe(ACL_OK);
    expect(check(u, 'psubscribe', 'news.1')).toBe(ACL_DENIED_CHANNEL);
    // Unsubscribing is always allowed.
    expect(check(u, 'unsubscribe', 'sport')).toBe(ACL_OK);
    expect(u.checkChannel('news.x', false)).toBe(true);
    expect(u.checkChannel('news.*', true)).toBe(true);
    expect(u.checkChannel('news.x', true)).toBe(false);
  });

  it('selectors: any one may allow; the denial reported is the most relevant', () => {
    const u = user('+get', '~a*', '(+set ~b*)', '(+del %W~c*)');
    expect(check(u, 'get', 'a1')).toBe(ACL_OK);
    expect(check(u, 'set', 'b1', 'v')).toBe(ACL_OK);
    expect(check(u, 'del', 'c1')).toBe(ACL_OK);
    expect(check(u, 'get', 'b1')).toBe(ACL_DENIED_KEY);
    expect(check(u, 'incr', 'a1')).toBe(ACL_DENIED_CMD);
    // Selectors are not additive: a key must be allowed within one selector.
    const v = user('+del', '~a*', '(+del ~b*)');
    expect(check(v, 'del', 'a1', 'b1')).toBe(ACL_DENIED_KEY);
    expect(check(v, 'del', 'a1', 'a2')).toBe(ACL_OK);
  });

  it('an unrestricted user is flagged for the dispatcher', () => {
    expect(user('+@all', 'allkeys', 'allchannels').unrestricted).toBe(true);
    expect(user('+@all', 'allkeys', 'allchannels', '-get', '+get').unrestricted).toBe(false);
    expect(user('+@all', '~*', '&*', '(-@all)').unrestricted).toBe(true);
    expect(user('+@all', '~a').unrestricted).toBe(false);
    const u = user('allcommands', 'allkeys', 'allchannels');
    u.set('resetchannels');
    expect(u.unrestricted).toBe(false);
  });
});

describe('descriptions', () => {
  it('user lines list flags, passwords, root rules and selectors', () => {
    const u = user('on', '>p', '~a*', '%R~b*', '&ch', '+get', '(+set ~x*)');
    expect(u.describe()).toBe(
      `on #${hashPassword('p')} ~a* %R~b* resetchannels &ch -@all +get (~x* resetchannels -@all +set)`,
    );
    expect(user('skip-sanitize-payload', 'sanitize-payload').describe()).toBe('off sanitize-payload resetchannels -@all');
  });

  const rules = fc.constantFrom(
    'on',
    'off',
    'nopass',
    'resetpass',
    '>pw',
    '~a*',
    '%R~b',
    '%W~c',
    'allkeys',
    'resetkeys',
    '&x',
    'allchannels',
    'resetchannels',
    '+@all',
    '-@all',
    '+@read',
    '-@write',
    '+@hash',
    '-@dangerous',
    '+@connection',
    '+get',
    '-get',
    '+config',
    '-config|set',
    '+client|id',
    '-client',
    '+select|0',
    '+select|5',
    '-select',
    '(+get ~s*)',
    '(-@all +@list %R~l*)',
    'clearselectors',
    'reset',
  );

  it('parse back to the same permissions (ACL LIST is idempotent)', () => {
    fc.assert(
      fc.property(fc.array(rules, { maxLength: 12 }), (ops) => {
        const u = new AclUser(ctx, 'u');
        for (const op of ops) u.set(op);
        const text = u.describe();
        const merged = mergeSelectorArguments(text.split(' '));
        expect(typeof merged).not.toBe('number');
        const v = new AclUser(ctx, 'v');
        for (const op of merged as string[]) expect(v.set(op), op).toBe(0);
        expect(v.describe()).toBe(text);
        expect(v.selectors.length).toBe(u.selectors.length);
        for (let i = 0; i < u.selectors.length; i++) {
          expect([...v.selectors[i].bits]).toEqual([...u.selectors[i].bits]);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('config file user lines', () => {
  it('validate as ACLAppendUserForLoading() does, index quirk included', () => {
    expect(validateUserDirective(ctx, ['user', 'alice', 'on', '>p', '~*', '+@all'], [])).toBeNull();
    // Unknown commands are only reported when the users are loaded.
    expect(validateUserDirective(ctx, ['user', 'alice', '+nosuch'], [])).toBeNull();
    // Redis reports the rule's index among the rules as an index of the line.
    expect(validateUserDirective(ctx, ['user', 'alice', 'on', 'bogus'], [])).toEqual([1, 'Syntax error']);
    expect(validateUserDirective(ctx, ['user', 'bob'], [['bob', 'on']])).toEqual([
      1,
      'Duplicate user found. A user can only be defined once in config files',
    ]);
    expect(validateUserDirective(ctx, ['user', 'alice', 'on', '(~a'], [])![0]).toBe(1);
  });

  it('usernames with spaces or NUL are refused', () => {
    expect(aclHasSpaces('a b')).toBe(true);
    expect(aclHasSpaces('a\x00')).toBe(true);
    expect(aclHasSpaces('a\x0bb')).toBe(true);
    expect(aclHasSpaces('\xff')).toBe(false);
  });

  it('command lookups use original names, any case, one subcommand level', () => {
    expect(command('GET').name).toBe('get');
    expect(command('Config|GET').fullname).toBe('config|get');
    expect(index.lookup('config|get|x')).toBeUndefined();
    expect(index.lookup('get|x')).toBeUndefined();
    expect(index.lookup('')).toBeUndefined();
  });
});
