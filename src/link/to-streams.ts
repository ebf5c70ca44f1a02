import type { Link } from "./link.js";

/**
 * How long a WHATWG close() (the writable's close, or a cancel after it) waits for the connection
 * to end gracefully before tearing it down: the session's default closeTimeout. A session bounds its
 * own wait; code that uses the streams without a session has only this bound.
 */
export const STREAMS_CLOSE_TIMEOUT_MS = 5000;

/** The readable holds this many bytes unread before the link is paused. */
const READ_HIGH_WATER_MARK = 64 * 1024;

/**
 * The WHATWG view of a Link, for code that reads `transport.readable` / writes `transport.writable`
 * itself. Takes the link over (starts it).
 *
 * - A write resolves once the link is done with the chunk (its `done` fired: the caller may reuse
 *   the buffer) and, if the link said it was full, once it has drained: a slow connection holds
 *   the writer back.
 * - `writable.close()` half-closes where the link can (FIN; the readable goes on until the peer's
 *   FIN), and ends the link where it cannot (a WebSocket).
 * - Cancelling the readable tears the connection down, unless our side has already closed: then
 *   the connection ends gracefully (the peer's last bytes are read and dropped).
 * - A failed connection errors both streams, and the write in flight with them.
 */
export function toStreams(link: Link): { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> } {
  let reader!: ReadableStreamDefaultController<Uint8Array>;
  let writer!: WritableStreamDefaultController;
  let readDone = false;
  let writeClosed = false;
  let failure: { error: unknown } | null = null;
  let inFlight: ((error: unknown) => void) | null = null;
  let drained: (() => void) | null = null;

  const bounded = (ending: Promise<void>) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        link.destroy();
        resolve();
      }, STREAMS_CLOSE_TIMEOUT_MS);
      (timer as { unref?: () => void }).unref?.();
      const settle = () => {
        clearTimeout(timer);
        resolve();
      };
      ending.then(settle, settle);
    });

  const readable = new ReadableStream<Uint8Array>(
    {
      start: (c) => void (reader = c),
      pull: () => link.resume(),
      cancel() {
        readDone = true;
        if (writeClosed) return bounded(link.end());
        link.destroy();
      },
    },
    { highWaterMark: READ_HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );

  const writable = new WritableStream<Uint8Array>({
    start: (c) => void (writer = c),
    write(chunk) {
      if (failure) throw failure.error;
      return new Promise<void>((resolve, reject) => {
        // Two conditions: the link's `done`, and room in the link.
        let waits = 2;
        const one = () => {
          if (--waits > 0) return;
          inFlight = null;
          resolve();
        };
        inFlight = reject;
        if (link.write([chunk], one)) one();
        else drained = one;
      });
    },
    close() {
      writeClosed = true;
      return bounded(link.closeWrite ? link.closeWrite() : link.end());
    },
    abort() {
      writeClosed = true;
      link.destroy();
    },
  });

  link.start({
    data(chunk) {
      if (readDone) return;
      reader.enqueue(chunk);
      if ((reader.desiredSize ?? 0) <= 0) link.pause();
    },
    end() {
      if (readDone) return;
      readDone = true;
      reader.close();
    },
    error(error) {
      failure ??= { error };
      if (!readDone) reader.error(error);
      readDone = true;
      writer.error(error);
      drained = null;
      inFlight?.(error);
    },
    drain() {
      const next = drained;
      drained = null;
      next?.();
    },
  });
  return { readable, writable };
}
