import { ErrorCode, MuxError } from "./errors.js";
import { Flag, FrameType, MAX_PAYLOAD } from "./frame/constants.js";
import type { Completion, Output } from "./frame/output.js";
import { creditThreshold, grownWindow, MAX_WINDOW } from "./flow.js";
import { ReceiveBuffer } from "./receive-buffer.js";
import type { ReceiveBudget } from "./receive-budget.js";
import type { Scheduler, Sender } from "./scheduler.js";
import type { MuxStream } from "./types.js";

/** What a stream needs from its session. */
export interface StreamHost {
  readonly windowSize: number;
  /** How far auto-tuning may grow a stream's receive window (see flow.ts). */
  readonly maxWindowSize: number;
  readonly scheduler: Scheduler;
  /** The session-wide bound on received bytes held (receive-budget.ts). */
  readonly budget: ReceiveBudget;
  /** The stream has ended in both directions (or was reset): drop it from the stream table. */
  forget(stream: Stream): void;
  /** A typed stream's 4-byte type has arrived (acceptor side). */
  typeReceived(stream: Stream): void;
}

// State bits, one number per stream instead of a field each: streams must stay small.
const SYN_SENT = 1;
const FIN_QUEUED = 2;
const FIN_SENT = 4;
const FIN_RECEIVED = 8;
const READ_CLOSED = 16; // the application stopped reading (cancel or close())
const READ_DONE = 32; // our ReadableStream is closed or errored
const FAILED = 64; // reset, or the session ended
const FORGOTTEN = 128;
const TYPE_PENDING = 256; // acceptor: the 4 type bytes have not all arrived
const TYPE_TO_SEND = 512; // opener: the type header is still to go out, in the SYN frame
const STARVED = 1024; // the reader waited for data since credit was last granted (it keeps up)

const noop = () => {};

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * A promise with its settle functions. `handled` marks it handled up front, for promises the
 * application may never look at (`closed`); the others are always returned to a caller.
 */
function deferred(handled = false): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  if (handled) promise.catch(noop);
  return { promise, resolve, reject };
}

/**
 * One multiplexed stream. Everything beyond a few numbers is created lazily: the WHATWG streams
 * when the application first touches `readable`/`writable`, the receive queue when data arrives,
 * the `closed` promise when asked for. An idle stream costs a few hundred bytes.
 */
export class Stream implements MuxStream, Sender, Completion {
  queued = false;
  type: number | undefined = undefined;
  private state = 0;
  /** Bytes we may still send (the peer's credit to us). */
  private sendCredit: number;
  /** Bytes the peer may still send before it overruns our window. */
  private recvCredit: number;
  /** Bytes the application consumed that we have not yet granted back. */
  private recvUngranted = 0;
  /** This stream's receive window: the session's windowSize, grown by auto-tuning. */
  private recvWindow: number;
  /** Received data not yet taken by the application; created when first needed. */
  private recv: ReceiveBuffer | null = null;
  private readController: ReadableStreamDefaultController<Uint8Array> | null = null;
  /** A read is waiting for data: the readable's pull, or a direct read(). */
  private readWaiting = false;
  private directRead: { resolve: (chunk: Uint8Array | null) => void; reject: (err: unknown) => void } | null = null;
  private writeController: WritableStreamDefaultController | null = null;
  private _readable: ReadableStream<Uint8Array> | null = null;
  private _writable: WritableStream<Uint8Array> | null = null;
  /** The application chunk being sent, how far, and who waits for it. */
  private sending: Uint8Array | null = null;
  private sendOffset = 0;
  private sendDone: Deferred | null = null;
  /** Chunks written after it (direct writes may be many at once), in order. */
  private sendQueue: { chunk: Uint8Array; done: Deferred }[] | null = null;
  /**
   * Chunks fully framed, waiting for the transport to take their bytes, oldest first: the
   * transport completes writes in order (see Completion).
   */
  private inFlight: Deferred[] | null = null;
  private finDone: Deferred | null = null;
  private closedDeferred: Deferred | null = null;
  private error: MuxError | null = null;
  /** Typed streams: the type bytes (acceptor: gathered; opener: to send). */
  private typeBytes: Uint8Array | null = null;

