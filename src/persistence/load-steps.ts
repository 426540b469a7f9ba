/**
 * Loads in steps. A loader (RDB file, AOF files) is a generator that
 * yields the bytes read so far every so often; between two steps the
 * server may serve events, as Redis does from its loading progress
 * callback (processEventsWhileBlocked()). Start-up and a replica's load
 * of its primary's RDB let the event loop turn; commands that load (DEBUG
 * RELOAD, DEBUG LOADAOF) run to the end.
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

/** A load given up between two steps (runLoadStepsAsync()'s `onStep` said stop). */
export class LoadAbandoned extends Error {
  constructor() {
    super('load abandoned');
  }
}

/**
 * Run a loader's steps to the end, letting the event loop turn between
 * two. `onStep` sees each value yielded; returning false gives the load up
 * (the promise rejects with LoadAbandoned); a promise holds the next step
 * until it settles (input still arriving), with the same meaning.
 */
export function runLoadStepsAsync<R>(steps: LoadSteps<R>, onStep?: (pos: number) => boolean | Promise<boolean>): Promise<R> {
  return new Promise((resolve, reject) => {
    const fail = (e: unknown): void => {
      // Left suspended (abandoned, or `onStep` threw): its finally blocks run now.
      steps.return(undefined as never);
      reject(e);
    };
    const go = (ok: boolean): void => {
      if (ok) setImmediate(step);
      else fail(new LoadAbandoned());
    };
    const step = (): void => {
      try {
        const r = steps.next();
        if (r.done === true) {
          resolve(r.value);
          return;
        }
        const next = onStep === undefined ? true : onStep(r.value);
        if (typeof next === 'boolean') go(next);
        else next.then(go, fail);
      } catch (e) {
        fail(e);
      }
    };
    step();
  });
}
