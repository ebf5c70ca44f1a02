/**
 * Flow-control policy (PROTOCOL.md, "Flow control"). The counters live on each stream as plain
 * numbers (streams must stay small); the decisions live here.
 */

/**
 * Credit is granted back in batches: once the application has consumed half a window (hashicorp
 * yamux does the same). Go grants after every read; batching sends fewer frames and is still
 * Go-compatible, because a sender only ever waits for credit when it has a whole window in flight,
 * and then the reader consumes at least half a window before it waits again.
 */
export function creditThreshold(windowSize: number): number {
  return Math.max(1, windowSize >>> 1);
}

/** Largest window a WNDINC may take a sender to: the 31-bit increment's range. */
export const MAX_WINDOW = 0x7fffffff;
