/**
 * LatencyMonitor.recordCommand() remembers the histogram of the command it
 * recorded last; removing or replacing histograms (CONFIG RESETSTAT clears
 * them) must not leave it recording into one the map no longer holds.
 */
import { describe, expect, it } from 'vitest';
import { LatencyHistogram, LatencyMonitor } from '../../src/server/latency.js';

describe('LatencyMonitor.recordCommand()', () => {
  it('records consecutive samples of a command into its histogram', () => {
    const m = new LatencyMonitor();
    const get = {};
    const set = {};
    m.recordCommand(get, 5);
    m.recordCommand(get, 7);
    m.recordCommand(set, 1);
    m.recordCommand(get, 9);
    expect(m.histograms.get(get)!.total).toBe(3);
    expect(m.histograms.get(set)!.total).toBe(1);
  });

  it('after clear() the next sample starts a histogram in the map', () => {
    const m = new LatencyMonitor();
    const get = {};
    m.recordCommand(get, 5);
    m.histograms.clear();
    m.recordCommand(get, 6);
    expect(m.histograms.get(get)!.total).toBe(1);
  });

  it('after delete() or a replaced entry, samples go to the histogram the map holds', () => {
    const m = new LatencyMonitor();
    const get = {};
    m.recordCommand(get, 5);
    m.histograms.delete(get);
    m.recordCommand(get, 6);
    expect(m.histograms.get(get)!.total).toBe(1);
    const fresh = new LatencyHistogram();
    m.histograms.set(get, fresh);
    m.recordCommand(get, 7);
    expect(fresh.total).toBe(1);
  });
});
