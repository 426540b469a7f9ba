/**
 * Shapes shared by the command table, the dispatcher and the command
 * families. Each family module exports a `CommandSpec[]`; table.ts joins
 * them into the one table everything else reads.
 */
import type { Client } from '../server/client.js';

/** Command flags, spelled as Redis reports them in COMMAND INFO. */
export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'module'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'asking'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'sentinel'
  | 'only_sentinel'
  | 'no_mandatory_keys'
  | 'protected'
  | 'no_async_loading'
  | 'no_multi'
  | 'movablekeys'
  | 'allow_busy';

/** An argument description for COMMAND DOCS (Redis's command JSON shape). */
export interface ArgSpec {
  name: string;
  type:
    | 'string'
    | 'integer'
    | 'double'
    | 'key'
    | 'pattern'
    | 'unix-time'
    | 'pure-token'
    | 'oneof'
    | 'block';
  token?: string;
  optional?: boolean;
  multiple?: boolean;
  multiple_token?: boolean;
  since?: string;
  display?: string;
  key_spec_index?: number;
  arguments?: ArgSpec[];
}

export type Handler = (c: Client, argv: string[]) => void;

export interface CommandSpec {
  /** Lower-case name; subcommands carry their own bare name ("get"). */
  name: string;
  /** Redis arity: counts the command name; negative means "at least". */
  arity: number;
  flags: CommandFlag[];
  /** Explicit ACL categories without '@' (implicit ones derive from flags). */
  acl?: string[];
  /** Legacy key range: first key index, last (negative from end), step. */
  firstKey: number;
  lastKey: number;
  step: number;
  /** For commands whose keys are not a fixed range (movablekeys). */
  getKeys?: (argv: string[]) => number[];
  /**
   * getCommandFlags(): flags that depend on the arguments (EVAL and FCALL
   * take write/denyoom/stale from the script's flags). Gets the static ones.
   */
  getFlags?: (flags: number, argv: string[], server: import('../server/server.js').NodisServer) => number;
  handler?: Handler;
  subcommands?: CommandSpec[];
  /**
   * COMMAND DOCS fields. Normally left out: COMMAND DOCS/INFO read the
   * reference data generated from redis-server 7.0.15 (reference.json).
   */
  summary?: string;
  since?: string;
  group?: string;
  complexity?: string;
  docFlags?: string[];
  deprecatedSince?: string;
  replacedBy?: string;
  history?: [string, string][];
  args?: ArgSpec[];
  /** Request/response policy tips (COMMAND INFO tips). */
  tips?: string[];
}

/**
 * The one error type handlers throw. `message` is Redis's exact text:
 * either with its own code (`-WRONGTYPE ...`) or without (then the reply is
 * prefixed with `-ERR `), exactly as addReplyError() takes it.
 */
export class RedisError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisError';
  }
}

/** Redis's shared error texts. */
export const Errors = {
  wrongType: '-WRONGTYPE Operation against a key holding the wrong kind of value',
  syntax: 'syntax error',
  notInteger: 'value is not an integer or out of range',
  notFloat: 'value is not a valid float',
  outOfRange: 'index out of range',
  noSuchKey: 'no such key',
  overflow: 'increment or decrement would overflow',
  noAuth: '-NOAUTH Authentication required.',
  bitOffset: 'bit offset is not an integer or out of range',
  stringTooLong: 'string exceeds maximum allowed size (proto-max-bulk-len)',
  sameObject: 'source and destination objects are the same',
  invalidDbIndex: 'DB index is out of range',
} as const;
