/**
 * ACL against redis-server 7.0.15: SETUSER rule parsing and errors,
 * GETUSER/LIST descriptions, CAT, DRYRUN, NOPERM texts, AUTH, the ACL log,
 * RESP2 and RESP3 replies compared byte for byte.
 *
 * Redis describes single-command rules in the order of its command hash
 * table, which changes from run to run: replies holding several of them are
 * compared with each run of such rules sorted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { encodeCommand, parseReply, type Arg, type RawClient, type Reply } from '../helpers/resp.js';

warnIfNoRedis('diff/acl');

const BIN = '\xff\x00\xc3\x28';

/** Runs of single-command rules ("+get -set") sorted, everything else kept in place. */
function sortCommandRules(s: string): string {
  const words = s.split(' ');
  const out: string[] = [];
  let run: string[] = [];
  const flush = (): void => {
    out.push(...run.sort());
    run = [];
  };
  for (const w of words) {
    if (/^[+-][^@]/.test(w.replace(/\)$/, ''))) {
      run.push(w.replace(/\)$/, ''));
      if (w.endsWith(')')) {
        flush();
        out[out.length - 1] += ')';
      }
    } else {
      flush();
      out.push(w);
    }
  }
  flush();
  return out.join(' ');
}

/** A reply with the single-command rules of each string in a canonical order. */
function wordsSorted(r: Reply): string {
  switch (r.t) {
    case 'bulk':
      return r.v === null ? '$-1' : '$' + sortCommandRules(r.v.latin1Slice());
    case 'status':
    case 'error':
      return r.t + ':' + String(r.v);
    case 'array':
      return r.v === null ? `${r.kind}-1` : `${r.kind}[${r.v.map(wordsSorted).join(',')}]`;
    default:
      return JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
  }
}

/** One connection to each server, driven in lockstep. */
class Conn {
  constructor(
    readonly n: RawClient,
    readonly r: RawClient,
  ) {}

  async both(...args: Arg[]): Promise<[Buffer, Buffer]> {
    const b = encodeCommand(args);
    this.n.write(b);
    this.r.write(b);
    return Promise.all([this.n.readReply(), this.r.readReply()]);
  }

  async same(...args: Arg[]): Promise<string> {
    const [x, y] = await this.both(...args);
    expect(x.latin1Slice(), args.join(' ')).toBe(y.latin1Slice());
    return y.latin1Slice();
  }

  /** HELLO: the same reply but for the client id. */
  async hello(...args: Arg[]): Promise<void> {
    const [x, y] = await this.both('HELLO', ...args);
    const strip = (b: Buffer): string => b.latin1Slice().replace(/\$2\r\nid\r\n:\d+\r\n/, '$2\r\nid\r\n:N\r\n');
    expect(strip(x), `HELLO ${args.join(' ')}`).toBe(strip(y));
  }

  /** Same reply once the words of each string are sorted. */
  async sameWords(...args: Arg[]): Promise<void> {
    const [x, y] = await this.both(...args);
    expect(wordsSorted(parseReply(x)[0]), args.join(' ')).toBe(wordsSorted(parseReply(y)[0]));
  }

  close(): void {
    this.n.close();
    this.r.close();
  }
}

