/**
 * Values the request path keeps from one command to the next: the command
 * table's last name lookup and the listpack limits derived from the config.
 * Each must follow the change that invalidates it.
 */
import { describe, expect, it } from 'vitest';
import { CommandTable } from '../../src/commands/table.js';
import { allCommands } from '../../src/commands/index.js';
import { Config } from '../../src/server/config.js';
import { hashLimits, RHash } from '../../src/store/hash.js';
import { zsetLimits } from '../../src/store/zset.js';

describe('command lookup', () => {
  it('answers a repeated name, in any case, and follows rename-command', () => {
    const t = new CommandTable(allCommands);
    expect(t.lookup(['GET', 'k'])?.name).toBe('get');
    expect(t.lookup(['GET', 'k'])?.name).toBe('get');
    expect(t.lookup(['gEt', 'k'])?.name).toBe('get');
    expect(t.lookup(['\xff\x00\xc3'])).toBeUndefined();
    expect(t.lookup(['\xff\x00\xc3'])).toBeUndefined();
    expect(t.lookup(['GET', 'k'])?.name).toBe('get');
    t.rename('get', 'fetch');
    expect(t.lookup(['GET', 'k'])).toBeUndefined();
    expect(t.lookup(['FETCH', 'k'])?.name).toBe('get');
    t.rename('fetch', '');
    expect(t.lookup(['FETCH', 'k'])).toBeUndefined();
  });

  it('resolves subcommands after a cached container name', () => {
    const t = new CommandTable(allCommands);
    expect(t.lookup(['CONFIG', 'GET', 'x'])?.fullname).toBe('config|get');
    expect(t.lookup(['CONFIG', 'SET', 'x', 'y'])?.fullname).toBe('config|set');
    expect(t.lookup(['CONFIG'])?.name).toBe('config');
  });
});

describe('listpack limits', () => {
  it('follow CONFIG SET of the hash and zset thresholds', () => {
    const cfg = new Config();
    expect(hashLimits(cfg)).toEqual({ entries: 512, value: 64 });
    expect(zsetLimits(cfg)).toEqual({ maxEntries: 128, maxValue: 64 });
    cfg.set('hash-max-listpack-entries', '3');
    cfg.set('zset-max-ziplist-value', '7');
    expect(hashLimits(cfg)).toEqual({ entries: 3, value: 64 });
    expect(zsetLimits(cfg)).toEqual({ maxEntries: 128, maxValue: 7 });
    // Another configuration (another server in the process) has its own values.
    const other = new Config();
    expect(hashLimits(other)).toEqual({ entries: 512, value: 64 });
    expect(hashLimits(cfg)).toEqual({ entries: 3, value: 64 });
  });

  it('a listpack hash keeps its bytes when a field is set to the value it has', () => {
    const cfg = new Config();
    const h = new RHash();
    const lim = hashLimits(cfg);
    expect(h.set('f\xff', 'v\x00\xc3', lim)).toBe(false);
    expect(h.set('g', 'w', lim)).toBe(false);
    const bytes = h.memBytes;
    expect(h.set('f\xff', 'v\x00\xc3', lim)).toBe(true);
    expect(h.memBytes).toBe(bytes);
    expect(h.get('f\xff')).toBe('v\x00\xc3');
    // Same length, other bytes: replaced.
    expect(h.set('f\xff', 'v\x00\xc4', lim)).toBe(true);
    expect(h.get('f\xff')).toBe('v\x00\xc4');
    expect(h.get('g')).toBe('w');
    expect(h.size).toBe(2);
  });
});
