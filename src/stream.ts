import { codeOf, ErrorCode, MuxError } from "./errors.js";
import type { ReceiveBudget } from "./receive-budget.js";
import type { Pins } from "./receive-buffer.js";
import type { Scheduler } from "./scheduler.js";
import type { SessionCounters } from "./stats.js";
import { RecvHalf, RecvState, type PrefixReader, type RecvHost } from "./stream-recv.js";
import { SendHalf, SendState, type SendHost } from "./stream-send.js";
import { checkSendOrder } from "./options.js";
import type { MuxStream, StreamStats, WaitOptions } from "./types.js";
import { abortable, signalOf } from "./util/abort.js";
import { deferred, noop, type Deferred } from "./util/deferred.js";
import { asBytes, ByteSink, ByteSource, type DirectIO } from "./web-streams.js";

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

/** The parts of a stream that many streams never use. */
interface StreamExtras {
  /** On a typed session: the stream's type (extensions/typed.ts sets it). */
  type: number | undefined;
  /** On a typed session, until the type has been read: its reader (extensions/typed.ts). */
  prefix: PrefixReader | null;
  /** WebTransport's sendOrder, when not 0 (ready-queue.ts). */
  sendOrder: number;
  /** Behind `closed`, once asked for. */
  closed: Deferred | null;
  /**
   * The WHATWG faces, once asked for (web-streams.ts). One face per direction (docs: use one style
   * per stream): while a direction has its WHATWG face, its direct I/O is refused.
   */
  source: ByteSource | null;
  sink: ByteSink | null;
}

/**
 * One multiplexed stream: its two halves (stream-send.ts, stream-recv.ts), its life cycle (reset,
 * close, forgotten once both directions are done) and the application's two faces, direct I/O and
 * the WHATWG streams built on it (web-streams.ts). Everything beyond the halves is created lazily:
 * an idle stream costs a few hundred bytes.
 */
export class Stream implements MuxStream, DirectIO, SendHost, RecvHost {
  readonly send: SendHalf;
  readonly recv: RecvHalf;
  /** Both directions ended cleanly (FIN sent, and FIN received or reading stopped). */
  private clean = false;
  /** Why the stream failed: a reset (either side) or the session's end. */
  private error: MuxError | null = null;
  /** What only some streams use; created when first needed, so an idle stream does without. */
  private extras: StreamExtras | null = null;

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

  get failure(): MuxError | null {
    return this.error;
  }

  private get more(): StreamExtras {
    return (this.extras ??= { type: undefined, prefix: null, sendOrder: 0, closed: null, source: null, sink: null });
  }

  /** On a typed session: the stream's type (extensions/typed.ts sets it). */
  get type(): number | undefined {
    return this.extras?.type;
  }

  set type(type: number | undefined) {
    this.more.type = type;
  }

  finSent(): void {
    this.maybeEnded();
  }

  readDone(): void {
    this.maybeEnded();
  }

  // ---- the WHATWG face ----------------------------------------------------------------------

  get readable(): ReadableStream<Uint8Array> {
    const more = this.more;
    if (more.source === null) {
      more.source = new ByteSource(this);
      // Created after a reset: it shows at once.
      if (this.recv.state === RecvState.Failed) more.source.fail(this.error);
    }
    return more.source.readable;
  }

  get writable(): WritableStream<Uint8Array> {
    const more = this.more;
    if (more.sink === null) {
      more.sink = new ByteSink(this);
      if (this.error !== null && !this.clean) more.sink.fail(this.error);
    }
    return more.sink.writable;
  }

  // ---- direct I/O ---------------------------------------------------------------------------

  read(options?: WaitOptions): Promise<Uint8Array | null> {
    if (this.extras?.source) return Promise.reject(new TypeError("this stream is being read through `readable`"));
    let signal: AbortSignal | undefined;
    try {
      signal = signalOf(options, "read()");
    } catch (err) {
      return Promise.reject(err);
    }
    return this.recv.read(signal);
  }

  write(chunk: Uint8Array, options?: WaitOptions): Promise<void> {
    if (this.extras?.sink) return Promise.reject(new TypeError("this stream is being written through `writable`"));
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
    if (this.extras?.sink) return Promise.reject(new TypeError("this stream is being written through `writable`"));
    return this.send.finish();
  }

  // ---- what both faces share (DirectIO, for web-streams.ts) ----------------------------------

  readThen(deliver: (chunk: Uint8Array | null) => void, fail: (err: unknown) => void): void {
    this.recv.readThen(deliver, fail);
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
    return this.extras?.sendOrder ?? 0;
  }

  set sendOrder(order: number) {
    checkSendOrder(order);
    if (order !== 0 || this.extras !== null) this.more.sendOrder = order;
  }

  stats(): StreamStats {
    return {
      id: this.id,
      bytesIn: this.recv.bytesIn,
      bytesOut: this.send.bytesOut,
      bufferedBytes: this.recv.bufferedBytes,
      queuedBytes: this.send.queuedBytes,
      sendWindow: this.send.credit,
      receiveWindow: this.recv.size,
      receiveCredit: this.recv.credit,
      sendOrder: this.sendOrder,
    };
  }

  // ---- life cycle ---------------------------------------------------------------------------

  get closed(): Promise<void> {
    const more = this.more;
    if (more.closed === null) {
      more.closed = deferred(true);
      if (this.clean) more.closed.resolve();
      else if (this.error) more.closed.reject(this.error);
    }
    return more.closed.promise;
  }

  /** Reset, or the session ended. */
  get ended(): boolean {
    return this.error !== null;
  }

  reset(code: number = ErrorCode.StreamCancelled): void {
    if (this.error || this.clean) return;
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
    const sink = this.extras?.sink;
    if (!sink) return this.send.finish();
    return sink.closeStream().then(noop, () => this.closedOrError());
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
    if (prefix !== null || this.extras !== null) this.more.prefix = prefix;
  }

  /** The prefix still to be read (see readPrefix), or null. */
  get prefix(): PrefixReader | null {
    return this.extras?.prefix ?? null;
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
    const more = this.extras;
    if (this.clean) {
      more?.closed?.resolve();
      return;
    }
    this.host.forget(this);
    if (more === null) return;
    more.closed?.reject(err);
    // The WHATWG faces error at once, not at the next read or write; a readable whose data before
    // the peer's FIN stays readable (keepFinishedRead) delivers it and ends, as read() does.
    if (this.recv.state === RecvState.Failed) more.source?.fail(err);
    more.sink?.fail(err);
  }

  private closedOrError(): Promise<void> {
    return this.error && !this.clean ? Promise.reject(this.error) : Promise.resolve();
  }

  /** Both directions done: the stream leaves the session's table (docs/protocol.md, "Closing a stream"). */
  private maybeEnded(): void {
    if (this.clean || this.error || this.send.state !== SendState.Closed || !this.recv.done) return;
    this.clean = true;
    this.host.forget(this);
    this.extras?.closed?.resolve();
  }
}
