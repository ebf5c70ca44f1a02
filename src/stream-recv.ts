import { ErrorCode, MuxError } from "./errors.js";
import { ReceiveWindow } from "./flow.js";
import { type Pins, ReceiveBuffer } from "./receive-buffer.js";
import type { ReceiveBudget } from "./receive-budget.js";
import type { Scheduler } from "./scheduler.js";
import type { SessionCounters } from "./stats.js";
import { whenAborted } from "./util/abort.js";

/** Where the receiving direction is (docs/protocol.md, "Closing a stream"). */
export enum RecvState {
  /** DATA may arrive. */
  Open,
  /** The peer's FIN arrived; what is buffered is still to be read. */
  Finished,
  /** The reader has been told the stream ended (after Finished, once drained). */
  Ended,
  /** The application stopped reading: what was buffered is dropped, more DATA is refused. */
  Stopped,
  /** Reset, or the session ended: reads reject with the error. */
  Failed,
}

/** What the receive half needs from its stream. */
export interface RecvHost {
  readonly id: number;
  readonly scheduler: Scheduler;
  readonly budget: ReceiveBudget;
  readonly pins: Pins;
  readonly counters: SessionCounters;
  /** How far auto-tuning may grow the window (see flow.ts). */
  readonly maxWindowSize: number;
  /** Set by the session on a typed stream until its prefix is complete. */
  readonly prefix: PrefixReader | null;
  /** Why the stream failed (reset, or the session ended); set before the halves are told. */
  readonly failure: MuxError | null;
  /** The read direction is done for the life cycle: the peer's FIN arrived, or reading stopped. */
  readDone(): void;
}

/**
 * Bytes at the start of a stream that the session reads itself before the application sees any
 * (a typed stream's 4-byte type: extensions/typed.ts).
 */
export interface PrefixReader {
  /** Takes what it needs of `bytes`; returns the rest, for the application. */
  take(bytes: Uint8Array): Uint8Array;
  readonly complete: boolean;
}

const STOPPED = () => new MuxError(ErrorCode.StreamClosed, "stream closed");

/**
 * A stream's receiving direction: the rules for incoming DATA (window, FIN, data after the end),
 * the bytes waiting for the application (receive-buffer.ts, charged to the session's budget), the
 * one read that may wait for them, and the credit granted back as the application reads. Its
 * window's counters are flow.ts's ReceiveWindow, which it extends (one object per direction).
 */
export class RecvHalf extends ReceiveWindow {
  state = RecvState.Open;
  /** Payload bytes received. */
  bytesIn = 0;
  /** Received bytes the application has not taken; created when first needed. */
  private buffer: ReceiveBuffer | null = null;
  /**
   * The read waiting for data: its promise's two functions, kept here rather than in an object of
   * their own (a stream whose reader waits holds no more than that promise). Set together.
   */
  private waiting: ((chunk: Uint8Array | null) => void) | null = null;
  private failWaiting: ((err: unknown) => void) | null = null;
  /** The reader waited for data since credit was last granted: it keeps up (see flow.ts). */
  private starved = false;

  constructor(
    private readonly host: RecvHost,
    windowSize: number,
  ) {
    super(windowSize);
  }

  /**
   * DATA arrived (a frame, or a piece of one when `fin` is false). Returns 0, or the code to reset
   * the stream with: FlowControlError past the window, StreamClosed for data after the end.
   */
  receive(payload: Uint8Array, fin: boolean): number {
    let n = payload.length;
    if (this.state !== RecvState.Open) {
      // A repeated empty FIN is harmless (Go's Close() after CloseWrite()); data is not.
      if (n === 0 || this.state === RecvState.Failed) return 0;
      return ErrorCode.StreamClosed;
    }
    if (n > 0) {
      this.bytesIn += n;
      if (!this.admit(n)) return ErrorCode.FlowControlError;
      const prefix = this.host.prefix;
      if (prefix !== null) {
        const rest = prefix.take(payload);
        // The session read those bytes itself: they count as consumed.
        this.consumed(n - rest.length);
        payload = rest;
        n = rest.length;
      }
      if (n > 0) this.queue(payload);
    }
    if (fin) {
      // A stream that ends before its prefix (a typed stream's type) cannot be accepted.
      const prefix = this.host.prefix;
      if (prefix !== null && !prefix.complete) return ErrorCode.ProtocolError;
      this.state = RecvState.Finished;
      if (this.waiting !== null && this.queued === 0) this.end();
      this.host.readDone();
    }
    return 0;
  }

