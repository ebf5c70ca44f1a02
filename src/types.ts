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
}

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

export interface OpenOptions {
  /** The stream's type on a typed session: a uint32 other than 0xFFFFFFFF (the heartbeat's). */
  type?: number;
}

/** Why a session ended. */
export interface SessionCloseInfo {
  /** An ErrorCode: SessionClosed for a local close(), PeerEOF when the transport ended, … */
  code: number;
  reason: string;
  /** The peer's GOAWAY, if one arrived. */
  remote?: { code: number; debug: Uint8Array };
}

/** One multiplexed stream; shaped like WebTransportBidirectionalStream. */
export interface MuxStream {
  readonly id: number;
  /** On a typed session: the stream's type. */
  readonly type: number | undefined;
  readonly readable: ReadableStream<Uint8Array>;
  /** `writable.close()` half-closes the stream (FIN). */
  readonly writable: WritableStream<Uint8Array>;
  /** Resets both directions (RST); default code StreamCancelled. */
  reset(code?: number): void;
  /** muxado-style close: stop reading, discard what is buffered, half-close, forget the stream. */
  close(): Promise<void>;
  /** Resolves when both directions ended cleanly; rejects with MuxError on reset or session end. */
  readonly closed: Promise<void>;

  /**
   * muxado-style direct I/O, for code that wants no WHATWG stream objects (they are costly to
   * create on some runtimes): the next chunk received, or null at the end of the stream. Use
   * either `read()` or `readable` on a stream, not both.
   */
  read(): Promise<Uint8Array | null>;
  /** Sends a chunk; resolves once it is handed to the transport (backpressure). Not with `writable`. */
  write(chunk: Uint8Array): Promise<void>;
  /** Half-closes (FIN) after the writes before it. Not with `writable`. */
  closeWrite(): Promise<void>;
}
