import { afterAll, beforeAll, describe, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';

warnIfNoRedis('diff/basic');

describe.skipIf(!HAVE_REDIS)('differential: basics', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });

  it('PING/ECHO/SET/GET', async () => {
    await d.same('PING');
    await d.same('PING', 'hello');
    await d.same('PING', 'a', 'b');
    await d.same('ECHO', Buffer.from([0, 1, 0xff]));
    await d.same('SET', 'k\xff', 'v\x00');
    await d.same('GET', 'k\xff');
    await d.same('GET', 'missing');
    await d.same('SET', 'k', 'v', 'NX');
    await d.same('SET', 'k', 'v', 'XX', 'GET');
    await d.same('SET', 'k', 'v', 'EX', '0');
    await d.same('SET', 'k', 'v', 'EX', 'x');
    await d.same('SET', 'k', 'v', 'EX', '10', 'PX', '10');
    await d.same('SETNX', 'k', 'v');
    await d.same('SETEX', 'k', '-1', 'v');
    await d.same('unknowncmd', 'a');
  });
});
