/**
 * fmtFixed(): printf("%.<n>f") as INFO and MEMORY STATS print ratios. Its
 * quick test for "not an exact tie" must agree with the exact decimal
 * expansion on every value, ties included. And the process memory figures
 * INFO and MEMORY STATS show, sampled as Redis's cron samples them.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { fmtFixed, genInfoString, memoryOverhead } from '../../src/server/info.js';
import { NodisServer } from '../../src/server/server.js';
import { silentLogger } from '../../src/server/logger.js';

/** printf's rounding from the exact decimal expansion (ties to even), digits <= 20. */
function reference(x: number, digits: number): string {
  const fixed = x.toFixed(digits);
  const exact = Math.abs(x).toFixed(Math.min(100, digits + 60));
  const dot = exact.indexOf('.');
  if (/^50*$/.test(exact.slice(dot + 1 + digits))) {
    const kept = digits === 0 ? exact.slice(0, dot) : exact.slice(0, dot + 1 + digits);
    if (Number(kept.charAt(kept.length - 1)) % 2 === 0) return (x < 0 ? '-' : '') + kept;
  }
  return fixed;
}

describe('fmtFixed()', () => {
  it('rounds exact ties to even and everything else as toFixed()', () => {
    expect(fmtFixed(0.125, 2)).toBe('0.12');
    expect(fmtFixed(0.375, 2)).toBe('0.38');
    expect(fmtFixed(-0.125, 2)).toBe('-0.12');
    expect(fmtFixed(1.5, 0)).toBe('2');
    expect(fmtFixed(2.5, 0)).toBe('2');
    expect(fmtFixed(1e20 + 0.5, 0)).toBe((1e20).toFixed(0));
    // 1.005 is a little under 1.005: no tie.
    expect(fmtFixed(1.005, 2)).toBe('1.00');
    expect(fmtFixed(Infinity, 2)).toBe('inf');
    expect(fmtFixed(-Infinity, 2)).toBe('-inf');
    expect(fmtFixed(NaN, 2)).toBe('nan');
  });

  it('agrees with the exact expansion on ties (k + 1/2) / 10^n and their neighbours', () => {
    for (let digits = 0; digits <= 4; digits++) {
      for (let k = 0; k < 5000; k++) {
        const tie = (k + 0.5) / 10 ** digits;
        for (const x of [tie, -tie, tie * (1 + Number.EPSILON), tie * (1 - Number.EPSILON)]) {
          expect(fmtFixed(x, digits), `${x} to ${digits}`).toBe(reference(x, digits));
        }
      }
    }
  });

  it('agrees with the exact expansion on arbitrary doubles', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
          fc.integer({ min: -(2 ** 30), max: 2 ** 30 }).map((n) => n / 1024),
          fc.float({ noNaN: true, noDefaultInfinity: true }).map((f) => Math.fround(f)),
        ),
        fc.integer({ min: 0, max: 6 }),
        (x, digits) => fmtFixed(x, digits) === reference(x, digits),
      ),
      { numRuns: 20000 },
    );
  });
});

describe('INFO memory process figures (cron_malloc_stats)', () => {
  const servers: NodisServer[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const s of servers.splice(0)) await s.close();
  });

  it('are sampled at most every 100 ms, with used_memory as it was then', () => {
    const server = new NodisServer({ config: { port: '0', save: '' }, logger: silentLogger() });
    servers.push(server);
    let now = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    let rss = 50_000_000;
    const usage = vi.spyOn(process, 'memoryUsage').mockImplementation(() => ({
      rss,
      heapTotal: 30_000_000,
      heapUsed: 20_000_000,
      external: 1_000_000,
      arrayBuffers: 0,
    }));
    const first = memoryOverhead(server);
    expect(usage).toHaveBeenCalledTimes(1);
    expect(first.rss).toBe(50_000_000);
    expect(first.totalFragBytes).toBe(50_000_000 - first.total);

    // Within 100 ms: the same sample, even though the process grew, and
    // the fragmentation is of the sampled used_memory.
    rss = 90_000_000;
    now += 99;
    const c = server.createClient(null);
    server.processCommand(c, ['SET', 'k\xff', 'v'.repeat(5000)]);
    const second = memoryOverhead(server);
    expect(usage).toHaveBeenCalledTimes(1);
    expect(second.rss).toBe(50_000_000);
    expect(second.total).toBeGreaterThan(first.total);
    expect(second.totalFragBytes).toBe(first.totalFragBytes);
    expect(genInfoString(server, ['memory'])).toContain('\r\nused_memory_rss:50000000\r\n');

    now += 1;
    const third = memoryOverhead(server);
    expect(usage).toHaveBeenCalledTimes(2);
    expect(third.rss).toBe(90_000_000);
    expect(third.totalFragBytes).toBe(90_000_000 - third.total);
  });
});
