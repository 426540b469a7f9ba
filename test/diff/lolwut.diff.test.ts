/**
 * LOLWUT against redis-server: the version line (plain, with arguments,
 * in RESP3 as a verbatim string), the VERSION errors, and Schotter
 * (VERSION 5) byte for byte wherever it is not random: with one or two
 * rows of squares nothing is displaced, so the drawing is Redis's exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';

warnIfNoRedis('diff/lolwut');

describe.skipIf(!HAVE_REDIS)('differential: LOLWUT', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });

  it('the version line, with or without arguments; VERSION errors', async () => {
    expect(await d.same(['LOLWUT'])).toBe('$18\r\nRedis ver. 7.0.15\n\r\n');
    await d.same(['LOLWUT', '5', '6', '7', '8']);
    await d.same(['lolwut', 'version']);
    for (const v of ['7', '-1', '4294967303', '0', '59', '49', '9999999999999']) await d.same(['LOLWUT', 'VERSION', v]);
    for (const bad of [['x'], ['5', 'a'], ['5', '10', '2', '\xff'], ['6', '1.5'], ['99999999999999999999']]) await d.same(['LOLWUT', 'VERSION', ...bad]);
  });

  it('VERSION 5 with one or two rows: the same drawing, limits included', async () => {
    for (const cols of ['1', '2', '3', '5', '17', '66', '1000', '0', '-3', '5000']) {
      for (const perRow of ['1', '3', '8', '200', '500', '0']) {
        for (const perCol of ['1', '2', '-1']) await d.same(['LOLWUT', 'VERSION', '5', cols, perRow, perCol]);
      }
    }
    // 4.9 draws Schotter too.
    await d.same(['LOLWUT', 'VERSION', '4294967300', '20', '4', '1']);
  });

  it('VERSION 6 and random Schotter: the same shape (the colors and displacements are random)', async () => {
    // The bulk length aside: the gray codes differ in length.
    const grays = (b: Buffer): string => b.latin1Slice().replace(/^\$\d+\r\n/, '').replace(/\x1b\[0;(30;40|90;100|37;47|97;107)m \x1b\[0m/g, '#');
    for (const args of [[], ['30', '8'], ['1', '1'], ['2000', '0']]) {
      const [nb, rb] = await d.both('LOLWUT', 'VERSION', '6', ...args);
      expect(grays(nb)).toBe(grays(rb));
    }
    // Default Schotter: 12 rows, random from the third; the same size and footer.
    const [n5, r5] = await d.both('LOLWUT', 'VERSION', '5');
    const shape = (b: Buffer): string[] => b.latin1Slice().split('\n').map((l) => `${l.length}`);
    expect(shape(n5)).toEqual(shape(r5));
    expect(n5.latin1Slice()).toContain('\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. 7.0.15\n');
  });

  it('RESP3: a verbatim string of type txt', async () => {
    const [n, r] = await d.connectBoth();
    try {
      for (const c of [n, r]) await c.call('HELLO', '3');
      const [nb, rb] = await Promise.all([n.callStr('LOLWUT'), r.callStr('LOLWUT')]);
      expect(nb).toBe('=22\r\ntxt:Redis ver. 7.0.15\n\r\n');
      expect(nb).toBe(rb);
      const args = ['LOLWUT', 'VERSION', '5', '9', '3', '2'];
      const [n5, r5] = await Promise.all([n.callStr(...args), r.callStr(...args)]);
      expect(n5).toBe(r5);
    } finally {
      n.close();
      r.close();
    }
  });
});
