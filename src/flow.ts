/**
 * Flow control (docs/protocol.md, "Flow control"): plain counters and the rules that move them,
 * with no I/O. A stream's send half keeps one number (the peer's credit to us, see `addCredit`);
 * its receive half is a ReceiveWindow (stream-recv.ts extends it).
 */

/** Largest window a WNDINC may take a sender to: the 31-bit increment's range. */
export const MAX_WINDOW = 0x7fffffff;

/** Credit to send after a WNDINC of `increment`, capped at what a 31-bit window can express. */
export function addCredit(credit: number, increment: number): number {
  return Math.min(credit + increment, MAX_WINDOW);
}

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
export function grownWindow(window: number, maxWindow: number, readerKeepsUp: boolean): number {
  return readerKeepsUp && window < maxWindow ? Math.min(window * 2, maxWindow) : window;
}

/** One stream's receive direction: what the peer may still send, and what we owe it. */
export class ReceiveWindow {
  /** Bytes the peer may still send before it overruns the window. */
  credit: number;
  /** The window: the session's windowSize, grown by auto-tuning. */
  size: number;
  /** Bytes the application consumed that have not been granted back yet. */
  private ungranted = 0;

  constructor(size: number) {
    this.credit = size;
    this.size = size;
  }

  /**
   * `n` payload bytes arrived. False when they overrun the credit granted: the receiver then resets
   * the stream with FlowControlError (the session goes on).
   */
  admit(n: number): boolean {
    this.credit -= n;
    return this.credit >= 0;
  }

  /**
   * The application consumed `n` bytes. Returns the increment to grant now, or 0 while the batch is
   * below the threshold. `readerKeepsUp` lets the window grow (up to `maxSize`) with this grant.
   */
  consume(n: number, maxSize: number, readerKeepsUp: boolean): number {
    this.ungranted += n;
    if (this.ungranted < creditThreshold(this.size)) return 0;
    const size = grownWindow(this.size, maxSize, readerKeepsUp);
    const grant = this.ungranted + (size - this.size);
    this.size = size;
    this.ungranted = 0;
    this.credit += grant;
    return grant;
  }
}
