/**
 * Client side caching (tracking.c): the table of keys clients may hold in
 * their local caches, the prefix table of BCAST clients, and the
 * invalidation messages sent when such keys change.
 *
 * - Default mode: keys read by a tracking client's readonly commands are
 *   remembered (key -> client ids); when one is modified every client in
 *   its entry gets an invalidation and the entry is dropped.
 * - BCAST mode: no per-key memory; modified keys are collected per
 *   registered prefix and broadcast once per event-loop turn.
 * - Invalidations go to the client itself as a RESP3 push
 *   (`>2 invalidate [keys]`), or to the REDIRECT client: RESP3 push, or a
 *   `__redis__:invalidate` Pub/Sub message when it is a RESP2 subscriber.
 * - A flush sends a null "all keys" invalidation to every tracking client.
 *
 * Messages about keys a client changes itself during its own command are
 * held until the command's reply is complete (server.tracking_pending_keys).
 */
import {
  CLIENT_MULTI,
  CLIENT_PUBSUB,
  CLIENT_TRACKING,
  type Client,
} from './client.js';
import type { NodisServer } from './server.js';
import { perServer } from './per-server.js';
import type { Command } from '../commands/table.js';
import { CMD_PUBSUB } from '../commands/table.js';
import { RedisError, Errors } from '../commands/types.js';
import { eqi, getLongLong } from '../commands/args.js';
import { addInfoHook, setInfoField } from './info.js';

/** Per-client tracking state (the CLIENT_TRACKING_* flags and friends). */
export interface ClientTracking {
  /** client_tracking_redirection: 0 when not redirecting. */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  /** CLIENT CACHING yes/no was given for the next command. */
  caching: boolean;
  noloop: boolean;
  brokenRedir: boolean;
  /** client_tracking_prefixes (BCAST mode only). */
  prefixes: Set<string> | null;
}

/** bcastState: keys modified this turn (key -> last modifier), subscribed clients. */
interface BcastState {
  keys: Map<string, Client | null>;
  clients: Set<Client>;
}

const CHANNEL = '__redis__:invalidate';

function bulk(s: string): string {
  return '$' + s.length + '\r\n' + s + '\r\n';
}

/** The RESP null of `resp` (shared.null[resp]). */
function nullProto(resp: number): string {
  return resp === 2 ? '$-1\r\n' : '_\r\n';
}

/** The client's tracking state, or undefined when tracking is off. */
export function trackingState(c: Client): ClientTracking | undefined {
  return c.ext.tracking as ClientTracking | undefined;
}

/**
 * Order of client ids in a rax keyed by the id's in-memory (little-endian)
 * bytes: the order Redis walks the clients of a tracked key.
 */
export function compareIdsLE(a: number, b: number): number {
  let x = a;
  let y = b;
  for (let i = 0; i < 8; i++) {
    const da = x % 256;
    const db = y % 256;
    if (da !== db) return da - db;
    x = Math.floor(x / 256);
    y = Math.floor(y / 256);
  }
  return 0;
}

/** Byte-wise order of latin1 strings (rax key order). */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** stringCheckPrefix(): one of the two is a prefix of the other. */
export function prefixesOverlap(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  return a.slice(0, n) === b.slice(0, n);
}

/** printf("%s"): the text up to the first NUL byte. */
function cStr(s: string): string {
  const i = s.indexOf('\0');
  return i === -1 ? s : s.slice(0, i);
}

/**
 * checkPrefixCollisionsOrReply(): null when no prefix overlaps another or
 * one the client already has; otherwise the error text and whether Redis
 * goes on enabling tracking anyway (it does when the overlap is among the
 * given prefixes past the first one: the function returns the index).
 */
export function checkPrefixCollisions(
  existing: Iterable<string>,
  prefixes: string[],
): { error: string; proceed: boolean } | null {
  const have = [...existing].sort(compareBytes);
  for (let i = 0; i < prefixes.length; i++) {
    for (const p of have) {
      if (prefixesOverlap(p, prefixes[i])) {
        return {
          error: `Prefix '${cStr(prefixes[i])}' overlaps with an existing prefix '${cStr(p)}'. Prefixes for a single client must not overlap.`,
          proceed: false,
        };
      }
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (prefixesOverlap(prefixes[i], prefixes[j])) {
        return {
          error: `Prefix '${cStr(prefixes[i])}' overlaps with another provided prefix '${cStr(prefixes[j])}'. Prefixes for a single client must not overlap.`,
          proceed: i !== 0,
        };
      }
    }
  }
  return null;
}

