/**
 * LOLWUT's drawing: the canvas primitives, Schotter's growing disorder,
 * and the skyline's size, colors and rendering.
 */
import { describe, expect, it } from 'vitest';
import { Canvas, renderBraille, renderGrays, schotter, skyline } from '../../src/commands/lolwut.js';

describe('Canvas', () => {
  it('drops pixels outside, reads them as 0; a line covers both ends', () => {
    const c = new Canvas(4, 3, 0);
    c.set(-1, 0, 1);
    c.set(4, 2, 1);
    expect([...c.pixels].every((p) => p === 0)).toBe(true);
    expect(c.get(10, 10)).toBe(0);
    c.line(0, 0, 3, 2, 1);
    expect(c.get(0, 0)).toBe(1);
    expect(c.get(3, 2)).toBe(1);
    expect([...c.pixels].filter((p) => p === 1).length).toBe(4);
  });

  it('braille: 2x4 pixels per character, bits as the dots are numbered', () => {
    const c = new Canvas(2, 4, 0);
    c.set(0, 0, 1); // dot 1: bit 0
    c.set(1, 3, 1); // dot 8: bit 7
    const s = renderBraille(c);
    expect(Buffer.from(s, 'latin1').toString('utf8')).toBe(String.fromCodePoint(0x2800 + 0x81) + '\n');
  });
});

describe('schotter', () => {
  const rows = (canvas: Canvas): string[] => renderBraille(canvas).split('\n');

  it('the first two rows of squares never move; the later ones do', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const still = schotter(40, 5, 12, () => 0);
    const moved = schotter(40, 5, 12, random);
    expect(still.height).toBe(moved.height);
    const [a, b] = [rows(still), rows(moved)];
    // Squares 15.2 pixels wide from pixel 2: rows 0 and 1 fill text lines 0-7,
    // and a square of row 2, rotated or moved up, may reach into line 7.
    expect(b.slice(0, 7)).toEqual(a.slice(0, 7));
    for (let line = 8; line < a.length - 8; line += 8) expect(b.slice(line, line + 8)).not.toEqual(a.slice(line, line + 8));
  });
});

describe('skyline', () => {
  it('fills a cols x rows canvas with the four grays, buildings rising from the ground', () => {
    for (let i = 0; i < 20; i++) {
      const c = skyline(80, 20);
      expect([c.width, c.height]).toEqual([80, 20]);
      expect([...c.pixels].every((p) => p >= 0 && p <= 3)).toBe(true);
      // The bottom row is all buildings; the top row is mostly sky.
      const bottom = [...c.pixels.subarray(19 * 80)];
      expect(bottom.filter((p) => p === 3).length).toBeLessThan(10);
      expect([...c.pixels.subarray(0, 80)].filter((p) => p === 3).length).toBeGreaterThan(40);
    }
  });

  it('renders one colored space per pixel, rows joined by newlines', () => {
    const c = new Canvas(3, 2, 3);
    c.set(1, 1, 0);
    expect(renderGrays(c)).toBe(
      '\x1b[0;97;107m \x1b[0m'.repeat(3) + '\n' + '\x1b[0;97;107m \x1b[0m\x1b[0;30;40m \x1b[0m\x1b[0;97;107m \x1b[0m',
    );
  });
});
