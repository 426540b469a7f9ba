/**
 * Logging with pino. Redis's levels map onto pino's: debug -> trace,
 * verbose -> debug, notice -> info, warning -> warn. Output goes to
 * `logfile` when set, otherwise stdout; pretty-printed when stdout is a
 * terminal, JSON lines otherwise.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

const LEVELS: Record<string, pino.Level> = {
  debug: 'trace',
  verbose: 'debug',
  notice: 'info',
  warning: 'warn',
};

export function pinoLevel(redisLevel: string): pino.Level {
  return LEVELS[redisLevel] ?? 'info';
}

export interface LoggerOptions {
  loglevel: string;
  logfile: string;
}

export function createLogger(opts: LoggerOptions): Logger {
  const level = pinoLevel(opts.loglevel);
  const base = { pid: process.pid };
  if (opts.logfile !== '') {
    return pino({ level, base }, pino.destination({ dest: opts.logfile, sync: true, mkdir: true }));
  }
  if (process.stdout.isTTY) {
    return pino({
      level,
      base,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:dd mmm yyyy HH:MM:ss.l', ignore: 'hostname' },
      },
    });
  }
  // Synchronous like Redis's log writes: an async write still in flight when
  // a fatal error exits the process would land after the lines flushed at exit.
  return pino({ level, base }, pino.destination({ dest: 1, sync: true }));
}

/** A logger that drops everything (embedding and tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
