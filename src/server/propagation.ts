/**
 * Propagation targets (server.h PROPAGATE_AOF / PROPAGATE_REPL): where a
 * write's effect goes. A script's redis.set_repl() narrows them for the
 * commands it runs; everything else goes to both.
 */
export const PROPAGATE_AOF = 1;
export const PROPAGATE_REPL = 2;
export const PROPAGATE_ALL = PROPAGATE_AOF | PROPAGATE_REPL;

/** An effect waiting to be propagated: db, argv, targets. */
export type PropagatedOp = [dbid: number, argv: string[], target: number];
