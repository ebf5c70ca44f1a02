import { codeOf, ErrorCode, MuxError } from "./errors.js";
import { copyOf } from "./util/bytes.js";
import { noop } from "./util/deferred.js";

/** The direct I/O a stream's WHATWG face is built on (stream.ts). */
export interface DirectIO {
  /** The next chunk, or null at the end (the receive half's read, whatever the face). */
  readChunk(): Promise<Uint8Array | null>;
  /** A chunk already received, without a promise; undefined if readChunk() is needed. */
  readReady(): Uint8Array | undefined;
  /** Stops reading: buffered data is dropped, the peer's further DATA is refused. */
  stopReading(): void;
  sendChunk(chunk: Uint8Array): Promise<void>;
  /** Bytes written and not sent yet. */
  readonly queuedBytes: number;
  /** Bytes a write may add that the peer's credit lets go out at once; 0 once writing is over. */
  readonly sendRoom: number;
  finish(): Promise<void>;
  reset(code?: number): void;
  /** Rejects when the stream is reset or its session ends. */
  readonly closed: Promise<void>;
}

/**
 * A stream's `readable`: a byte stream, as WebTransport's is, so `getReader({ mode: "byob" })`
 * reads into the caller's buffer. Each pull is one read of the receive half, as read() is, so the
 * two faces cannot drift apart. Nothing is buffered inside the ReadableStream (highWaterMark 0):
 * the stream's own receive buffer, bounded by the window, is the only one.
 *
 * A byte stream takes ownership of what it is given (enqueue() transfers the chunk's buffer), so a
 * chunk is handed over as it is only when it spans a buffer of its own; a view into a transport
 * chunk that other frames share is copied first. A BYOB read copies into the caller's buffer and
 * keeps what did not fit for the next read.
 */
export function readableOf(io: DirectIO): ReadableStream<Uint8Array> {
  let controller!: ReadableByteStreamController;
  let leftover: Uint8Array | null = null;
  const deliver = (c: ReadableByteStreamController, chunk: Uint8Array) => {
    const request = c.byobRequest;
    if (request === null || request.view === null) {
      leftover = null;
      // Session buffers are never SharedArrayBuffer-backed; the cast only satisfies the DOM type.
      c.enqueue((ownsBuffer(chunk) ? chunk : copyOf(chunk)) as Uint8Array<ArrayBuffer>);
      return;
    }
    const view = request.view;
    const target = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    const n = Math.min(target.length, chunk.length);
    target.set(chunk.subarray(0, n));
    leftover = n < chunk.length ? chunk.subarray(n) : null;
    request.respond(n);
  };
  const readable = new ReadableStream(
    {
      type: "bytes",
      start: (c) => void (controller = c),
      pull: (c) => {
        if (leftover !== null) return deliver(c, leftover);
        // Data that is already here costs no promise: bulk transfers mostly find it waiting.
        const ready = io.readReady();
        if (ready !== undefined) return deliver(c, ready);
        return io.readChunk().then((chunk) => {
          if (chunk !== null) return deliver(c, chunk);
          c.close();
          // A BYOB read waiting when the stream ends is answered with no bytes.
          c.byobRequest?.respond(0);
        });
      },
      cancel: () => io.stopReading(),
    },
    { highWaterMark: 0 },
  );
  // A reset shows at once, not only at the next read.
  io.closed.catch((err: unknown) => controller.error(err));
  return readable as ReadableStream<Uint8Array>;
}

/** Whether a chunk is a whole buffer: then nothing else can be looking at its bytes. */
function ownsBuffer(chunk: Uint8Array): boolean {
  return chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
}

/** A write this small is copied and taken at once … */
const SMALL_WRITE = 16 * 1024;
/** … while the stream has no more than this queued; past it, writes wait for the transport. */
const SMALL_QUEUE = 64 * 1024;

/**
 * A stream's `writable`: each write is one direct write, close() is the half-close, abort(reason)
 * a reset with the reason's code.
 *
 * A write resolves once the transport has taken its bytes (they are not copied), which is the
 * writable's backpressure; except that a small write the peer's credit lets go out at once is
 * copied and resolves at once while little is queued, as WebTransport's writes resolve once the
 * data is queued. So a request written and closed in one go leaves in one flush, instead of its
 * FIN waiting for the socket to take the data. If the stream then fails, the writable errors and
 * close() rejects.
 */
export function writableOf(io: DirectIO): { writable: WritableStream<Uint8Array>; controller: () => WritableStreamDefaultController } {
  let controller!: WritableStreamDefaultController;
  const writable = new WritableStream<Uint8Array>(
    {
      start: (c) => void (controller = c),
      write: (chunk) => {
        const bytes = asBytes(chunk);
        const n = bytes.length;
        if (n > SMALL_WRITE || n > io.sendRoom || io.queuedBytes + n > SMALL_QUEUE) return io.sendChunk(bytes);
        // Failure shows through `closed` (the writable errors), not through this write.
        io.sendChunk(copyOf(bytes)).catch(noop);
      },
      close: () => io.finish(),
      abort: (reason) => io.reset(codeOf(reason)),
    },
    { highWaterMark: 1 },
  );
  io.closed.catch((err: unknown) => controller.error(err));
  return { writable, controller: () => controller };
}

/**
 * muxado's close() of a stream written through `writable`: half-close after what the writable
 * holds if nobody holds its writer, else end the writable here (the writer's queue is abandoned)
 * and half-close after what already reached the stream.
 */
export function closeWritable(
  writable: WritableStream<Uint8Array>,
  controller: WritableStreamDefaultController,
  io: DirectIO,
): Promise<void> {
  if (!writable.locked) return writable.close();
  controller.error(new MuxError(ErrorCode.StreamClosed, "stream closed"));
  return io.finish();
}

/** What arrives at a writable in JavaScript is unchecked: any view of bytes is taken as bytes. */
export function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError("a stream takes Uint8Array chunks");
}
