/**
 * bin/nodis-check-rdb: redis-check-rdb for the files Nodis (or Redis)
 * writes. Prints the report of checkRdb() and exits 0 when the file loads,
 * 1 when it does not (or cannot be read).
 */
import fs from 'node:fs';
import { NODIS_VERSION } from '../../server/server.js';
import { checkRdb } from './check.js';

export function checkRdbMain(
  args: string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  err: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): number {
  if (args.length !== 1) {
    err('Usage: nodis-check-rdb <rdb-file-name>');
    return 1;
  }
  if (args[0] === '-v' || args[0] === '--version') {
    out(`nodis-check-rdb ${NODIS_VERSION}`);
    return 0;
  }
  let buf: Buffer;
  try {
    buf = fs.readFileSync(args[0]);
  } catch {
    // redis_check_rdb(): a file that does not open fails without more words.
    out(`[offset 0] Checking RDB file ${args[0]}`);
    return 1;
  }
  const report = checkRdb(buf, args[0]);
  for (const line of report.lines) out(line);
  return report.ok ? 0 : 1;
}