  constructor(
    private readonly host: StreamHost,
    readonly id: number,
    /** Opened by the peer: its SYN has been seen, ours is never sent. */
    remote: boolean,
  ) {
    this.sendCredit = host.windowSize;
    this.recvCredit = host.windowSize;
    this.recvWindow = host.windowSize;
    if (remote) this.state = SYN_SENT;
  }

  // ---- public API -------------------------------------------------------------------------

  get readable(): ReadableStream<Uint8Array> {
    return (this._readable ??= new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.readController = c;
          if (this.state & READ_DONE) {
            // Created after the read side already ended.
            if (this.state & READ_CLOSED) c.error(new MuxError(ErrorCode.StreamClosed, "stream closed"));
            else if (this.error) c.error(this.error);
            else c.close();
          }
        },
        pull: (c) => this.pull(c),
        cancel: () => this.closeRead(),
      },
      { highWaterMark: 0 },
    ));
  }

  get writable(): WritableStream<Uint8Array> {
    return (this._writable ??= new WritableStream<Uint8Array>(
      {
        start: (c) => {
          this.writeController = c;
          if (this.state & FAILED) c.error(this.error);
        },
        write: (chunk) => this.sinkWrite(chunk),
        close: () => this.finish(),
        abort: (reason) => this.reset(reason instanceof MuxError ? reason.code : ErrorCode.StreamCancelled),
      },
      { highWaterMark: 1 },
    ));
  }

  get closed(): Promise<void> {
    if (!this.closedDeferred) {
      this.closedDeferred = deferred(true);
      if (this.cleanlyEnded()) this.closedDeferred.resolve();
      else if (this.state & FAILED) this.closedDeferred.reject(this.error);
    }
    return this.closedDeferred.promise;
  }

  reset(code: number = ErrorCode.StreamCancelled): void {
    if (this.state & (FAILED | FORGOTTEN)) return;
    // A stream we opened but never wrote to is unknown to the peer: nothing to tell it.
    if (this.state & SYN_SENT) this.host.scheduler.rst(this.id, code);
    this.fail(new MuxError(code, "stream reset"));
  }

  /**
   * muxado's Close: stop reading (buffered data is discarded; DATA that still arrives is answered
   * with RST StreamClosed), half-close after what is being written, forget the stream.
   */
  close(): Promise<void> {
    if (this.state & FAILED) return this.cleanlyEnded() ? Promise.resolve() : Promise.reject(this.error);
    this.closeRead();
    const w = this._writable;
    if (!w) return this.closeWrite();
    if (!w.locked) return w.close().then(noop, () => this.closedOrError());
    this.writeController?.error(new MuxError(ErrorCode.StreamClosed, "stream closed"));
    return this.finish();
  }

  read(): Promise<Uint8Array | null> {
    if (this._readable) return Promise.reject(new TypeError("this stream is being read through `readable`"));
    if (this.directRead) return Promise.reject(new TypeError("a read() is already pending on this stream"));
    if (this.queueLength() > 0) {
      const chunk = this.dequeue();
      if (this.state & FIN_RECEIVED && this.queueLength() === 0) this.state |= READ_DONE;
      return Promise.resolve(chunk);
    }
    if (this.state & READ_CLOSED) return Promise.reject(new MuxError(ErrorCode.StreamClosed, "stream closed"));
    if (this.state & FIN_RECEIVED) {
      this.state |= READ_DONE;
      return Promise.resolve(null);
    }
    if (this.state & FAILED) return Promise.reject(this.error);
    return new Promise((resolve, reject) => {
      this.directRead = { resolve, reject };
      this.readWaiting = true;
      this.state |= STARVED;
    });
  }

  /**
   * Concurrent writes queue up in order; several chunks waiting lets one flush frame them all
   * (one transport write), which is what keeps a single stream's throughput near the socket's.
   */
  write(chunk: Uint8Array): Promise<void> {
    if (this._writable) return Promise.reject(new TypeError("this stream is being written through `writable`"));
    if (this.state & FIN_QUEUED && !(this.state & FAILED)) {
      return Promise.reject(new TypeError("write() after closeWrite()"));
    }
    return this.sinkWrite(chunk);
  }

  closeWrite(): Promise<void> {
    if (this._writable) return Promise.reject(new TypeError("this stream is being written through `writable`"));
    return this.finish();
  }

  // ---- the write side ---------------------------------------------------------------------

  private sinkWrite(chunk: Uint8Array): Promise<void> {
    if (this.state & FAILED) return Promise.reject(this.error);
    if (!(chunk instanceof Uint8Array)) {
      if (!ArrayBuffer.isView(chunk)) return Promise.reject(new TypeError("a stream's writable takes Uint8Array chunks"));
      chunk = new Uint8Array((chunk as ArrayBufferView).buffer, (chunk as ArrayBufferView).byteOffset, (chunk as ArrayBufferView).byteLength);
    }
    if (chunk.length === 0) return Promise.resolve();
    const done = deferred();
    if (this.sending === null) {
      this.sending = chunk;
      this.sendOffset = 0;
      this.sendDone = done;
    } else {
      (this.sendQueue ??= []).push({ chunk, done });
    }
    this.host.scheduler.enqueue(this);
    return done.promise;
  }

  /** Half-close: the FIN goes out after what is being written. */
  private finish(): Promise<void> {
    if (this.state & FAILED) return Promise.reject(this.error);
    if (this.state & FIN_SENT) return Promise.resolve();
    if (!(this.state & FIN_QUEUED)) {
      this.state |= FIN_QUEUED;
      this.finDone = deferred();
      this.host.scheduler.enqueue(this);
    }
    return this.finDone!.promise;
  }

  /** Opener of a typed stream: the type travels in the SYN frame (docs/protocol.md, "Typed streams"). */
  sendType(type: number): void {
    this.type = type >>> 0;
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, this.type);
    this.typeBytes = b;
    this.state |= TYPE_TO_SEND;
    this.host.scheduler.enqueue(this);
  }

  sendable(): boolean {
    if (this.state & (FAILED | FIN_SENT)) return false;
    if (this.state & TYPE_TO_SEND) return true;
    if (this.sending !== null) return this.sendCredit > 0;
    return (this.state & FIN_QUEUED) !== 0;
  }

  emit(out: Output, quantum: number): number {
    let flags = 0;
    if (!(this.state & SYN_SENT)) {
      this.state |= SYN_SENT;
      flags = Flag.SYN;
    }
    if (this.state & TYPE_TO_SEND) {
      this.state &= ~TYPE_TO_SEND;
      out.header(4, FrameType.DATA, flags, this.id);
      out.payload(this.typeBytes!);
      this.typeBytes = null;
      this.sendCredit -= 4;
      return 4;
    }
    if (this.sending !== null) {
      // One frame per chunk (or piece of one), as many chunks as the quantum and credit allow.
      let sent = 0;
      for (let chunk = this.sending; chunk !== null && this.sendCredit > 0 && sent < quantum; chunk = this.sending) {
        const start = this.sendOffset;
        const n = Math.min(chunk.length - start, this.sendCredit, quantum - sent, MAX_PAYLOAD);
        this.sendOffset = start + n;
        this.sendCredit -= n;
        sent += n;
        out.header(n, FrameType.DATA, flags, this.id);
        flags = 0;
        out.payload(start === 0 && n === chunk.length ? chunk : chunk.subarray(start, start + n));
        if (this.sendOffset === chunk.length) this.nextChunk(out);
      }
      return sent;
    }
    if (this.state & FIN_QUEUED) {
      // Never SYN and FIN in one frame: a Go peer that gets SYN+FIN can never answer on the stream.
      if (flags & Flag.SYN) out.header(0, FrameType.DATA, Flag.SYN, this.id);
      out.header(0, FrameType.DATA, Flag.FIN, this.id);
      this.state |= FIN_SENT;
      this.finDone?.resolve();
      this.finDone = null;
      this.maybeEnded();
    }
    return 0;
  }

  /**
   * The current chunk is framed. The frames may hold views of the application's bytes: its write
   * resolves when the transport has taken them, so the application may then reuse the buffer.
   */
  private nextChunk(out: Output): void {
    (this.inFlight ??= []).push(this.sendDone!);
    out.completions.push(this);
    const next = this.sendQueue?.shift();
    this.sending = next ? next.chunk : null;
    this.sendDone = next ? next.done : null;
    this.sendOffset = 0;
  }

  written(): void {
    this.inFlight?.shift()?.resolve();
  }

  /** The peer granted credit. */
  addCredit(increment: number): void {
    if (this.state & FAILED) return;
    this.sendCredit = Math.min(this.sendCredit + increment, MAX_WINDOW);
    if (this.sending !== null) this.host.scheduler.enqueue(this);
  }

  // ---- the read side ----------------------------------------------------------------------

  /** Reset, or the session ended. */
  get ended(): boolean {
    return (this.state & FAILED) !== 0;
  }

  /** Whether a FIN from the peer has already arrived (more DATA is then a peer error). */
  get finReceived(): boolean {
    return (this.state & FIN_RECEIVED) !== 0;
  }

  /** Acceptor of a typed stream: hold the stream back until its 4 type bytes have arrived. */
  expectType(): void {
    this.state |= TYPE_PENDING;
    this.typeBytes = new Uint8Array(0);
  }

  /**
   * DATA arrived (a frame or a piece of one). Returns false on a flow-control violation: the
   * caller then resets the stream (docs/protocol.md: RST FlowControlError, the session goes on).
   */
  receive(payload: Uint8Array, fin: boolean): boolean {
    let n = payload.length;
    if (n > 0) {
      this.recvCredit -= n;
      if (this.recvCredit < 0) return false;
      if (this.state & TYPE_PENDING) {
        payload = this.takeType(payload);
        n = payload.length;
      }
    }
    if (n > 0 && !(this.state & READ_CLOSED)) {
      if (this.readWaiting) {
        this.deliver(payload);
      } else {
        // Charged whatever the outcome: the session resets the stream if the budget is passed.
        this.host.budget.charge((this.recv ??= new ReceiveBuffer()).push(payload));
      }
    }
    if (fin) {
      this.state |= FIN_RECEIVED;
      if (this.state & TYPE_PENDING) {
        // The stream ended before its type: it cannot be accepted.
        this.reset(ErrorCode.ProtocolError);
        return true;
      }
      if (this.readWaiting && this.queueLength() === 0) {
        this.readWaiting = false;
        this.endRead();
      }
      this.maybeEnded();
    }
    return true;
  }

  private takeType(payload: Uint8Array): Uint8Array {
    const have = this.typeBytes!;
    const need = 4 - have.length;
    const got = payload.subarray(0, need);
    const merged = new Uint8Array(have.length + got.length);
    merged.set(have);
    merged.set(got, have.length);
    this.typeBytes = merged;
    // The type header was consumed by the session itself: it counts as read.
    this.consumed(got.length);
    if (merged.length === 4) {
      this.state &= ~TYPE_PENDING;
      this.typeBytes = null;
      this.type = new DataView(merged.buffer).getUint32(0);
      this.host.typeReceived(this);
    }
    return payload.subarray(got.length);
  }

  /** Hands a chunk straight to the waiting reader. */
  private deliver(chunk: Uint8Array): void {
    this.readWaiting = false;
    const direct = this.directRead;
    if (direct) {
      this.directRead = null;
      direct.resolve(chunk);
    } else {
      this.readController!.enqueue(chunk);
    }
    this.consumed(chunk.length);
  }

  /** Takes the oldest received chunk; the application has consumed it. */
  private dequeue(): Uint8Array {
    const recv = this.recv!;
    const held = recv.held;
    const chunk = recv.shift();
    this.host.budget.release(held - recv.held);
    this.consumed(chunk.length);
    return chunk;
  }

  /** Drops what is buffered (reset, or the application stopped reading). */
  private dropReceived(): void {
    if (this.recv !== null) this.host.budget.release(this.recv.clear());
  }

  private pull(c: ReadableStreamDefaultController<Uint8Array>): void {
    if (this.queueLength() > 0) {
      c.enqueue(this.dequeue());
      if (this.state & FIN_RECEIVED && this.queueLength() === 0) this.endRead();
      return;
    }
    if (this.state & READ_DONE) return;
    if (this.state & FIN_RECEIVED) return this.endRead();
    if (this.state & FAILED) {
      this.state |= READ_DONE;
      c.error(this.error);
      return;
    }
    this.readWaiting = true;
    this.state |= STARVED;
  }

  private queueLength(): number {
    return this.recv === null ? 0 : this.recv.length;
  }

  /** The application took `n` bytes: grant them back, in batches (see flow.ts). */
  private consumed(n: number): void {
    if (this.state & (FIN_RECEIVED | FAILED)) return;
    this.recvUngranted += n;
    if (this.recvUngranted >= creditThreshold(this.recvWindow)) {
      // Windows grow only while the reader keeps up (it ran out of data and waited since the last
      // grant) and the session's budget has room to spare.
      const keepsUp = (this.state & STARVED) !== 0 && !this.host.budget.pressed;
      this.state &= ~STARVED;
      const window = grownWindow(this.recvWindow, this.host.maxWindowSize, keepsUp);
      const grant = this.recvUngranted + (window - this.recvWindow);
      this.recvWindow = window;
      this.recvUngranted = 0;
      this.recvCredit += grant;
      this.host.scheduler.wndInc(this.id, grant);
    }
  }

  private endRead(): void {
    if (this.state & READ_DONE) return;
    this.state |= READ_DONE;
    this.readController?.close();
    const direct = this.directRead;
    this.directRead = null;
    direct?.resolve(null);
  }

  /** Ends the read side with an error: the readable errors, a waiting read() rejects. */
  private errorRead(err: unknown): void {
    this.state |= READ_DONE;
    this.readWaiting = false;
    this.readController?.error(err);
    const direct = this.directRead;
    this.directRead = null;
    direct?.reject(err);
  }

  /** The application stops reading: what is buffered is dropped, the peer's further DATA refused. */
  private closeRead(): void {
    if (this.state & READ_CLOSED) return;
    this.state |= READ_CLOSED;
    this.dropReceived();
    if (!(this.state & READ_DONE)) this.errorRead(new MuxError(ErrorCode.StreamClosed, "stream closed"));
    this.maybeEnded();
  }

  /** DATA after the application closed its read side (muxado answers RST StreamClosed). */
  get readClosed(): boolean {
    return (this.state & READ_CLOSED) !== 0;
  }

  // ---- ending -------------------------------------------------------------------------------

  private cleanlyEnded(): boolean {
    return (this.state & FIN_SENT) !== 0 && (this.state & (FIN_RECEIVED | READ_CLOSED)) !== 0;
  }

  private closedOrError(): Promise<void> {
    return this.state & FAILED && !this.cleanlyEnded() ? Promise.reject(this.error) : Promise.resolve();
  }

  /** Both directions done: the stream leaves the session's table (docs/protocol.md, "Closing a stream"). */
  private maybeEnded(): void {
    if (!this.cleanlyEnded() || this.state & FORGOTTEN) return;
    this.state |= FORGOTTEN;
    this.host.forget(this);
    this.closedDeferred?.resolve();
  }

  /**
   * Ends the stream with an error: a reset (either side) or the session ending. Pending and future
   * reads and writes reject with `err`. When the session ends after the peer's FIN arrived, the
   * data before that FIN stays readable: the peer finished that direction cleanly.
   */
  fail(err: MuxError, keepFinishedRead = false): void {
    if (this.state & FAILED) return;
    const finished = this.cleanlyEnded();
    this.state |= FAILED;
    this.error = err;
    this.sending = null;
    this.sendDone?.reject(err);
    this.sendDone = null;
    for (const w of this.sendQueue ?? []) w.done.reject(err);
    this.sendQueue = null;
    for (const d of this.inFlight ?? []) d.reject(err);
    this.inFlight = null;
    this.finDone?.reject(err);
    this.finDone = null;
    this.writeController?.error(err);
    if (!(keepFinishedRead && this.state & FIN_RECEIVED)) {
      this.dropReceived();
      if (!(this.state & READ_DONE)) this.errorRead(err);
    }
    if (!(this.state & FORGOTTEN)) {
      this.state |= FORGOTTEN;
      this.host.forget(this);
    }
    if (finished) this.closedDeferred?.resolve();
    else this.closedDeferred?.reject(err);
  }
}
