import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';

warnIfNoRedis('diff/geo');

const BIN = '\xff\x00\xc3';

/** Deterministic pseudo-random positions inside the GEO limits. */
function positions(n: number, seed: number): [string, string, string][] {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const out: [string, string, string][] = [];
  for (let i = 0; i < n; i++) {
    const lon = (rnd() * 360 - 180).toFixed(6);
    const lat = (rnd() * 170.1 - 85.05).toFixed(6);
    out.push([lon, lat, `p${i}${BIN}`]);
  }
  return out;
}

const CITIES: [string, string, string][] = [
  ['13.361389', '38.115556', 'Palermo'],
  ['15.087269', '37.502669', 'Catania'],
  ['12.496366', '41.902782', 'Rome'],
  ['-0.127758', '51.507351', 'London'],
  ['-74.005941', '40.712784', 'New York'],
  ['139.691706', '35.689487', 'Tokyo'],
  ['151.209296', '-33.868820', 'Sydney'],
  ['-58.381559', '-34.603684', 'Buenos Aires'],
  ['179.999999', '0', 'dateline-east'],
  ['-180', '0', 'dateline-west'],
  ['180', '85.05112878', 'north-max'],
  ['-180', '-85.05112878', 'south-min'],
  ['0', '0', 'origin' + BIN],
];

