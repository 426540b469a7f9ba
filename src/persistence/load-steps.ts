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
  try {
    for (;;) {
      const r = steps.next();
      if (r.done === true) return r.value;
      onStep?.(r.value);
    }
  } finally {
    // A step that threw leaves the loader suspended: its finally blocks
    // (stopLoading(), closing files) run now. A no-op once it returned.
    steps.return(undefined as never);
  }
}

/**
 * Pass the steps of an inner loader through, calling `onStep` with each
 * offset first; returns its result. Unlike `yield*`, lets the caller see
 * the offsets; abandoning the outer loader abandons the inner one too.
 */
export function* relaySteps<R>(steps: LoadSteps<R>, onStep: (pos: number) => number): LoadSteps<R> {
  try {
    for (;;) {
      const r = steps.next();
      if (r.done === true) return r.value;
      yield onStep(r.value);
    }
  } finally {
    steps.return(undefined as never);
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
