/**
 * The `nodis-server` command: the start-up sequence of redis-server's main()
 *
 *   nodis-server [/path/to/redis.conf] [--directive value ...] [-]
 *
 * Any directive can be given as a flag (`--port 7000 --save "" --bind
 * 127.0.0.1`, `--save 900 1 --save 300 10`); flags are turned into config
 * lines appended after the config file and stdin, exactly as redis-server
 * does, so the same quoting and error reports apply.
 *
 * commander only handles `-v/--version` and `-h/--help` (as the first
 * argument, like redis-server). Everything else goes through the
 * redis-server-compatible parser below: commander treats `--name value`
 * pairs as declared options and rejects unknown ones, while here any of the
 * ~190 directives (and module or future ones) may appear, take several
 * values (`--save 900 1`), or a value that itself starts with `--`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Command, CommanderError } from 'commander';
import { installOomScoreAdj } from './oom-score.js';
import { installCrashHandlers } from './crash.js';
import { Config } from './config.js';
import { ConfigFileError, ConfigOpenError, loadServerConfig, splitArgs, REDIS_COMPAT_VERSION } from './config-file.js';
import { bytePath, expandProcTitleTemplate, fsPath, procTitleVars, repr } from './config-defs.js';
import { createLogger, pinoLevel, type Logger } from './logger.js';
import { NodisServer, NODIS_VERSION } from './server.js';
import { allCommands } from '../commands/index.js';
import { CommandTable } from '../commands/table.js';
import { AclStartupError, userDirectiveValidator } from './acl.js';
import { shutdownOnSignal } from '../commands/shutdown.js';
import { TlsConfigureError, TlsListenError } from './tls.js';
import { loadDataFromDisk } from '../persistence/rdb-save.js';
import { aofStartup } from '../persistence/aof/index.js';

const PROG = 'nodis-server';
const DEFAULT_PID_FILE = '/var/run/nodis.pid';

export function versionLine(): string {
  return `Nodis server v=${NODIS_VERSION} redis_version=${REDIS_COMPAT_VERSION} node=${process.version} bits=64`;
}

export function usage(): string {
  return [
    `Usage: ${PROG} [/path/to/redis.conf] [options] [-]`,
    `       ${PROG} - (read config from stdin)`,
    `       ${PROG} -v or --version`,
    `       ${PROG} -h or --help`,
    '',
    'Examples:',
    `       ${PROG} (run the server with default conf)`,
    `       echo 'maxmemory 128mb' | ${PROG} -`,
    `       ${PROG} /etc/redis/6379.conf`,
    `       ${PROG} --port 7777`,
    `       ${PROG} --port 7777 --replicaof 127.0.0.1 8888`,
    `       ${PROG} /etc/myredis.conf --loglevel verbose -`,
    `       ${PROG} /etc/myredis.conf --loglevel verbose`,
    '',
    '',
  ].join('\n');
}

export interface CommandLine {
  /** Absolute path of the config file (first argument not starting with '-'). */
  configFile: string | null;
  /** `-` as the first or last argument: read config from stdin. */
  stdin: boolean;
  /** The flags as config lines ("port 7000\nsave \"\""). */
  options: string;
}

/**
 * main()'s option parsing: `argv` are the arguments after the program name.
 * Each `--name` starts a config line; following arguments are its values,
 * quoted with sdscatrepr(); `--name value` in one argument is a whole line.
 */
export function parseCommandLine(argv: string[], cwd = bytePath(process.cwd())): CommandLine {
  const argc = argv.length + 1; // as in C, counting the program name
  const arg = (j: number): string => argv[j - 1];
  let j = 1;
  let options = '';
  let configFile: string | null = null;
  let stdin = false;
  if (argc >= 2 && arg(1)[0] !== '-') {
    configFile = path.resolve(cwd, arg(1));
    j = 2;
  }
  let handledLastConfigArg = true;
  for (; j < argc; j++) {
    const a = arg(j);
    if (a === '-' && (j === 1 || j === argc - 1)) {
      stdin = true;
    } else if (handledLastConfigArg && a.startsWith('--')) {
      if (options.length) options += '\n';
      options += a.slice(2) + ' ';
      const parts = splitArgs(a) ?? [];
      if (parts.length === 1) {
        handledLastConfigArg = false;
        const next = j !== argc - 1 ? arg(j + 1) : null;
        const isSave = a.toLowerCase() === '--save';
        const isSentinel = a.toLowerCase() === '--sentinel';
        if (next !== null && next.startsWith('--') && isSave) {
          // `--save --other value`: an empty save, as before Redis 7.0.1.
          options += '""';
          handledLastConfigArg = true;
        } else if (next === null && isSave) {
          options += '""';
        } else if (next !== null && next.startsWith('--') && isSentinel) {
          handledLastConfigArg = true;
        }
      } else {
        handledLastConfigArg = true;
      }
    } else {
      options += repr(a) + ' ';
      handledLastConfigArg = true;
    }
  }
  return { configFile, stdin, options };
}

