/**
 * oom-score-adj (server.c setOOMScoreAdj()): the process's
 * /proc/self/oom_score_adj follows oom-score-adj-values for its class,
 * primary or replica, relative to the score the process had before
 * Nodis first changed it, or absolute. Turning the setting off restores
 * that score. Only the nodis-server process does this (bin/nodis-server);
 * an embedded server leaves its host process alone. Nodis has no fork
 * child, so the third value (background child) is kept but never used.
 */
import fs from 'node:fs';
import type { NodisServer } from './server.js';

const OOM_FILE = '/proc/self/oom_score_adj';
const OOM_NO = 0;
const OOM_RELATIVE = 1;
const CLASS_PRIMARY = 0;
const CLASS_REPLICA = 1;

export class OomScoreAdj {
  /** oom_score_adjusted_by_redis and oom_score_adj_base. */
  private adjusted = false;
  private base = 0;

  constructor(
    private readonly server: NodisServer,
    private readonly file = OOM_FILE,
  ) {}

  /** setOOMScoreAdj(-1): true on success; a failure is logged. */
  apply(): boolean {
    const cfg = this.server.config;
    const mode = cfg.raw('oom-score-adj') as number;
    let val: number;
    if (mode !== OOM_NO) {
      if (!this.adjusted) {
        try {
          this.base = parseInt(fs.readFileSync(this.file, 'latin1'), 10) || 0;
        } catch (e) {
          this.server.logger.warn(`Unable to read oom_score_adj: ${(e as Error).message}`);
          return false;
        }
        this.adjusted = true;
      }
      const values = cfg.raw('oom-score-adj-values') as number[];
      val = values[this.server.isReplica() ? CLASS_REPLICA : CLASS_PRIMARY];
      if (mode === OOM_RELATIVE) val += this.base;
      val = Math.max(-1000, Math.min(1000, val));
    } else if (this.adjusted) {
      this.adjusted = false;
      val = this.base;
    } else {
      return true;
    }
    try {
      fs.writeFileSync(this.file, `${val}\n`);
    } catch (e) {
      this.server.logger.warn(`Unable to write oom_score_adj: ${(e as Error).message}`);
      return false;
    }
    return true;
  }
}

/**
 * Apply at start-up, after each CONFIG SET of the two settings (a failure
 * rolls the CONFIG SET back, as updateOOMScoreAdj()), and when the server
 * becomes a replica or a primary.
 */
export function installOomScoreAdj(server: NodisServer, file = OOM_FILE): OomScoreAdj {
  const oom = new OomScoreAdj(server, file);
  const update = (): string | null => (oom.apply() ? null : 'Failed to set current oom_score_adj. Check server logs.');
  server.config.registerApply('oom-score-adj', update);
  server.config.registerApply('oom-score-adj-values', update);
  server.hooks.roleChanged.push(() => oom.apply());
  oom.apply();
  return oom;
}