  /**
   * The next chunk, or null at the end of the stream. One read at a time. An aborted read rejects
   * with the signal's reason and takes nothing: what arrives later waits for the next read.
   */
  read(signal?: AbortSignal): Promise<Uint8Array | null> {
    if (this.waiting !== null) return Promise.reject(new TypeError("a read is already pending on this stream"));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.queued > 0) return Promise.resolve(this.take());
    return new Promise((resolve, reject) => {
      if (signal === undefined || this.state !== RecvState.Open) return this.readThen(resolve, reject);
      const stop = whenAborted(signal, () => {
        if (this.waiting !== waiting) return;
        this.waiting = this.failWaiting = null;
        reject(signal.reason);
      });
      const waiting = (chunk: Uint8Array | null) => {
        stop();
        resolve(chunk);
      };
      this.readThen(waiting, (err) => {
        stop();
        reject(err);
      });
    });
  }

  /**
   * read() with callbacks instead of a promise, for the WHATWG face's pull: `deliver` gets the next
   * chunk (null at the end) or `fail` the error, once, maybe before this returns. While a read
   * waits, another call is ignored (the one waiting will deliver).
   */
  readThen(deliver: (chunk: Uint8Array | null) => void, fail: (err: unknown) => void): void {
    if (this.waiting !== null) return;
    if (this.queued > 0) {
      deliver(this.take());
      return;
    }
    switch (this.state) {
      case RecvState.Open:
        this.starved = true;
        this.waiting = deliver;
        this.failWaiting = fail;
        break;
      case RecvState.Finished:
      case RecvState.Ended:
        this.end();
        deliver(null);
        break;
      case RecvState.Stopped:
        fail(STOPPED());
        break;
      case RecvState.Failed:
        fail(this.host.failure);
        break;
    }
  }

  /** The application stops reading: what is buffered is dropped, the peer's further DATA refused. */
  stop(): void {
    if (this.state === RecvState.Stopped || this.state === RecvState.Failed) return;
    const wasOpen = this.state === RecvState.Open;
    this.state = RecvState.Stopped;
    this.drop();
    this.settleWaiting(STOPPED());
    if (wasOpen) this.host.readDone();
  }

  /**
   * Reset, or the session ended. Pending and later reads reject with `err`, except that when the
   * session ends after the peer's FIN arrived, the data before that FIN stays readable: the peer
   * finished that direction cleanly.
   */
  fail(err: MuxError, keepFinished: boolean): void {
    // A reader that saw the end, or stopped reading, has nothing left to fail.
    if (this.state === RecvState.Failed || this.state === RecvState.Stopped || this.state === RecvState.Ended) return;
    if (keepFinished && this.state === RecvState.Finished) return;
    this.state = RecvState.Failed;
    this.drop();
    this.settleWaiting(err);
  }

  /** Received bytes the application has not taken. */
  get bufferedBytes(): number {
    return this.buffer === null ? 0 : this.buffer.bytes;
  }

  /** Whether this direction is over for the life cycle: FIN received, or reading stopped. */
  get done(): boolean {
    return this.state === RecvState.Finished || this.state === RecvState.Ended || this.state === RecvState.Stopped;
  }

  private get queued(): number {
    return this.buffer === null ? 0 : this.buffer.length;
  }

  private queue(payload: Uint8Array): void {
    const waiting = this.waiting;
    if (waiting !== null) {
      // Straight to the waiting reader: nothing is buffered. Counted before it is handed over: a
      // byte stream's enqueue() may transfer (detach) the payload's buffer.
      this.waiting = this.failWaiting = null;
      const n = payload.length;
      waiting(payload);
      this.consumed(n);
      return;
    }
    // Charged whatever the outcome: the session resets the stream if the budget is passed.
    this.host.budget.charge((this.buffer ??= new ReceiveBuffer(this.host.pins)).push(payload));
    this.host.counters.bufferedBytes += payload.length;
  }

  private take(): Uint8Array {
    const buffer = this.buffer!;
    const held = buffer.held;
    const chunk = buffer.shift();
    // An emptied buffer is let go: a stream whose reader keeps up holds none.
    if (buffer.length === 0) this.buffer = null;
    this.host.budget.release(held - buffer.held);
    this.host.counters.bufferedBytes -= chunk.length;
    this.consumed(chunk.length);
    return chunk;
  }

  /** The application took `n` bytes: grant them back, in batches (flow.ts). */
  private consumed(n: number): void {
    if (this.state !== RecvState.Open || n === 0) return;
    // Windows grow only while the reader keeps up and the session's budget has room to spare.
    const grant = this.consume(n, this.host.maxWindowSize, this.starved && !this.host.budget.pressed);
    if (grant === 0) return;
    this.starved = false;
    this.host.scheduler.wndInc(this.host.id, grant);
  }

  private end(): void {
    this.state = RecvState.Ended;
    this.settleWaiting(null);
  }

  private drop(): void {
    if (this.buffer === null) return;
    this.host.counters.bufferedBytes -= this.buffer.bytes;
    this.host.budget.release(this.buffer.clear());
  }

  private settleWaiting(outcome: MuxError | null): void {
    const waiting = this.waiting;
    const failWaiting = this.failWaiting!;
    if (waiting === null) return;
    this.waiting = this.failWaiting = null;
    if (outcome === null) waiting(null);
    else failWaiting(outcome);
  }
}
