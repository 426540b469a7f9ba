/**
 * CLUSTER, ASKING, READONLY, READWRITE and MODULE against a standalone
 * redis-server without modules: the cluster commands all refuse, MODULE
 * lists nothing, and loading is refused or fails, byte for byte as Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { commandReference } from '../../src/commands/command.js';

warnIfNoRedis('diff/cluster');

/** A call of `name` (a "parent|sub" full name) with exactly `arity` words. */
function callWithArity(fullname: string, arity: number): string[] {
  const words = fullname.split('|');
  const n = Math.abs(arity);
  while (words.length < n) words.push(`a\xff${words.length}`);
  return words;
}

const clusterSubs = commandReference.get('cluster')!.subcommands!;

describe.skipIf(!HAVE_REDIS)('differential: cluster commands on a standalone server', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });

  it('every CLUSTER subcommand refuses, after the arity check', async () => {
    expect(clusterSubs.length).toBeGreaterThan(20);
    for (const full of clusterSubs) {
      const arity = commandReference.get(full)!.arity;
      const args = callWithArity(full, arity);
      expect(await d.same(args)).toBe('-ERR This instance has cluster support disabled\r\n');
      // One word too many for a fixed arity, one too few for any.
      if (arity > 0) await d.same([...args, 'extra']);
      if (Math.abs(arity) > 2) await d.same(args.slice(0, -1));
    }
  });

  it('CLUSTER with no, unknown or lower-case subcommands', async () => {
    await d.same(['CLUSTER']);
    await d.same(['CLUSTER', 'nosuch\xff']);
    await d.same(['cluster', 'info']);
    await d.same(['CLUSTER', 'KEYSLOT', 'user:{1000}']);
    await d.same(['CLUSTER', 'HELP']);
  });

  it('ASKING, READONLY and READWRITE refuse; extra arguments are an arity error', async () => {
    for (const name of ['ASKING', 'READONLY', 'READWRITE']) {
      await d.same([name]);
      await d.same([name, 'x']);
    }
  });

  it('inside MULTI the refusals come back in EXEC, in RESP2 and RESP3', async () => {
    for (const proto of ['2', '3']) {
      const [n, r] = await d.connectBoth();
      for (const args of [['HELLO', proto], ['MULTI'], ['CLUSTER', 'INFO'], ['READONLY'], ['MODULE', 'LIST'], ['EXEC']]) {
        const [x, y] = await Promise.all([n.call(...args), r.call(...args)]);
        if (args[0] === 'HELLO') continue;
        expect(x.latin1Slice(), args.join(' ')).toBe(y.latin1Slice());
      }
      n.close();
      r.close();
    }
  });

  it('MODULE HELP and LIST; LOAD, LOADEX and UNLOAD are not allowed by default', async () => {
    await d.same(['MODULE', 'HELP']);
    await d.same(['MODULE', 'LIST']);
    await d.same(['MODULE']);
    await d.same(['MODULE', 'nosuch']);
    await d.same(['MODULE', 'LIST', 'extra']);
    for (const args of [
      ['MODULE', 'LOAD', '/nonexistent/module.so'],
      ['MODULE', 'LOADEX', '/nonexistent/module.so', 'CONFIG', 'a', 'b'],
      ['MODULE', 'UNLOAD', 'nosuch'],
      ['MODULE', 'UNLOAD'],
      ['MODULE', 'LOAD'],
    ]) {
      await d.same(args);
    }
  });
});

describe.skipIf(!HAVE_REDIS)('differential: MODULE with enable-module-command yes', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start(['--enable-module-command', 'yes'], { 'enable-module-command': 'yes' });
  });
  afterAll(async () => {
    await d?.close();
  });

  it('loading fails with the generic error and unloading finds no module', async () => {
    expect(await d.same(['MODULE', 'LOAD', '/nonexistent/module\xff.so'])).toBe(
      '-ERR Error loading the extension. Please check the server logs.\r\n',
    );
    await d.same(['MODULE', 'LOAD', '/nonexistent/module.so', 'arg1', 'arg2']);
    await d.same(['MODULE', 'LOADEX', '/nonexistent/module.so']);
    await d.same(['MODULE', 'LOADEX', '/nonexistent/module.so', 'ARGS', 'x']);
    expect(await d.same(['MODULE', 'UNLOAD', 'mymodule'])).toBe('-ERR Error unloading module: no such module with that name\r\n');
    await d.same(['MODULE', 'LIST']);
  });
});
