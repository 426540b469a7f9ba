/**
 * GEO commands: positions stored as 52-bit geohash scores in sorted sets.
 */
import type { Client } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { asType, getDouble, getLongLong } from './args.js';
import { dbDelete, lookupRead, setKey } from './db-ops.js';
import { zsetCommands } from './zset.js';
import { ZSet, zsetLimits } from '../store/zset.js';
import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../server/notify.js';
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
  isZeroHash,
  searchAreas,
  withinShape,
  align52Bits,
  type GeoShape,
} from '../util/geohash.js';
import { pqsort } from '../util/pqsort.js';
import { humanDouble } from '../util/longdouble.js';

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

// ---- searches ------------------------------------------------------------------------

const SORT_NONE = 0;
const SORT_ASC = 1;
const SORT_DESC = 2;

const RADIUS_COORDS = 1 << 0;
const RADIUS_MEMBER = 1 << 1;
const RADIUS_NOSTORE = 1 << 2;
const GEOSEARCH = 1 << 3;
const GEOSEARCHSTORE = 1 << 4;

interface GeoPoint {
  x: number;
  y: number;
  dist: number;
  score: number;
  member: string;
}

/** extractDistanceOrReply(): [radius, meters per unit]. */
function extractDistance(dArg: string, unitArg: string): [number, number] {
  const d = getDouble(dArg, 'need numeric radius');
  if (d < 0) throw new RedisError('radius cannot be negative');
  return [d, extractUnit(unitArg)];
}

/** extractBoxOrReply(): [width, height, meters per unit]. */
function extractBox(wArg: string, hArg: string, unitArg: string): [number, number, number] {
  const w = getDouble(wArg, 'need numeric width');
  const h = getDouble(hArg, 'need numeric height');
  if (h < 0 || w < 0) throw new RedisError('height or width cannot be negative');
  return [w, h, extractUnit(unitArg)];
}

function longLatFromMember(zobj: ZSet, member: string): [number, number] {
  const score = zobj.score(member);
  if (score === undefined) throw new RedisError('could not decode requested zset member');
  return decodeScore(score);
}

/** membersOfAllNeighbors(): the points of the 9 cells, in scan order. */
function pointsInShape(zobj: ZSet, shape: GeoShape, limit: number): GeoPoint[] {
  const cells = searchAreas(shape);
  const out: GeoPoint[] = [];
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    const h = cells[i];
    if (isZeroHash(h)) continue;
    if (last && h.bits === cells[last].bits && h.step === cells[last].step) continue;
    if (out.length && limit && out.length >= limit) break;
    const min = Number(align52Bits(h));
    const max = Number(align52Bits({ bits: h.bits + 1n, step: h.step }));
    let done = false;
    zobj.rangeByScore({ min, max, minex: false, maxex: true }, 0, -1, false, (ele, score) => {
      if (done) return;
      const p = withinShape(shape, score);
      if (p !== null) out.push({ x: p[0], y: p[1], dist: p[2], score, member: ele });
      if (out.length && limit && out.length >= limit) done = true;
    });
    last = i;
  }
  return out;
}

