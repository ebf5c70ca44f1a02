import { Admission } from "./admission.js";
import { GoAways } from "./goaway.js";
import { ErrorCode, MuxError, errorCodeName } from "./errors.js";
import { Heartbeat, HEARTBEAT_TYPE } from "./extensions/heartbeat.js";
import { TypedStreams } from "./extensions/typed.js";
import { Flag, MAX_STREAM_ID } from "./frame/constants.js";
import { FrameDecoder, type FrameHandler } from "./frame/decode.js";
import { toBytes } from "./frame/encode.js";
import { resolveOpen, resolveOptions, resolveShutdown, type ResolvedOptions } from "./options.js";
import { ReceiveBudget, STREAM_CHARGE } from "./receive-budget.js";
import { Pins, VIEW_MIN } from "./receive-buffer.js";
import { Scheduler } from "./scheduler.js";
import { SessionCounters } from "./stats.js";
import { frameInfo, traced } from "./trace.js";
import { Stream, type StreamHost } from "./stream.js";
import { linkFromStreams } from "./link/from-streams.js";
import type { Link, LinkSink, Transport } from "./link/link.js";
import type {
  GoAwayInfo,
  MuxStream,
  OpenOptions,
  SessionCloseInfo,
  SessionOptions,
  SessionStats,
  ShutdownOptions,
  TransportEndInfo,
  WaitOptions,
} from "./types.js";
import { signalOf } from "./util/abort.js";
import { noop } from "./util/deferred.js";

const EOF_REASON = "read EOF from remote peer";
/**
 * How long the GOAWAY that reports an error (or answers the peer's EOF) may take to leave before
 * the transport is torn down: a peer that sent garbage, or has gone, need not be waited for long
 * (Go gives up after about 250 ms too). A local close() waits closeTimeout instead.
 */
const ERROR_CLOSE_TIMEOUT = 250;

/** Why reading from the transport is paused; it resumes once no reason is left. */
enum ReadPause {
  /** The accept queue is full and a new stream waits for the application (admission.ts). */
  Admission = 1,
  /** The transport is backed up while our answers pile up (scheduler.ts). */
  Backlog = 2,
}

interface Ending {
  /** What goes to the peer in a GOAWAY before the transport closes, if anything. */
  wire?: { code: number; debug: string };
  cause?: unknown;
  /** The transport is broken: tear it down instead of ending it gracefully. */
  abort?: boolean;
  /** How long the GOAWAY may take before the transport is torn down; default closeTimeout. */
  timeout?: number;
  /** Nothing went wrong: a local close, or the peer's goodbye (SessionCloseInfo.clean). */
  clean?: boolean;
  /** What the transport said about its end (SessionCloseInfo.transport). */
  transport?: TransportEndInfo | undefined;
}

/** A failed connection's word on it: the error's code (ECONNRESET) or message. */
function failureInfo(err: unknown): TransportEndInfo {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string") return { reason: code };
  return { reason: err instanceof Error ? err.message : String(err) };
}

/**
 * A muxado session over one transport: the stream table, the reader (frames in), the writer
 * (scheduler.ts), the accept queue and GOAWAY handling (docs/protocol.md throughout).
 */
export class Session implements AsyncIterable<MuxStream> {
  /** The dialing side: opens odd stream ids (3, 5, …) as Go's muxado client does. */
  static client(transport: Transport, options?: SessionOptions): Session {
    return new Session(transport, options, true);
  }

  /** The listening side: opens even stream ids (2, 4, …). */
  static server(transport: Transport, options?: SessionOptions): Session {
    return new Session(transport, options, false);
  }

  /**
   * Checks session options the way a session does when it starts (a TypeError or RangeError naming
   * the option), for code that must fail before it connects.
   */
  static checkOptions(options: SessionOptions): void {
    resolveOptions(options);
  }

  /** Settles (never rejects) once the session has ended and its transport is closed. */
  readonly closed: Promise<SessionCloseInfo>;
  /** Whether this is the dialing side (odd stream ids). */
  readonly isClient: boolean;
  /** Each stream's initial receive window, in bytes. */
  readonly windowSize: number;
  /** How far a stream's receive window may grow (auto-tuning). */
  readonly maxWindowSize: number;

