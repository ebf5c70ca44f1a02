/** The public shapes of streamux: the options, the close report and the stream interface. */

export interface SessionOptions {
  /** Per-stream receive window in bytes; default 256 KiB (muxado's). Both peers must agree. */
  windowSize?: number;
  /**
   * How far a stream's receive window may grow while its reader keeps up (auto-tuning: extra
   * credit is granted, which any muxado peer accepts); default 4 MiB. Set it to windowSize to
   * keep every window fixed, as Go does.
   */
  maxWindowSize?: number;
  /**
   * Streams waiting for accept(); default 128. A stream that finds the queue full waits a moment
   * (reading pauses for at most 20 ms) for a running accept loop to make room; failing that it gets
   * RST AcceptQueueFull, and so do the streams after it until the application accepts again.
   */
  acceptBacklog?: number;
  /** Cap on streams the peer may have open at once; default 65536. Beyond it: RST StreamRefused. */
  maxIncomingStreams?: number;
  /**
   * The most memory, in bytes, the peer can make this session hold: every stream's unread data
   * (counted as the buffers it keeps alive) plus about 1.5 KB per stream the peer has open.
   * Default 64 MiB. Past half of it receive windows stop growing; a new stream that would pass it
   * is refused and a stream whose data passes it is reset, both with RST EnhanceYourCalm.
   */
  receiveBudget?: number;
  /** muxado's typed streams: a 4-byte type travels first on every stream. Both peers must agree. */
  typed?: boolean;
  /** muxado's heartbeat (implies `typed`): measure round trips, detect a silent peer. */
  heartbeat?: HeartbeatOptions;
  /**
   * How long close() waits for the final GOAWAY to leave before tearing the transport down;
   * default 5000 ms. A session that ends on an error or on the peer's EOF waits at most 250 ms.
   */
  closeTimeout?: number;
  /**
   * Called for every frame read and written, for debugging an interop problem; `formatFrame`
   * prints one the way Go's muxado debug framer does. Costs nothing when not set.
   */
  onFrame?(direction: "in" | "out", frame: FrameInfo): void;
}

/** muxado's heartbeat, the SessionOptions.heartbeat option. */
export interface HeartbeatOptions {
  /** Time between beats in ms; default 10000 (muxado's). */
  interval?: number;
  /** Extra time a beat's answer may take before the heartbeat counts as failed; default 15000 ms. */
  tolerance?: number;
  /** Called with the round-trip time of each answered beat. */
  onBeat?(rttMs: number): void;
  /** Called when no answer came within interval + tolerance. */
  onTimeout?(): void;
  /** End the session (code WriteTimeout) when the heartbeat times out; default false. */
  closeOnTimeout?: boolean;
}

/** Options of Session.open(). */
export interface OpenOptions {
  /** The stream's type on a typed session: a uint32 other than 0xFFFFFFFF (the heartbeat's). */
  type?: number;
  /** WebTransport's meaning: streams with a higher sendOrder send first; equal ones share fairly. Default 0. */
  sendOrder?: number;
  /** An aborted signal rejects open() with its reason. */
  signal?: AbortSignal;
}

/** Options of a call that may wait: aborting the signal rejects the call with `signal.reason`. */
export interface WaitOptions {
  /** Aborting it rejects the call with `signal.reason`. */
  signal?: AbortSignal;
}

/** Options of Session.shutdown(). */
export interface ShutdownOptions {
  /** How long running streams may take to finish before the session closes anyway; default 30000 ms. */
  timeout?: number;
  /** The GOAWAY's code; default NoError. */
  code?: number;
  /** The GOAWAY's debug bytes. */
  debug?: string | Uint8Array;
}

/** Why a session ended. */
export interface SessionCloseInfo {
  /** An ErrorCode: SessionClosed for a local close(), PeerEOF when the transport ended, … */
  code: number;
  /** What happened, in words. */
  reason: string;
  /**
   * True when nothing went wrong: the session was closed here (close(), shutdown()), or the peer
   * said goodbye with GOAWAY(NoError) before its transport ended.
   */
  clean: boolean;
  /** The peer's GOAWAY, if one arrived: its code and its debug bytes (Go puts its error message there). */
  remote?: GoAwayInfo;
  /** What the transport said about its end, where it says anything: a WebSocket's close code and reason, a socket's error. */
  transport?: TransportEndInfo;
}

/** A GOAWAY the peer sent. */
export interface GoAwayInfo {
  /** The GOAWAY's error code. */
  code: number;
  /** The GOAWAY's debug bytes (Go puts its error message there). */
  debug: Uint8Array;
}