/** `-v`/`--version` and `-h`/`--help` through commander; returns the exit code. */
function handleInfoFlag(flag: string): number {
  const program = new Command(PROG)
    .version(versionLine(), '-v, --version')
    .helpOption('-h, --help')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => (s.startsWith('Usage:') ? process.stderr : process.stdout).write(s),
      writeErr: (s) => process.stderr.write(s),
    });
  program.helpInformation = () => usage();
  try {
    program.parse([flag], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.code === 'commander.version' ? 0 : 1;
    throw e;
  }
  return 1;
}

function flushAndExit(logger: Logger | null, code: number): never {
  const done = (): never => process.exit(code);
  if (logger) {
    try {
      logger.flush();
    } catch {
      /* ignore */
    }
  }
  return done();
}

/** Run the server as redis-server does; `argv` excludes "node" and the script. */
export async function main(args: string[] = process.argv.slice(2)): Promise<void> {
  // Node decodes the argument bytes as UTF-8; values are byte strings here.
  const argv = args.map(bytePath);
  if (argv.length >= 1 && ['-v', '--version', '-h', '--help'].includes(argv[0])) {
    process.exitCode = handleInfoFlag(argv[0]);
    return;
  }
  if (argv.includes('--sentinel')) {
    process.stderr.write('Sentinel mode is not supported by Nodis.\n');
    process.exit(1);
  }

  const early = createLogger({ loglevel: 'notice', logfile: '' });
  const cfg = new Config();
  cfg.chdir = true;
  const daemonChild = process.env.NODIS_DAEMONIZED === '1';

  if (argv.length >= 1) {
    const cl = parseCommandLine(argv);
    cfg.configFile = cl.configFile;
    try {
      const stdinText = cl.stdin ? readStdin() : null;
      loadServerConfig(
        cfg,
        { file: cl.configFile, stdin: stdinText, options: cl.options },
        {
          commandNames: new Set(allCommands.map((s) => s.name)),
          warn: (m) => early.warn(m),
          validateUser: userDirectiveValidator(cfg, () => new CommandTable(allCommands)),
        },
      );
    } catch (e) {
      if (e instanceof ConfigFileError) {
        process.stderr.write(e.report());
        flushAndExit(early, 1);
      }
      if (e instanceof ConfigOpenError) {
        early.warn(e.message);
        flushAndExit(early, 1);
      }
      throw e;
    }
  }

  // Background mode: redis-server forks; Node re-runs itself detached.
  const supervised = cfg.enumValue('supervised') !== 0;
  const background = cfg.bool('daemonize') && !supervised;
  if (background && !daemonChild) {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, NODIS_DAEMONIZED: '1' },
    });
    child.unref();
    flushAndExit(early, 0);
  }

  const logfile = cfg.str('logfile');
  const logger =
    logfile === '' && daemonChild
      ? createLogger({ loglevel: 'warning', logfile: '/dev/null' })
      : createLogger({ loglevel: cfg.str('loglevel'), logfile: fsPath(logfile) });
  logger.warn('oO0OoO0OoO0Oo Nodis is starting oO0OoO0OoO0Oo');
  logger.warn(
    `Nodis version=${NODIS_VERSION}, redis_version=${REDIS_COMPAT_VERSION}, bits=64, node=${process.version}, pid=${process.pid}, just started`,
  );
  if (argv.length === 0) {
    logger.warn(
      `Warning: no config file specified, using the default config. In order to specify a config file use ${PROG} /path/to/redis.conf`,
    );
  } else {
    logger.warn('Configuration loaded');
  }

  const unsupported = unsupportedSetting(cfg);
  if (unsupported !== null) {
    logger.warn(unsupported);
    flushAndExit(logger, 1);
  }

  let server: NodisServer;
  try {
    server = new NodisServer({ configInstance: cfg, logger });
  } catch (e) {
    if (!(e instanceof AclStartupError)) throw e;
    logger.warn(e.message);
    return flushAndExit(logger, 1);
  }
  cfg.onChange((name) => {
    if (name === 'loglevel') logger.level = pinoLevel(cfg.str('loglevel'));
  });
  server.exitProcess = (code) => flushAndExit(logger, code);

  if (background || cfg.str('pidfile') !== '') {
    if (cfg.str('pidfile') === '') cfg.set('pidfile', DEFAULT_PID_FILE, true);
    const pidfile = cfg.str('pidfile');
    try {
      fs.writeFileSync(fsPath(pidfile), `${process.pid}\n`);
    } catch {
      /* best effort, as Redis */
    }
    server.hooks.shutdown.push(() => {
      logger.info('Removing the pid file.');
      try {
        fs.unlinkSync(fsPath(pidfile));
      } catch {
        /* already gone */
      }
    });
  }
  if (cfg.bool('set-proc-title')) {
    setProcTitle(cfg);
    cfg.registerApply('proc-title-template', () => {
      setProcTitle(cfg);
      return null;
    });
  }

  const port = cfg.num('port');
  const tlsPort = cfg.num('tls-port');
  logger.info(`Running mode=standalone, port=${port || tlsPort}.`);
  logger.warn('Server initialized');
  try {
    await server.listen();
  } catch (e) {
    // TLS configuration errors were logged in detail by tlsConfigure().
    if (e instanceof TlsConfigureError) {
      logger.warn(e.message);
      flushAndExit(logger, 1);
    }
    logger.warn(`Warning: ${(e as Error).message}`);
    if (e instanceof TlsListenError) logger.warn(`Failed listening on port ${tlsPort} (TLS), aborting.`);
    else logger.warn(`Failed listening on port ${port} (TCP), aborting.`);
    flushAndExit(logger, 1);
  }
  // Redis's logo (always-show-logo yes) carries " PID: <pid>" once the
  // listeners are bound; test harnesses wait for that line.
  if (cfg.bool('always-show-logo')) {
    logger.info(`Nodis ${NODIS_VERSION} (Redis ${REDIS_COMPAT_VERSION} compatible) 64 bit, standalone mode, Port: ${port || tlsPort} PID: ${process.pid}`);
  }
  // Signals during the load schedule a shutdown, as in Redis.
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      const code = shutdownOnSignal(server, sig);
      if (code !== null) flushAndExit(logger, code);
    });
  }
  // loadDataFromDisk(): clients that connect meanwhile get LOADING.
  // The RDB file or the AOF: decided once, before the load (server.aof_state).
  const appendonly = cfg.bool('appendonly');
  if (!(await loadDataFromDisk(server, appendonly))) flushAndExit(logger, 1);
  if (!(await aofStartup(server, appendonly))) flushAndExit(logger, 1);
  // A signal during the load shut the server down: the start-up ends there.
  if (server.isClosed()) return;
  installOomScoreAdj(server);
  installCrashHandlers(server);
  if (port !== 0 || tlsPort !== 0) logger.info('Ready to accept connections');
  const unix = cfg.str('unixsocket');
  if (unix !== '') logger.info(`The server is now ready to accept connections at ${unix}`);

  const maxmemory = cfg.big('maxmemory');
  if (maxmemory > 0n && maxmemory < 1024n * 1024n) {
    logger.warn(
      `WARNING: You specified a maxmemory value that is less than 1MB (current value is ${maxmemory} bytes). Are you sure this is what you really want?`,
    );
  }
  server.memory.warnAboutHeapLimit(true);
}

