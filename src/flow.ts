/**
 * Flow-control policy (docs/protocol.md, "Flow control"). The counters live on each stream as plain
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

/**
 * Receive-window auto-tuning. A stream whose application ran out of data and waited for more since
 * credit was last granted is limited by the window, not by its reader: its window doubles, up to
 * the session's maxWindowSize, by granting the extra with the same WNDINC (granting more than was
 * consumed is allowed; the receiver then promises to buffer that much). A reader that falls behind
 * always has data waiting and never grows its buffer. Returns the stream's new window.
 */
export function grownWindow(window: number, maxWindow: number, readerCaughtUp: boolean): number {
  return readerCaughtUp && window < maxWindow ? Math.min(window * 2, maxWindow) : window;
}

/** Largest window a WNDINC may take a sender to: the 31-bit increment's range. */
export const MAX_WINDOW = 0x7fffffff;
