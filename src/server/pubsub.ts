/**
 * Pub/Sub registry (pubsub.c): channel -> subscribers, pattern ->
 * subscribers and shard channel -> subscribers, plus each client's own
 * subscriptions. Messages and (un)subscribe confirmations are pushes: arrays
 * in RESP2, '>' in RESP3, delivered even under CLIENT REPLY OFF/SKIP.
 */
import { CLIENT_PUBSUB, type Client } from './client.js';
import type { NodisServer } from './server.js';
import { perServer } from './per-server.js';
import { addInfoHook, setInfoField } from './info.js';
import { stringMatch } from '../util/glob.js';

/** A client's subscriptions (pubsub_channels, pubsub_patterns, pubsubshard_channels). */
export interface ClientPubSub {
  channels: Set<string>;
  patterns: Set<string>;
  shard: Set<string>;
}

/** The two kinds of channel subscription (pubsubtype). */
export interface PubSubKind {
  shard: boolean;
  subscribeMsg: string;
  unsubscribeMsg: string;
  messageMsg: string;
}

export const GLOBAL: PubSubKind = {
  shard: false,
  subscribeMsg: 'subscribe',
  unsubscribeMsg: 'unsubscribe',
  messageMsg: 'message',
};

export const SHARD: PubSubKind = {
  shard: true,
  subscribeMsg: 'ssubscribe',
  unsubscribeMsg: 'sunsubscribe',
  messageMsg: 'smessage',
};

function bulk(s: string): string {
  return '$' + s.length + '\r\n' + s + '\r\n';
}

function pushHeader(c: Client, n: number): string {
  return (c.resp === 2 ? '*' : '>') + n + '\r\n';
}

/** The client's subscription state, created on first use. */
export function clientPubSub(c: Client): ClientPubSub {
  let st = c.ext.pubsub as ClientPubSub | undefined;
  if (st === undefined) {
    st = { channels: new Set(), patterns: new Set(), shard: new Set() };
    c.ext.pubsub = st;
  }
  return st;
}

function peek(c: Client): ClientPubSub | undefined {
  return c.ext.pubsub as ClientPubSub | undefined;
}

/** clientSubscriptionsCount(): channels plus patterns. */
export function subscriptionsCount(c: Client): number {
  const st = peek(c);
  return st ? st.channels.size + st.patterns.size : 0;
}

/** clientShardSubscriptionsCount(). */
export function shardSubscriptionsCount(c: Client): number {
  const st = peek(c);
  return st ? st.shard.size : 0;
}

function kindCount(c: Client, kind: PubSubKind): number {
  return kind.shard ? shardSubscriptionsCount(c) : subscriptionsCount(c);
}

/** clientTotalPubSubSubscriptionCount(). */
export function totalSubscriptionCount(c: Client): number {
  return subscriptionsCount(c) + shardSubscriptionsCount(c);
}

export class PubSub {
  /** channel -> subscribers in subscription order. */
  readonly channels = new Map<string, Client[]>();
  readonly patterns = new Map<string, Client[]>();
  readonly shardChannels = new Map<string, Client[]>();

  constructor(readonly server: NodisServer) {}

  private serverMap(kind: PubSubKind): Map<string, Client[]> {
    return kind.shard ? this.shardChannels : this.channels;
  }

  private clientSet(c: Client, kind: PubSubKind): Set<string> {
    const st = clientPubSub(c);
    return kind.shard ? st.shard : st.channels;
  }

  /** pubsubSubscribeChannel(): 1 if newly subscribed; always confirms. */
  subscribeChannel(c: Client, channel: string, kind: PubSubKind): number {
    const mine = this.clientSet(c, kind);
    let added = 0;
    if (!mine.has(channel)) {
      added = 1;
      mine.add(channel);
      const map = this.serverMap(kind);
      const list = map.get(channel);
      if (list === undefined) map.set(channel, [c]);
      else list.push(c);
    }
    c.addReplyPush(pushHeader(c, 3) + bulk(kind.subscribeMsg) + bulk(channel) + ':' + kindCount(c, kind) + '\r\n');
    return added;
  }

  /** pubsubUnsubscribeChannel(). */
  unsubscribeChannel(c: Client, channel: string, notify: boolean, kind: PubSubKind): number {
    const st = peek(c);
    const mine = st ? (kind.shard ? st.shard : st.channels) : undefined;
    let removed = 0;
    if (mine !== undefined && mine.delete(channel)) {
      removed = 1;
      removeFrom(this.serverMap(kind), channel, c);
    }
    if (notify) this.notifyUnsubscribed(c, channel, kind);
    return removed;
  }

