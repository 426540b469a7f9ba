/**
 * pause_purpose: who holds a client pause. Each purpose keeps its own pause
 * (type and end); the one in force is the most restrictive of them
 * (NodisServer.pauseClients()).
 */
export const PAUSE_BY_CLIENT_COMMAND = 0;
/** A shutdown waiting for lagging replicas (commands/shutdown.ts). */
export const PAUSE_DURING_SHUTDOWN = 1;
export const PAUSE_DURING_FAILOVER = 2;
export type PausePurpose = typeof PAUSE_BY_CLIENT_COMMAND | typeof PAUSE_DURING_SHUTDOWN | typeof PAUSE_DURING_FAILOVER;
