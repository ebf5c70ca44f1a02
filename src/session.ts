import { AcceptQueue } from "./accept-queue.js";
import { ErrorCode, MuxError, errorCodeName } from "./errors.js";
import { answerHeartbeats, Heartbeat } from "./extensions/heartbeat.js";
import { checkType, HEARTBEAT_TYPE } from "./extensions/typed.js";
import { Flag, MAX_STREAM_ID } from "./frame/constants.js";
import { FrameDecoder, type FrameHandler } from "./frame/decode.js";
import { toBytes } from "./frame/encode.js";
import { MAX_WINDOW } from "./flow.js";
import { Scheduler } from "./scheduler.js";
import { Stream, type StreamHost } from "./stream.js";
import { streamsTransport, type DirectTransport, type DirectTransportSink, type Transport } from "./transport.js";
import type { MuxStream, OpenOptions, SessionCloseInfo, SessionOptions } from "./types.js";

const DEFAULT_WINDOW = 256 * 1024;
const DEFAULT_MAX_WINDOW = 4 * 1024 * 1024;
const DEFAULT_BACKLOG = 128;
const DEFAULT_MAX_INCOMING = 65536;
const DEFAULT_CLOSE_TIMEOUT = 5000;

const EOF_REASON = "read EOF from remote peer";
const noop = () => {};

interface Ending {
  /** What goes to the peer in a GOAWAY before the transport closes, if anything. */
  wire?: { code: number; debug: string };
  cause?: unknown;
  /** The transport is broken: tear it down instead of ending it gracefully. */
  abort?: boolean;
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

  /** Settles (never rejects) once the session has ended and its transport is closed. */
  readonly closed: Promise<SessionCloseInfo>;
  readonly isClient: boolean;
  readonly windowSize: number;
  readonly maxWindowSize: number;

  private readonly typed: boolean;
  private readonly link: DirectTransport;
  private readonly scheduler: Scheduler;
  private readonly decoder: FrameDecoder;
  private readonly host: StreamHost;
  private readonly streams = new Map<number, Stream>();
  private readonly acceptQueue: AcceptQueue<Stream>;
  private readonly maxIncoming: number;
  private readonly closeTimeout: number;
  /** Peer-opened streams in the table, and those of them still waiting for their type bytes. */
  private incomingCount = 0;
  private typePending = 0;
  /**
   * Streams that found the accept queue full, waiting one macrotask for the application to make
   * room (see offerToAccept); at most one backlog's worth.
   */
  private overflow: Stream[] = [];
  private overflowTimer: ReturnType<typeof setTimeout> | null = null;
  private nextId: number;
  /** The most recent SYN received: a GOAWAY's last-stream-id (Go: 1 on a server, 0 on a client, before any). */
  private lastRemoteSyn: number;
  private localGoAway = false;
  private remoteGoAway: { code: number; debug: Uint8Array } | undefined;
  private endError: MuxError | null = null;
  private ending: Promise<void> | null = null;
  private resolveClosed!: (info: SessionCloseInfo) => void;
  private heartbeat: Heartbeat | null = null;
  private _incoming: ReadableStream<MuxStream> | null = null;