/** How a transport ended, in its own terms. */
export interface TransportEndInfo {
  /** A WebSocket close code (1000, 1011, …). */
  code?: number;
  /** A WebSocket close reason, or a socket error's code or message ("ECONNRESET"). */
  reason?: string;
}

/** A plain snapshot of a session (see Session.stats()). */
export interface SessionStats {
  /** Transport bytes received. */
  bytesIn: number;
  /** Transport bytes written. */
  bytesOut: number;
  /** Frames received. */
  framesIn: number;
  /** Frames written. */
  framesOut: number;
  /** Streams this side opened (the heartbeat's own not counted). */
  streamsOpened: number;
  /** Streams handed to accept(). */
  streamsAccepted: number;
  /** Streams the peer opened that were refused (RST on their SYN, or waiting for room in vain). */
  streamsRefused: number;
  /** Streams open now, in either direction (the heartbeat's own not counted). */
  streamsOpen: number;
  /** Bytes received and not yet read by the application, over all streams. */
  bufferedBytes: number;
  /** Bytes the application wrote that have not been sent yet, over all streams. */
  queuedBytes: number;
  /** Memory the peer makes this session hold now, as the receive budget counts it. */
  receiveBudgetUsed: number;
  /** The last heartbeat or ping() round trip in ms, if any. */
  rttMs: number | undefined;
}

/** A plain snapshot of a stream (see MuxStream.stats()). */
export interface StreamStats {
  /** The stream's id. */
  id: number;
  /** Payload bytes received from the peer. */
  bytesIn: number;
  /** Payload bytes sent to the peer. */
  bytesOut: number;
  /** Received bytes not yet read. */
  bufferedBytes: number;
  /** Written bytes not yet sent. */
  queuedBytes: number;
  /** Bytes we may still send (the peer's credit). */
  sendWindow: number;
  /** The receive window's size now (auto-tuned). */
  receiveWindow: number;
  /** Bytes the peer may still send before it overruns the window. */
  receiveCredit: number;
  /** The stream's sendOrder. */
  sendOrder: number;
}

/** One frame, as the onFrame trace hook sees it. */
export interface FrameInfo {
  /** The frame's type by name (UNKNOWN for 0x4..0xF). */
  type: "DATA" | "RST" | "WNDINC" | "GOAWAY" | "UNKNOWN";
  /** The raw 4-bit type (0x4..0xF for UNKNOWN). */
  typeCode: number;
  /** The 4 flag bits (DATA: FIN 0x1, SYN 0x2). */
  flags: number;
  /** The stream id (0 for GOAWAY). */
  streamId: number;
  /** Payload length. */
  length: number;
  /** RST and GOAWAY: the error code. */
  code?: number;
  /** WNDINC: the increment. */
  increment?: number;
  /** GOAWAY: the last stream id. */
  lastStreamId?: number;
}

/** One multiplexed stream; shaped like WebTransportBidirectionalStream. */
export interface MuxStream {
  /** The stream id (client-opened odd from 3, server-opened even from 2). */
  readonly id: number;
  /** On a typed session: the stream's type. */
  readonly type: number | undefined;
  /** A byte stream: `getReader({ mode: "byob" })` reads into the caller's buffer. */
  readonly readable: ReadableStream<Uint8Array>;
  /** `writable.close()` half-closes the stream (FIN). */
  readonly writable: WritableStream<Uint8Array>;
  /** WebTransport's meaning: higher sends first, equal shares fairly; may change at any time. */
  sendOrder: number;
  /** Resets both directions (RST); default code StreamCancelled. */
  reset(code?: number): void;
  /** muxado-style close: stop reading, discard what is buffered, half-close, forget the stream. */
  close(): Promise<void>;
  /** Resolves when both directions ended cleanly; rejects with MuxError on reset or session end. */
  readonly closed: Promise<void>;

  /**
   * muxado-style direct I/O, for code that wants no WHATWG stream objects (they are costly to
   * create on some runtimes): the next chunk received, or null at the end of the stream. Use
   * either `read()` or `readable` on a stream, not both. An aborted read rejects with the signal's
   * reason and consumes nothing.
   */
  read(options?: WaitOptions): Promise<Uint8Array | null>;
  /**
   * Sends a chunk; resolves once the transport no longer needs its bytes (the buffer may be reused).
   * Not with `writable`. An aborted write resets the stream (with the reason's code if it is a
   * MuxError, else StreamCancelled): part of the chunk may already be on its way, so the stream's
   * bytes could not be trusted after it.
   */
  write(chunk: Uint8Array, options?: WaitOptions): Promise<void>;
  /** Half-closes (FIN) after the writes before it. Not with `writable`. */
  closeWrite(): Promise<void>;
  /** A snapshot of the stream's counters and windows. */
  stats(): StreamStats;
}
