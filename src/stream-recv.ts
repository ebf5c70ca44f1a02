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

interface Waiting {
  resolve: (chunk: Uint8Array | null) => void;
  reject: (err: unknown) => void;
  /** Stops listening to the read's signal. */
  stop: (() => void) | null;
}

/**
 * A stream's receiving direction: the rules for incoming DATA (window, FIN, data after the end),
 * the bytes waiting for the application (receive-buffer.ts, charged to the session's budget), the
 * one read that may wait for them, and the credit granted back as the application reads.
 */
export class RecvHalf {
  state = RecvState.Open;
  /** Payload bytes received. */
  bytesIn = 0;
  /** Set by the session on a typed stream until its prefix is complete. */
  prefix: PrefixReader | null = null;
  private readonly window: ReceiveWindow;
  /** Received bytes the application has not taken; created when first needed. */
  private buffer: ReceiveBuffer | null = null;
  /** The read waiting for data. */
  private waiting: Waiting | null = null;
  /** The reader waited for data since credit was last granted: it keeps up (see flow.ts). */
  private starved = false;
  private error: MuxError | null = null;

  constructor(
    private readonly host: RecvHost,
    windowSize: number,
  ) {
    this.window = new ReceiveWindow(windowSize);
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
      if (!this.window.receive(n)) return ErrorCode.FlowControlError;
      if (this.prefix !== null) {
        const rest = this.prefix.take(payload);
        // The session read those bytes itself: they count as consumed.
        this.consumed(n - rest.length);
        payload = rest;
        n = rest.length;
      }
      if (n > 0) this.queue(payload);
    }
    if (fin) {
      // A stream that ends before its prefix (a typed stream's type) cannot be accepted.
      if (this.prefix !== null && !this.prefix.complete) return ErrorCode.ProtocolError;
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
    switch (this.state) {
      case RecvState.Open:
        this.starved = true;
        return new Promise((resolve, reject) => {
          const waiting: Waiting = { resolve, reject, stop: null };
          this.waiting = waiting;
          if (signal === undefined) return;
          waiting.stop = whenAborted(signal, () => {
            if (this.waiting !== waiting) return;
            this.waiting = null;
            reject(signal.reason);
          });
        });
      case RecvState.Finished:
      case RecvState.Ended:
        this.end();
        return Promise.resolve(null);
      case RecvState.Stopped:
        return Promise.reject(STOPPED());
      case RecvState.Failed:
        return Promise.reject(this.error);
    }
  }

  /**
   * A chunk already received, taken without a promise (the WHATWG face's pull uses it first), or
   * undefined when read() would have to wait or settle otherwise.
   */
  takeReady(): Uint8Array | undefined {
    return this.waiting === null && this.queued > 0 ? this.take() : undefined;
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
    this.error = err;
    this.drop();
    this.settleWaiting(err);
  }

  /** Received bytes the application has not taken. */
  get bufferedBytes(): number {
    return this.buffer === null ? 0 : this.buffer.bytes;
  }

  /** The window's size now, and what the peer may still send. */
  get windowSize(): number {
    return this.window.size;
  }

  get credit(): number {
    return this.window.credit;
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
      // Straight to the waiting reader: nothing is buffered.
      this.waiting = null;
      waiting.stop?.();
      waiting.resolve(payload);
      this.consumed(payload.length);
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
    this.host.budget.release(held - buffer.held);
    this.host.counters.bufferedBytes -= chunk.length;
    this.consumed(chunk.length);
    return chunk;
  }

  /** The application took `n` bytes: grant them back, in batches (flow.ts). */
  private consumed(n: number): void {
    if (this.state !== RecvState.Open || n === 0) return;
    // Windows grow only while the reader keeps up and the session's budget has room to spare.
    const grant = this.window.consume(n, this.host.maxWindowSize, this.starved && !this.host.budget.pressed);
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
    if (waiting === null) return;
    this.waiting = null;
    waiting.stop?.();
    if (outcome === null) waiting.resolve(null);
    else waiting.reject(outcome);
  }
}