/** Settings Nodis cannot honour: refuse to start rather than pretend. */
function unsupportedSetting(cfg: Config): string | null {
  if (cfg.loadModules.length > 0) return `Can't load module from ${cfg.loadModules[0].path}: server aborting`;
  if (cfg.moduleConfigs.size > 0) {
    return 'Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting';
  }
  if (cfg.bool('cluster-enabled')) return 'Cluster mode is not supported by Nodis, aborting.';
  const noTcp = (cfg.num('port') === 0 && cfg.num('tls-port') === 0) || (cfg.raw('bind') as string[]).length === 0;
  if (noTcp && cfg.str('unixsocket') === '') {
    return 'Configured to not listen anywhere, exiting.';
  }
  return null;
}

function readStdin(): string {
  try {
    return fs.readFileSync(0, 'latin1');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return '';
    throw e;
  }
}

function setProcTitle(cfg: Config): void {
  // {title}: the program as it was run, Redis's exec_argv[0] (ps shows
  // `/usr/bin/redis-server *:6379`); here the script node runs.
  const title = expandProcTitleTemplate(cfg.str('proc-title-template'), procTitleVars(cfg, process.argv[1] ?? PROG));
  if (title !== null && title !== '') {
    try {
      process.title = title;
    } catch {
      /* not supported on this platform */
    }
  }
}
