/** A pino logger whose messages (at `level` and above) are collected in `lines`. */
import pino from 'pino';

export function capturingLogger(lines: string[], level: pino.Level = 'warn'): pino.Logger {
  return pino({ level }, { write: (s: string) => void lines.push((JSON.parse(s) as { msg: string }).msg) });
}