describe.skipIf(!HAVE_REDIS)('differential: geo', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });
  beforeEach(async () => {
    await d.both('HELLO', '2');
    await d.same('FLUSHALL');
  });

  async function addCities(key = 'g'): Promise<void> {
    await d.same('GEOADD', key, ...CITIES.flat());
  }

  it('GEOADD stores the same scores, with NX XX CH and errors', async () => {
    await addCities();
    await d.same(['ZRANGE', 'g', '0', '-1', 'WITHSCORES']);
    await d.same('GEOADD', 'g', 'NX', '1', '1', 'Rome', '2', '2', 'new');
    await d.same('GEOADD', 'g', 'XX', '1', '1', 'Rome', '2', '2', 'newer');
    await d.same('GEOADD', 'g', 'CH', '3', '3', 'Rome', '3', '3', 'another');
    await d.same('GEOADD', 'g', 'XX', 'CH', '4', '4', 'Rome');
    await d.same('GEOADD', 'g', 'NX', 'XX', '4', '4', 'Rome');
    await d.same('GEOADD', 'g', 'GT', '4', '4', 'Rome');
    await d.same('GEOADD', 'g', '4', '4');
    await d.same('GEOADD', 'g', '181', '0', 'bad');
    await d.same('GEOADD', 'g', '0', '85.06', 'bad');
    await d.same('GEOADD', 'g', '-180.5', '-90', 'bad');
    await d.same('GEOADD', 'g', '1e30', '0', 'bad');
    await d.same('GEOADD', 'g', 'inf', '0', 'bad');
    await d.same('GEOADD', 'g', 'abc', '0', 'bad');
    await d.same('GEOADD', 'g', '0', 'nan', 'bad');
    await d.same('GEOADD', 'g', '1', '1', 'ok', '200', '0', 'bad');
    await d.same(['ZRANGE', 'g', '0', '-1', 'WITHSCORES']);
    await d.same('SET', 's', 'x');
    await d.same('GEOADD', 's', '1', '1', 'm');
    await d.same('GEOADD', 'xx-missing', 'XX', '1', '1', 'm');
    await d.same('EXISTS', 'xx-missing');
  });

  it('GEOPOS, GEOHASH, GEODIST over cities and random positions', async () => {
    await addCities();
    const pts = positions(200, 7);
    await d.same('GEOADD', 'r', ...pts.flat());
    await d.same('GEOPOS', 'g', ...CITIES.map((c) => c[2]), 'missing');
    await d.same('GEOHASH', 'g', ...CITIES.map((c) => c[2]), 'missing');
    await d.same('GEOPOS', 'r', ...pts.map((p) => p[2]));
    await d.same('GEOHASH', 'r', ...pts.map((p) => p[2]));
    await d.same('GEOPOS', 'nokey', 'a', 'b');
    await d.same('GEOHASH', 'nokey', 'a', 'b');
    await d.same('GEOPOS', 'g');
    await d.same('GEOHASH', 'g');
    for (let i = 0; i < CITIES.length; i++) {
      for (let j = 0; j < CITIES.length; j += 3) {
        await d.same('GEODIST', 'g', CITIES[i][2], CITIES[j][2]);
      }
    }
    for (let i = 0; i + 1 < pts.length; i += 2) {
      for (const u of ['m', 'KM', 'ft', 'mi']) await d.same('GEODIST', 'r', pts[i][2], pts[i + 1][2], u);
    }
    await d.same('GEODIST', 'g', 'Palermo', 'Palermo');
    await d.same('GEODIST', 'g', 'Palermo', 'missing');
    await d.same('GEODIST', 'nokey', 'a', 'b');
    await d.same('GEODIST', 'g', 'Palermo', 'Catania', 'yards');
    await d.same('GEODIST', 'g', 'Palermo', 'Catania', 'km', 'extra');
    await d.same('GEODIST', 'nokey', 'a', 'b', 'yards');
    await d.same('SET', 's', 'x');
    await d.same('GEOPOS', 's', 'a');
    await d.same('GEOHASH', 's', 'a');
    await d.same('GEODIST', 's', 'a', 'b');
  });

  it('scores written by ZADD decode the same way', async () => {
    await d.same('ZADD', 'z', '0', 'zero', '-1', 'neg', '4503599627370495', 'max52', '4503599627370496', 'over',
      '1e20', 'huge', '-1e20', 'neghuge', '123456.789', 'frac', 'inf', 'inf', '-inf', 'ninf');
    const m = ['zero', 'neg', 'max52', 'over', 'huge', 'neghuge', 'frac', 'inf', 'ninf'];
    await d.same('GEOPOS', 'z', ...m);
    await d.same('GEOHASH', 'z', ...m);
    await d.same('GEODIST', 'z', 'zero', 'max52');
    await d.same('GEODIST', 'z', 'neg', 'frac', 'ft');
  });

  it('GEOSEARCH by radius and box, sorted, counted, with every option', async () => {
    await addCities();
    const pts = positions(400, 11);
    await d.same('GEOADD', 'r', ...pts.flat());
    const centers: [string, string][] = [['13.361389', '38.115556'], ['0', '0'], ['179.9', '10'], ['-179.9', '-10'],
      ['20', '84.9'], ['-20', '-84.9'], ['100', '45'], ['-60', '-30']];
    for (const [lon, lat] of centers) {
      for (const [r, u] of [['200', 'km'], ['1000', 'km'], ['3000', 'mi'], ['5000000', 'ft'], ['0', 'm'], ['20000', 'km']]) {
        await d.same(['GEOSEARCH', 'r', 'FROMLONLAT', lon, lat, 'BYRADIUS', r, u, 'WITHDIST', 'WITHHASH', 'WITHCOORD']);
        await d.same(['GEOSEARCH', 'r', 'FROMLONLAT', lon, lat, 'BYRADIUS', r, u, 'ASC', 'WITHDIST']);
        await d.same(['GEOSEARCH', 'r', 'FROMLONLAT', lon, lat, 'BYRADIUS', r, u, 'DESC', 'COUNT', '5']);
        await d.same(['GEOSEARCH', 'r', 'FROMLONLAT', lon, lat, 'BYBOX', r, r, u, 'WITHCOORD']);
        await d.same(['GEOSEARCH', 'r', 'FROMLONLAT', lon, lat, 'BYBOX', r, String(Number(r) / 3), u, 'ASC', 'COUNT', '3', 'WITHDIST']);
        await d.same(['GEOSEARCH', 'r', 'FROMLONLAT', lon, lat, 'BYRADIUS', r, u, 'COUNT', '4', 'ANY']);
      }
    }
    await d.same('GEOSEARCH', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km', 'ASC', 'WITHDIST');
    await d.same('GEOSEARCH', 'g', 'FROMMEMBER', 'north-max', 'BYBOX', '40000', '40000', 'km', 'DESC', 'WITHCOORD');
    await d.same('GEOSEARCH', 'g', 'FROMMEMBER', 'origin' + BIN, 'BYRADIUS', '1', 'm', 'WITHHASH');
  });

  it('GEOSEARCH argument errors', async () => {
    await addCities();
    const bad: string[][] = [
      ['GEOSEARCH', 'g', 'FROMMEMBER', 'missing', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'missing', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '200', '0', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '-1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', 'x', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'yd'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '-1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYBOX', 'w', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYBOX', '1', 'h', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'BYBOX', '1', '1', 'km'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'FROMMEMBER', 'Rome', 'BYRADIUS', '1', 'km'],
      ['GEOSEARCH', 'g', 'BYRADIUS', '1', 'km', 'ASC'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'ASC', 'COUNT', '1'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'ANY'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'COUNT', '0'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'COUNT', 'x'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'STORE', 'x'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'STOREDIST'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'COUNT'],
      ['GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'WITHDIST'],
      ['GEORADIUS', 'g', '0', '0', '1', 'km', 'STORE', 'x', 'WITHCOORD'],
      ['GEORADIUS_RO', 'g', '0', '0', '1', 'km', 'STORE', 'x'],
      ['GEORADIUSBYMEMBER', 'g', 'missing', '1', 'km'],
      ['GEORADIUSBYMEMBER', 'nokey', 'missing', '1', 'km', 'STORE', 'dst'],
      ['GEORADIUSBYMEMBER', 'g', 'Rome', '1', 'km', 'FROMLONLAT', '0', '0'],
    ];
    for (const b of bad) await d.same(b);
    await d.same('SET', 's', 'x');
    await d.same('GEOSEARCH', 's', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km');
    await d.same('GEORADIUS', 's', '0', '0', '1', 'km');
  });

  it('GEOSEARCHSTORE and GEORADIUS STORE / STOREDIST', async () => {
    await addCities();
    await d.same('GEOSEARCHSTORE', 'dst', 'g', 'FROMMEMBER', 'Rome', 'BYRADIUS', '1000', 'km');
    await d.same('ZRANGE', 'dst', '0', '-1', 'WITHSCORES');
    await d.same('OBJECT', 'ENCODING', 'dst');
    await d.same('GEOSEARCHSTORE', 'dst', 'g', 'FROMMEMBER', 'Rome', 'BYBOX', '3000', '3000', 'km', 'STOREDIST', 'DESC', 'COUNT', '2');
    await d.same('ZRANGE', 'dst', '0', '-1', 'WITHSCORES');
    await d.same('GEOSEARCHSTORE', 'dst', 'g', 'FROMLONLAT', '-100', '-60', 'BYRADIUS', '1', 'km');
    await d.same('EXISTS', 'dst');
    await d.same('GEOSEARCHSTORE', 'dst', 'nokey', 'FROMLONLAT', '-100', '-60', 'BYRADIUS', '1', 'km');
    await d.same('GEORADIUS', 'g', '13', '38', '800', 'km', 'STORE', 'a', 'STOREDIST', 'b');
    await d.same('ZRANGE', 'b', '0', '-1', 'WITHSCORES');
    await d.same('EXISTS', 'a');
    await d.same('GEORADIUSBYMEMBER', 'g', 'London', '10000', 'km', 'STORE', 'c', 'COUNT', '3', 'DESC');
    await d.same('ZRANGE', 'c', '0', '-1', 'WITHSCORES');
    await d.same('GEORADIUS_RO', 'g', '13', '38', '800', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'ASC');
    await d.same('GEORADIUSBYMEMBER_RO', 'g', 'Sydney', '20000', 'km', 'WITHDIST', 'DESC');
    await d.same('GEORADIUSBYMEMBER', 'nokey', 'x', '1', 'km');
    await d.same('COMMAND', 'GETKEYS', 'GEORADIUS', 'g', '0', '0', '1', 'km', 'STORE', 'a', 'STOREDIST', 'b');
    await d.same('COMMAND', 'GETKEYS', 'GEORADIUSBYMEMBER', 'g', 'm', '1', 'km', 'STORE', 'a');
    await d.same('COMMAND', 'GETKEYS', 'GEORADIUS', 'g', '0', '0', '1', 'km', 'STOREDIST', 'a', 'STORE', 'b', 'STORE', 'c');
    await d.same('COMMAND', 'GETKEYS', 'GEORADIUS', 'g', '0', '0', '1', 'km', 'WITHDIST', 'STORE');
    await d.same('COMMAND', 'GETKEYS', 'GEORADIUSBYMEMBER', 'g', 'store', '1', 'km', 'store', 'storedist', 'x');
    await d.same('COMMAND', 'GETKEYS', 'GEOSEARCHSTORE', 'd', 'g', 'FROMMEMBER', 'm', 'BYRADIUS', '1', 'km');
  });

  it('COUNT with equal distances keeps the order of the partial sort', async () => {
    const args: string[] = [];
    for (let i = 0; i < 90; i++) args.push(`10.${i % 4}`, `${20 + (i % 3) / 10}`, `m${i}${BIN}`);
    await d.same('GEOADD', 't', ...args);
    for (const n of ['1', '2', '5', '7', '8', '20', '41', '60', '89', '90', '200']) {
      await d.same('GEOSEARCH', 't', 'FROMLONLAT', '10', '20', 'BYRADIUS', '500', 'km', 'ASC', 'COUNT', n);
      await d.same('GEOSEARCH', 't', 'FROMLONLAT', '10.1', '20.1', 'BYBOX', '900', '900', 'km', 'DESC', 'COUNT', n, 'WITHDIST');
      await d.same('GEORADIUS', 't', '10', '20', '500', 'km', 'COUNT', n);
    }
    await d.same('GEOSEARCH', 't', 'FROMLONLAT', '10', '20', 'BYRADIUS', '500', 'km', 'DESC');
    await d.same('GEOSEARCH', 't', 'FROMLONLAT', '10', '20', 'BYRADIUS', '500', 'km');
  });

  it('RESP3 replies', async () => {
    await d.both('HELLO', '3');
    await addCities();
    await d.same('GEOPOS', 'g', 'Palermo', 'missing', 'north-max');
    await d.same('GEOHASH', 'g', 'Palermo', 'missing');
    await d.same('GEODIST', 'g', 'Palermo', 'Catania', 'km');
    await d.same('GEODIST', 'g', 'Palermo', 'missing');
    await d.same('GEODIST', 'nokey', 'a', 'b');
    await d.same('GEOSEARCH', 'g', 'FROMMEMBER', 'Rome', 'BYRADIUS', '2000', 'km', 'ASC', 'WITHDIST', 'WITHHASH', 'WITHCOORD');
    await d.same('GEOSEARCH', 'g', 'FROMMEMBER', 'Rome', 'BYRADIUS', '1', 'm');
    await d.both('HELLO', '2');
  });
});
