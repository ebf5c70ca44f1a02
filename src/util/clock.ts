/**
 * Time as the engine's timers see it. The system clock in production; tests pass a fake one and
 * move it by hand (test/support/clock.ts).
 */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** setTimeout and performance.now(); timers never keep a process alive on their own. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    // Node, Deno and Bun offer unref; browsers and workers have nothing to keep alive.
    (timer as { unref?: () => void }).unref?.();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
