import { concat } from "./frame/decode.js";

/**
 * What every adapter produces: one reliable, ordered, full-duplex byte stream (docs/protocol.md).
 * Chunks read from `readable` belong to the session from then on (it hands views of them to
 * streams), so a transport must not reuse a chunk's memory after handing it over.
 */
export interface Transport {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  /** Optional hard close of the underlying connection, called once the session has ended. */
  close?(): void | Promise<void>;
  /**
   * Optional fast path: when present the session uses it instead of `readable`/`writable`, so an
   * adapter whose runtime has a cheaper native interface (Node's sockets) skips the WHATWG hop.
   */
  direct?: DirectTransport;
}

/** Where a DirectTransport delivers what happens on the connection. */
export interface DirectTransportSink {
  /** Bytes arrived. The chunk belongs to the session from now on. */
  data(chunk: Uint8Array): void;
  /** The peer ended its side (EOF). */
  end(): void;
  /** The connection failed. */
  error(err: unknown): void;
  /** A write that returned false has drained: the session may write again. */
  drain(): void;
}

/** The connection, as the session drives it: callbacks in, gather writes out, no promise per chunk. */
export interface DirectTransport {
  /** Begins delivering to `sink`; called once. */
  start(sink: DirectTransportSink): void;
  /**
   * Writes the parts in order. Returns false when the connection's buffer is full: the session then
   * waits for `sink.drain()` before writing more.
   *
   * The parts may be the application's own bytes (large payloads are not copied), so the transport
   * calls `done` once it no longer needs them: sent, or copied into buffers of its own. Calls
   * complete in the order of the writes. On a failed connection `done` need not be called (the
   * session ends and fails what waits on it).
   */
  write(parts: Uint8Array[], done: () => void): boolean;
  /** Stops delivering data until `resume()` (the session's outgoing control frames are backed up). */
  pause(): void;
  resume(): void;
  /** Ends the connection after everything written so far is out; settles when done or failed. */
  end(): Promise<void>;
  /** Tears the connection down at once. */
  destroy(): void;
}

const noop = () => {};

/** A DirectTransport over a WHATWG transport: how every adapter without a fast path is driven. */
export function streamsTransport(transport: Transport): DirectTransport {
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  let sink: DirectTransportSink | null = null;
  let paused: { promise: Promise<void>; resume: () => void } | null = null;
  let failed = false;

  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    sink?.error(err);
  };

  const readLoop = async (r: ReadableStreamDefaultReader<Uint8Array>, s: DirectTransportSink) => {
    try {
      for (;;) {
        if (paused) await paused.promise;
        const { value, done } = await r.read();
        if (done) return s.end();
        const chunk = toUint8Array(value);
        if (chunk.length) s.data(chunk);
      }
    } catch (err) {
      fail(err);
    }
  };

  const closeUnderlying = async () => {
    try {
      await transport.close?.();
    } catch {
      // The connection is going away either way.
    }
  };

  return {
    start(s) {
      sink = s;
      reader = transport.readable.getReader();
      writer = transport.writable.getWriter();
      writer.closed.catch(fail);
      void readLoop(reader, s);
    },
    write(parts, done) {
      // A WritableStream may queue chunks by reference for as long as its strategy allows and
      // tells us nothing when it lets go of them; the parts may be the application's own bytes.
      // So this path copies: one joined chunk per flush (also one write), owned from here on.
      const w = writer!;
      w.write(concat(parts)).catch(fail);
      done();
      const size = w.desiredSize;
      if (size !== null && size > 0) return true;
      w.ready.then(() => sink?.drain(), noop);
      return false;
    },
    pause() {
      if (paused) return;
      let resume!: () => void;
      const promise = new Promise<void>((r) => (resume = r));
      paused = { promise, resume };
    },
    resume() {
      const p = paused;
      paused = null;
      p?.resume();
    },
    async end() {
      try {
        await writer?.close();
      } catch {
        // Already errored or closed: nothing more can be sent anyway.
      }
      reader?.cancel().catch(noop);
      await closeUnderlying();
    },
    destroy() {
      writer?.abort().catch(noop);
      reader?.cancel().catch(noop);
      void closeUnderlying();
    },
  };
}

function toUint8Array(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError("transport produced a chunk that is not bytes");
}
