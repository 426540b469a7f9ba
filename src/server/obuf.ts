/**
 * Client output buffer limits (`client-output-buffer-limit`), as
 * networking.c enforces them: getClientOutputBufferMemoryUsage(),
 * checkClientOutputBufferLimits(), closeClientOnOutputBufferLimitReached(),
 * plus the output side of clientsCron() (limit checks while no traffic
 * flows, client_recent_max_output_buffer).
 *
 * A client's pending output is what Nodis queued and did not hand to the
 * socket yet (the ReplyWriter buffer) plus what the socket holds and the
 * kernel did not accept (`socket.writableLength`, plus `c.directPending`
 * for a reply written past the stream): Node sockets buffer
 * without bound, so that second part plays the role of Redis's reply list.
 * The check runs where Redis's runs: as a reply grows (every
 * OUTPUT_CHECK_BYTES of it, see ReplyWriter.onOutputGrowth), after a write
 * left bytes in the socket, and from the cron.
 */
import { CLIENT_CLOSE_ASAP, type Client } from './client.js';
import { inputFigures } from './client-eviction.js';
import { jemallocSize, sdsZmallocSize } from './querybuf.js';
import type { NodisServer } from './server.js';
import type { ObufLimit } from './config-defs.js';
import { CLIENT_TYPE_MASTER, CLIENT_TYPE_NORMAL, CLIENT_TYPE_SLAVE, clientInfoString, getClientType } from '../commands/client.js';

/** One class's limits in bytes (0 = no limit) and seconds. */
interface Limit {
  hard: number;
  soft: number;
  seconds: number;
}

/** Slots of clients_peak_mem_usage tracking (one per second, as Redis's 8). */
const PEAK_SLOTS = 8;

/**
 * A client that does not read its replies and has no hard limit stops being
 * read from once this much output waits in its socket (and is read again
 * when the socket drains), so a pipeline of commands cannot make the server
 * hold unbounded replies on its behalf.
 */
export const READ_PAUSE_BYTES = 64 * 1024 * 1024;

interface ObufState {
  /** normal, slave, pubsub (CLIENT_TYPE_* order). */
  limits: Limit[];
  /** `repl-backlog-size`: the floor of a replica's hard limit. */
  backlogSize: number;
  peakOutput: number[];
  peakInput: number[];
}

const states = new WeakMap<NodisServer, ObufState>();

function readLimits(server: NodisServer, st: ObufState): void {
  const v = server.config.raw('client-output-buffer-limit') as ObufLimit[];
  st.limits = v.map((l) => ({ hard: Number(l.hard), soft: Number(l.soft), seconds: l.seconds }));
  st.backlogSize = server.config.def('repl-backlog-size') ? Number(server.config.raw('repl-backlog-size')) : 0;
}

/** Hook the limits into the server: config changes and the cron. */
export function installOutputBufferLimits(server: NodisServer): void {
  if (states.has(server)) return;
  const st: ObufState = { limits: [], backlogSize: 0, peakOutput: new Array(PEAK_SLOTS).fill(0), peakInput: new Array(PEAK_SLOTS).fill(0) };
  readLimits(server, st);
  states.set(server, st);
  server.config.onChange((name) => {
    if (name === 'client-output-buffer-limit' || name === 'repl-backlog-size') readLimits(server, st);
  });
  server.hooks.cron.push(() => outputBufferCron(server, st));
}

/**
 * getClientOutputBufferMemoryUsage(): bytes of output the client has not
 * read yet and the server still holds.
 */
export function getClientOutputBufferMemoryUsage(c: Client): number {
  // A replica: its range of the shared replication buffer (what its socket
  // holds is at most a high-water mark of it, or RDB payload).
  const so = c.streamOut;
  if (so !== null) return so.memory() + c.pendingOutputBytes();
  const sock = c.socket;
  return c.pendingOutputBytes() + (sock !== null ? sock.writableLength + c.directPending : 0);
}

/**
 * CLIENT LIST's obl / oll / omem: the bytes still in Nodis's own reply
 * buffer (Redis's static buffer), then the chunks and bytes queued in the
 * socket (Redis's reply list).
 */
export function clientOutputFigures(c: Client): { obl: number; oll: number; omem: number } {
  const sock = c.socket;
  const obl = c.pendingOutputBytes();
  const so = c.streamOut;
  if (so !== null) return { obl, oll: so.blocks(), omem: so.memory() };
  if (sock === null || sock.writableLength + c.directPending === 0) return { obl, oll: 0, omem: 0 };
  const ws = (sock as unknown as { _writableState?: { bufferedRequestCount?: number; writing?: boolean } })._writableState;
  let oll = 1;
  if (ws !== undefined && typeof ws.bufferedRequestCount === 'number') {
    oll = ws.bufferedRequestCount + (ws.writing === true ? 1 : 0) + (c.directPending > 0 ? 1 : 0);
    if (oll === 0) oll = 1;
  }
  return { obl, oll, omem: sock.writableLength + c.directPending };
}

