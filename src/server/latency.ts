/** The latency monitor (latency.c): per-event samples and maxima. */
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
    let n = 0;
    for (const e of events) if (this.events.delete(e)) n++;
    return n;
  }
}