/** The tracking table, prefix table and pending invalidations of one server. */
export class Tracking {
  /** TrackingTable: key -> ids of the clients that may cache it. */
  readonly table = new Map<string, Set<number>>();
  /** TrackingTableTotalItems. */
  totalItems = 0;
  /** PrefixTable (BCAST). */
  readonly prefixes = new Map<string, BcastState>();
  /** server.tracking_clients. */
  clients = 0;
  /** server.tracking_pending_keys: [target, key or null for a flush]. */
  private pending: [Client, string | null][] = [];
  /** Client whose command is being checked (processCommand's current_client). */
  private checking: Client | null = null;
  private limitTimeoutCounter = 0;
  /** `tracking-table-max-keys` (0: no limit), refreshed on CONFIG SET. */
  maxKeys = 1000000;
  private broadcastScheduled = false;

  constructor(readonly server: NodisServer) {}

  // ---- enabling / disabling ---------------------------------------------------

  /** enableTracking(). */
  enable(c: Client, redirect: number, opts: { bcast: boolean; optin: boolean; optout: boolean; noloop: boolean }, prefixes: string[]): void {
    let st = trackingState(c);
    if (st === undefined) {
      this.clients++;
      st = {
        redirect: 0,
        bcast: false,
        optin: false,
        optout: false,
        caching: false,
        noloop: false,
        brokenRedir: false,
        prefixes: null,
      };
      c.ext.tracking = st;
    }
    c.flags |= CLIENT_TRACKING;
    st.brokenRedir = false;
    st.redirect = redirect;
    st.bcast = opts.bcast;
    if (opts.bcast) {
      if (prefixes.length === 0) this.enableBcastPrefix(c, st, '');
      for (const p of prefixes) this.enableBcastPrefix(c, st, p);
    }
    st.optin = opts.optin;
    st.optout = opts.optout;
    st.noloop = opts.noloop;
  }

  /** enableBcastTrackingForPrefix(). */
  private enableBcastPrefix(c: Client, st: ClientTracking, prefix: string): void {
    let bs = this.prefixes.get(prefix);
    if (bs === undefined) {
      bs = { keys: new Map(), clients: new Set() };
      this.prefixes.set(prefix, bs);
    }
    if (!bs.clients.has(c)) {
      bs.clients.add(c);
      if (st.prefixes === null) st.prefixes = new Set();
      st.prefixes.add(prefix);
    }
  }

  /** disableTracking(): ids left in the table are dropped lazily. */
  disable(c: Client): void {
    const st = trackingState(c);
    if (st === undefined) return;
    if (st.bcast && st.prefixes !== null) {
      for (const p of st.prefixes) {
        const bs = this.prefixes.get(p);
        if (bs === undefined) continue;
        bs.clients.delete(c);
        if (bs.clients.size === 0) this.prefixes.delete(p);
      }
      st.prefixes = null;
    }
    if (c.flags & CLIENT_TRACKING) {
      this.clients--;
      c.flags &= ~CLIENT_TRACKING;
      c.ext.tracking = undefined;
    }
  }

  // ---- remembering keys ---------------------------------------------------------

  /** trackingRememberKeys(): after a readonly command of a non-BCAST tracking client. */
  rememberKeys(c: Client, cmd: Command, argv: string[]): void {
    // Shard channels are keys for cluster routing only.
    if (cmd.flags & CMD_PUBSUB) return;
    const positions = cmd.getKeys(argv);
    if (positions.length === 0) return;
    const keys: string[] = new Array(positions.length);
    for (let j = 0; j < positions.length; j++) keys[j] = argv[positions[j]];
    this.rememberKeyList(c, keys);
  }

  /** Track `keys` for `c` (a script's declared keys, or a command's). */
  rememberKeyList(c: Client, keys: string[]): void {
    const st = trackingState(c);
    if (st === undefined || st.bcast) return;
    if ((st.optin && !st.caching) || (st.optout && st.caching)) return;
    for (const key of keys) {
      let ids = this.table.get(key);
      if (ids === undefined) {
        ids = new Set();
        this.table.set(key, ids);
      }
      if (!ids.has(c.id)) {
        ids.add(c.id);
        this.totalItems++;
      }
    }
  }

  // ---- sending ------------------------------------------------------------------