  private readonly options: ResolvedOptions;
  /** Typed streams (extensions/typed.ts), on a typed session only. */
  private readonly typing: TypedStreams | null;
  private readonly link: Link;
  private readonly scheduler: Scheduler;
  private readonly decoder: FrameDecoder;
  private readonly host: StreamHost;
  private readonly streams = new Map<number, Stream>();
  private readonly admission: Admission<Stream>;
  private readonly budget: ReceiveBudget;
  /** Peer-opened streams in the table. */
  private incomingCount = 0;
  private nextId: number;
  private readonly goAways: GoAways;
  /** ReadPause reasons in effect. */
  private readPaused = 0;
  private endError: MuxError | null = null;
  private ending: Promise<void> | null = null;
  private resolveClosed!: (info: SessionCloseInfo) => void;
  private heartbeat: Heartbeat | null = null;
  private _incoming: ReadableStream<MuxStream> | null = null;
  private readonly counters = new SessionCounters();
  /** The onFrame trace hook, if set. */
  private readonly trace: SessionOptions["onFrame"];
  /** shutdown(): resolved once the stream table is empty. */
  private drained: (() => void) | null = null;
  /** Heartbeat streams in the table (ours and the peer's): the session's own, never the application's. */
  private heartbeatStreams = 0;
  private shuttingDown = false;

