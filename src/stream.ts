import { codeOf, ErrorCode, MuxError } from "./errors.js";
import type { ReceiveBudget } from "./receive-budget.js";
import type { Pins } from "./receive-buffer.js";
import type { Scheduler } from "./scheduler.js";
import type { SessionCounters } from "./stats.js";
import { RecvHalf, type PrefixReader, type RecvHost } from "./stream-recv.js";
import { SendHalf, SendState, type SendHost } from "./stream-send.js";
import { checkSendOrder } from "./options.js";
import type { MuxStream, StreamStats, WaitOptions } from "./types.js";
import { abortable, signalOf } from "./util/abort.js";
import { deferred, noop, type Deferred } from "./util/deferred.js";
import { asBytes, closeWritable, readableOf, writableOf, type DirectIO } from "./web-streams.js";

/** What a stream needs from its session. */
export interface StreamHost {
  readonly windowSize: number;
  /** How far auto-tuning may grow a stream's receive window (see flow.ts). */
  readonly maxWindowSize: number;
  readonly scheduler: Scheduler;
  /** The session-wide bound on received bytes held (receive-budget.ts). */
  readonly budget: ReceiveBudget;
  /** Which received payloads stay views, and the chunks they keep alive (receive-buffer.ts). */
  readonly pins: Pins;
  readonly counters: SessionCounters;
  /** The stream has ended in both directions (or was reset): drop it from the stream table. */
  forget(stream: Stream): void;
}

/** Which face the application uses; one per direction (docs: use one style per stream). */
enum Face {
  Unset,
  Direct,
  Web,
}

/**
 * One multiplexed stream: its two halves (stream-send.ts, stream-recv.ts), its life cycle (reset,
 * close, forgotten once both directions are done) and the application's two faces, direct I/O and
 * the WHATWG streams built on it (web-streams.ts). Everything beyond the halves is created lazily:
 * an idle stream costs a few hundred bytes.
 */
export class Stream implements MuxStream, DirectIO, SendHost, RecvHost {
  /** On a typed session: the stream's type (extensions/typed.ts sets it). */
  type: number | undefined = undefined;
  readonly send: SendHalf;
  readonly recv: RecvHalf;
  private readFace = Face.Unset;
  private writeFace = Face.Unset;
  private forgotten = false;
  /** Both directions ended cleanly (FIN sent, and FIN received or reading stopped). */
  private clean = false;
  private error: MuxError | null = null;
  private closedDeferred: Deferred | null = null;
  private _readable: ReadableStream<Uint8Array> | null = null;
  private web: { writable: WritableStream<Uint8Array>; controller: () => WritableStreamDefaultController } | null = null;

  constructor(
    private readonly host: StreamHost,
    readonly id: number,
    /** Opened by the peer: its SYN has been seen, ours is never sent. */
    remote: boolean,
  ) {
    // The stream is its halves' host: no objects beyond the halves themselves.
    this.send = new SendHalf(this, host.windowSize, remote);
    this.recv = new RecvHalf(this, host.windowSize);
  }

  // ---- what the halves need (SendHost, RecvHost) ---------------------------------------------

  get scheduler(): Scheduler {
    return this.host.scheduler;
  }

  get budget(): ReceiveBudget {
    return this.host.budget;
  }

  get pins(): Pins {
    return this.host.pins;
  }

  get maxWindowSize(): number {
    return this.host.maxWindowSize;
  }

  get counters(): SessionCounters {
    return this.host.counters;
  }

  finSent(): void {
    this.maybeEnded();
  }

  readDone(): void {
    this.maybeEnded();
  }

  // ---- the WHATWG face ----------------------------------------------------------------------

  get readable(): ReadableStream<Uint8Array> {
    if (this._readable === null) {
      this.readFace = Face.Web;
      this._readable = readableOf(this);
    }
    return this._readable;
  }

  get writable(): WritableStream<Uint8Array> {
    if (this.web === null) {
      this.writeFace = Face.Web;
      this.web = writableOf(this);
    }
    return this.web.writable;
  }

  // ---- direct I/O ---------------------------------------------------------------------------

  read(options?: WaitOptions): Promise<Uint8Array | null> {
    if (this.readFace === Face.Web) return Promise.reject(new TypeError("this stream is being read through `readable`"));
    this.readFace = Face.Direct;
    let signal: AbortSignal | undefined;
    try {
      signal = signalOf(options, "read()");
    } catch (err) {
      return Promise.reject(err);
    }
    return this.recv.read(signal);
  }