  /**
   * sendTrackingMessage(): `payload` is a key name, or (proto) ready RESP
   * for the value part (an array of keys, or a null for a flush).
   */
  sendMessage(c: Client, payload: string, proto: boolean): void {
    const st = trackingState(c);
    let target = c;
    let redirected = false;
    if (st !== undefined && st.redirect !== 0) {
      const redir = this.server.clients.get(st.redirect);
      if (redir === undefined) {
        st.brokenRedir = true;
        if (c.resp > 2) c.addReplyPush('>2\r\n' + bulk('tracking-redir-broken') + ':' + st.redirect + '\r\n');
        return;
      }
      target = redir;
      redirected = true;
    }
    let head: string;
    if (target.resp > 2) {
      head = '>2\r\n$10\r\ninvalidate\r\n';
    } else if (redirected && target.flags & CLIENT_PUBSUB) {
      head = '*3\r\n$7\r\nmessage\r\n' + bulk(CHANNEL);
    } else {
      // RESP2 without redirection: no way to push in the same connection.
      return;
    }
    target.addReplyPush(head + (proto ? payload : '*1\r\n' + bulk(payload)));
  }

  /** The client running a command, as server.current_client. */
  private current(modifier: Client | null): Client | null {
    // Inside a script the client is the one that ran it (server.current_client).
    const cur = this.server.currentClient;
    const real = cur === null ? null : ((cur.ext.scriptCaller as Client | undefined) ?? cur);
    return this.checking ?? real ?? modifier;
  }

  /**
   * trackingInvalidateKey(): `c` modified `key` (null: expiry, eviction).
   * `bcast` also schedules it for the BCAST clients of matching prefixes.
   */
  invalidateKey(c: Client | null, key: string, bcast: boolean): void {
    if (bcast && this.prefixes.size > 0) this.rememberKeyToBroadcast(c, key);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    const current = this.current(c);
    // Inside a command (or while serving a blocked client) a message for
    // the running client waits until its reply is complete.
    const inCommand = this.server.currentClient !== null || c !== null;
    const list = ids.size > 1 ? [...ids].sort(compareIdsLE) : ids;
    for (const id of list) {
      const target = this.server.clients.get(id);
      if (target === undefined || (target.flags & CLIENT_TRACKING) === 0) continue;
      const st = trackingState(target)!;
      if (st.bcast) continue;
      if (st.noloop && target === current) continue;
      if (target === current && inCommand) this.pending.push([target, key]);
      else this.sendMessage(target, key, false);
    }
    this.totalItems -= ids.size;
    this.table.delete(key);
  }

  /** trackingHandlePendingKeyInvalidations(): after the top-level command. */
  handlePending(): void {
    if (this.pending.length === 0) return;
    const list = this.pending;
    this.pending = [];
    for (const [c, key] of list) {
      if (!this.server.clients.has(c.id)) continue;
      if (key !== null) this.sendMessage(c, key, false);
      else this.sendMessage(c, nullProto(c.resp), true);
    }
  }

  /** trackingInvalidateKeysOnFlush(): a null invalidation to every tracking client. */
  invalidateOnFlush(): void {
    if (this.clients > 0) {
      const current = this.server.currentClient;
      for (const c of this.server.clients.values()) {
        if ((c.flags & CLIENT_TRACKING) === 0) continue;
        if (c === current) this.pending.push([c, null]);
        else this.sendMessage(c, nullProto(c.resp), true);
      }
    }
    this.table.clear();
    this.totalItems = 0;
  }

  /**
   * trackingLimitUsedSlots(): over `tracking-table-max-keys`, drop keys
   * (oldest first) with an invalidation, with an effort that grows while
   * the table stays over the limit.
   */
  limitUsedSlots(checking: Client | null = null): void {
    const max = this.maxKeys;
    if (max === 0) return;
    if (this.table.size <= max) {
      this.limitTimeoutCounter = 0;
      return;
    }
    const prev = this.checking;
    this.checking = checking;
    try {
      let effort = 100 * (this.limitTimeoutCounter + 1);
      while (effort > 0) {
        effort--;
        const first = this.table.keys().next();
        if (first.done) break;
        this.invalidateKey(null, first.value, false);
        if (this.table.size <= max) {
          this.limitTimeoutCounter = 0;
          return;
        }
      }
      this.limitTimeoutCounter++;
    } finally {
      this.checking = prev;
    }
  }

  // ---- BCAST ----------------------------------------------------------------------

  /** trackingRememberKeyToBroadcast(). */
  private rememberKeyToBroadcast(c: Client | null, key: string): void {
    for (const [prefix, bs] of this.prefixes) {
      if (prefix.length > key.length) continue;
      if (prefix.length !== 0 && !key.startsWith(prefix)) continue;
      bs.keys.set(key, c);
    }
    if (!this.broadcastScheduled) {
      // beforeSleep(): once the current batch of input is processed.
      this.broadcastScheduled = true;
      setImmediate(() => {
        this.broadcastScheduled = false;
        this.broadcast();
        this.server.flushPendingWrites();
      });
    }
  }