  private notifyUnsubscribed(c: Client, channel: string | null, kind: PubSubKind): void {
    const nil = c.resp === 2 ? '$-1\r\n' : '_\r\n';
    c.addReplyPush(
      pushHeader(c, 3) + bulk(kind.unsubscribeMsg) + (channel === null ? nil : bulk(channel)) + ':' + kindCount(c, kind) + '\r\n',
    );
  }

  /** pubsubUnsubscribeAllChannelsInternal(). */
  unsubscribeAllChannels(c: Client, notify: boolean, kind: PubSubKind): number {
    const st = peek(c);
    let count = 0;
    if (st !== undefined) {
      const mine = kind.shard ? st.shard : st.channels;
      for (const ch of [...mine]) count += this.unsubscribeChannel(c, ch, notify, kind);
    }
    if (notify && count === 0) this.notifyUnsubscribed(c, null, kind);
    return count;
  }

  /** pubsubSubscribePattern(). */
  subscribePattern(c: Client, pattern: string): number {
    const st = clientPubSub(c);
    let added = 0;
    if (!st.patterns.has(pattern)) {
      added = 1;
      st.patterns.add(pattern);
      const list = this.patterns.get(pattern);
      if (list === undefined) this.patterns.set(pattern, [c]);
      else list.push(c);
    }
    c.addReplyPush(pushHeader(c, 3) + bulk('psubscribe') + bulk(pattern) + ':' + subscriptionsCount(c) + '\r\n');
    return added;
  }

  /** pubsubUnsubscribePattern(). */
  unsubscribePattern(c: Client, pattern: string | null, notify: boolean): number {
    const st = peek(c);
    let removed = 0;
    if (pattern !== null && st !== undefined && st.patterns.delete(pattern)) {
      removed = 1;
      removeFrom(this.patterns, pattern, c);
    }
    if (notify) {
      const nil = c.resp === 2 ? '$-1\r\n' : '_\r\n';
      c.addReplyPush(
        pushHeader(c, 3) + bulk('punsubscribe') + (pattern === null ? nil : bulk(pattern)) + ':' + subscriptionsCount(c) + '\r\n',
      );
    }
    return removed;
  }

  /** pubsubUnsubscribeAllPatterns(). */
  unsubscribeAllPatterns(c: Client, notify: boolean): number {
    const st = peek(c);
    let count = 0;
    if (st !== undefined) for (const p of [...st.patterns]) count += this.unsubscribePattern(c, p, notify);
    if (notify && count === 0) this.unsubscribePattern(c, null, true);
    return count;
  }

  /** pubsubPublishMessage(): the number of clients that received it. */
  publish(channel: string, message: string, kind: PubSubKind): number {
    let receivers = 0;
    const list = this.serverMap(kind).get(channel);
    if (list !== undefined) {
      const tail = bulk(kind.messageMsg) + bulk(channel) + bulk(message);
      for (const c of list) {
        c.addReplyPush(pushHeader(c, 3) + tail);
        receivers++;
      }
    }
    if (kind.shard || this.patterns.size === 0) return receivers;
    const tail = bulk(channel) + bulk(message);
    for (const [pattern, clients] of this.patterns) {
      if (!stringMatch(pattern, channel)) continue;
      const head = bulk('pmessage') + bulk(pattern);
      for (const c of clients) {
        c.addReplyPush(pushHeader(c, 4) + head + tail);
        receivers++;
      }
    }
    return receivers;
  }

  /** Drop every subscription of `c` silently (freeClient, RESET). */
  dropClient(c: Client): void {
    if (peek(c) === undefined) return;
    this.unsubscribeAllChannels(c, false, GLOBAL);
    this.unsubscribeAllChannels(c, false, SHARD);
    this.unsubscribeAllPatterns(c, false);
    c.flags &= ~CLIENT_PUBSUB;
  }
}

function removeFrom(map: Map<string, Client[]>, name: string, c: Client): void {
  const list = map.get(name);
  if (list === undefined) return;
  const i = list.indexOf(c);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(name);
}

const registries = perServer(
  (server) => new PubSub(server),
  (reg, server) => {
    server.publish = (channel, message) => reg.publish(channel, message, GLOBAL);
    server.hooks.clientFreed.push((c) => reg.dropClient(c));
    server.hooks.clientReset.push((c) => reg.dropClient(c));
    addInfoHook(server, 'stats', (fields) => {
      setInfoField(fields, 'pubsub_channels', reg.channels.size);
      setInfoField(fields, 'pubsub_patterns', reg.patterns.size);
      setInfoField(fields, 'pubsubshard_channels', reg.shardChannels.size);
    });
  },
);

/** The server's Pub/Sub registry, installed (hooks, publish, INFO) on first use. */
export function pubsubOf(server: NodisServer): PubSub {
  return registries.get(server);
}

/** The registry if one was installed (PUBSUB queries need not create it). */
export function existingPubSub(server: NodisServer): PubSub | undefined {
  return registries.peek(server);
}