/**
 * checkClientOutputBufferLimits(): true when the client is over its class's
 * hard limit, or has been over the soft limit for longer than its seconds.
 * Records when the soft limit was first seen reached as a side effect.
 */
export function checkClientOutputBufferLimits(c: Client): boolean {
  const st = states.get(c.server);
  if (st === undefined) return false;
  const used = getClientOutputBufferMemoryUsage(c);
  let cls = getClientType(c);
  // Masters are limited as normal clients.
  if (cls === CLIENT_TYPE_MASTER) cls = CLIENT_TYPE_NORMAL;
  const lim = st.limits[cls];
  let hardLimit = lim.hard;
  // A replica's hard limit below the backlog size would break partial resyncs.
  if (cls === CLIENT_TYPE_SLAVE && hardLimit !== 0 && hardLimit < st.backlogSize) hardLimit = st.backlogSize;
  const hard = hardLimit !== 0 && used >= hardLimit;
  let soft = lim.soft !== 0 && used >= lim.soft;
  if (soft) {
    const now = Math.floor(c.server.clock.now() / 1000);
    if (c.obufSoftLimitReachedTime === 0) {
      c.obufSoftLimitReachedTime = now;
      soft = false;
    } else if (now - c.obufSoftLimitReachedTime <= lim.seconds) {
      soft = false;
    }
  } else {
    c.obufSoftLimitReachedTime = 0;
  }
  return soft || hard;
}

/**
 * closeClientOnOutputBufferLimitReached(): close a client over its limits.
 * With `async` (while replies are being added) the client is flagged
 * CLIENT_CLOSE_ASAP, its socket is destroyed and its buffers dropped, and
 * it is freed once the socket reports the close; otherwise (cron) it is
 * freed now. True when the client was closed.
 */
export function closeClientOnOutputBufferLimitReached(c: Client, async: boolean): boolean {
  // Socketless clients (embedding, scripts, AOF loading) are never closed.
  if (c.socket === null) return false;
  const cls = getClientType(c);
  if ((cls !== CLIENT_TYPE_SLAVE && getClientOutputBufferMemoryUsage(c) === 0) || c.flags & CLIENT_CLOSE_ASAP) return false;
  if (!checkClientOutputBufferLimits(c)) return false;
  const server = c.server;
  const info = clientInfoString(c);
  server.stats.clientOutbufLimitDisconnections++;
  server.closeClientAsap(c);
  if (async) {
    server.logger.warn(`Client ${info} scheduled to be closed ASAP for overcoming of output buffer limits.`);
  } else {
    server.freeClient(c);
    server.logger.warn(`Client ${info} closed for overcoming of output buffer limits.`);
  }
  return true;
}

/**
 * After a write left bytes in the socket: enforce the limits, and stop
 * reading from a client whose unread output passed READ_PAUSE_BYTES (the
 * socket's 'drain' resumes it).
 */
export function checkOutputAfterWrite(c: Client): void {
  if (closeClientOnOutputBufferLimitReached(c, true)) return;
  const sock = c.socket;
  if (sock !== null && sock.writableLength > READ_PAUSE_BYTES && !sock.isPaused()) sock.pause();
}

/**
 * The output side of clientsCron(): track the recent peak of output buffers
 * (clientsCronTrackExpansiveClients) and enforce the limits of clients that
 * receive nothing new (the soft limit's seconds run out without traffic).
 */
function outputBufferCron(server: NodisServer, st: ObufState): void {
  const slot = Math.floor(Date.now() / 1000) % PEAK_SLOTS;
  st.peakOutput[(slot + 1) % PEAK_SLOTS] = 0;
  st.peakInput[(slot + 1) % PEAK_SLOTS] = 0;
  let peak = st.peakOutput[slot];
  let peakIn = st.peakInput[slot];
  for (const c of server.clients.values()) {
    const used = getClientOutputBufferMemoryUsage(c);
    if (used > peak) peak = used;
    // clientsCronTrackExpansiveClients(): the query buffer's allocation, the
    // arguments and their argv array (sized for a partial command's count).
    const { argvMem, argc } = inputFigures(c);
    const partial = c.parser.partialArgc;
    const slots = partial > 0 ? (partial < 1024 ? partial : 1024) : argc;
    const input = sdsZmallocSize(c.qb.alloc) + argvMem + (slots > 0 ? jemallocSize(8 * slots) : 0);
    if (input > peakIn) peakIn = input;
    if (used !== 0) closeClientOnOutputBufferLimitReached(c, false);
  }
  st.peakOutput[slot] = peak;
  st.peakInput[slot] = peakIn;
}

/**
 * getExpansiveClientsInfo(): INFO clients' client_recent_max_input_buffer
 * and client_recent_max_output_buffer, the peaks of the last 8 seconds.
 */
export function recentMaxBuffers(server: NodisServer): { input: number; output: number } {
  const st = states.get(server);
  if (st === undefined) return { input: 0, output: 0 };
  return { input: Math.max(...st.peakInput), output: Math.max(...st.peakOutput) };
}
