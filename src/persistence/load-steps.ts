/**
 * Loads in steps. A loader (RDB file, AOF files) is a generator that
 * yields the bytes read so far every so often; between two steps the
 * server may serve events, as Redis does from its loading progress
 * callback (processEventsWhileBlocked()). Start-up lets the event loop
 * turn; commands that load (DEBUG RELOAD, DEBUG LOADAOF) run to the end.
 */
export type LoadSteps<R> = Generator<number, R, void>;

/** Run a loader's steps to the end, calling `onStep` with each offset it yields. */
export function runLoadSteps<R>(steps: LoadSteps<R>, onStep?: (pos: number) => void): R {
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
    onStep?.(r.value);
  }
}

/** Run a loader's steps to the end, letting the event loop turn between two. */
export function runLoadStepsAsync<R>(steps: LoadSteps<R>): Promise<R> {
  return new Promise((resolve, reject) => {
    const step = (): void => {
      try {
        const r = steps.next();
        if (r.done === true) resolve(r.value);
        else setImmediate(step);
      } catch (e) {
        reject(e);
      }
    };
    step();
  });
}
