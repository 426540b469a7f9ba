/**
 * Geohash arithmetic as Nodis's GEO commands use it: 52-bit interleaved
 * hashes (26 steps per axis) over the Web-Mercator-limited WGS84 ranges,
 * the cell-center decoding, the haversine distance on a sphere of radius
 * 6372797.560856 m, the search-area estimation with its 9 neighbor cells,
 * and the fixed-point / long-double number formats the replies use.
 */

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;

export const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;

export interface GeoRange {
  min: number;
  max: number;
}

/** A hash of `step` bits per axis; bits fit in 64 bits (kept as bigint). */
export interface GeoHashBits {
  bits: bigint;
  step: number;
}

export interface GeoArea {
  hash: GeoHashBits;
  longitude: GeoRange;
  latitude: GeoRange;
}

export const WGS84_LONG: GeoRange = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
export const WGS84_LAT: GeoRange = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };

const TWO32 = 4294967296;

/** The 16 low bits of v spread over the even bits of a 32-bit value. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v;
}

/** The even bits of a 32-bit value gathered into 16 bits (the inverse of spread16()). */
function compact16(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v;
}

/** Spread the 32 bits of x over the even bits and y over the odd bits. */
export function interleave64(x: number, y: number): bigint {
  const lo = (spread16(x) | (spread16(y) << 1)) >>> 0;
  const hi = (spread16(x >>> 16) | (spread16(y >>> 16) << 1)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The inverse of interleave64(): [even bits, odd bits]. */
export function deinterleave64(bits: bigint): [number, number] {
  const lo = Number(bits & 0xffffffffn);
  const hi = Number((bits >> 32n) & 0xffffffffn);
  return [compact16(lo) + compact16(hi) * 65536, compact16(lo >>> 1) + compact16(hi >>> 1) * 65536];
}

/** The C cast (uint32_t) of a non-negative double below 2^32. */
function toUint32(d: number): number {
  return Math.trunc(d) % TWO32 >>> 0;
}

/** geohashEncode(): null where Redis returns 0. */
export function geohashEncode(
  longRange: GeoRange,
  latRange: GeoRange,
  longitude: number,
  latitude: number,
  step: number,
): GeoHashBits | null {
  if (step > 32 || step === 0) return null;
  if (latRange.min === 0 && latRange.max === 0) return null;
  if (longRange.min === 0 && longRange.max === 0) return null;
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) {
    return null;
  }
  if (latitude < latRange.min || latitude > latRange.max || longitude < longRange.min || longitude > longRange.max) {
    return null;
  }
  let latOffset = (latitude - latRange.min) / (latRange.max - latRange.min);
  let longOffset = (longitude - longRange.min) / (longRange.max - longRange.min);
  latOffset *= 2 ** step;
  longOffset *= 2 ** step;
  return { bits: interleave64(toUint32(latOffset), toUint32(longOffset)), step };
}

export function geohashEncodeWGS84(longitude: number, latitude: number, step: number): GeoHashBits | null {
  return geohashEncode(WGS84_LONG, WGS84_LAT, longitude, latitude, step);
}

/** geohashAlign52Bits(). */
export function align52Bits(h: GeoHashBits): bigint {
  return BigInt.asUintN(64, h.bits << BigInt(52 - h.step * 2));
}

/** geohashDecode(): null for the all-zero hash. */
export function geohashDecode(longRange: GeoRange, latRange: GeoRange, h: GeoHashBits): GeoArea | null {
  if (h.bits === 0n && h.step === 0) return null;
  const [ilato, ilono] = deinterleave64(h.bits);
  const latScale = latRange.max - latRange.min;
  const longScale = longRange.max - longRange.min;
  const div = 2 ** h.step;
  return {
    hash: h,
    latitude: {
      min: latRange.min + (ilato * 1.0 / div) * latScale,
      max: latRange.min + (((ilato + 1) % TWO32) * 1.0 / div) * latScale,
    },
    longitude: {
      min: longRange.min + (ilono * 1.0 / div) * longScale,
      max: longRange.min + (((ilono + 1) % TWO32) * 1.0 / div) * longScale,
    },
  };
}

/** geohashDecodeAreaToLongLat(): the cell center, clamped to the limits. */
export function areaToLongLat(a: GeoArea): [number, number] {
  let x = (a.longitude.min + a.longitude.max) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (a.latitude.min + a.latitude.max) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  return [x, y];
}

/** The (uint64_t) cast of a sorted-set score as x86-64 compilers do it. */
export function scoreToBits(score: number): bigint {
  if (Number.isNaN(score) || score >= 18446744073709551616) return 0n;
  if (score < -9223372036854775808) return 0x8000000000000000n;
  return BigInt.asUintN(64, BigInt(Math.trunc(score)));
}

/** decodeGeohash() of geo.c: a score to [longitude, latitude]. */
export function decodeScore(score: number): [number, number] {
  // A GEOADD score is a 52-bit integer: its two 32-bit halves are exact
  // doubles, and decoding them needs no bigint (the hot path of GEOSEARCH).
  if (score >= 0 && score < 9007199254740992) {
    const t = Math.trunc(score);
    const hi = Math.floor(t / TWO32);
    // (The low half as an int32: its bits are all that is read.)
    return decodeHalves(hi, (t - hi * TWO32) | 0);
  }
  const a = geohashDecode(WGS84_LONG, WGS84_LAT, { bits: scoreToBits(score), step: GEO_STEP_MAX });
  return areaToLongLat(a as GeoArea);
}

/** 1 / 2^GEO_STEP_MAX: dividing by a power of two and multiplying by its inverse give the same double. */
const STEP_INV = 2 ** -GEO_STEP_MAX;
const LAT_SCALE = GEO_LAT_MAX - GEO_LAT_MIN;
const LONG_SCALE = GEO_LONG_MAX - GEO_LONG_MIN;

/**
 * geohashDecodeWGS84() then geohashDecodeAreaToLongLat() of the 52-bit hash
 * whose high and low 32 bits are `hi` and `lo`: the same
 * arithmetic as geohashDecode() and areaToLongLat(), without objects.
 */
function decodeHalves(hi: number, lo: number): [number, number] {
  const ilato = compact16(lo) + compact16(hi) * 65536;
  const ilono = compact16(lo >>> 1) + compact16(hi >>> 1) * 65536;
  // (x + 1) % 2^32 of a 32-bit x, without a floating-point modulo.
  const latNext = ilato === TWO32 - 1 ? 0 : ilato + 1;
  const longNext = ilono === TWO32 - 1 ? 0 : ilono + 1;
  const latMin = GEO_LAT_MIN + (ilato * STEP_INV) * LAT_SCALE;
  const latMax = GEO_LAT_MIN + (latNext * STEP_INV) * LAT_SCALE;
  const longMin = GEO_LONG_MIN + (ilono * STEP_INV) * LONG_SCALE;
  const longMax = GEO_LONG_MIN + (longNext * STEP_INV) * LONG_SCALE;
  let x = (longMin + longMax) * 0.5;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (latMin + latMax) * 0.5;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  return [x, y];
}

/** The score GEOADD stores for a position (null when out of range). */
export function encodeScore(longitude: number, latitude: number): bigint | null {
  const h = geohashEncodeWGS84(longitude, latitude, GEO_STEP_MAX);
  return h === null ? null : align52Bits(h);
}

const GEOALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/** The 11-character standard geohash GEOHASH replies for a score. */
export function geohashString(score: number): string {
  const [x, y] = decodeScore(score);
  const h = geohashEncode({ min: -180, max: 180 }, { min: -90, max: 90 }, x, y, 26);
  const bits = h === null ? 0n : h.bits;
  let out = '';
  for (let i = 0; i < 11; i++) {
    const idx = i === 10 ? 0 : Number((bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
    out += GEOALPHABET[idx];
  }
  return out;
}

// ---- distances ------------------------------------------------------------------

const degRad = (a: number): number => a * D_R;
const radDeg = (a: number): number => a / D_R;

export function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/** The latitude (radians) geoDistance() last took the cosine of, and that cosine. */
let cosOf = 0;
let cosLat1 = 1;

/** geohashGetDistance(): haversine on the Redis sphere. */
export function geoDistance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = Math.sin((lat2r - lat1r) / 2);
  // A search measures every point from one center: its cosine is kept.
  if (lat1r !== cosOf) {
    cosOf = lat1r;
    cosLat1 = Math.cos(lat1r);
  }
  const a = u * u + cosLat1 * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

// ---- number formats ---------------------------------------------------------------

/** llrint(): round half to even. */
function rint(d: number): number {
  const f = Math.floor(d);
  const diff = d - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** fixedpoint_d2string(d, 4): the "%.4f"-like GEODIST / WITHDIST text. */
export function fixed4(d: number): string {
  if (d === 0) return '0.0000';
  const r = rint(d * 10000);
  let neg: boolean;
  let digits: string;
  if (Math.abs(r) <= Number.MAX_SAFE_INTEGER) {
    neg = r < 0;
    digits = String(Math.abs(r));
  } else {
    // The (long long) cast: out of range (or NaN) is LLONG_MIN.
    const v = !Number.isFinite(r) || Math.abs(r) >= 9223372036854775808 ? -9223372036854775808n : BigInt(r);
    neg = v < 0n;
    digits = (neg ? -v : v).toString();
  }
  const s = digits.padStart(5, '0');
  return (neg ? '-' : '') + s.slice(0, s.length - 4) + '.' + s.slice(s.length - 4);
}

/** printf("%f") of a double (6 decimals, exact rounding). */
export function formatF(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (Math.abs(d) < 1e21) return d.toFixed(6);
  return BigInt(d).toString() + '.000000';
}

// ---- search areas ----------------------------------------------------------------------

export function estimateStepsByRadius(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

const EVEN64 = 0x5555555555555555n;
const ODD64 = 0xaaaaaaaaaaaaaaaan;

/** geohash_move_x(): one cell east (d > 0) or west (d < 0). */
function moveX(h: GeoHashBits, d: number): GeoHashBits {
  if (d === 0) return h;
  const shift = BigInt(64 - h.step * 2);
  let x = h.bits & ODD64;
  const y = h.bits & EVEN64;
  const zz = EVEN64 >> shift;
  if (d > 0) x = x + (zz + 1n);
  else {
    x = x | zz;
    x = BigInt.asUintN(64, x - (zz + 1n));
  }
  x &= ODD64 >> shift;
  return { bits: x | y, step: h.step };
}

/** geohash_move_y(): one cell north (d > 0) or south (d < 0). */
function moveY(h: GeoHashBits, d: number): GeoHashBits {
  if (d === 0) return h;
  const shift = BigInt(64 - h.step * 2);
  const x = h.bits & ODD64;
  let y = h.bits & EVEN64;
  const zz = ODD64 >> shift;
  if (d > 0) y = y + (zz + 1n);
  else {
    y = y | zz;
    y = BigInt.asUintN(64, y - (zz + 1n));
  }
  y &= EVEN64 >> shift;
  return { bits: x | y, step: h.step };
}

const ZERO_HASH: GeoHashBits = { bits: 0n, step: 0 };

export function isZeroHash(h: GeoHashBits): boolean {
  return h.bits === 0n && h.step === 0;
}

export interface GeoShape {
  circular: boolean;
  xy: [number, number];
  /** Meters per unit. */
  conversion: number;
  radius: number;
  width: number;
  height: number;
}

/** geohashBoundingBox(): [minLon, minLat, maxLon, maxLat]. */
export function boundingBox(s: GeoShape): [number, number, number, number] {
  const longitude = s.xy[0];
  const latitude = s.xy[1];
  const height = s.conversion * (s.circular ? s.radius : s.height / 2);
  const width = s.conversion * (s.circular ? s.radius : s.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude - latDelta)));
  const south = latitude < 0;
  return [
    south ? longitude - longDeltaBottom : longitude - longDeltaTop,
    latitude - latDelta,
    south ? longitude + longDeltaBottom : longitude + longDeltaTop,
    latitude + latDelta,
  ];
}

/**
 * geohashCalculateAreasByShapeWGS84(): the center cell and its neighbors in
 * the order they are scanned (center, N, S, E, W, NE, NW, SE, SW), useless
 * ones zeroed.
 */
export function searchAreas(s: GeoShape): GeoHashBits[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(s);
  const longitude = s.xy[0];
  const latitude = s.xy[1];
  let radiusMeters = s.circular ? s.radius : Math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  radiusMeters *= s.conversion;
  let steps = estimateStepsByRadius(radiusMeters, latitude);

  const compute = (): [GeoHashBits, GeoHashBits[], GeoArea] => {
    const hash = geohashEncode(WGS84_LONG, WGS84_LAT, longitude, latitude, steps) ?? { bits: 0n, step: steps };
    // east, west, south, north, north_west, north_east, south_east, south_west
    const n = {
      north: moveY(hash, 1),
      south: moveY(hash, -1),
      east: moveX(hash, 1),
      west: moveX(hash, -1),
      northEast: moveY(moveX(hash, 1), 1),
      northWest: moveY(moveX(hash, -1), 1),
      southEast: moveY(moveX(hash, 1), -1),
      southWest: moveY(moveX(hash, -1), -1),
    };
    const area = geohashDecode(WGS84_LONG, WGS84_LAT, hash) ?? zeroArea(hash);
    return [hash, [n.north, n.south, n.east, n.west, n.northEast, n.northWest, n.southEast, n.southWest], area];
  };
  let [hash, nb, area] = compute();
  {
    const dec = (h: GeoHashBits): GeoArea => geohashDecode(WGS84_LONG, WGS84_LAT, h) ?? zeroArea(h);
    const north = dec(nb[0]);
    const south = dec(nb[1]);
    const east = dec(nb[2]);
    const west = dec(nb[3]);
    let decrease = false;
    if (north.latitude.max < maxLat) decrease = true;
    if (south.latitude.min > minLat) decrease = true;
    if (east.longitude.max < maxLon) decrease = true;
    if (west.longitude.min > minLon) decrease = true;
    if (steps > 1 && decrease) {
      steps--;
      [hash, nb, area] = compute();
    }
  }
  if (steps >= 2) {
    // indexes: 0 N, 1 S, 2 E, 3 W, 4 NE, 5 NW, 6 SE, 7 SW
    if (area.latitude.min < minLat) nb[1] = nb[7] = nb[6] = ZERO_HASH;
    if (area.latitude.max > maxLat) nb[0] = nb[4] = nb[5] = ZERO_HASH;
    if (area.longitude.min < minLon) nb[3] = nb[7] = nb[5] = ZERO_HASH;
    if (area.longitude.max > maxLon) nb[2] = nb[6] = nb[4] = ZERO_HASH;
  }
  return [hash, ...nb];
}

function zeroArea(h: GeoHashBits): GeoArea {
  return { hash: h, longitude: { min: 0, max: 0 }, latitude: { min: 0, max: 0 } };
}

/** geoWithinShape(): the decoded point and its distance, or null outside. */
export function withinShape(s: GeoShape, score: number): [number, number, number] | null {
  const [x, y] = decodeScore(score);
  if (s.circular) {
    const dist = geoDistance(s.xy[0], s.xy[1], x, y);
    if (dist > s.radius * s.conversion) return null;
    return [x, y, dist];
  }
  const w = s.width * s.conversion;
  const h = s.height * s.conversion;
  if (latDistance(y, s.xy[1]) > h / 2) return null;
  if (geoDistance(x, y, s.xy[0], y) > w / 2) return null;
  return [x, y, geoDistance(s.xy[0], s.xy[1], x, y)];
}
