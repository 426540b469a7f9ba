import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Config, parseNumeric, formatNumeric } from '../../src/server/config.js';
import { memtoullBig, formatMemory, repr, expandProcTitleTemplate, type NumericDef } from '../../src/server/config-defs.js';
import {
  ConfigFileError,
  ConfigOpenError,
  loadServerConfig,
  loadServerConfigFromString,
  rewriteConfigContent,
  globFiles,
} from '../../src/server/config-file.js';
import { parseCommandLine } from '../../src/server/cli.js';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodis-cfg-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text, 'latin1');
  return p;
}

function loadErr(text: string, cfg = new Config()): ConfigFileError {
  try {
    loadServerConfigFromString(cfg, text);
  } catch (e) {
    if (e instanceof ConfigFileError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('memtoull', () => {
  it('parses units like Redis, case-insensitively', () => {
    expect(memtoullBig('0')).toBe(0n);
    expect(memtoullBig('100')).toBe(100n);
    expect(memtoullBig('1b')).toBe(1n);
    expect(memtoullBig('1k')).toBe(1000n);
    expect(memtoullBig('1KB')).toBe(1024n);
    expect(memtoullBig('3m')).toBe(3000000n);
    expect(memtoullBig('3Mb')).toBe(3n * 1024n * 1024n);
    expect(memtoullBig('2g')).toBe(2000000000n);
    expect(memtoullBig('2gB')).toBe(2n * 1024n * 1024n * 1024n);
  });
  it('accepts empty digits, wraps on overflow, rejects signs, spaces and fractions', () => {
    expect(memtoullBig('')).toBe(0n);
    expect(memtoullBig('gb')).toBe(0n);
    expect(memtoullBig('18446744073709551615')).toBe(18446744073709551615n);
    expect(memtoullBig('18446744073709551616')).toBe(18446744073709551615n);
    expect(memtoullBig('20000000000gb')).toBe(3028092406290448384n);
    for (const bad of ['-1', '+1', ' 1', '1 ', '1.5gb', '10q', '1kbb', '0x10']) expect(memtoullBig(bad), bad).toBeNull();
  });
  it('formats memory for CONFIG REWRITE', () => {
    expect(formatMemory(0n)).toBe('0');
    expect(formatMemory(1024n)).toBe('1kb');
    expect(formatMemory(1536n)).toBe('1536');
    expect(formatMemory(64n * 1024n * 1024n)).toBe('64mb');
    expect(formatMemory(1024n ** 3n * 3n)).toBe('3gb');
    expect(formatMemory(18446744073709551615n)).toBe('-1');
  });
});

describe('numeric directives', () => {
  const cfg = new Config();
  const def = (name: string): NumericDef => cfg.def(name) as NumericDef;
  const err = (name: string, v: string): string => {
    try {
      parseNumeric(def(name), v);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };

  it('validates with Redis reasons', () => {
    expect(err('port', 'abc')).toBe("argument couldn't be parsed into an integer");
    expect(err('port', '007')).toBe("argument couldn't be parsed into an integer");
    expect(err('port', '65536')).toBe('argument must be between 0 and 65535 inclusive');
    expect(err('maxclients', '-1')).toBe('argument must be between 1 and 4294967295 inclusive');
    expect(err('maxmemory', '-1')).toBe('argument must be a memory value');
    expect(err('maxmemory-clients', '101%')).toBe('percentage argument must be less or equal to 100');
    expect(err('maxmemory-clients', 'x')).toBe('argument must be a memory or percent value');
    expect(err('unixsocketperm', '8')).toBe("argument couldn't be parsed as an octal number");
    expect(err('unixsocketperm', '1000')).toBe('argument must be between 0 and 777 inclusive');
    expect(err('proto-max-bulk-len', '18446744073709551615')).toBe(
      'argument must be between 1048576 and 9223372036854775807 inclusive',
    );
    expect(err('hash-max-listpack-entries', '-1')).toBe('argument must be between 0 and 9223372036854775807 inclusive');
  });

  it('formats as CONFIG GET does', () => {
    expect(formatNumeric(def('maxmemory-clients'), parseNumeric(def('maxmemory-clients'), '50%'))).toBe('50%');
    expect(formatNumeric(def('maxmemory-clients'), parseNumeric(def('maxmemory-clients'), '1kb'))).toBe('1024');
    // A memory value above LLONG_MAX reads as a negative number: a percentage.
    expect(formatNumeric(def('maxmemory-clients'), parseNumeric(def('maxmemory-clients'), '18446744073709551615'))).toBe('1%');
    expect(formatNumeric(def('maxmemory'), parseNumeric(def('maxmemory'), '18446744073709551615'))).toBe(
      '18446744073709551615',
    );
    expect(formatNumeric(def('unixsocketperm'), parseNumeric(def('unixsocketperm'), '0755'))).toBe('755');
    expect(formatNumeric(def('unixsocketperm'), parseNumeric(def('unixsocketperm'), ''))).toBe('0');
    expect(formatNumeric(def('list-max-listpack-size'), parseNumeric(def('list-max-listpack-size'), '-2147483648'))).toBe(
      '-2147483648',
    );
  });
});

describe('Config values', () => {
  it('has Redis defaults in CONFIG GET format', () => {
    const cfg = new Config();
    expect(cfg.format('save')).toBe('3600 1 300 100 60 10000');
    expect(cfg.format('client-output-buffer-limit')).toBe('normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
    expect(cfg.format('bind')).toBe('* -::*');
    expect(cfg.format('maxmemory')).toBe('0');
    expect(cfg.format('proto-max-bulk-len')).toBe('536870912');
    expect(cfg.format('appendonly')).toBe('no');
    expect(cfg.format('maxmemory-policy')).toBe('noeviction');
    expect(cfg.format('shutdown-on-sigint')).toBe('default');
    expect(cfg.format('latency-tracking-info-percentiles')).toBe('50 99 99.9');
    expect(cfg.format('oom-score-adj-values')).toBe('0 200 800');
    expect(cfg.format('unixsocketperm')).toBe('0');
    expect(cfg.format('slaveof')).toBe('');
    expect(path.isAbsolute(cfg.format('dir'))).toBe(true);
    expect(cfg.num('port')).toBe(6379);
    expect(cfg.bool('protected-mode')).toBe(true);
    expect(cfg.str('loglevel')).toBe('notice');
  });

  it('startup overrides: multi-argument values split on spaces, immutable allowed', () => {
    const cfg = new Config({ save: '900 1 300 10', bind: '127.0.0.1 ::1', databases: '4', daemonize: 'no' });
    expect(cfg.format('save')).toBe('900 1 300 10');
    expect(cfg.raw('bind')).toEqual(['127.0.0.1', '::1']);
    expect(cfg.num('databases')).toBe(4);
    expect(new Config({ save: '' }).format('save')).toBe('');
    expect(() => new Config({ nosuch: '1' })).toThrow(/Bad directive/);
  });

  it('hz is clamped to 1..500 as Redis does', () => {
    const cfg = new Config({ hz: '0' });
    expect(cfg.num('hz')).toBe(1);
    expect(cfg.setMany([['hz', '100000']])).toBeNull();
    expect(cfg.num('hz')).toBe(500);
  });

  it('multi-value enums and enum aliases', () => {
    const cfg = new Config();
    expect(cfg.setMany([['shutdown-on-sigterm', 'NOW save']])).toBeNull();
    expect(cfg.format('shutdown-on-sigterm')).toBe('save now');
    expect(cfg.setMany([['shutdown-on-sigterm', 'save nosave']])).toBe(
      "CONFIG SET failed (possibly related to argument 'shutdown-on-sigterm') - shutdown options SAVE and NOSAVE can't be used simultaneously",
    );
    expect(cfg.setMany([['oom-score-adj', 'relative']])).toBeNull();
    expect(cfg.format('oom-score-adj')).toBe('yes');
    expect(cfg.setMany([['loglevel', 'x']])).toBe(
      "CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning",
    );
  });

  it('notify-keyspace-events keeps its flags and prints them normalized', () => {
    const cfg = new Config();
    expect(cfg.setMany([['notify-keyspace-events', 'EKgx$lshzetd']])).toBeNull();
    expect(cfg.format('notify-keyspace-events')).toBe('AKE');
    expect(cfg.setMany([['notify-keyspace-events', 'An']])).toBeNull();
    expect(cfg.format('notify-keyspace-events')).toBe('A');
    expect((cfg.raw('notify-keyspace-events') as number) & (1 << 14)).not.toBe(0);
  });
});

describe('CONFIG SET semantics (setMany)', () => {
  it('is atomic: a bad value restores the values already set', () => {
    const cfg = new Config();
    const err = cfg.setMany([
      ['maxmemory', '10mb'],
      ['timeout', '5'],
      ['hz', 'x'],
    ]);
    expect(err).toBe("CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer");
    expect(cfg.format('maxmemory')).toBe('0');
    expect(cfg.format('timeout')).toBe('0');
  });

  it('runs apply functions once, and restores and re-applies on apply failure', () => {
    const cfg = new Config();
    const seen: string[] = [];
    let fail = true;
    cfg.registerApply('maxclients', () => {
      seen.push(cfg.format('maxclients'));
      if (fail) {
        fail = false;
        return 'cannot apply';
      }
      return null;
    });
    const warnings: string[] = [];
    const err = cfg.setMany(
      [
        ['timeout', '9'],
        ['maxclients', '5'],
      ],
      { warn: (m) => warnings.push(m) },
    );
    expect(err).toBe("CONFIG SET failed (possibly related to argument 'maxclients') - cannot apply");
    expect(seen).toEqual(['5', '10000']);
    expect(cfg.format('maxclients')).toBe('10000');
    expect(cfg.format('timeout')).toBe('0');
    expect(warnings[0]).toMatch(/Possibly related to new maxclients setting/);
    // Unchanged values do not run the apply function.
    seen.length = 0;
    expect(cfg.setMany([['maxclients', '10000']])).toBeNull();
    expect(seen).toEqual([]);
  });

  it('reports unknown names first, then immutable/protected/duplicates, with the name as typed', () => {
    const cfg = new Config();
    expect(cfg.setMany([['port', 'abc'], ['nosuch', '1']])).toBe("Unknown option or number of arguments for CONFIG SET - 'nosuch'");
    expect(cfg.setMany([['DAEMONIZE', 'yes']])).toBe("CONFIG SET failed (possibly related to argument 'DAEMONIZE') - can't set immutable config");
    expect(cfg.setMany([['dir', '/']])).toBe("CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
    expect(cfg.setMany([['dir', '/']], { allowProtected: true })).toBeNull();
    expect(cfg.setMany([['hz', '1'], ['HZ', '2']])).toBe("CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter");
    // An alias is a distinct entry, as in Redis.
    expect(cfg.setMany([['replica-priority', '1'], ['slave-priority', '2']])).toBeNull();
    expect(cfg.format('replica-priority')).toBe('2');
    expect(cfg.setMany([['SLAVE-PRIORITY', 'x']])).toBe(
      "CONFIG SET failed (possibly related to argument 'slave-priority') - argument couldn't be parsed into an integer",
    );
    expect(cfg.setMany([['appendonly', 'yes']], { loading: true })).toBe('-LOADING Redis is loading the dataset in memory');
  });

  it('splits multi-argument values on single spaces', () => {
    const cfg = new Config();
    expect(cfg.setMany([['save', '100 10  200 20']])).toBe(
      "CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters",
    );
    expect(cfg.setMany([['save', '100 10 200 20']])).toBeNull();
    expect(cfg.format('save')).toBe('100 10 200 20');
    expect(cfg.setMany([['client-output-buffer-limit', 'replica 1mb 2mb 3']])).toBeNull();
    expect(cfg.format('client-output-buffer-limit')).toBe('normal 0 0 0 slave 1048576 2097152 3 pubsub 33554432 8388608 60');
    expect(cfg.setMany([['bind', '']])).toBeNull();
    expect(cfg.raw('bind')).toEqual([]);
  });

  it('dir without chdir is resolved, checked, and kept absolute', () => {
    const cfg = new Config();
    expect(cfg.setMany([['dir', tmp]], { allowProtected: true })).toBeNull();
    expect(cfg.format('dir')).toBe(tmp);
    const f = write('plainfile', 'x');
    expect(cfg.setMany([['dir', f]], { allowProtected: true })).toBe(
      "CONFIG SET failed (possibly related to argument 'dir') - Not a directory",
    );
    expect(cfg.setMany([['dir', path.join(tmp, 'missing')]], { allowProtected: true })).toBe(
      "CONFIG SET failed (possibly related to argument 'dir') - No such file or directory",
    );
    expect(cfg.format('dir')).toBe(tmp);
  });

  it('string validators', () => {
    const cfg = new Config();
    expect(cfg.setMany([['cluster-announce-hostname', 'a_b']])).toMatch(/Hostnames may only contain alphanumeric/);
    expect(cfg.setMany([['proc-title-template', '{nope}']])).toMatch(/template format is invalid/);
    expect(cfg.setMany([['activedefrag', 'yes']])).toMatch(/Active defragmentation cannot be enabled/);
    // sds configs are binary (redis-server keeps "x\0y"); char* ones end at the NUL.
    expect(cfg.setMany([['requirepass', 'x\0y']])).toBeNull();
    expect(cfg.str('requirepass')).toBe('x\0y');
    expect(cfg.setMany([['ignore-warnings', 'a\0b']])).toBeNull();
    expect(cfg.str('ignore-warnings')).toBe('a');
  });

  it('proc-title-template expansion', () => {
    expect(expandProcTitleTemplate('{title} {{x {port}', { title: 't', port: '1' })).toBe('t {x 1');
    expect(expandProcTitleTemplate('{title', { title: 't' })).toBeNull();
    expect(expandProcTitleTemplate('{x}', { title: 't' })).toBeNull();
    expect(expandProcTitleTemplate('{', {})).toBeNull();
  });
});

describe('config file loading', () => {
  it('parses quoting, comments, case and multi-argument directives', () => {
    const cfg = new Config();
    loadServerConfigFromString(
      cfg,
      [
        '# comment',
        '   ',
        'PORT 7000',
        'requirepass "a b\\x41\\n"',
        "masterauth 'it\\'s'",
        'save 900 1',
        'save 300 10',
        'bind 127.0.0.1 -::1',
        'client-output-buffer-limit "pubsub 1mb 1mb 0"',
        'shutdown-on-sigint save now',
        'list-max-ziplist-entries 512',
        'notify-keyspace-events ""',
        '\tmaxmemory 1gb\r',
      ].join('\n'),
    );
    expect(cfg.num('port')).toBe(7000);
    expect(cfg.str('requirepass')).toBe('a bA\n');
    expect(cfg.str('masterauth')).toBe("it's");
    expect(cfg.format('save')).toBe('900 1 300 10');
    expect(cfg.format('bind')).toBe('127.0.0.1 -::1');
    expect(cfg.format('client-output-buffer-limit')).toMatch(/pubsub 1048576 1048576 0$/);
    expect(cfg.format('shutdown-on-sigint')).toBe('save now');
    expect(cfg.format('maxmemory')).toBe('1073741824');
  });

  it('save "" clears the save points; the first save line replaces the defaults', () => {
    const a = new Config();
    loadServerConfigFromString(a, 'save ""');
    expect(a.format('save')).toBe('');
    const b = new Config();
    loadServerConfigFromString(b, 'save 10 1\nsave ""\nsave 20 2');
    expect(b.format('save')).toBe('20 2');
    const c = new Config();
    loadServerConfigFromString(c, 'port 1');
    expect(c.format('save')).toBe('3600 1 300 100 60 10000');
  });

  it('reports errors like Redis, with the trimmed line and its number', () => {
    const e = loadErr('port 1\n\n  bogus x  \n');
    expect(e.report()).toBe(
      "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 3\n>>> 'bogus x'\nBad directive or wrong number of arguments\n",
    );
    expect(loadErr('port 1 2').reason).toBe('wrong number of arguments');
    expect(loadErr('port').reason).toBe('wrong number of arguments');
    expect(loadErr('port "1').reason).toBe('Unbalanced quotes in configuration line');
    expect(loadErr('maxmemory 1x').reason).toBe('argument must be a memory value');
    expect(loadErr('appendonly maybe').reason).toBe("argument must be 'yes' or 'no'");
    expect(loadErr('save 1').reason).toBe('Invalid save parameters');
    expect(loadErr('include').reason).toBe('Bad directive or wrong number of arguments');
    expect(loadErr('my.module.cfg').reason).toBe('Module config specified without value');
    expect(loadErr('sentinel monitor x').reason).toBe('sentinel directive while not in sentinel mode');
    expect(loadErr('notify-keyspace-events Q').reason).toBe("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    expect(loadErr('replicaof a 99999').reason).toBe('Invalid master port');
    expect(loadErr('oom-score-adj-values 1 2').reason).toBe('wrong number of arguments');
  });

  it('checks the log file after reading every line', () => {
    const e = loadErr(`logfile ${path.join(tmp, 'no', 'such', 'dir.log')}`);
    expect(e.lineNo).toBeNull();
    expect(e.report()).toBe(
      "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nCan't open the log file: No such file or directory\n",
    );
  });

  it('records file-only directives and checks rename-command', () => {
    const cfg = new Config();
    const names = new Set(['get', 'set', 'config']);
    loadServerConfigFromString(
      cfg,
      'rename-command get myget\nrename-command config ""\nuser alice on >pw ~* +@all\nloadmodule /x.so a b\nmod.opt 1 2\nsentinel\n',
      { commandNames: names },
    );
    expect(cfg.renameCommands).toEqual([
      ['get', 'myget'],
      ['config', ''],
    ]);
    expect(cfg.userDirectives).toEqual([['alice', 'on', '>pw', '~*', '+@all']]);
    expect(cfg.loadModules).toEqual([{ path: '/x.so', args: ['a', 'b'] }]);
    expect(cfg.moduleConfigs.get('mod.opt')).toBe('1 2');
    const c2 = new Config();
    expect(() => loadServerConfigFromString(c2, 'rename-command nosuch x', { commandNames: new Set(['get']) })).toThrow(
      'No such command in rename-command',
    );
    const c3 = new Config();
    expect(() => loadServerConfigFromString(c3, 'rename-command get set', { commandNames: new Set(['get', 'set']) })).toThrow(
      'Target command name already exists',
    );
  });

  it('include, with wildcards and relative error line numbers', () => {
    const dir = path.join(tmp, 'conf.d');
    fs.mkdirSync(dir, { recursive: true });
    write('conf.d/b.conf', 'timeout 20\n');
    write('conf.d/a.conf', 'timeout 10\nhz 7\n');
    write('conf.d/.hidden.conf', 'timeout 99\n');
    expect(globFiles(path.join(dir, '*.conf'))).toEqual([path.join(dir, 'a.conf'), path.join(dir, 'b.conf')]);
    const main = write('main.conf', `port 7001\ninclude ${path.join(dir, '*.conf')}\ninclude ${path.join(tmp, 'nomatch*')}\n`);
    const cfg = new Config();
    loadServerConfig(cfg, { file: main });
    expect(cfg.num('timeout')).toBe(20);
    expect(cfg.num('hz')).toBe(7);
    const bad = write('bad.conf', 'hz 1\nnope\n');
    const e = loadErr(`port 1\ninclude ${bad}`);
    expect(e.lineNo).toBe(2);
    expect(e.lineText).toBe('nope');
    expect(() => loadServerConfigFromString(new Config(), `include ${path.join(tmp, 'missing.conf')}`)).toThrow(ConfigOpenError);
  });

  it('files, stdin and options load as one text (options after "\\n")', () => {
    const f = write('x.conf', 'port 7002\nhz 3');
    const cfg = new Config();
    loadServerConfig(cfg, { file: f, stdin: '\nhz 4\n', options: 'port 7003' });
    expect(cfg.num('port')).toBe(7003);
    expect(cfg.num('hz')).toBe(4);
    const c2 = new Config();
    let err: ConfigFileError | null = null;
    try {
      loadServerConfig(c2, { file: f, options: 'port x' });
    } catch (e) {
      err = e as ConfigFileError;
    }
    expect(err?.lineNo).toBe(3);
  });
});

describe('command line (main() option parsing)', () => {
  it('turns flags into config lines', () => {
    expect(parseCommandLine([])).toEqual({ configFile: null, stdin: false, options: '' });
    expect(parseCommandLine(['--port', '7000', '--bind', '127.0.0.1']).options).toBe('port "7000" \nbind "127.0.0.1" ');
    expect(parseCommandLine(['--save', '900', '1', '--save', '300', '10']).options).toBe('save "900" "1" \nsave "300" "10" ');
    expect(parseCommandLine(['--save', '', '--appendonly', 'no']).options).toBe('save "" \nappendonly "no" ');
    expect(parseCommandLine(['--save', '--port', '1']).options).toBe('save ""\nport "1" ');
    expect(parseCommandLine(['--port', '1', '--save']).options).toBe('port "1" \nsave ""');
    expect(parseCommandLine(['--port 7000']).options).toBe('port 7000 ');
    expect(parseCommandLine(['--requirepass', '--odd', '--x']).options).toBe('requirepass "--odd" \nx ');
    expect(parseCommandLine(['--requirepass', 'a"b\xff']).options).toBe('requirepass "a\\"b\\xff" ');
  });

  it('config file and stdin positions', () => {
    expect(parseCommandLine(['redis.conf', '--port', '1'], '/etc')).toEqual({
      configFile: '/etc/redis.conf',
      stdin: false,
      options: 'port "1" ',
    });
    expect(parseCommandLine(['-']).stdin).toBe(true);
    expect(parseCommandLine(['a.conf', '--port', '1', '-'], '/').stdin).toBe(true);
    expect(parseCommandLine(['--port', '-', '--hz', '1']).options).toBe('port "-" \nhz "1" ');
    expect(parseCommandLine(['--port', '1', '-']).stdin).toBe(true);
  });

  it('options load exactly like redis-server (line 2 after the empty first line)', () => {
    const cfg = new Config();
    const cl = parseCommandLine(['--port', 'abc']);
    try {
      loadServerConfig(cfg, { options: cl.options });
      throw new Error('no error');
    } catch (e) {
      expect((e as ConfigFileError).report()).toBe(
        "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'port \"abc\"'\nargument couldn't be parsed into an integer\n",
      );
    }
    const ok = new Config();
    loadServerConfig(ok, { options: parseCommandLine(['--save', '900', '1', '--save', '300', '10', '--maxmemory', '1mb']).options });
    expect(ok.format('save')).toBe('900 1 300 10');
    expect(ok.format('maxmemory')).toBe('1048576');
  });
});

describe('CONFIG REWRITE content', () => {
  it('keeps comments and unknown lines, replaces in place, blanks orphans, appends after the signature', () => {
    const f = write(
      'rw.conf',
      '# top\nmaxmemory 100mb\n\n\nsave 900 1\nsave 300 10\nslave-priority 50\nrename-command get g\nlist-max-ziplist-entries 5\nhz 10\n',
    );
    const cfg = new Config();
    loadServerConfigFromString(cfg, fs.readFileSync(f, 'latin1'));
    expect(cfg.setMany([['maxmemory', '1gb'], ['save', '60 5'], ['requirepass', 'p"w'], ['slave-priority', '100']])).toBeNull();
    const out = rewriteConfigContent(cfg, f);
    expect(out).toBe(
      [
        '# top',
        'maxmemory 1gb',
        '',
        'save 60 5',
        '',
        'replica-priority 100',
        'rename-command get g',
        '# ??? list-max-ziplist-entries 5',
        'hz 10',
        '',
        '# Generated by CONFIG REWRITE',
        'requirepass "p\\"w"',
        `dir ${repr(process.cwd())}`,
        'latency-tracking-info-percentiles 50 99 99.9',
        '',
      ].join('\n'),
    );
    // Rewriting the result again finds the signature; like Redis, the file's
    // final newline becomes one trailing empty line, then it is stable.
    fs.writeFileSync(f, out);
    const again = rewriteConfigContent(cfg, f);
    expect(again).toBe(out + '\n');
    fs.writeFileSync(f, again);
    expect(rewriteConfigContent(cfg, f)).toBe(again);
  });

  it('writes save "" for no save points and starts a missing file', () => {
    const cfg = new Config({ save: '' });
    const out = rewriteConfigContent(cfg, path.join(tmp, 'does-not-exist.conf'));
    expect(out.split('\n')).toContain('save ""');
    expect(out.startsWith('# Generated by CONFIG REWRITE\n')).toBe(true);
  });
});

describe('redis.conf.example', () => {
  it('loads, and every directive it sets is at its default value', () => {
    const file = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../redis.conf.example');
    const cfg = new Config();
    loadServerConfig(cfg, { file });
    const defaults = new Config();
    const names = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /^[a-z]/.test(l))
      .map((l) => l.split(' ')[0]);
    expect(names.length).toBeGreaterThan(40);
    for (const name of new Set(names)) {
      if (name === 'dir') continue;
      expect(cfg.format(name), name).toBe(defaults.format(name));
    }
  });
});