describe.skipIf(!HAVE_REDIS)('ACL (diff)', () => {
  let d: DiffPair;
  let a: Conn;

  beforeAll(async () => {
    d = await DiffPair.start();
    a = new Conn(d.n, d.r);
  });

  afterAll(async () => {
    await d?.close();
  });

  it('the default user, WHOAMI, USERS, LIST, GETUSER in RESP2 and RESP3', async () => {
    await a.same('ACL', 'WHOAMI');
    await a.same('ACL', 'USERS');
    await a.same('ACL', 'LIST');
    await a.same('ACL', 'GETUSER', 'default');
    await a.same('ACL', 'GETUSER', 'nobody');
    await a.hello('3');
    await a.same('ACL', 'GETUSER', 'default');
    await a.same('ACL', 'GETUSER', 'nobody');
    await a.same('ACL', 'WHOAMI');
    await a.hello('2');
  });

  it('SETUSER rules: flags, passwords, keys, channels, commands, selectors', async () => {
    const cases: string[][] = [
      ['u1'],
      ['u1', 'on', '>p1', '>p2', '<p1'],
      ['u1', '#34344e4d60c2b6d639b7bd22e18f2b0b91bc34bf0ac5f9952744435093cfb4e6'],
      ['u1', '!34344e4d60c2b6d639b7bd22e18f2b0b91bc34bf0ac5f9952744435093cfb4e6'],
      ['u1', '~a*', '%R~b*', '%W~c*', '%RW~d*', '%R~e', '%W~e', '&ch', '&ch:*'],
      ['u1', '+get', '+@hash', '-hdel'],
      ['u1', '(+set ~x*)', '(', '~y', '+@string', ')'],
      ['u1', 'skip-sanitize-payload'],
      ['u1', 'sanitize-payload', 'nopass'],
      ['u2', 'reset', 'on', 'nopass', 'allkeys', 'allchannels', 'allcommands'],
      ['u2', '-@all', '+select|0', '+select|1', '+client|id'],
      ['u2', 'resetkeys', 'resetchannels', 'clearselectors', 'nocommands', 'off'],
      ['u3', '+@all', '-@dangerous'],
      ['u3', '-@all', '+@read'],
      ['u4', 'on', 'resetpass', '~' + BIN, '&' + BIN, '>' + BIN],
      ['u5', '%R', '%W~', '~*', 'resetkeys', 'allkeys', 'resetkeys', '~k'],
    ];
    for (const c of cases) {
      await a.same('ACL', 'SETUSER', ...c);
      await a.sameWords('ACL', 'GETUSER', c[0]);
    }
    await a.same('ACL', 'USERS');
    await a.sameWords('ACL', 'LIST');
    await a.hello('3');
    for (const u of ['u1', 'u2', 'u3', 'u4', 'u5']) await a.sameWords('ACL', 'GETUSER', u);
    await a.hello('2');
    await a.same('ACL', 'DELUSER', 'u1', 'u2', 'u3', 'u4', 'u5', 'nobody');
  });

  it('SETUSER errors leave the user unchanged', async () => {
    await a.same('ACL', 'SETUSER', 'e1', 'on', '~a');
    const bad: string[][] = [
      ['e1', 'bogus'],
      ['e1', '+nosuchcommand'],
      ['e1', '-@nosuchcategory'],
      ['e1', '+@'],
      ['e1', '+'],
      ['e1', '+get|'],
      ['e1', '+config|'],
      ['e1', '+config|get|x'],
      ['e1', '+config|nosuch'],
      ['e1', '-config|nosuch'],
      ['e1', '+get|a|b'],
      ['e1', '-select|0'],
      ['e1', '#abc'],
      ['e1', '#34344E4D60C2B6D639B7BD22E18F2B0B91BC34BF0AC5F9952744435093CFB4E6'],
      ['e1', '!34344e4d60c2b6d639b7bd22e18f2b0b91bc34bf0ac5f9952744435093cfb4e6'],
      ['e1', '<notapassword'],
      ['e1', 'allkeys', '~b'],
      ['e1', 'allchannels', '&b'],
      ['e1', '~a b'],
      ['e1', '~a\x00b'],
      ['e1', '&a\tb'],
      ['e1', '%X~a'],
      ['e1', '%RR~a'],
      ['e1', '%~a'],
      ['e1', '%'],
      ['e1', '(~a', '+get'],
      ['e1', '((~a))'],
      ['e1', '(nopass)'],
      ['e1', '(allkeys ~a)'],
      ['e1', ')'],
      ['e1', 'on', '>x', 'bogus\r\nrule'],
      ['a b', 'on'],
      ['a\x00b', 'on'],
      ['a\tb'],
    ];
    for (const c of bad) await a.same('ACL', 'SETUSER', ...c);
    await a.same('ACL', 'GETUSER', 'e1');
    await a.same('ACL', 'USERS');
    await a.same('ACL', 'DELUSER', 'e1');
  });

  it('rule descriptions choose categories as Redis does', async () => {
    const cases: string[][] = [
      ['+@all', '-@string'],
      ['-@all', '+@string'],
      ['+@all', '-@keyspace'],
      ['-@all', '+@hash', '+@list'],
      ['+@all', '-client|kill'],
      ['-@all', '+acl', '+config', '-config|set'],
      ['-@all', '+object|encoding'],
      ['-@all', '+object|encoding', '+object'],
      ['+@all', '-object'],
      ['+@all', '-object|freq'],
      ['-@all', '+client|id', '+client|setname'],
      ['-@all', '+select|0'],
      ['+@all', '-select', '+select|0', '+select|3'],
      ['-@all', '+@hash', '-@write'],
      ['+@all', '-@list', '+lpush', '+lpop'],
      ['+@all', '-@admin', '+config|get'],
      ['+@all', '-get', '+get'],
      ['+@all', '-@geo', '+geopos'],
    ];
    for (const c of cases) {
      await a.same('ACL', 'SETUSER', 'd1', 'reset', ...c);
      await a.sameWords('ACL', 'GETUSER', 'd1');
      await a.sameWords('ACL', 'LIST');
    }
    await a.same('ACL', 'DELUSER', 'd1');
  });

  it('every category alone is described as itself', async () => {
    const [cats] = parseReply(await d.r.call('ACL', 'CAT'));
    expect(cats.t).toBe('array');
    for (const c of (cats as { v: Reply[] }).v) {
      const cat = (c as { v: Buffer }).v.latin1Slice();
      // Nodis has no command in some categories (streams, scripting, HyperLogLog).
      if (parseReply(await d.n.call('ACL', 'CAT', cat))[0].v!.length === 0) continue;
      await a.same('ACL', 'SETUSER', 'additive', 'reset', '+@all', `-@${cat}`);
      await a.same('ACL', 'GETUSER', 'additive');
      await a.same('ACL', 'SETUSER', 'restrictive', 'reset', '-@all', `+@${cat}`);
      await a.same('ACL', 'GETUSER', 'restrictive');
    }
    await a.same('ACL', 'DELUSER', 'additive', 'restrictive');
  });

  it('CAT lists the categories, and commands per category', async () => {
    await a.same('ACL', 'CAT');
    await a.same('ACL', 'CAT', 'nosuch');
    await a.same('ACL', 'CAT', 'READ', 'extra');
    // Redis knows commands Nodis does not implement: compare on the common ones.
    const [names] = parseReply(await d.n.call('COMMAND', 'LIST'));
    const nodisNames = new Set((names as { v: Reply[] }).v.map((x) => (x as { v: Buffer }).v.latin1Slice()));
    const [cats] = parseReply(await d.r.call('ACL', 'CAT'));
    for (const c of (cats as { v: Reply[] }).v) {
      const cat = (c as { v: Buffer }).v.latin1Slice();
      const [nr, rr] = await a.both('ACL', 'CAT', cat.toUpperCase());
      const list = (b: Buffer): string[] => (parseReply(b)[0] as { v: Reply[] }).v.map((x) => (x as { v: Buffer }).v.latin1Slice());
      const nodisList = list(nr).sort();
      const redisList = list(rr)
        .filter((x) => nodisNames.has(x) || nodisNames.has(x.split('|')[0]) && nodisNames.has(x))
        .sort();
      expect(nodisList, `ACL CAT ${cat}`).toEqual(redisList);
    }
  });

  it('DRYRUN', async () => {
    await a.same('ACL', 'SETUSER', 'dry', 'on', 'nopass', '+get', '+set', '+publish', '+subscribe', '~k*', '%R~r*', '&ch*');
    await a.same('ACL', 'DRYRUN', 'dry', 'get', 'k1');
    await a.same('ACL', 'DRYRUN', 'dry', 'get', 'r1');
    await a.same('ACL', 'DRYRUN', 'dry', 'set', 'r1', 'v');
    await a.same('ACL', 'DRYRUN', 'dry', 'set', 'x' + BIN, 'v');
    await a.same('ACL', 'DRYRUN', 'dry', 'del', 'k1');
    await a.same('ACL', 'DRYRUN', 'dry', 'publish', 'chan', 'm');
    await a.same('ACL', 'DRYRUN', 'dry', 'publish', 'other', 'm');
    await a.same('ACL', 'DRYRUN', 'dry', 'subscribe', 'ch1', 'nope');
    await a.same('ACL', 'DRYRUN', 'dry', 'get');
    await a.same('ACL', 'DRYRUN', 'dry', 'nosuchcmd', 'x');
    await a.same('ACL', 'DRYRUN', 'nobody', 'get', 'x');
    await a.same('ACL', 'DRYRUN', 'dry', 'config', 'get', 'x');
    await a.same('ACL', 'DRYRUN', 'dry', 'config', 'nosuch', 'x');
    await a.same('ACL', 'DRYRUN', 'dry', 'ping');
    await a.same('ACL', 'DRYRUN', 'dry', 'auth', 'x');
    await a.same('ACL', 'SETUSER', 'dry', '(+del ~d*)', '(+del ~e*)');
    await a.same('ACL', 'DRYRUN', 'dry', 'del', 'd1', 'e1');
    await a.same('ACL', 'DRYRUN', 'dry', 'del', 'd1', 'f1');
    await a.same('ACL', 'DRYRUN', 'dry', 'del', 'f1', 'e1');
    await a.same('ACL', 'DRYRUN', 'dry', 'mset', 'k1', 'v', 'r1', 'v');
    await a.same('ACL', 'DELUSER', 'dry');
  });

  it('NOPERM errors, AUTH and HELLO AUTH, transactions', async () => {
    const [n2, r2] = await d.connectBoth();
    const b = new Conn(n2, r2);
    await a.same('ACL', 'SETUSER', 'np', 'on', '>pw', '+get', '+set', '+multi', '+exec', '+publish', '+subscribe', '+psubscribe', '+client|id', '~k*', '&ch');
    await b.same('AUTH', 'np', 'wrong');
    await b.same('AUTH', 'nosuchuser', 'pw');
    await b.same('AUTH', 'pw');
    await b.same('AUTH', 'a', 'b', 'c');
    await b.same('AUTH', 'np', 'pw');
    await b.same('ACL', 'WHOAMI');
    await b.same('GET', 'k1');
    await b.same('GET', 'x');
    await b.same('INCR', 'k1');
    const [idn, idr] = await b.both('CLIENT', 'ID');
    expect([idn[0], idr[0]]).toEqual([0x3a, 0x3a]);
    await b.same('CLIENT', 'GETNAME');
    await b.same('CLIENT', 'KILL', 'ID', '1');
    await b.same('PUBLISH', 'ch', 'm');
    await b.same('PUBLISH', 'other', 'm');
    await b.same('PSUBSCRIBE', 'ch*');
    await b.same('MULTI');
    await b.same('SET', 'k1', 'v');
    await b.same('SET', 'x1', 'v');
    await b.same('EXEC');
    await b.same('MULTI');
    await b.same('SET', 'k1', 'v');
    await a.same('ACL', 'SETUSER', 'np', '-set');
    await b.same('EXEC');
    await a.same('ACL', 'SETUSER', 'np', '+set', '-exec');
    await b.same('MULTI');
    await b.same('EXEC');
    await b.hello('3', 'AUTH', 'np', 'wrong');
    await b.hello('2', 'AUTH', 'default', 'x', 'SETNAME', 'c1');
    await b.same('ACL', 'WHOAMI');
    b.close();
    await a.same('ACL', 'DELUSER', 'np');
  });

  it('requirepass moves onto the default user', async () => {
    const [n2, r2] = await d.connectBoth();
    const b = new Conn(n2, r2);
    await a.same('CONFIG', 'SET', 'requirepass', 'secret');
    await a.same('ACL', 'USERS');
    await a.same('ACL', 'GETUSER', 'default');
    const [n3, r3] = await d.connectBoth();
    const c = new Conn(n3, r3);
    await c.same('GET', 'x');
    await c.same('ACL', 'WHOAMI');
    await c.same('AUTH', 'wrong');
    await c.same('AUTH', 'secret');
    await c.same('ACL', 'WHOAMI');
    await b.same('PING');
    await a.same('CONFIG', 'SET', 'requirepass', '');
    await a.same('ACL', 'GETUSER', 'default');
    await a.same('AUTH', 'x');
    await a.same('CONFIG', 'GET', 'requirepass');
    b.close();
    c.close();
  });

  it('the ACL log records denials with their fields', async () => {
    await a.same('ACL', 'LOG', 'RESET');
    await a.same('ACL', 'SETUSER', 'lg', 'on', '>pw', '+get', '+multi', '+incr', '~k*', '&c');
    const [n2, r2] = await d.connectBoth();
    const b = new Conn(n2, r2);
    await b.same('AUTH', 'lg', 'pw');
    await b.same('SET', 'k', 'v');
    await b.same('SET', 'k', 'v');
    await b.same('GET', 'other');
    await b.same('MULTI');
    await b.same('SET', 'k', 'v');
    await b.same('INCR', 'k');
    await b.same('AUTH', 'lg', 'bad');
    await b.same('AUTH', 'default', 'bad');
    const log = async (...args: Arg[]): Promise<void> => {
      const [x, y] = await a.both(...args);
      // age-seconds differs by nature, and so do client-info's ids, addresses and allocations:
      // its other fields (the query buffer and arguments of the refused command among them) are compared.
      const CINFO = ['flags', 'db', 'multi', 'qbuf', 'qbuf-free', 'argv-mem', 'multi-mem', 'cmd', 'user', 'resp'];
      const cinfo = (s: string): string =>
        s
          .split(' ')
          .filter((kv) => CINFO.includes(kv.slice(0, kv.indexOf('='))))
          .join(' ');
      const strip = (buf: Buffer): string => {
        const [r] = parseReply(buf);
        if (r.t !== 'array' || r.v === null) return wordsSorted(r);
        return r.v
          .map((e) => {
            if (e.t !== 'array' || e.v === null) return wordsSorted(e);
            const fields = e.v.map((f) => (f.t === 'bulk' && f.v !== null ? f.v.latin1Slice() : wordsSorted(f)));
            const out: string[] = [];
            for (let i = 0; i < fields.length; i += 2) {
              if (fields[i] === 'age-seconds') out.push(fields[i]);
              else if (fields[i] === 'client-info') out.push(`client-info=${cinfo(fields[i + 1])}`);
              else out.push(`${fields[i]}=${fields[i + 1]}`);
            }
            return out.join(' ');
          })
          .join('\n');
      };
      expect(strip(x)).toBe(strip(y));
    };
    await log('ACL', 'LOG');
    await log('ACL', 'LOG', '2');
    await log('ACL', 'LOG', '0');
    await log('ACL', 'LOG', '-1');
    await a.same('ACL', 'LOG', 'x');
    await a.same('ACL', 'LOG', '1', '2');
    await a.hello('3');
    await log('ACL', 'LOG', '1');
    await a.hello('2');
    await a.same('CONFIG', 'SET', 'acllog-max-len', '2');
    await b.same('GET', 'other2');
    await log('ACL', 'LOG');
    await a.same('CONFIG', 'SET', 'acllog-max-len', '128');
    await a.same('ACL', 'LOG', 'RESET');
    await a.same('ACL', 'LOG');
    b.close();
    await a.same('ACL', 'DELUSER', 'lg');
  });

  it('GENPASS, HELP, LOAD/SAVE without an ACL file, DELUSER default, arity', async () => {
    const [x, y] = await a.both('ACL', 'GENPASS');
    expect(x.length).toBe(y.length);
    for (const bits of ['1', '4', '5', '255', '4096']) {
      const [p, q] = await a.both('ACL', 'GENPASS', bits);
      expect(p.length, bits).toBe(q.length);
    }
    await a.same('ACL', 'GENPASS', '0');
    await a.same('ACL', 'GENPASS', '4097');
    await a.same('ACL', 'GENPASS', '-236');
    await a.same('ACL', 'GENPASS', 'x');
    await a.same('ACL', 'GENPASS', '1', '2');
    await a.same('ACL', 'HELP');
    await a.same('ACL', 'HELP', 'x');
    await a.same('ACL', 'LOAD');
    await a.same('ACL', 'SAVE');
    await a.same('ACL', 'DELUSER', 'default');
    await a.same('ACL', 'DELUSER', 'nobody', 'default');
    await a.same('ACL');
    await a.same('ACL', 'nosuch');
    await a.same('ACL', 'WHOAMI', 'x');
    await a.same('ACL', 'SETUSER');
    await a.same('ACL', 'GETUSER');
    await a.same('ACL', 'DRYRUN', 'x');
  });
});
