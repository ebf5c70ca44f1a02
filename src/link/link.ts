/**
 * The one seam between a session and its connection.
 *
 * A `Transport` is what the application hands a session: one reliable, ordered, full-duplex byte
 * stream as a WHATWG pair (docs/protocol.md). Adapters whose runtime has a cheaper interface than
 * WHATWG streams also offer a `Link`, which the session then drives instead: callbacks in, gather
 * writes out, no promise per chunk.
 */

import type { TransportEndInfo } from "../types.js";

/**
 * What every adapter produces: one reliable, ordered, full-duplex byte stream (docs/protocol.md).
 * Chunks read from `readable` belong to the session from then on (it hands views of them to
 * streams), so a transport must not reuse a chunk's memory after handing it over.
 */
export interface Transport {
  /** The bytes the peer sends. */
  readable: ReadableStream<Uint8Array>;
  /** The bytes this side sends; close() sends FIN. */
  writable: WritableStream<Uint8Array>;
  /** Optional hard close of the underlying connection, called once the session has ended. */
  close?(): void | Promise<void>;
  /**
   * Optional fast path: when present the session uses it instead of `readable`/`writable`, so an
   * adapter whose runtime has a cheaper native interface (Node's sockets) skips the WHATWG hop.
   */
  link?: Link;
}

/** Where a Link delivers what happens on the connection. */
export interface LinkSink {
  /** Bytes arrived. The chunk belongs to the session from now on. */
  data(chunk: Uint8Array): void;
  /** The peer ended its side (EOF); `info` is what the transport said about it (a WebSocket's close code). */
  end(info?: TransportEndInfo): void;
  /** The connection failed. */
  error(err: unknown, info?: TransportEndInfo): void;
  /** A write that returned false has drained: the session may write again. */
  drain(): void;
}

/** The connection, as the session drives it: callbacks in, gather writes out, no promise per chunk. */
export interface Link {
  /** Begins delivering to `sink`; called once. */
  start(sink: LinkSink): void;
  /**
   * Writes the parts in order. Returns false when the connection's buffer is full: the session then
   * waits for `sink.drain()` before writing more.
   *
   * The parts may be the application's own bytes (large payloads are not copied) or the session's
   * output buffer (which it fills again once every write cut from it is done), so the transport
   * calls `done` once it no longer needs them: sent, or copied into buffers of its own. Calls
   * complete in the order of the writes. On a failed connection `done` need not be called (the
   * session ends and fails what waits on it).
   */
  write(parts: Uint8Array[], done: () => void): boolean;
  /** Stops delivering data until `resume()` (the session's outgoing control frames are backed up). */
  pause(): void;
  /** Delivers data again after pause(). */
  resume(): void;
  /**
   * Ends the connection: FIN after everything written so far, then what still arrives is dropped
   * until the peer's FIN, then the connection closes; settles when it is closed. No timer: the
   * session destroys the link if this takes longer than it is willing to wait (connection-link.ts).
   */
  end(): Promise<void>;
  /**
   * Optional half-close: FIN after everything written so far, while reading goes on; settles once
   * the FIN is sent. The session does not use it; the WHATWG view of a link does (to-streams.ts).
   */
  closeWrite?(): Promise<void>;
  /** Tears the connection down at once. */
  destroy(): void;
}
