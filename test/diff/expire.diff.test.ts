import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';

warnIfNoRedis('diff/expire');

const K = 'k\xff\x00\xc3';

describe.skipIf(!HAVE_REDIS)('differential: expire family', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });
  beforeEach(async () => {
    await d.same('FLUSHALL');
  });

  it('EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT on missing and existing keys', async () => {
    for (const c of ['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT']) {
      await d.same(c, 'nope', '100');
      await d.same(c, K);
      await d.same(c);
    }
    await d.same('SET', K, 'v');
    await d.same('EXPIRE', K, '100');
    await d.same(['TTL', K], { approx: 1 });
    await d.same(['PTTL', K], { approx: 200 });
    await d.same('PEXPIRE', K, '100000');
    await d.same(['TTL', K], { approx: 1 });
    const at = Math.floor(Date.now() / 1000) + 1000;
    await d.same('EXPIREAT', K, String(at));
    await d.same('EXPIRETIME', K);
    await d.same('PEXPIRETIME', K);
    await d.same('PEXPIREAT', K, String(at * 1000 + 123));
    await d.same('PEXPIRETIME', K);
    await d.same('EXPIRETIME', K);
    await d.same(['TTL', K], { approx: 1 });
  });

  it('argument errors, option errors and their precedence', async () => {
    await d.same('SET', K, 'v');
    for (const c of ['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT']) {
      await d.same(c, K, 'abc');
      await d.same(c, K, '1.5');
      await d.same(c, K, '');
      await d.same(c, K, '100', 'foo');
      await d.same(c, K, 'abc', 'foo');
      await d.same(c, K, 'abc', 'nx');
      await d.same(c, K, '100', 'nx', 'xx');
      await d.same(c, K, '100', 'NX', 'GT');
      await d.same(c, K, '100', 'lt', 'NX');
      await d.same(c, K, '100', 'GT', 'LT');
      await d.same(c, K, '100', 'xx', 'gt', 'lt');
      await d.same(c, K, '100', 'gt', 'lt', 'nx');
      await d.same(c, K, '100', 'nx', 'nx');
      await d.same(c, K, '100', 'foo\x00bar');
      await d.same(c, 'nope', '100', 'NX', 'XX');
      await d.same(c, 'nope', 'x');
    }
  });

  it('64-bit overflow checks', async () => {
    await d.same('SET', K, 'v');
    const cases: [string, string][] = [
      ['EXPIRE', '9223372036854775'],
      ['EXPIRE', '9223372036854776'],
      ['EXPIRE', '-9223372036854775'],
      ['EXPIRE', '-9223372036854776'],
      ['EXPIREAT', '9223372036854775'],
      ['EXPIREAT', '9223372036854776'],
      ['PEXPIRE', '9223372036854775807'],
      ['PEXPIRE', '9223372036854000000'],
      ['PEXPIREAT', '9223372036854775807'],
      ['PEXPIREAT', '9223372036854775808'],
      ['EXPIRE', '9223372036854775807'],
      ['EXPIRE', '-9223372036854775808'],
      ['PEXPIRE', '-9223372036854775808'],
    ];
    for (const [c, v] of cases) {
      await d.same('SET', K, 'v');
      await d.same(c, K, v);
      await d.same('EXISTS', K);
      await d.same('PEXPIRETIME', K);
      await d.same('EXPIRETIME', K);
    }
  });

  it('far-future expire times are kept exactly', async () => {
    await d.same('SET', K, 'v');
    await d.same('PEXPIREAT', K, '9223372036854775807');
    await d.same('PEXPIRETIME', K);
    await d.same('EXPIRETIME', K);
    await d.same(['TTL', K], { approx: 1 });
    await d.same('PEXPIREAT', K, '9223372036854775806', 'LT');
    await d.same('PEXPIRETIME', K);
    await d.same('PEXPIREAT', K, '9223372036854775807', 'LT');
    await d.same('PEXPIREAT', K, '9223372036854775807', 'GT');
    await d.same('PEXPIRETIME', K);
    await d.same('EXPIREAT', K, '9223372036854775');
    await d.same('PEXPIRETIME', K);
    await d.same('RENAME', K, 'other');
    await d.same('PEXPIRETIME', 'other');
    await d.same('COPY', 'other', 'copy');
    await d.same('PEXPIRETIME', 'copy');
    await d.same('MOVE', 'copy', '3');
    await d.same('SELECT', '3');
    await d.same('PEXPIRETIME', 'copy');
    await d.same('SELECT', '0');
  });

  it('a time in the past deletes the key', async () => {
    for (const [c, v] of [['EXPIRE', '-1'], ['EXPIRE', '0'], ['PEXPIRE', '-100'], ['EXPIREAT', '1'], ['PEXPIREAT', '0'], ['EXPIREAT', '-5']]) {
      await d.same('SET', K, 'v', 'EX', '100');
      await d.same(c, K, v);
      await d.same('EXISTS', K);
      await d.same('TTL', K);
    }
  });

  it('NX XX GT LT', async () => {
    await d.same('SET', K, 'v');
    await d.same('EXPIRE', K, '100', 'XX');
    await d.same('EXPIRE', K, '100', 'GT');
    await d.same('TTL', K);
    await d.same('EXPIRE', K, '100', 'LT');
    await d.same(['TTL', K], { approx: 1 });
    await d.same('EXPIRE', K, '200', 'NX');
    await d.same('EXPIRE', K, '200', 'XX');
    await d.same(['TTL', K], { approx: 1 });
    await d.same('EXPIRE', K, '100', 'GT');
    await d.same('EXPIRE', K, '300', 'gt');
    await d.same('EXPIRE', K, '400', 'LT');
    await d.same('EXPIRE', K, '50', 'lt', 'xx');
    await d.same(['TTL', K], { approx: 1 });
    await d.same('EXPIRE', K, '-1', 'GT');
    await d.same('EXPIRE', K, '-1', 'LT');
    await d.same('EXISTS', K);
    await d.same('SET', K, 'v');
    await d.same('EXPIRE', K, '-1', 'GT');
    await d.same('EXPIRE', K, '-1', 'NX');
    await d.same('EXISTS', K);
  });

  it('TTL PTTL EXPIRETIME PEXPIRETIME PERSIST TOUCH', async () => {
    for (const c of ['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME', 'PERSIST']) {
      await d.same(c, 'nope');
      await d.same(c);
      await d.same(c, 'a', 'b');
    }
    await d.same('SET', K, 'v');
    for (const c of ['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']) await d.same(c, K);
    await d.same('PERSIST', K);
    await d.same('PEXPIRE', K, '1499');
    await d.same(['TTL', K], { approx: 1 });
    await d.same('PERSIST', K);
    await d.same('TTL', K);
    await d.same('PERSIST', K);
    await d.same('TOUCH', K, 'nope', K);
    await d.same('TOUCH');
    await d.same('SET', 'short', 'v', 'PX', '1');
    await new Promise((r) => setTimeout(r, 20));
    await d.same('TOUCH', 'short');
    await d.same('TTL', 'short');
    await d.same('SET', 'short', 'v', 'PX', '1');
    await new Promise((r) => setTimeout(r, 20));
    await d.same('PERSIST', 'short');
    await d.same('EXPIRE', 'short', '10');
    await d.same('SET', 'short', 'v', 'PX', '1');
    await new Promise((r) => setTimeout(r, 20));
    await d.same('DEL', 'short');
    await d.same('RENAME', 'short', 'x');
  });

  it('TTL rounds to the nearest second', async () => {
    await d.same('SET', K, 'v');
    await d.same('PEXPIRE', K, '2600');
    await d.same(['TTL', K], { approx: 0 });
    await d.same('PEXPIRE', K, '2400');
    await d.same(['TTL', K], { approx: 0 });
  });
});