  /** trackingBuildBroadcastReply(): null when every key was changed by `c` (NOLOOP). */
  private buildBroadcastReply(c: Client | null, keys: [string, Client | null][]): string | null {
    let count = 0;
    for (const [, by] of keys) if (c === null || by !== c) count++;
    if (count === 0 && c !== null) return null;
    let proto = '*' + count + '\r\n';
    for (const [k, by] of keys) {
      if (c !== null && by === c) continue;
      proto += bulk(k);
    }
    return proto;
  }

  /** trackingBroadcastInvalidationMessages(): per prefix, in prefix order. */
  broadcast(): void {
    if (this.clients === 0) return;
    const prefixes = [...this.prefixes.keys()].sort(compareBytes);
    for (const p of prefixes) {
      const bs = this.prefixes.get(p)!;
      if (bs.keys.size > 0) {
        const keys = [...bs.keys].sort((a, b) => compareBytes(a[0], b[0]));
        const proto = this.buildBroadcastReply(null, keys)!;
        for (const c of bs.clients) {
          if (trackingState(c)?.noloop) {
            const adhoc = this.buildBroadcastReply(c, keys);
            if (adhoc !== null) this.sendMessage(c, adhoc, true);
          } else {
            this.sendMessage(c, proto, true);
          }
        }
      }
      bs.keys = new Map();
    }
  }

  // ---- dispatcher seams -------------------------------------------------------------

  /** Before a command runs or is queued (processCommand()). */
  beforeCommand(c: Client): void {
    if (this.clients > 0) this.limitUsedSlots(c);
  }

  /**
   * resetClient(): CLIENT CACHING only lasts for the next command (or the
   * next transaction); then messages held for a served blocked client go out.
   */
  commandProcessed(c: Client): void {
    const st = trackingState(c);
    if (st !== undefined && st.caching && (c.flags & CLIENT_MULTI) === 0 && c.lastCmd?.parent?.name !== 'client') {
      st.caching = false;
    }
    this.handlePending();
  }
}

const registries = perServer(
  (server) => new Tracking(server),
  (tr, server) => {
    server.tracking = tr;
    const readMaxKeys = (): void => {
      tr.maxKeys = server.config.num('tracking-table-max-keys');
    };
    readMaxKeys();
    server.config.onChange(readMaxKeys);
    // With no key remembered and no BCAST prefix, a modified key has nothing to invalidate.
    server.hooks.keyModified.push((_db, key, c) => {
      if (tr.table.size > 0 || tr.prefixes.size > 0) tr.invalidateKey(c, key, true);
    });
    server.hooks.dbFlushed.push(() => {
      // SWAPDB signals its dbs as flushed for WATCH: no invalidation (as Redis 7.0).
      if (server.currentClient?.cmd?.name === 'swapdb') return;
      tr.invalidateOnFlush();
    });
    server.hooks.clientFreed.push((c) => tr.disable(c));
    server.hooks.clientReset.push((c) => tr.disable(c));
    server.hooks.cron.push(() => {
      if (tr.clients > 0) tr.limitUsedSlots();
    });
    addInfoHook(server, 'stats', (fields) => {
      setInfoField(fields, 'tracking_total_keys', tr.table.size);
      setInfoField(fields, 'tracking_total_items', tr.totalItems);
      setInfoField(fields, 'tracking_total_prefixes', tr.prefixes.size);
    });
  },
);

/** The server's tracking tables, installed (hooks, INFO) on first use. */
export function trackingOf(server: NodisServer): Tracking {
  return registries.get(server);
}

/** The tables if tracking was ever enabled on `server`. */
export function existingTracking(server: NodisServer): Tracking | undefined {
  return registries.peek(server);
}

// ---- CLIENT subcommands -------------------------------------------------------------