function georadiusGeneric(c: Client, argv: string[], srcKeyIndex: number, flags: number): void {
  let storekey: string | null = null;
  let storedist = false;
  const zobj = zsetRead(c, argv[srcKeyIndex]);
  let baseArgs: number;
  const shape: GeoShape = { circular: true, xy: [0, 0], conversion: 0, radius: 0, width: 0, height: 0 };
  if (flags & RADIUS_COORDS) {
    baseArgs = 6;
    shape.xy = extractLongLat(argv[2], argv[3]);
    [shape.radius, shape.conversion] = extractDistance(argv[4], argv[5]);
  } else if (flags & RADIUS_MEMBER && zobj === undefined) {
    baseArgs = 5;
  } else if (flags & RADIUS_MEMBER) {
    baseArgs = 5;
    shape.xy = longLatFromMember(zobj as ZSet, argv[2]);
    [shape.radius, shape.conversion] = extractDistance(argv[3], argv[4]);
  } else {
    baseArgs = 2;
    if (flags & GEOSEARCHSTORE) {
      baseArgs = 3;
      storekey = argv[1];
    }
  }

  let withdist = false;
  let withhash = false;
  let withcoords = false;
  let frommember = false;
  let fromloc = false;
  let byradius = false;
  let bybox = false;
  let sort = SORT_NONE;
  let any = false;
  let count = 0;
  const remaining = argv.length - baseArgs;
  for (let i = 0; i < remaining; i++) {
    const arg = lower(argv[baseArgs + i]);
    if (arg === 'withdist') withdist = true;
    else if (arg === 'withhash') withhash = true;
    else if (arg === 'withcoord') withcoords = true;
    else if (arg === 'any') any = true;
    else if (arg === 'asc') sort = SORT_ASC;
    else if (arg === 'desc') sort = SORT_DESC;
    else if (arg === 'count' && i + 1 < remaining) {
      const n = getLongLong(argv[baseArgs + i + 1]);
      if (n <= 0) throw new RedisError('COUNT must be > 0');
      count = n;
      i++;
    } else if ((arg === 'store' || arg === 'storedist') && i + 1 < remaining && !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH)) {
      storekey = argv[baseArgs + i + 1];
      storedist = arg === 'storedist';
      i++;
    } else if (arg === 'storedist' && flags & GEOSEARCH && flags & GEOSEARCHSTORE) {
      storedist = true;
    } else if (arg === 'frommember' && i + 1 < remaining && flags & GEOSEARCH && !fromloc) {
      if (zobj !== undefined) shape.xy = longLatFromMember(zobj, argv[baseArgs + i + 1]);
      frommember = true;
      i++;
    } else if (arg === 'fromlonlat' && i + 2 < remaining && flags & GEOSEARCH && !frommember) {
      shape.xy = extractLongLat(argv[baseArgs + i + 1], argv[baseArgs + i + 2]);
      fromloc = true;
      i += 2;
    } else if (arg === 'byradius' && i + 2 < remaining && flags & GEOSEARCH && !bybox) {
      [shape.radius, shape.conversion] = extractDistance(argv[baseArgs + i + 1], argv[baseArgs + i + 2]);
      shape.circular = true;
      byradius = true;
      i += 2;
    } else if (arg === 'bybox' && i + 3 < remaining && flags & GEOSEARCH && !byradius) {
      [shape.width, shape.height, shape.conversion] = extractBox(
        argv[baseArgs + i + 1],
        argv[baseArgs + i + 2],
        argv[baseArgs + i + 3],
      );
      shape.circular = false;
      bybox = true;
      i += 3;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }

  if (storekey !== null && (withdist || withhash || withcoords)) {
    throw new RedisError(
      (flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS') +
        ' is not compatible with WITHDIST, WITHHASH and WITHCOORD options',
    );
  }
  if (flags & GEOSEARCH && !(frommember || fromloc)) {
    throw new RedisError('exactly one of FROMMEMBER or FROMLONLAT can be specified for ' + argv[0]);
  }
  if (flags & GEOSEARCH && !(byradius || bybox)) {
    throw new RedisError('exactly one of BYRADIUS and BYBOX can be specified for ' + argv[0]);
  }
  if (any && !count) throw new RedisError('the ANY argument requires COUNT argument');

  const db = c.db;
  if (zobj === undefined) {
    if (storekey !== null) {
      if (dbDelete(c, db, storekey)) {
        c.server.signalModifiedKey(c, db, storekey);
        c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', storekey, db.id);
        c.server.dirty++;
      }
      c.addReplyLongLong(0);
    } else {
      c.addReplyArrayLen(0);
    }
    return;
  }

  if (count !== 0 && sort === SORT_NONE && !any) sort = SORT_ASC;
  const ga = pointsInShape(zobj, shape, any ? count : 0);
  if (ga.length === 0 && storekey === null) {
    c.addReplyArrayLen(0);
    return;
  }
  const returned = count === 0 || ga.length < count ? ga.length : count;
  if (sort !== SORT_NONE) {
    const asc = (a: GeoPoint, b: GeoPoint): number => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1);
    const cmpfn = sort === SORT_ASC ? asc : (a: GeoPoint, b: GeoPoint): number => -asc(a, b);
    // A full sort is glibc's qsort() (a stable merge sort); a partial one is pqsort().
    if (returned === ga.length) ga.sort(cmpfn);
    else pqsort(ga, cmpfn, 0, returned - 1);
  }

  if (storekey === null) {
    const optlen = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
    c.addReplyArrayLen(returned);
    for (let i = 0; i < returned; i++) {
      const gp = ga[i];
      gp.dist /= shape.conversion;
      if (optlen) c.addReplyArrayLen(optlen + 1);
      c.addReplyBulk(gp.member);
      if (withdist) addReplyDistance(c, gp.dist);
      if (withhash) c.addReplyLongLong(Math.trunc(gp.score));
      if (withcoords) {
        c.addReplyArrayLen(2);
        addReplyCoord(c, gp.x);
        addReplyCoord(c, gp.y);
      }
    }
    return;
  }
  if (returned) {
    const lim = zsetLimits(c.server.config);
    const zs = ZSet.forFirstMember(ga[0].member, lim);
    for (let i = 0; i < returned; i++) {
      const gp = ga[i];
      gp.dist /= shape.conversion;
      zs.add(storedist ? gp.dist : gp.score, gp.member, 0, lim);
    }
    setKey(c, db, storekey, zs);
    c.server.notifyKeyspaceEvent(NOTIFY_ZSET, flags & GEOSEARCH ? 'geosearchstore' : 'georadiusstore', storekey, db.id);
    c.server.dirty += returned;
  } else if (dbDelete(c, db, storekey)) {
    c.server.signalModifiedKey(c, db, storekey);
    c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', storekey, db.id);
    c.server.dirty++;
  }
  c.addReplyLongLong(returned);
}

