// In-process command driver for the scale benchmarks: one NodisServer and one
// client, commands fed as pre-encoded pipelined batches through the whole
// command path (parse -> dispatch -> reply), timed as µs per command.
import { NodisServer } from '../dist/server/server.js';
import { silentLogger } from '../dist/server/logger.js';

/** Commands per pipelined batch. */
const P = 50;

export function inprocServer() {
  const server = new NodisServer({ logger: silentLogger(), config: { save: '' } });
  const c = server.createClient(null);
  let sink = 0;

  const enc = (args) => {
    let s = `*${args.length}\r\n`;
    for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
    return s;
  };

  /** Pre-encoded batches of the commands make(0) .. make(n - 1). */
  const batches = (make, n) => {
    const out = [];
    for (let i = 0; i < n; i += P) {
      let s = '';
      for (let j = i; j < Math.min(n, i + P); j++) s += enc(make(j));
      out.push(Buffer.from(s, 'latin1'));
    }
    return out;
  };

  const run = (bufs) => {
    for (const b of bufs) {
      c.parser.feed(b);
      server.processInputBuffer(c);
      sink += c.takeOutput().length;
    }
  };

  /** µs per command of running `bufs` (n commands). */
  const timed = (bufs, n) => {
    const t0 = process.hrtime.bigint();
    run(bufs);
    return Number(process.hrtime.bigint() - t0) / 1e3 / n;
  };

  return { server, batches, run, timed, sink: () => sink };
}

/**
 * Print `rows` as a table: `columns` are [title, field, decimals], each
 * value right-aligned under its title.
 */
export function printTable(columns, rows) {
  console.log(columns.map(([title]) => title).join('   '));
  for (const r of rows) {
    console.log(columns.map(([title, field, digits]) => r[field].toFixed(digits).padStart(title.length)).join('   '));
  }
}
