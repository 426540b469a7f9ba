/** Server-wide counters behind INFO stats / errorstats. */
export class Stats {
  numCommands = 0;
  /**
   * total_forks and latest_fork_usec: the copy-on-write snapshots that
   * BGSAVE, BGREWRITEAOF and full synchronizations start from, Nodis's
   * counterpart of their fork(), and how long the last one took to take.
   */
  totalForks = 0;
  latestForkUsec = 0;
  numConnections = 0;
  rejectedConn = 0;
  expiredKeys = 0;
  expiredStalePerc = 0;
  expiredTimeCapReachedCount = 0;
  /** Microseconds spent in the active expire cycle (INFO expire_cycle_cpu_milliseconds). */
  expireCycleTimeUsed = 0;
  evictedKeys = 0;
  /** Clients freed by client eviction (maxmemory-clients). */
  evictedClients = 0;
  /** Values released through the lazy-free path (INFO lazyfreed_objects). */
  lazyfreedObjects = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  totalErrorReplies = 0;
  unexpectedErrorReplies = 0;
  totalReadsProcessed = 0;
  totalWritesProcessed = 0;
  clientQbufLimitDisconnections = 0;
  clientOutbufLimitDisconnections = 0;
  /** Payloads deep-checked by RESTORE or a load with sanitize-dump-payload (INFO dump_payload_sanitizations). */
  dumpPayloadSanitizations = 0;
  /** Replication: full and partial syncs served (INFO sync_full, sync_partial_ok, sync_partial_err). */
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  /** Bytes of the replication stream and RDB transfers (INFO total_net_repl_input/output_bytes). */
  netReplInputBytes = 0;
  netReplOutputBytes = 0;
  /** Error code -> count (INFO errorstats), first seen order. */
  readonly errors = new Map<string, number>();

  /** afterErrorReply(): count the error under its code ("ERR", "WRONGTYPE"...). */
  recordError(text: string): void {
    this.totalErrorReplies++;
    let code = 'ERR';
    if (text.charCodeAt(0) === 45) {
      const sp = text.indexOf(' ');
      if (sp !== -1 && sp < 32) code = text.slice(1, sp);
    }
    // Redis stops tracking new error codes past 128 distinct ones.
    const n = this.errors.get(code);
    if (n !== undefined) this.errors.set(code, n + 1);
    else if (this.errors.size < 128) this.errors.set(code, 1);
  }

  reset(): void {
    const fresh = new Stats();
    Object.assign(this, fresh);
    this.errors.clear();
  }
}
