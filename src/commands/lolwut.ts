/**
 * LOLWUT [VERSION v] [...]: computer art and the server version
 * (lolwut.c, lolwut5.c, lolwut6.c). Redis 7.0 has no art of its own, so
 * LOLWUT prints "Redis ver. 7.0.15"; VERSION 5 draws Georg Nees's
 * "Schotter" in braille characters, VERSION 6 a skyline in terminal gray
 * levels. The drawings are random, as in Redis.
 */
import type { Client } from '../server/client.js';
import { REDIS_COMPAT_VERSION } from '../server/config-file.js';
import { cmd } from './table.js';
import type { CommandSpec } from './types.js';
import { getLongLong, getLongLongBig } from './args.js';

/** A canvas of small integer colors (lwCanvas); writes outside it are dropped. */
export class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    bg: number,
  ) {
    this.pixels = new Uint8Array(width * height).fill(bg);
  }

  set(x: number, y: number, color: number): void {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return;
    this.pixels[x + y * this.width] = color;
  }

  get(x: number, y: number): number {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return 0;
    return this.pixels[x + y * this.width];
  }

  /** Bresenham's line from (x1,y1) to (x2,y2). */
  line(x1: number, y1: number, x2: number, y2: number, color: number): void {
    const dx = Math.abs(x2 - x1);
    const dy = Math.abs(y2 - y1);
    const sx = x1 < x2 ? 1 : -1;
    const sy = y1 < y2 ? 1 : -1;
    let err = dx - dy;
    for (;;) {
      this.set(x1, y1, color);
      if (x1 === x2 && y1 === y2) break;
      const e2 = err * 2;
      if (e2 > -dy) {
        err -= dy;
        x1 += sx;
      }
      if (e2 < dx) {
        err += dx;
        y1 += sy;
      }
    }
  }

  /** A square centred on (x,y), `size` wide, rotated by `angle` radians. */
  square(x: number, y: number, size: number, angle: number, color: number): void {
    // `size` is a C float divided by a double literal; the arithmetic below
    // follows C's float/double promotions so the drawing is Redis's pixel for pixel.
    const half = f(cRound(f(size / 1.4142135623)));
    const px: number[] = [];
    const py: number[] = [];
    let k = f(Math.PI / 4 + angle);
    for (let j = 0; j < 4; j++) {
      px.push(cRound(Math.sin(k) * half + x));
      py.push(cRound(Math.cos(k) * half + y));
      k = f(k + Math.PI / 2);
    }
    for (let j = 0; j < 4; j++) this.line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], color);
  }
}

/** A C float. */
const f = Math.fround;

