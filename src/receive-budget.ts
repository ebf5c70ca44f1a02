/**
 * The session-wide bound on the memory a peer can make this side hold (SessionOptions.receiveBudget):
 * the bytes of every stream's receive buffer (receive-buffer.ts counts them as held, blocks and
 * chunks included) plus a fixed charge for each stream the peer has open.
 *
 * Flow control bounds each stream by its window, but a session may hold many streams, each
 * with a full window; this bounds the sum. At the edge (see session.ts): receive windows stop
 * growing once half the budget is used, a new stream that would pass it is refused with RST
 * EnhanceYourCalm, and a stream whose data passes it is reset with EnhanceYourCalm (its buffer is
 * dropped, so the session is back under the budget after at most one frame over).
 */

/** What the session charges for a stream the peer opened, beyond its buffered bytes (an estimate
 * of a stream's own objects, measured at about 1.3 KB). */
export const STREAM_CHARGE = 1536;

export class ReceiveBudget {
  /** Bytes charged now. */
  used = 0;

  constructor(readonly limit: number) {}

  /** Charges `n` bytes; false, with nothing charged, when that would pass the limit. */
  tryCharge(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }

  /** Charges `n` bytes even past the limit (the caller then sees `exceeded` and acts). */
  charge(n: number): void {
    this.used += n;
  }

  release(n: number): void {
    this.used -= n;
  }

  get exceeded(): boolean {
    return this.used > this.limit;
  }

  /** Past half the budget: receive windows stop growing. */
  get pressed(): boolean {
    return this.used * 2 > this.limit;
  }
}