  write(chunk: Uint8Array, options?: WaitOptions): Promise<void> {
    if (this.writeFace === Face.Web) return Promise.reject(new TypeError("this stream is being written through `writable`"));
    this.writeFace = Face.Direct;
    if (this.send.state === SendState.Closing || this.send.state === SendState.Closed) {
      return Promise.reject(new TypeError("write() after closeWrite()"));
    }
    let bytes: Uint8Array;
    let signal: AbortSignal | undefined;
    try {
      bytes = asBytes(chunk);
      signal = signalOf(options, "write()");
    } catch (err) {
      return Promise.reject(err);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    // Part of the chunk may be on its way already: an abandoned write leaves the stream's bytes
    // untrustworthy, so the stream is reset (with the reason's code when it is a MuxError).
    return abortable(this.send.write(bytes), signal, () => this.reset(codeOf(signal!.reason)));
  }

  closeWrite(): Promise<void> {
    if (this.writeFace === Face.Web) return Promise.reject(new TypeError("this stream is being written through `writable`"));
    this.writeFace = Face.Direct;
    return this.send.finish();
  }

  // ---- what both faces share (DirectIO, for web-streams.ts) ----------------------------------

  readChunk(): Promise<Uint8Array | null> {
    return this.recv.read();
  }

  readReady(): Uint8Array | undefined {
    return this.recv.takeReady();
  }

  stopReading(): void {
    this.recv.stop();
  }

  /** Sends a chunk whatever the face (a typed stream's header, the writable's chunks). */
  sendChunk(chunk: Uint8Array): Promise<void> {
    return this.send.write(chunk);
  }

  finish(): Promise<void> {
    return this.send.finish();
  }

  get queuedBytes(): number {
    return this.send.queuedBytes;
  }

  get sendRoom(): number {
    const send = this.send;
    return send.state === SendState.Open ? send.credit - send.queuedBytes : 0;
  }

  get sendOrder(): number {
    return this.send.sendOrder;
  }

  set sendOrder(order: number) {
    this.send.sendOrder = checkSendOrder(order);
  }

  stats(): StreamStats {
    return {
      id: this.id,
      bytesIn: this.recv.bytesIn,
      bytesOut: this.send.bytesOut,
      bufferedBytes: this.recv.bufferedBytes,
      queuedBytes: this.send.queuedBytes,
      sendWindow: this.send.credit,
      receiveWindow: this.recv.windowSize,
      receiveCredit: this.recv.credit,
      sendOrder: this.send.sendOrder,
    };
  }

  // ---- life cycle ---------------------------------------------------------------------------

  get closed(): Promise<void> {
    if (!this.closedDeferred) {
      this.closedDeferred = deferred(true);
      if (this.clean) this.closedDeferred.resolve();
      else if (this.error) this.closedDeferred.reject(this.error);
    }
    return this.closedDeferred.promise;
  }

  /** Reset, or the session ended. */
  get ended(): boolean {
    return this.error !== null;
  }

  reset(code: number = ErrorCode.StreamCancelled): void {
    if (this.error || this.forgotten) return;
    // A stream we opened but never wrote to is unknown to the peer: nothing to tell it.
    if (this.send.synSent) this.host.scheduler.rst(this.id, code);
    this.fail(new MuxError(code, "stream reset"));
  }

  /**
   * muxado's Close: stop reading (buffered data is discarded; DATA that still arrives is answered
   * with RST StreamClosed), half-close after what is being written, forget the stream.
   */
  close(): Promise<void> {
    if (this.error) return this.clean ? Promise.resolve() : Promise.reject(this.error);
    this.recv.stop();
    const web = this.web;
    if (web === null) return this.send.finish();
    return closeWritable(web.writable, web.controller(), this).then(noop, () => this.closedOrError());
  }

  /** The peer's data for this stream; returns 0, or the code to reset it with (stream-recv.ts). */
  receive(payload: Uint8Array, fin: boolean): number {
    return this.recv.receive(payload, fin);
  }

  /** The peer granted credit. */
  addCredit(increment: number): void {
    this.send.addCredit(increment);
  }

  /** Typed streams: the session reads this prefix before the application sees any data. */
  readPrefix(prefix: PrefixReader | null): void {
    this.recv.prefix = prefix;
  }

  /**
   * Ends the stream with an error: a reset (either side) or the session ending. Pending and future
   * reads and writes reject with `err`. When the session ends after the peer's FIN arrived, the
   * data before that FIN stays readable: the peer finished that direction cleanly.
   */
  fail(err: MuxError, keepFinishedRead = false): void {
    if (this.error) return;
    this.error = err;
    this.send.fail(err);
    this.recv.fail(err, keepFinishedRead);
    this.leaveTable();
    if (this.clean) this.closedDeferred?.resolve();
    else this.closedDeferred?.reject(err);
  }

  private closedOrError(): Promise<void> {
    return this.error && !this.clean ? Promise.reject(this.error) : Promise.resolve();
  }

  /** Both directions done: the stream leaves the session's table (docs/protocol.md, "Closing a stream"). */
  private maybeEnded(): void {
    if (this.clean || this.error || this.send.state !== SendState.Closed || !this.recv.done) return;
    this.clean = true;
    this.leaveTable();
    this.closedDeferred?.resolve();
  }

  private leaveTable(): void {
    if (this.forgotten) return;
    this.forgotten = true;
    this.host.forget(this);
  }
}
