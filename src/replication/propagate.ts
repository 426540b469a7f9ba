/**
 * Effects propagated to replicas only (PROPAGATE_REPL without
 * PROPAGATE_AOF): PUBLISH reaches the replicas' subscribers but has no
 * place in the AOF. The mark travels with the argv array through the
 * dispatcher's propagation buffers; the AOF skips marked commands.
 */

/** An argv carrying the replication-only mark. */
type Marked = string[] & { replicationOnly?: true };

/** forceCommandPropagation(c, PROPAGATE_REPL): `argv` goes to the replicas, not the AOF. */
export function replicationOnly(argv: readonly string[]): string[] {
  const a = argv.slice() as Marked;
  a.replicationOnly = true;
  return a;
}

export function isReplicationOnly(argv: readonly string[]): boolean {
  return (argv as Marked).replicationOnly === true;
}
