/** The latency monitor (latency.c): per-event samples and maxima. */
import { bitLength } from '../util/numbers.js';

const LATENCY_TS_LEN = 160;

export interface LatencySample {
  time: number; // unix seconds
  latency: number; // milliseconds
}

export interface LatencyEvent {
  samples: LatencySample[];
  max: number;
}

export class LatencyMonitor {
  readonly events = new Map<string, LatencyEvent>();

  /** latencyAddSample(): one sample per second per event (the max wins). */
  addSample(event: string, ms: number, nowSec = Math.floor(Date.now() / 1000)): void {
    let ev = this.events.get(event);
    if (!ev) {
      ev = { samples: [], max: 0 };
      this.events.set(event, ev);
    }
    if (ms > ev.max) ev.max = ms;
    const last = ev.samples[ev.samples.length - 1];
    if (last && last.time === nowSec) {
      if (ms > last.latency) last.latency = ms;
      return;
    }
    ev.samples.push({ time: nowSec, latency: ms });
    if (ev.samples.length > LATENCY_TS_LEN) ev.samples.shift();
  }

  /** LATENCY RESET [event...]: returns how many events were reset. */
  reset(events: string[]): number {
    if (events.length === 0) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    // Event names match case-insensitively, one reset per stored event.
    let n = 0;
    for (const e of events) {
      const want = e.toLowerCase();
      for (const name of [...this.events.keys()]) {
        if (name.toLowerCase() === want) {
          this.events.delete(name);
          n++;
        }
      }
    }
    return n;
  }

  /** Per-command latency histograms (INFO latencystats, LATENCY HISTOGRAM). */
  readonly histograms = new HistogramMap();
  /** The histogram of the command recorded last, valid while `histograms` had no entry removed. */
  private lastCmd: object | null = null;
  private lastHist: LatencyHistogram | null = null;
  private lastVersion = -1;

  /** Record one execution of `cmd` that took `usec` microseconds. */
  recordCommand(cmd: object, usec: number): void {
    let h = this.lastHist;
    if (cmd !== this.lastCmd || this.lastVersion !== this.histograms.version || h === null) {
      h = this.histograms.get(cmd) ?? null;
      if (h === null) {
        h = new LatencyHistogram();
        this.histograms.set(cmd, h);
      }
      this.lastCmd = cmd;
      this.lastHist = h;
      this.lastVersion = this.histograms.version;
    }
    h.record(usec * 1000);
  }
}

/*
 * A latency histogram with the layout of an HdrHistogram tracking 1 ns to
 * 1 s with 2 significant digits (what Redis uses per command), so that
 * percentiles and the logarithmic CDF come out with the same bucket
 * boundaries: 128 linear sub-buckets per power of two above 256 ns.
 */
const HIST_MIN = 1;
const HIST_MAX = 1_000_000_000;
const SUB_HALF_MAG = 7;
const SUB_HALF = 1 << SUB_HALF_MAG; // 128
const SUB_COUNT = SUB_HALF * 2; // 256
const SUB_MASK = SUB_COUNT - 1;
/** Buckets needed so that SUB_COUNT << (buckets - 1) exceeds HIST_MAX. */
const BUCKETS = 23;
const COUNTS_LEN = (BUCKETS + 1) * SUB_HALF;

/** v | SUB_MASK, safe above 2^32. */
function maskOr(v: number): number {
  return v < 0x100000000 ? (v | SUB_MASK) >>> 0 : v;
}

function bucketIndex(v: number): number {
  return bitLength(maskOr(v)) - (SUB_HALF_MAG + 1);
}

function subBucketIndex(v: number, bucket: number): number {
  return Math.floor(v / 2 ** bucket);
}

function valueAtIndex(index: number): number {
  let bucket = (index >> SUB_HALF_MAG) - 1;
  let sub = (index & (SUB_HALF - 1)) + SUB_HALF;
  if (bucket < 0) {
    sub -= SUB_HALF;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

function lowestEquivalent(v: number): number {
  const b = bucketIndex(v);
  return subBucketIndex(v, b) * 2 ** b;
}

function rangeSize(v: number): number {
  const b = bucketIndex(v);
  return 2 ** (subBucketIndex(v, b) >= SUB_COUNT ? b + 1 : b);
}

function highestEquivalent(v: number): number {
  return lowestEquivalent(v) + rangeSize(v) - 1;
}

/** The histograms by command; `version` changes whenever an entry is removed or replaced. */
class HistogramMap extends Map<object, LatencyHistogram> {
  version = 0;

  override set(key: object, value: LatencyHistogram): this {
    if (super.has(key)) this.version++;
    return super.set(key, value);
  }

  override delete(key: object): boolean {
    this.version++;
    return super.delete(key);
  }

  override clear(): void {
    this.version++;
    super.clear();
  }
}

export class LatencyHistogram {
  readonly counts = new Float64Array(COUNTS_LEN);
  total = 0;

  /** Add a sample in nanoseconds (clamped to the tracked range). */
  record(ns: number): void {
    const v = ns < HIST_MIN ? HIST_MIN : ns > HIST_MAX ? HIST_MAX : Math.floor(ns);
    const b = bitLength((v | SUB_MASK) >>> 0) - (SUB_HALF_MAG + 1);
    const sub = v >>> b;
    this.counts[((b + 1) << SUB_HALF_MAG) + sub - SUB_HALF]++;
    this.total++;
  }

  /** hdr_value_at_percentile(): in nanoseconds. */
  valueAtPercentile(percentile: number): number {
    const p = percentile < 100 ? percentile : 100;
    let want = Math.floor((p / 100) * this.total + 0.5);
    if (want < 1) want = 1;
    let acc = 0;
    let value = 0;
    for (let i = 0; i < COUNTS_LEN; i++) {
      acc += this.counts[i];
      if (acc >= want) {
        value = valueAtIndex(i);
        break;
      }
    }
    return percentile === 0 ? lowestEquivalent(value) : highestEquivalent(value);
  }

  /**
   * The cumulative distribution reported by LATENCY HISTOGRAM: a logarithmic
   * walk (first level 1024 ns, base 2) yielding [usec, cumulativeCount] at
   * each level where the count grew.
   */
  cdf(): [number, number][] {
    const out: [number, number][] = [];
    let index = -1;
    let cumulative = 0;
    let value = 0;
    let highest = 0;
    let level = 1024;
    let levelLowest = lowestEquivalent(level);
    let previous = 0;
    const moveNext = (): boolean => {
      index++;
      if (index >= COUNTS_LEN) return false;
      cumulative += this.counts[index];
      value = valueAtIndex(index);
      highest = lowestEquivalent(value) + rangeSize(value) - 1;
      return true;
    };
    for (;;) {
      if (!(cumulative < this.total || (index < COUNTS_LEN && valueAtIndex(index + 1) > levelLowest))) break;
      for (;;) {
        if (value >= levelLowest) {
          level *= 2;
          levelLowest = lowestEquivalent(level);
          break;
        }
        if (!moveNext()) break;
      }
      if (cumulative > previous) out.push([Math.floor(highest / 1000), cumulative]);
      previous = cumulative;
    }
    return out;
  }
}
