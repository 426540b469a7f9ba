/** SLOWLOG entries (slowlog.c). */
import type { Client } from './client.js';

const SLOWLOG_ENTRY_MAX_ARGC = 32;
const SLOWLOG_ENTRY_MAX_STRING = 128;

export interface SlowlogEntry {
  id: number;
  time: number; // unix seconds
  duration: number; // microseconds
  argv: string[];
  peerId: string;
  clientName: string;
}

export class Slowlog {
  entries: SlowlogEntry[] = []; // newest first
  maxLen = 128;
  private nextId = 0;

  push(c: Client, argv: string[], duration: number, nowMs: number): void {
    const slargc = Math.min(argv.length, SLOWLOG_ENTRY_MAX_ARGC);
    const args: string[] = [];
    for (let j = 0; j < slargc; j++) {
      if (slargc !== argv.length && j === slargc - 1) {
        args.push(`... (${argv.length - slargc + 1} more arguments)`);
      } else {
        const a = argv[j];
        args.push(
          a.length > SLOWLOG_ENTRY_MAX_STRING
            ? a.slice(0, SLOWLOG_ENTRY_MAX_STRING) + `... (${a.length - SLOWLOG_ENTRY_MAX_STRING} more bytes)`
            : a,
        );
      }
    }
    this.entries.unshift({
      id: this.nextId++,
      time: Math.floor(nowMs / 1000),
      duration,
      argv: args,
      peerId: c.addr,
      clientName: c.name,
    });
    this.trim();
  }

  trim(): void {
    if (this.entries.length > this.maxLen) this.entries.length = this.maxLen;
  }

  reset(): void {
    this.entries = [];
  }
}