  private constructor(transport: Transport, options: SessionOptions = {}, isClient: boolean) {
    this.isClient = isClient;
    this.windowSize = checkSize("windowSize", options.windowSize ?? DEFAULT_WINDOW, MAX_WINDOW);
    this.maxWindowSize = Math.max(
      this.windowSize,
      checkSize("maxWindowSize", options.maxWindowSize ?? Math.max(DEFAULT_MAX_WINDOW, this.windowSize), MAX_WINDOW),
    );
    this.maxIncoming = checkSize("maxIncomingStreams", options.maxIncomingStreams ?? DEFAULT_MAX_INCOMING);
    this.acceptQueue = new AcceptQueue<Stream>(
      checkSize("acceptBacklog", options.acceptBacklog ?? DEFAULT_BACKLOG),
      (s) => s.ended,
    );
    this.closeTimeout = options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT;
    this.typed = options.typed === true || options.heartbeat !== undefined;
    this.nextId = isClient ? 3 : 2;
    this.lastRemoteSyn = isClient ? 0 : 1;
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));

    this.link = transport.direct ?? streamsTransport(transport);
    this.scheduler = new Scheduler(this.link);
    this.host = {
      windowSize: this.windowSize,
      maxWindowSize: this.maxWindowSize,
      scheduler: this.scheduler,
      forget: (s) => this.forget(s),
      typeReceived: (s) => this.typeReceived(s),
    };
    this.decoder = new FrameDecoder(this.frameHandler());
    if (options.heartbeat) {
      this.heartbeat = this.newHeartbeat(options);
      this.heartbeat.start();
    }
    this.link.start(this.transportSink());
  }

  // ---- the public API ---------------------------------------------------------------------

  /** Opens a stream. Nothing goes on the wire until its first write (the SYN rides on it). */
  open(options: OpenOptions = {}): Promise<MuxStream> {
    if (this.endError) return Promise.reject(this.endError);
    if (this.remoteGoAway) {
      return Promise.reject(new MuxError(ErrorCode.RemoteGoneAway, "the peer sent GOAWAY: no new streams", { remote: true }));
    }
    if (options.type !== undefined && !this.typed) {
      return Promise.reject(new TypeError("open({ type }) needs a typed session ({ typed: true } on both peers)"));
    }
    // Ids only grow and are never reused (docs/protocol.md, "Stream ids").
    if (this.nextId > MAX_STREAM_ID) {
      return Promise.reject(new MuxError(ErrorCode.StreamsExhausted, "no stream ids left on this session"));
    }
    const id = this.nextId;
    this.nextId += 2;
    const stream = new Stream(this.host, id, false);
    this.streams.set(id, stream);
    if (this.typed) stream.sendType(checkType(options.type ?? 0));
    return Promise.resolve(stream);
  }

  /** The next stream the peer opened. Rejects with MuxError once the session has ended. */
  accept(): Promise<MuxStream> {
    return this.acceptQueue.take();
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
    this.localGoAway = true;
    return this.scheduler.goAway(this.lastRemoteSyn, code >>> 0, toBytes(debug), true);
  }

  /** GOAWAY(NoError, "no error"), then the transport closes; every stream fails with SessionClosed. */
  close(): Promise<void> {
    return this.die(ErrorCode.SessionClosed, "session closed", { wire: { code: ErrorCode.NoError, debug: "no error" } });
  }

  /** One heartbeat on demand: the round trip in ms. Needs a typed session on both peers. */
  ping(timeoutMs?: number): Promise<number> {
    if (this.endError) return Promise.reject(this.endError);
    if (!this.typed) {
      return Promise.reject(new TypeError("ping() needs a typed session ({ typed: true } or heartbeat options on both peers)"));
    }
    this.heartbeat ??= this.newHeartbeat({});
    return this.heartbeat.ping(timeoutMs);
  }

  // ---- frames in --------------------------------------------------------------------------

  private frameHandler(): FrameHandler {
    return {
      onData: (id, flags, payload, offset, length) => this.onData(id, flags, payload, offset, length),
      onRst: (id, code) =>
        this.streams.get(id)?.fail(new MuxError(code, `stream reset by peer (${errorCodeName(code)})`, { remote: true })),
      onWndInc: (id, increment) => this.streams.get(id)?.addCredit(increment),
      onGoAway: (last, code, debug) => this.onGoAway(last, code, debug),
    };
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
    if (payload.length > 0 && (stream.finReceived || stream.readClosed)) {
      // DATA after the peer's FIN, or after the application closed the stream.
      this.scheduler.rst(id, ErrorCode.StreamClosed);
      stream.fail(new MuxError(ErrorCode.StreamClosed, "DATA for a closed stream"));
      return;
    }
    if (stream.finReceived) return; // a repeated empty FIN (Go's Close() after CloseWrite())
    const fin = (flags & Flag.FIN) !== 0 && offset + payload.length === length;
    if (!stream.receive(payload, fin)) {
      this.scheduler.rst(id, ErrorCode.FlowControlError);
      stream.fail(new MuxError(ErrorCode.FlowControlError, "the peer sent more than the window allows"));
    }
  }

  private onSyn(id: number): Stream | undefined {
    if ((id & 1) === (this.isClient ? 1 : 0)) {
      throw new MuxError(ErrorCode.ProtocolError, `the peer opened stream ${id}, an id of our parity`);
    }
    if (this.streams.has(id)) throw new MuxError(ErrorCode.ProtocolError, `second SYN for stream ${id}`);
    this.lastRemoteSyn = id;
    if (this.localGoAway) {
      this.scheduler.rst(id, ErrorCode.StreamRefused);
      return undefined;
    }
    if (this.incomingCount >= this.maxIncoming) {
      this.scheduler.rst(id, ErrorCode.StreamRefused);
      return undefined;
    }
    // The refused stream is forgotten at once (docs/protocol.md: Go leaks it; we must not).
    if (this.backlogFull() && this.overflow.length >= this.acceptQueue.backlog) {
      this.scheduler.rst(id, ErrorCode.AcceptQueueFull);
      return undefined;
    }
    const stream = new Stream(this.host, id, true);
    this.streams.set(id, stream);
    this.incomingCount++;
    if (this.typed) {
      this.typePending++;
      stream.expectType();
    } else {
      this.offerToAccept(stream);
    }
    return stream;
  }

  private backlogFull(): boolean {
    return this.acceptQueue.length + this.typePending >= this.acceptQueue.backlog;
  }

  /**
   * Queues a new stream for accept(). A burst of SYNs is decoded in one go, before an accept loop
   * gets to run even once; so a stream that finds the queue full waits until the next macrotask
   * (by then a running accept loop has drained the queue) and is refused only if there is still
   * no room: RST AcceptQueueFull, and forgotten.
   */
  private offerToAccept(stream: Stream): void {
    if (this.overflow.length === 0 && !this.backlogFull()) return this.acceptQueue.push(stream);
    this.overflow.push(stream);
    if (this.overflowTimer) return;
    this.overflowTimer = setTimeout(() => {
      this.overflowTimer = null;
      const waiting = this.overflow;
      this.overflow = [];
      for (const s of waiting) {
        if (s.ended) continue; // reset meanwhile, or the session ended
        if (!this.backlogFull()) {
          this.acceptQueue.push(s);
        } else {
          this.scheduler.rst(s.id, ErrorCode.AcceptQueueFull);
          s.fail(new MuxError(ErrorCode.AcceptQueueFull, "the accept queue was full"));
        }
      }
    }, 0);
  }

  private typeReceived(stream: Stream): void {
    this.typePending--;
    // A typed session answers heartbeats itself; they never reach accept().
    if (stream.type === HEARTBEAT_TYPE) void answerHeartbeats(stream);
    else this.offerToAccept(stream);
  }

  private onGoAway(last: number, code: number, debug: Uint8Array): void {
    this.remoteGoAway = { code, debug };
    // Our streams above `last` were never seen by the peer and never will be.
    for (const s of this.streams.values()) {
      if (this.isOwn(s.id) && s.id > last) {
        s.fail(new MuxError(ErrorCode.RemoteGoneAway, "the peer went away before this stream reached it", { remote: true }));
      }
    }
  }

  private isOwn(id: number): boolean {
    return (id & 1) === (this.isClient ? 1 : 0);
  }

  private forget(stream: Stream): void {
    if (this.streams.get(stream.id) !== stream) return;
    this.streams.delete(stream.id);
    if (this.isOwn(stream.id)) return;
    this.incomingCount--;
    if (this.typed && stream.type === undefined) this.typePending--;
  }

  // ---- the transport ----------------------------------------------------------------------

  private transportSink(): DirectTransportSink {
    return {
      data: (chunk) => {
        if (this.endError) return;
        try {
          this.decoder.push(chunk);
        } catch (err) {
          const e = err instanceof MuxError ? err : new MuxError(ErrorCode.InternalError, String(err), { cause: err });
          void this.die(e.code, e.message, { wire: { code: e.code, debug: e.message }, cause: err });
        }
      },
      end: () => void this.die(ErrorCode.PeerEOF, EOF_REASON, { wire: { code: ErrorCode.PeerEOF, debug: EOF_REASON } }),
      // A transport that knows why it failed says so with a MuxError (say, a text message on a
      // WebSocket: ProtocolError); any other failure means the connection is gone.
      error: (err) =>
        void (err instanceof MuxError
          ? this.die(err.code, err.message, { cause: err, abort: true })
          : this.die(ErrorCode.PeerEOF, `transport failed: ${err instanceof Error ? err.message : String(err)}`, {
              cause: err,
              abort: true,
            })),
      drain: () => this.scheduler.drained(),
    };
  }

  private newHeartbeat(options: SessionOptions): Heartbeat {
    return new Heartbeat(
      {
        open: (o) => this.open(o),
        timedOut: () =>
          void this.die(ErrorCode.WriteTimeout, "heartbeat timed out", {
            wire: { code: ErrorCode.WriteTimeout, debug: "heartbeat timed out" },
          }),
      },
      options.heartbeat,
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
    const info: SessionCloseInfo = { code, reason };
    if (this.remoteGoAway) info.remote = this.remoteGoAway;
    this.heartbeat?.stop(err);
    if (this.overflowTimer) clearTimeout(this.overflowTimer);
    this.overflow = [];
    for (const s of this.streams.values()) s.fail(err, true);
    this.streams.clear();
    this.acceptQueue.close(err);
    let transportClosed: Promise<void>;
    if (how.abort) {
      this.link.destroy();
      transportClosed = Promise.resolve();
    } else {
      if (how.wire) void this.scheduler.goAway(this.lastRemoteSyn, how.wire.code, toBytes(how.wire.debug), false);
      transportClosed = this.bounded(this.scheduler.finish());
    }
    void transportClosed.then(() => {
      this.resolveClosed(info);
      ended();
    });
    return this.ending;
  }

  /** A graceful transport end may hang on a peer that stops reading: give up after closeTimeout. */
  private bounded(ended: Promise<void>): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.link.destroy();
        resolve();
      }, this.closeTimeout);
      (timer as { unref?: () => void }).unref?.();
      ended.then(noop, noop).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

function checkSize(name: string, value: number, max = 0x7fffffff): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer from 1 to ${max}, got ${value}`);
  }
  return value;
}
