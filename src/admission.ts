import { AcceptQueue } from "./accept-queue.js";
import type { MuxError } from "./errors.js";

/**
 * Where a new stream the peer opened goes: to the application's accept queue while it has room,
 * and otherwise, for a short grace, nowhere: the session stops reading until a running accept loop
 * has made room, then takes the stream and goes on (docs/protocol.md, "Opening a stream"; Go's
 * reader waits the same way, for 1 ms).
 *
 * A transport chunk holds many frames and is decoded in one go, so without the wait a burst of new
 * streams larger than the backlog would be refused before the application's accept loop got a
 * single turn. The wait is bounded by GRACE_MS: an application that does not take a stream within
 * it is not accepting, so the stream is refused with AcceptQueueFull, reading goes on, and until
 * the application takes a stream again every stream beyond the backlog is refused at once, with no
 * wait. So reading stops for at most GRACE_MS each time the application stops accepting, which
 * is what keeps the other streams' data flowing meanwhile.
 */

/** Long enough for an accept loop on a busy event loop to get a turn; short enough to go unnoticed. */
export const GRACE_MS = 20;

/** What admission needs from its session. */
export interface AdmissionHost<T> {
  /** Stop decoding after the current frame (and stop reading the transport) until resumeReading(). */
  pauseReading(): void;
  resumeReading(): void;
  /** Answer RST AcceptQueueFull and forget the stream. */
  refuse(item: T): void;
}

export class Admission<T> {
  readonly queue: AcceptQueue<T>;
  /** Places held for streams not yet offered (typed streams waiting for their type). */
  private reserved = 0;
  /** The stream that found the queue full, while reading waits for the application. */
  private waiting: T | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The application let a grace pass without taking a stream: refuse at once until it takes one. */
  private stalled = false;

  constructor(
    readonly backlog: number,
    private readonly host: AdmissionHost<T>,
    private readonly dead: (item: T) => boolean,
  ) {
    this.queue = new AcceptQueue<T>(dead, () => this.taken());
  }

  /** Holds a place in the backlog for a stream that will be offered later (or end first). */
  reserve(): void {
    this.reserved++;
  }

  release(): void {
    this.reserved--;
  }

  /** A new stream for the application. */
  offer(item: T): void {
    if (!this.full()) {
      this.queue.push(item);
      return;
    }
    if (this.waiting === null && !this.stalled) {
      this.waiting = item;
      this.host.pauseReading();
      this.timer = setTimeout(() => this.expire(), GRACE_MS);
      return;
    }
    this.host.refuse(item);
  }

  /**
   * Whether a new stream would be refused at once (the queue is full and a stream already waits,
   * or the application is not accepting): the session then refuses it without building it.
   */
  refusesNow(): boolean {
    return this.full() && (this.waiting !== null || this.stalled);
  }

  /** The session ended: nothing waits any more. */
  close(err: MuxError): void {
    this.clearTimer();
    this.waiting = null;
    this.queue.close(err);
  }

  private full(): boolean {
    return this.queue.length + this.reserved >= this.backlog;
  }

  /** The application took a stream, or waits for one: there is room, and it is accepting. */
  private taken(): void {
    this.stalled = false;
    const waiting = this.waiting;
    if (waiting === null || this.full()) return;
    this.waiting = null;
    this.clearTimer();
    if (!this.dead(waiting)) this.queue.push(waiting);
    this.host.resumeReading();
  }

  private expire(): void {
    this.timer = null;
    const waiting = this.waiting;
    if (waiting === null) return;
    this.waiting = null;
    this.stalled = true;
    this.host.refuse(waiting);
    this.host.resumeReading();
  }

  private clearTimer(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
  }
}