  private constructor(transport: Transport, options: SessionOptions | undefined, isClient: boolean) {
    const o = (this.options = resolveOptions(options));
    this.isClient = isClient;
    this.windowSize = o.windowSize;
    this.maxWindowSize = o.maxWindowSize;
    this.budget = new ReceiveBudget(o.receiveBudget);
    this.admission = new Admission<Stream>(
      o.acceptBacklog,
      {
        pauseReading: () => {
          this.decoder.hold();
          this.pauseReading(ReadPause.Admission);
        },
        // Not from inside the application's accept() call: decoding resumes on its own turn.
        resumeReading: () => queueMicrotask(() => this.resumeDecoding()),
        refuse: (s) => {
          this.counters.streamsRefused++;
          this.scheduler.rst(s.id, ErrorCode.AcceptQueueFull);
          s.fail(new MuxError(ErrorCode.AcceptQueueFull, "the accept queue was full"));
        },
      },
      (s) => s.ended,
    );
    this.typing = o.typed
      ? new TypedStreams({
          reserve: () => this.admission.reserve(),
          release: () => this.admission.release(),
          admit: (s) => this.admission.offer(s),
          heartbeat: () => this.heartbeatStreams++,
        })
      : null;
    this.nextId = isClient ? 3 : 2;
    this.goAways = new GoAways(isClient);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));

    this.link = transport.link ?? linkFromStreams(transport);
    const trace = (this.trace = o.onFrame);
    this.scheduler = new Scheduler(
      this.link,
      (backedUp) => (backedUp ? this.pauseReading(ReadPause.Backlog) : this.resumeReading(ReadPause.Backlog)),
      this.counters,
      trace ? (type, flags, id, length, value, last) => trace("out", frameInfo(type, flags, id, length, value, last)) : null,
    );
    this.host = {
      windowSize: this.windowSize,
      maxWindowSize: this.maxWindowSize,
      scheduler: this.scheduler,
      budget: this.budget,
      pins: new Pins(this.budget, (payload) => this.decoder.largeShare(payload)),
      counters: this.counters,
      forget: (s) => this.forget(s),
    };
    this.decoder = new FrameDecoder(this.frameHandler(), VIEW_MIN);
    if (o.heartbeat) {
      this.heartbeat = this.newHeartbeat();
      this.heartbeat.start();
    }
    this.link.start(this.transportSink());
  }

  // ---- the public API ---------------------------------------------------------------------

  /**
   * Opens a stream. Nothing goes on the wire until its first write (the SYN rides on it), except on
   * a typed session, where the type goes at once.
   */
  open(options: OpenOptions = {}): Promise<MuxStream> {
    let checked: { type: number; sendOrder: number };
    try {
      checked = resolveOpen(options, this.typing !== null);
    } catch (err) {
      return Promise.reject(err);
    }
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    return this.openStream(checked.type, checked.sendOrder);
  }

  private openStream(type: number, sendOrder = 0): Promise<MuxStream> {
    if (this.endError) return Promise.reject(this.endError);
    if (this.shuttingDown) return Promise.reject(new MuxError(ErrorCode.SessionClosed, "the session is shutting down: no new streams"));
    if (this.goAways.received) {
      return Promise.reject(new MuxError(ErrorCode.RemoteGoneAway, "the peer sent GOAWAY: no new streams", { remote: true }));
    }
    // Ids only grow and are never reused (docs/protocol.md, "Stream ids").
    if (this.nextId > MAX_STREAM_ID) {
      return Promise.reject(new MuxError(ErrorCode.StreamsExhausted, "no stream ids left on this session"));
    }
    const id = this.nextId;
    this.nextId += 2;
    const stream = new Stream(this.host, id, false);
    stream.sendOrder = sendOrder;
    this.streams.set(id, stream);
    if (type === HEARTBEAT_TYPE) this.heartbeatStreams++;
    else this.counters.streamsOpened++;
    this.typing?.opened(stream, type);
    return Promise.resolve(stream);
  }

  /**
   * Resolves with the peer's GOAWAY once one arrives, while the session is still open: the peer
   * opens no more streams, and refuses new ones from this side (open() fails with RemoteGoneAway);
   * streams it has seen carry on. Never rejects; stays pending if the session ends without one.
   */
  get goneAway(): Promise<GoAwayInfo> {
    return this.goAways.whenReceived;
  }

  /**
   * The next stream the peer opened. Rejects with MuxError once the session has ended, and with the
   * signal's reason if it aborts first (no stream is taken then).
   */
  accept(options?: WaitOptions): Promise<MuxStream> {
    let signal: AbortSignal | undefined;
    try {
      signal = signalOf(options, "accept()");
    } catch (err) {
      return Promise.reject(err);
    }
    return this.admission.queue.take(signal);
  }

  /** The accept queue as a stream; it closes when the session ends. */
  get incoming(): ReadableStream<MuxStream> {
    return (this._incoming ??= new ReadableStream<MuxStream>(
      {
        pull: (c) =>
          this.accept().then(
            (s) => c.enqueue(s),
            () => c.close(),
          ),
      },
      { highWaterMark: 0 },
    ));
  }

  /** Accepted streams, until the session ends. */
  async *[Symbol.asyncIterator](): AsyncIterator<MuxStream> {
    for (;;) {
      let stream: MuxStream;
      try {
        stream = await this.accept();
      } catch (err) {
        if (this.endError) return;
        throw err;
      }
      yield stream;
    }
  }

  /**
   * Tells the peer to open no more streams; the session stays open for the streams it has.
   * Later SYNs are answered with RST StreamRefused.
   */
  goAway(code: number = ErrorCode.NoError, debug?: string | Uint8Array): Promise<void> {
    if (this.endError) return Promise.resolve();
    this.goAways.sent = true;
    return this.scheduler.goAway(this.goAways.lastRemoteSyn, code >>> 0, toBytes(debug), true);
  }

  /** GOAWAY(NoError, "no error"), then the transport closes; every stream fails with SessionClosed. */
  close(): Promise<void> {
    return this.die(ErrorCode.SessionClosed, "session closed", { wire: { code: ErrorCode.NoError, debug: "no error" }, clean: true });
  }

  /**
   * Graceful drain: GOAWAY (the peer opens no more streams; neither does this side), let every open
   * stream finish in both directions, then close(). Past `timeout` (default 30 s) it closes anyway,
   * failing what is left with SessionClosed. Resolves with the session's close info.
   */
  shutdown(options: ShutdownOptions = {}): Promise<SessionCloseInfo> {
    let timeout: number;
    try {
      timeout = resolveShutdown(options);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.endError || this.shuttingDown) return this.closed;
    this.shuttingDown = true;
    void this.goAway(options.code ?? ErrorCode.NoError, options.debug);
    const drained = new Promise<void>((resolve) => (this.drained = resolve));
    if (this.applicationStreams() === 0) this.drained?.();
    const timer = setTimeout(() => this.drained?.(), timeout);
    (timer as { unref?: () => void }).unref?.();
    return drained.then(() => {
      clearTimeout(timer);
      return this.close().then(() => this.closed);
    });
  }

  /**
   * One heartbeat on demand: the round trip in ms. Needs a typed session on both peers. Rejects
   * with WriteTimeout after interval + tolerance without an answer, or with the signal's reason.
   */
  ping(options?: WaitOptions): Promise<number> {
    let signal: AbortSignal | undefined;
    try {
      signal = signalOf(options, "ping()");
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.endError) return Promise.reject(this.endError);
    if (!this.typing) {
      return Promise.reject(new TypeError("ping() needs a typed session ({ typed: true } or heartbeat options on both peers)"));
    }
    this.heartbeat ??= this.newHeartbeat();
    return this.heartbeat.ping(signal);
  }

  /** A plain snapshot of the session's counters; it costs the same with any number of streams. */
  stats(): SessionStats {
    const c = this.counters;
    return {
      bytesIn: c.bytesIn,
      bytesOut: c.bytesOut,
      framesIn: c.framesIn,
      framesOut: c.framesOut,
      streamsOpened: c.streamsOpened,
      streamsAccepted: this.admission.queue.handed,
      streamsRefused: c.streamsRefused,
      streamsOpen: this.applicationStreams(),
      bufferedBytes: c.bufferedBytes,
      queuedBytes: c.queuedBytes,
      receiveBudgetUsed: this.budget.used,
      rttMs: this.heartbeat?.lastRtt,
    };
  }

  // ---- frames in --------------------------------------------------------------------------

  private frameHandler(): FrameHandler {
    const c = this.counters;
    const trace = this.trace;
    const handler: FrameHandler = {
      onData: (id, flags, payload, offset, length) => {
        if (offset === 0) c.framesIn++;
        this.onData(id, flags, payload, offset, length);
      },
      onRst: (id, code) => {
        c.framesIn++;
        this.streams.get(id)?.fail(new MuxError(code, `stream reset by peer (${errorCodeName(code)})`, { remote: true }));
      },
      onWndInc: (id, increment) => {
        c.framesIn++;
        this.streams.get(id)?.addCredit(increment);
      },
      onGoAway: (last, code, debug) => {
        c.framesIn++;
        this.onGoAway(last, code, debug);
      },
      onUnknown: () => c.framesIn++,
    };
    return trace ? traced(handler, trace) : handler;
  }

  private onData(id: number, flags: number, payload: Uint8Array, offset: number, length: number): void {
    let stream = this.streams.get(id);
    if (offset === 0) {
      if (flags & Flag.SYN) {
        stream = this.onSyn(id);
        if (stream === undefined) return;
      } else if (stream === undefined) {
        // docs/protocol.md: an empty FIN for an unknown stream is ignored (Go sends one after Close()),
        // anything else is answered with RST StreamClosed.
        if (!(length === 0 && flags & Flag.FIN)) this.scheduler.rst(id, ErrorCode.StreamClosed);
        return;
      }
    } else if (stream === undefined) {
      return; // the rest of a frame whose stream was refused or reset
    }
    const fin = (flags & Flag.FIN) !== 0 && offset + payload.length === length;
    // The stream's receive half applies the rules for incoming DATA (stream-recv.ts).
    const code = stream.receive(payload, fin);
    if (code !== 0) {
      this.scheduler.rst(id, code);
      stream.fail(new MuxError(code, `the peer broke the stream's rules (${errorCodeName(code)})`));
    } else if (this.budget.exceeded) {
      // This stream's data took the session past its receive budget: it goes, with what it holds.
      this.scheduler.rst(id, ErrorCode.EnhanceYourCalm);
      stream.fail(new MuxError(ErrorCode.EnhanceYourCalm, "the session's receive budget is spent"));
    }
  }

  private onSyn(id: number): Stream | undefined {
    if ((id & 1) === (this.isClient ? 1 : 0)) {
      throw new MuxError(ErrorCode.ProtocolError, `the peer opened stream ${id}, an id of our parity`);
    }
    if (this.streams.has(id)) throw new MuxError(ErrorCode.ProtocolError, `second SYN for stream ${id}`);
    this.goAways.lastRemoteSyn = id;
    // A refused stream is never entered in the table (docs/protocol.md, "Go quirks a port must
    // tolerate": Go leaks it; we must not), so the rest of its frame is dropped.
    if (this.goAways.sent || this.incomingCount >= this.options.maxIncomingStreams) {
      this.counters.streamsRefused++;
      this.scheduler.rst(id, ErrorCode.StreamRefused);
      return undefined;
    }
    // A SYN that admission would refuse at once costs no stream (typed streams are admitted once
    // their type arrives, so they are built first).
    if (!this.typing && this.admission.refusesNow()) {
      this.counters.streamsRefused++;
      this.scheduler.rst(id, ErrorCode.AcceptQueueFull);
      return undefined;
    }
    if (!this.budget.tryCharge(STREAM_CHARGE)) {
      this.counters.streamsRefused++;
      this.scheduler.rst(id, ErrorCode.EnhanceYourCalm);
      return undefined;
    }
    const stream = new Stream(this.host, id, true);
    this.streams.set(id, stream);
    this.incomingCount++;
    if (this.typing) this.typing.arrived(stream);
    else this.admission.offer(stream);
    return stream;
  }

  /**
   * The peer's GOAWAY: our streams above its last-stream-id were never seen by the peer and never
   * will be (goaway.ts). The range it gives up is looked up id by id, or the table is walked once
   * when that is shorter.
   */
  private onGoAway(last: number, code: number, debug: Uint8Array): void {
    const range = this.goAways.receive(last, code, debug, this.nextId);
    if (range === null) return;
    const doomed: Stream[] = [];
    if ((range.last - range.first) / 2 + 1 > this.streams.size) {
      for (const s of this.streams.values()) if (this.isOwn(s.id) && s.id >= range.first && s.id <= range.last) doomed.push(s);
    } else {
      for (let id = range.first; id <= range.last; id += 2) {
        const s = this.streams.get(id);
        if (s) doomed.push(s);
      }
    }
    for (const s of doomed) {
      s.fail(new MuxError(ErrorCode.RemoteGoneAway, "the peer went away before this stream reached it", { remote: true }));
    }
  }

  /** Streams open now but the heartbeat's: what shutdown() waits for, what stats() reports. */
  private applicationStreams(): number {
    return this.streams.size - this.heartbeatStreams;
  }

  private isOwn(id: number): boolean {
    return (id & 1) === (this.isClient ? 1 : 0);
  }

  private forget(stream: Stream): void {
    if (this.streams.get(stream.id) !== stream) return;
    this.streams.delete(stream.id);
    if (stream.type === HEARTBEAT_TYPE) this.heartbeatStreams--;
    if (this.applicationStreams() === 0) this.drained?.();
    if (this.isOwn(stream.id)) return;
    this.incomingCount--;
    this.budget.release(STREAM_CHARGE);
    this.typing?.forgotten(stream);
  }

  private pauseReading(reason: ReadPause): void {
    if (this.readPaused === 0) this.link.pause();
    this.readPaused |= reason;
  }

  private resumeReading(reason: ReadPause): void {
    if (!(this.readPaused & reason)) return;
    this.readPaused &= ~reason;
    if (this.readPaused === 0 && !this.endError) this.link.resume();
  }

  /** Admission made room: decode what waited, then read the transport again. */
  private resumeDecoding(): void {
    if (this.endError) return;
    this.decode(null);
    if (!this.decoder.held) this.resumeReading(ReadPause.Admission);
  }

  /**
   * Feeds `chunk` to the decoder (null: decodes what waited since it held); a protocol violation it
   * finds ends the session. No closure over the chunk: an error created while decoding keeps its
   * stack's functions alive, and a closure would keep the whole transport chunk alive with them.
   */
  private decode(chunk: Uint8Array | null): void {
    try {
      if (chunk === null) this.decoder.release();
      else this.decoder.push(chunk);
    } catch (err) {
      const e = err instanceof MuxError ? err : new MuxError(ErrorCode.InternalError, String(err), { cause: err });
      void this.die(e.code, e.message, { wire: { code: e.code, debug: e.message }, cause: err, timeout: ERROR_CLOSE_TIMEOUT });
    }
  }

  // ---- the transport ----------------------------------------------------------------------

  private transportSink(): LinkSink {
    return {
      data: (chunk) => {
        if (this.endError) return;
        this.counters.bytesIn += chunk.length;
        this.decode(chunk);
      },
      end: (info) =>
        void this.die(ErrorCode.PeerEOF, EOF_REASON, {
          wire: { code: ErrorCode.PeerEOF, debug: EOF_REASON },
          timeout: ERROR_CLOSE_TIMEOUT,
          // The peer said goodbye first: its end is the expected one.
          clean: this.goAways.received?.code === ErrorCode.NoError,
          transport: info,
        }),
      // A transport that knows why it failed says so with a MuxError (say, a text message on a
      // WebSocket: ProtocolError); any other failure means the connection is gone.
      error: (err, info) =>
        void (err instanceof MuxError
          ? this.die(err.code, err.message, { cause: err, abort: true, transport: info })
          : this.die(ErrorCode.PeerEOF, `transport failed: ${err instanceof Error ? err.message : String(err)}`, {
              cause: err,
              abort: true,
              transport: info ?? failureInfo(err),
            })),
      drain: () => this.scheduler.drained(),
    };
  }

  private newHeartbeat(): Heartbeat {
    return new Heartbeat(
      {
        open: () => this.openStream(HEARTBEAT_TYPE),
        timedOut: () =>
          void this.die(ErrorCode.WriteTimeout, "heartbeat timed out", {
            wire: { code: ErrorCode.WriteTimeout, debug: "heartbeat timed out" },
            timeout: ERROR_CLOSE_TIMEOUT,
          }),
      },
      this.options.heartbeat ?? undefined,
    );
  }

  /**
   * Ends the session once (docs/protocol.md, "Ending a session"): every stream and waiting accept()
   * fails with the session's error, the GOAWAY (if any) is written, the transport is closed within
   * closeTimeout, and then `closed` settles.
   */
  private die(code: number, reason: string, how: Ending): Promise<void> {
    if (this.ending) return this.ending;
    // Marked before anything calls out: a transport may report its end synchronously from end().
    let ended!: () => void;
    this.ending = new Promise<void>((resolve) => (ended = resolve));
    const err = new MuxError(code, reason, { cause: how.cause });
    this.endError = err;
    const info: SessionCloseInfo = { code, reason, clean: how.clean ?? false };
    if (how.transport && (how.transport.code !== undefined || how.transport.reason !== undefined)) info.transport = how.transport;
    if (this.goAways.received) info.remote = this.goAways.received;
    this.heartbeat?.stop(err);
    this.admission.close(err);
    for (const s of this.streams.values()) s.fail(err, true);
    this.streams.clear();
    let transportClosed: Promise<void>;
    if (how.abort) {
      this.link.destroy();
      transportClosed = Promise.resolve();
    } else {
      if (how.wire) void this.scheduler.goAway(this.goAways.lastRemoteSyn, how.wire.code, toBytes(how.wire.debug), false);
      transportClosed = this.bounded(this.scheduler.finish(), how.timeout ?? this.options.closeTimeout);
    }
    void transportClosed.then(() => {
      this.resolveClosed(info);
      ended();
    });
    return this.ending;
  }

  /** A graceful transport end may hang on a peer that stops reading: give up after `ms`. */
  private bounded(ended: Promise<void>, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.link.destroy();
        resolve();
      }, ms);
      (timer as { unref?: () => void }).unref?.();
      ended.then(noop, noop).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