/** CLIENT TRACKING (on|off) [REDIRECT id] [BCAST] [PREFIX p]... [OPTIN] [OPTOUT] [NOLOOP]. */
export function clientTrackingCommand(c: Client, argv: string[]): void {
  let redir = 0;
  const opts = { bcast: false, optin: false, optout: false, noloop: false };
  const prefixes: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const a = argv[j];
    if (eqi(a, 'redirect') && more) {
      j++;
      if (redir !== 0) throw new RedisError('A client can only redirect to a single other client');
      redir = getLongLong(argv[j]);
      if (!c.server.clients.has(redir)) throw new RedisError('The client ID you want redirect to does not exist');
    } else if (eqi(a, 'bcast')) {
      opts.bcast = true;
    } else if (eqi(a, 'optin')) {
      opts.optin = true;
    } else if (eqi(a, 'optout')) {
      opts.optout = true;
    } else if (eqi(a, 'noloop')) {
      opts.noloop = true;
    } else if (eqi(a, 'prefix') && more) {
      j++;
      prefixes.push(argv[j]);
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  if (eqi(argv[2], 'on')) {
    if (!opts.bcast && prefixes.length > 0) throw new RedisError('PREFIX option requires BCAST mode to be enabled');
    const st = c.flags & CLIENT_TRACKING ? trackingState(c) : undefined;
    if (st !== undefined && st.bcast !== opts.bcast) {
      throw new RedisError(
        "You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
    }
    if (opts.bcast && (opts.optin || opts.optout)) throw new RedisError('OPTIN and OPTOUT are not compatible with BCAST');
    if (opts.optin && opts.optout) throw new RedisError("You can't specify both OPTIN mode and OPTOUT mode");
    if ((opts.optin && st?.optout) || (opts.optout && st?.optin)) {
      throw new RedisError(
        "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
    }
    if (opts.bcast) {
      const clash = checkPrefixCollisions(trackingState(c)?.prefixes ?? [], prefixes);
      if (clash !== null) {
        // Redis replies with the error and, for an overlap found past the
        // first given prefix, still enables tracking and adds its +OK.
        c.addReplyError(clash.error);
        if (!clash.proceed) return;
      }
    }
    trackingOf(c.server).enable(c, redir, opts, prefixes);
  } else if (eqi(argv[2], 'off')) {
    existingTracking(c.server)?.disable(c);
  } else {
    throw new RedisError(Errors.syntax);
  }
  c.addReplyOK();
}

/** CLIENT CACHING (YES|NO). */
export function clientCachingCommand(c: Client, argv: string[]): void {
  const st = c.flags & CLIENT_TRACKING ? trackingState(c) : undefined;
  if (st === undefined) {
    throw new RedisError('CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  }
  const opt = argv[2];
  if (eqi(opt, 'yes')) {
    if (!st.optin) throw new RedisError('CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (eqi(opt, 'no')) {
    if (!st.optout) throw new RedisError('CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else {
    throw new RedisError(Errors.syntax);
  }
  st.caching = true;
  c.addReplyOK();
}

/** The redirection CLIENT GETREDIR and CLIENT LIST report (-1 when not tracking). */
export function trackingRedirection(c: Client): number {
  const st = c.flags & CLIENT_TRACKING ? trackingState(c) : undefined;
  return st === undefined ? -1 : st.redirect;
}

/** CLIENT GETREDIR. */
export function clientGetredirCommand(c: Client): void {
  c.addReplyLongLong(trackingRedirection(c));
}

/** The tracking letters of CLIENT LIST flags ('t', 'R', 'B'). */
export function trackingFlagChars(c: Client): string {
  const st = c.flags & CLIENT_TRACKING ? trackingState(c) : undefined;
  if (st === undefined) return '';
  return 't' + (st.brokenRedir ? 'R' : '') + (st.bcast ? 'B' : '');
}

/** CLIENT TRACKINGINFO: a map of flags (a set), redirect and prefixes. */
export function clientTrackinginfoCommand(c: Client): void {
  const st = c.flags & CLIENT_TRACKING ? trackingState(c) : undefined;
  c.addReplyMapLen(3);
  c.addReplyBulk('flags');
  const flags = [st !== undefined ? 'on' : 'off'];
  if (st !== undefined) {
    if (st.bcast) flags.push('bcast');
    if (st.optin) {
      flags.push('optin');
      if (st.caching) flags.push('caching-yes');
    }
    if (st.optout) {
      flags.push('optout');
      if (st.caching) flags.push('caching-no');
    }
    if (st.noloop) flags.push('noloop');
    if (st.brokenRedir) flags.push('broken_redirect');
  }
  c.addReplySetLen(flags.length);
  for (const f of flags) c.addReplyBulk(f);
  c.addReplyBulk('redirect');
  c.addReplyLongLong(st !== undefined ? st.redirect : -1);
  c.addReplyBulk('prefixes');
  const prefixes = st?.prefixes ? [...st.prefixes].sort(compareBytes) : [];
  c.addReplyArrayLen(prefixes.length);
  for (const p of prefixes) c.addReplyBulk(p);
}
