/**
 * Sleeping the whole process, as Redis's usleep()/nanosleep() blocks its
 * event loop: the DEBUG SLEEP family, debugger polling, paced test delays.
 */
const CELL = new Int32Array(new SharedArrayBuffer(4));

/** Block the process for `ms` milliseconds (fractions allowed). */
export function sleepSync(ms: number): void {
  if (!(ms > 0)) return;
  Atomics.wait(CELL, 0, 0, ms);
}

/**
 * debugDelay() of debug.c (key-load-delay and friends): sleep `usec`
 * microseconds; a negative value sleeps 1 µs once in -usec calls on
 * average, since even the shortest sleep costs a system call.
 */
export function debugDelay(usec: number): void {
  if (usec < 0) usec = Math.floor(Math.random() * -usec) === 0 ? 1 : 0;
  if (usec > 0) sleepSync(usec / 1000);
}