/** C's round(): halves away from zero. */
function cRound(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/** rand() / RAND_MAX, and rand() % n. */
const rand01 = (): number => Math.random();
const randBelow = (n: number): number => Math.floor(Math.random() * n);

/** lwDrawSchotter(): squares that rotate and drift more from the third row down. */
export function schotter(cols: number, perRow: number, perCol: number, random = rand01): Canvas {
  const width = cols * 2;
  const padding = width > 4 ? 2 : 0;
  const side = f(f(width - padding * 2) / perRow);
  const canvas = new Canvas(width, Math.trunc(f(f(side * perCol) + padding * 2)), 0);
  const centre = (i: number): number => Math.trunc(f(f(f(i * side) + f(side / 2)) + padding));
  const draw = (y: number): number => f(f(f(random()) / perCol) * y);
  for (let y = 0; y < perCol; y++) {
    for (let x = 0; x < perRow; x++) {
      let sx = centre(x);
      let sy = centre(y);
      let angle = 0;
      if (y > 1) {
        let r1 = draw(y);
        let r2 = draw(y);
        let r3 = draw(y);
        if (random() < 0.5) r1 = -r1;
        if (random() < 0.5) r2 = -r2;
        if (random() < 0.5) r3 = -r3;
        angle = r1;
        sx = Math.trunc(f(sx + f(f(r2 * side) / 3)));
        sy = Math.trunc(f(sy + f(f(r3 * side) / 3)));
      }
      canvas.square(sx, sy, side, angle, 1);
    }
  }
  return canvas;
}

/** lolwut5's renderCanvas(): 2x4 pixels per braille character, UTF-8 encoded (a byte string). */
export function renderBraille(canvas: Canvas): string {
  let out = '';
  for (let y = 0; y < canvas.height; y += 4) {
    for (let x = 0; x < canvas.width; x += 2) {
      let byte = 0;
      if (canvas.get(x, y)) byte |= 1 << 0;
      if (canvas.get(x, y + 1)) byte |= 1 << 1;
      if (canvas.get(x, y + 2)) byte |= 1 << 2;
      if (canvas.get(x + 1, y)) byte |= 1 << 3;
      if (canvas.get(x + 1, y + 1)) byte |= 1 << 4;
      if (canvas.get(x + 1, y + 2)) byte |= 1 << 5;
      if (canvas.get(x, y + 3)) byte |= 1 << 6;
      if (canvas.get(x + 1, y + 3)) byte |= 1 << 7;
      const code = 0x2800 + byte;
      out += String.fromCharCode(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    }
    if (y !== canvas.height - 1) out += '\n';
  }
  return out;
}

interface Skyscraper {
  xoff: number;
  width: number;
  height: number;
  windows: boolean;
  color: number;
}

/** generateSkyscraper(): a building, its roof narrower, lit windows in the two grays. */
function skyscraper(canvas: Canvas, s: Skyscraper): void {
  const starty = canvas.height - 1;
  const endy = starty - s.height + 1;
  for (let y = starty; y >= endy; y--) {
    for (let x = s.xoff; x < s.xoff + s.width; x++) {
      if (y === endy && (x <= s.xoff + 1 || x >= s.xoff + s.width - 2)) continue;
      let color = s.color;
      if (s.windows && x > s.xoff + 1 && x < s.xoff + s.width - 2 && y > endy + 1 && y < starty - 1) {
        const relx = x - (s.xoff + 1);
        const rely = y - (endy + 1);
        if (Math.trunc(relx / 2) % 2 && rely % 2) {
          do {
            color = 1 + randBelow(2);
          } while (color === s.color);
          if (relx % 2) color = canvas.get(x - 1, y);
        }
      }
      canvas.set(x, y, color);
    }
  }
}

/** generateSkyline(): two rows of gray buildings behind a black one with windows. */
export function skyline(cols: number, rows: number): Canvas {
  const canvas = new Canvas(cols, rows, 3);
  const h = canvas.height;
  for (let color = 2; color >= 1; color--) {
    for (let offset = -10; offset < canvas.width; ) {
      offset += randBelow(8);
      const width = 10 + randBelow(9);
      // C precedence: rand() % height / 2 is (rand() % height) / 2.
      const height = Math.trunc(h / 2) + Math.trunc(randBelow(h) / (color === 2 ? 2 : 3));
      skyscraper(canvas, { xoff: offset, width, height, windows: false, color });
      offset += color === 2 ? Math.trunc(width / 2) : width + 1;
    }
  }
  for (let offset = -10; offset < canvas.width; ) {
    offset += randBelow(8);
    let width = 5 + randBelow(14);
    if (width % 4) width += width % 3;
    const height = Math.trunc(h / 3) + Math.trunc(randBelow(h) / 2);
    skyscraper(canvas, { xoff: offset, width, height, windows: true, color: 0 });
    offset += width + 5;
  }
  return canvas;
}

const GRAYS = ['0;30;40m', '0;90;100m', '0;37;47m', '0;97;107m'];

/** lolwut6's renderCanvas(): one space per pixel, colored by escape sequences. */
export function renderGrays(canvas: Canvas): string {
  let out = '';
  for (let y = 0; y < canvas.height; y++) {
    for (let x = 0; x < canvas.width; x++) out += `\x1b[${GRAYS[canvas.get(x, y)] ?? GRAYS[0]} \x1b[0m`;
    if (y !== canvas.height - 1) out += '\n';
  }
  return out;
}

const clamp = (v: number, min: number, max: number): number => Math.min(max, Math.max(min, v));

/** The optional numeric arguments of a version: getLongFromObjectOrReply() each, then the limits. */
function numArgs(args: string[], defaults: number[], limits: [number, number][]): number[] {
  return defaults.map((d, i) => clamp(i < args.length ? getLongLong(args[i]) : d, limits[i][0], limits[i][1]));
}

function lolwutCommand(c: Client, argv: string[]): void {
  let version = REDIS_COMPAT_VERSION;
  let args = argv.slice(1);
  if (argv.length >= 3 && argv[1].toLowerCase() === 'version') {
    version = `${BigInt.asUintN(32, getLongLongBig(argv[2]))}.0.0`;
    args = argv.slice(3);
  }
  const [v0, v1, v2] = version;
  let text: string;
  if ((v0 === '5' && v1 === '.' && v2 !== '9') || (v0 === '4' && v1 === '.' && v2 === '9')) {
    const [cols, perRow, perCol] = numArgs(args, [66, 8, 12], [[1, 1000], [1, 200], [1, 200]]);
    text = `${renderBraille(schotter(cols, perRow, perCol))}\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. `;
  } else if ((v0 === '6' && v1 === '.' && v2 !== '9') || (v0 === '5' && v1 === '.' && v2 === '9')) {
    const [cols, rows] = numArgs(args, [80, 20], [[1, 1000], [1, 1000]]);
    text =
      `${renderGrays(skyline(cols, rows))}\nDedicated to the 8 bit game developers of past and present.\n` +
      'Original 8 bit image from Plaguemon by hikikomori. Redis ver. ';
  } else {
    text = 'Redis ver. ';
  }
  c.addReplyVerbatim(`${text}${REDIS_COMPAT_VERSION}\n`, 'txt');
}

export const lolwutCommands: CommandSpec[] = [cmd('lolwut', -1, ['readonly', 'fast'], [0, 0, 0], { handler: lolwutCommand })];