/**
 * The key specs of GEORADIUS / GEORADIUSBYMEMBER: the source key, then the
 * key after the first STORE and after the first STOREDIST found from
 * `start` on (the last argument is never a keyword).
 */
function georadiusGetKeys(argv: string[], start: number): number[] {
  const keys = [1];
  for (const kw of ['store', 'storedist']) {
    for (let i = start; i < argv.length - 1; i++) {
      if (lower(argv[i]) === kw) {
        keys.push(i + 1);
        break;
      }
    }
  }
  return keys;
}

const GEO = ['geo'];

export const geoCommands: CommandSpec[] = [
  cmd('geoadd', -5, ['write', 'denyoom'], [1, 1, 1], { acl: GEO, handler: geoaddCommand }),
  cmd('geopos', -2, ['readonly'], [1, 1, 1], { acl: GEO, handler: geoposCommand }),
  cmd('geodist', -4, ['readonly'], [1, 1, 1], { acl: GEO, handler: geodistCommand }),
  cmd('geohash', -2, ['readonly'], [1, 1, 1], { acl: GEO, handler: geohashCommand }),
  cmd('georadius', -6, ['write', 'denyoom', 'movablekeys'], [1, 1, 1], {
    acl: GEO,
    getKeys: (argv) => georadiusGetKeys(argv, 6),
    handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS),
  }),
  cmd('georadius_ro', -6, ['readonly'], [1, 1, 1], {
    acl: GEO,
    handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE),
  }),
  cmd('georadiusbymember', -5, ['write', 'denyoom', 'movablekeys'], [1, 1, 1], {
    acl: GEO,
    getKeys: (argv) => georadiusGetKeys(argv, 5),
    handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER),
  }),
  cmd('georadiusbymember_ro', -5, ['readonly'], [1, 1, 1], {
    acl: GEO,
    handler: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE),
  }),
  cmd('geosearch', -7, ['readonly'], [1, 1, 1], { acl: GEO, handler: (c, argv) => georadiusGeneric(c, argv, 1, GEOSEARCH) }),
  cmd('geosearchstore', -8, ['write', 'denyoom'], [1, 2, 1], {
    acl: GEO,
    handler: (c, argv) => georadiusGeneric(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE),
  }),
];
