/**
 * Bug reports, as debug.c writes them when redis-server crashes: a START
 * line, what happened (a signal, a panic, a failed assertion), the stack
 * trace, INFO, CLIENT LIST and the client being served, then an END line;
 * the process then dies the way the crash asks (by the signal, abort(), or
 * exit(1) with `use-exit-on-panic yes`). `crash-log-enabled no` keeps the
 * report to its first lines.
 *
 * bin/nodis-server reports uncaught exceptions (a Nodis bug: the
 * dispatcher already turns a command's exception into an ERR reply) and a
 * SIGABRT sent to it. Listeners for SIGSEGV, SIGBUS, SIGFPE and SIGILL are
 * not installed: for a real fault Node could not run them, and the process
 * would hang instead of dying.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { NodisServer } from './server.js';
import { NODIS_VERSION } from './server.js';
import { genInfoString } from './info.js';
import { clientInfoString, listedClients } from '../commands/client.js';
import { fsPath } from './config-defs.js';

/** bugReportStart() ... bugReportEnd()'s text: `head` says what happened. */
export function bugReport(server: NodisServer, head: string[], stack?: string): void {
  const log = (line: string): void => server.logger.warn(line);
  log('=== NODIS BUG REPORT START: Cut & paste starting from here ===');
  for (const line of head) log(line);
  if (server.config.bool('crash-log-enabled')) {
    if (stack !== undefined) {
      log('------ STACK TRACE ------');
      for (const line of stack.split('\n')) log(line);
    }
    // printCrashReport(): each part on its own, so one that fails leaves the others.
    section(log, 'INFO OUTPUT', () => genInfoString(server, ['all']).split('\r\n'));
    section(log, 'CLIENT LIST OUTPUT', () => listedClients(server).map(clientInfoString));
    const c = server.currentClient;
    if (c !== null) {
      section(log, 'CURRENT CLIENT INFO', () => [`client: ${clientInfoString(c)}`, ...c.argv.map((a, i) => `argv[${i}]: '${a}'`)]);
    }
  }
  log('=== NODIS BUG REPORT END. Make sure to include from START to END. ===');
  log('       Please report the crash to the Nodis maintainers, with this report.');
}

function section(log: (line: string) => void, title: string, lines: () => string[]): void {
  log(`------ ${title} ------`);
  try {
    for (const line of lines()) if (line !== '') log(line);
  } catch (e) {
    log(`(failed: ${(e as Error).message})`);
  }
}

/** sigsegvHandler()'s head: the signal (raised with kill(), so si_code is SI_USER). */
export function signalHead(sig: NodeJS.Signals): string[] {
  return [`Nodis ${NODIS_VERSION} crashed by signal: ${os.constants.signals[sig]}, si_code: 0`];
}

/** _serverPanic()'s head. */
export function panicHead(msg: string, where: string): string[] {
  return [
    '------------------------------------------------',
    '!!! Software Failure. Press left mouse button to continue',
    `Guru Meditation: ${msg} #${where}`,
  ];
}

/** _serverAssert()'s head. */
export function assertHead(expr: string, where: string): string[] {
  return ['=== ASSERTION FAILED ===', `==> ${where} '${expr}' is not true`];
}

/** Where an exception was thrown: the first frame of its stack, as "file:line". */
export function thrownAt(err: Error): string {
  const frame = /\n\s+at .*?\(?([^\s()]+):(\d+):\d+\)?$/m.exec(err.stack ?? '');
  return frame === null ? 'unknown' : `${frame[1].replace(/^file:\/\//, '')}:${frame[2]}`;
}

/**
 * bugReportEnd(): remove the pidfile of a daemonized server, then die by
 * `sig` (its default action, so a core is dumped where enabled), or for a
 * panic or an assertion by abort(), or exit(1) with use-exit-on-panic.
 */
export function crashExit(server: NodisServer, sig?: NodeJS.Signals): never {
  const cfg = server.config;
  if (cfg.bool('daemonize') && cfg.str('pidfile') !== '') {
    try {
      fs.unlinkSync(fsPath(cfg.str('pidfile')));
    } catch {
      /* already gone */
    }
  }
  try {
    server.logger.flush();
  } catch {
    /* nothing more can be done */
  }
  const raise = sig ?? (cfg.bool('use-exit-on-panic') ? null : 'SIGABRT');
  if (raise === null) process.exit(1);
  process.removeAllListeners(raise);
  if (raise === 'SIGABRT') process.abort();
  process.kill(process.pid, raise);
  // The signal may reach another thread first: wait for it rather than run on.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5000);
  process.exit(128 + os.constants.signals[raise]);
}

/** bin/nodis-server: report uncaught exceptions and SIGABRT, then die. */
export function installCrashHandlers(server: NodisServer): void {
  const onBug = (e: unknown): void => {
    const err = e instanceof Error ? e : new Error(String(e));
    bugReport(server, panicHead(`Uncaught ${err.name}: ${err.message}`, thrownAt(err)), err.stack);
    crashExit(server);
  };
  process.on('uncaughtException', onBug);
  process.on('unhandledRejection', onBug);
  process.on('SIGABRT', () => {
    bugReport(server, signalHead('SIGABRT'));
    crashExit(server, 'SIGABRT');
  });
}
