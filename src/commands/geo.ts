/**
 * GEO commands: positions stored as 52-bit geohash scores in sorted sets.
 */
import type { Client } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { asType, getDouble } from './args.js';
import { lookupRead } from './db-ops.js';
import { zsetCommands } from './zset.js';
import type { ZSet } from '../store/zset.js';
import {
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  decodeScore,
  encodeScore,
  fixed4,
  formatF,
  geoDistance,
  geohashString,
  humanDouble,
} from '../util/geohash.js';

const zaddSpec = zsetCommands.find((s) => s.name === 'zadd') as CommandSpec;

function lower(s: string): string {
  return s.toLowerCase();
}

/** extractLongLatOrReply(): [longitude, latitude] or a thrown error. */
export function extractLongLat(lonArg: string, latArg: string): [number, number] {
  const x = getDouble(lonArg);
  const y = getDouble(latArg);
  if (x < GEO_LONG_MIN || x > GEO_LONG_MAX || y < GEO_LAT_MIN || y > GEO_LAT_MAX) {
    throw new RedisError('invalid longitude,latitude pair ' + formatF(x) + ',' + formatF(y));
  }
  return [x, y];
}

/** extractUnitOrReply(): meters per unit. */
export function extractUnit(u: string): number {
  switch (lower(u)) {
    case 'm':
      return 1;
    case 'km':
      return 1000;
    case 'ft':
      return 0.3048;
    case 'mi':
      return 1609.34;
  }
  throw new RedisError('unsupported unit provided. please use M, KM, FT, MI');
}

function zsetRead(c: Client, key: string): ZSet | undefined {
  return asType<ZSet>(lookupRead(c, key), 'zset');
}

function addReplyCoord(c: Client, d: number): void {
  c.addReplyHumanLongDouble(humanDouble(d));
}

export function addReplyDistance(c: Client, d: number): void {
  c.addReplyBulk(fixed4(d));
}

function geoaddCommand(c: Client, argv: string[]): void {
  let xx = false;
  let nx = false;
  let longidx = 2;
  while (longidx < argv.length) {
    const opt = lower(argv[longidx]);
    if (opt === 'nx') nx = true;
    else if (opt === 'xx') xx = true;
    else if (opt === 'ch') {
      /* handled by ZADD */
    } else break;
    longidx++;
  }
  if ((argv.length - longidx) % 3 !== 0 || (xx && nx)) throw new RedisError(Errors.syntax);
  const elements = (argv.length - longidx) / 3;
  const zargv: string[] = ['zadd'];
  for (let i = 1; i < longidx; i++) zargv.push(argv[i]);
  for (let i = 0; i < elements; i++) {
    const base = longidx + i * 3;
    const [x, y] = extractLongLat(argv[base], argv[base + 1]);
    const bits = encodeScore(x, y) as bigint;
    zargv.push(bits.toString(), argv[base + 2]);
  }
  c.ext.propagateArgv = zargv;
  (zaddSpec.handler as (c: Client, argv: string[]) => void)(c, zargv);
}

function geoposCommand(c: Client, argv: string[]): void {
  const zobj = zsetRead(c, argv[1]);
  c.addReplyArrayLen(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = zobj?.score(argv[j]);
    if (score === undefined) {
      c.addReplyNullArray();
      continue;
    }
    const [x, y] = decodeScore(score);
    c.addReplyArrayLen(2);
    addReplyCoord(c, x);
    addReplyCoord(c, y);
  }
}

function geodistCommand(c: Client, argv: string[]): void {
  let toMeter = 1;
  if (argv.length === 5) toMeter = extractUnit(argv[4]);
  else if (argv.length > 5) throw new RedisError(Errors.syntax);
  const zobj = zsetRead(c, argv[1]);
  if (zobj === undefined) {
    c.addReplyNull();
    return;
  }
  const s1 = zobj.score(argv[2]);
  const s2 = zobj.score(argv[3]);
  if (s1 === undefined || s2 === undefined) {
    c.addReplyNull();
    return;
  }
  const [x1, y1] = decodeScore(s1);
  const [x2, y2] = decodeScore(s2);
  addReplyDistance(c, geoDistance(x1, y1, x2, y2) / toMeter);
}

function geohashCommand(c: Client, argv: string[]): void {
  const zobj = zsetRead(c, argv[1]);
  c.addReplyArrayLen(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = zobj?.score(argv[j]);
    if (score === undefined) c.addReplyNull();
    else c.addReplyBulk(geohashString(score));
  }
}

const GEO = ['geo'];

export const geoCommands: CommandSpec[] = [
  cmd('geoadd', -5, ['write', 'denyoom'], [1, 1, 1], { acl: GEO, handler: geoaddCommand }),
  cmd('geopos', -2, ['readonly'], [1, 1, 1], { acl: GEO, handler: geoposCommand }),
  cmd('geodist', -4, ['readonly'], [1, 1, 1], { acl: GEO, handler: geodistCommand }),
  cmd('geohash', -2, ['readonly'], [1, 1, 1], { acl: GEO, handler: geohashCommand }),
];
