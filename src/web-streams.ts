import { codeOf, ErrorCode, MuxError } from "./errors.js";
import { copyOf } from "./util/bytes.js";
import { noop } from "./util/deferred.js";

/** The direct I/O a stream's WHATWG face is built on (stream.ts). */
export interface DirectIO {
  /**
   * The next chunk (null at the end) to `deliver`, or the error to `fail`: the receive half's read,
   * whatever the face, with callbacks instead of a promise.
   */
  readThen(deliver: (chunk: Uint8Array | null) => void, fail: (err: unknown) => void): void;
  /** Stops reading: buffered data is dropped, the peer's further DATA is refused. */
  stopReading(): void;
  sendChunk(chunk: Uint8Array): Promise<void>;
  /** Bytes written and not sent yet. */
  readonly queuedBytes: number;
  /** Bytes a write may add that the peer's credit lets go out at once; 0 once writing is over. */
  readonly sendRoom: number;
  finish(): Promise<void>;
  reset(code?: number): void;
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
 *
 * The source is one object with its methods on the prototype (no closures per stream), and the
 * stream tells it of a reset directly (fail()), so an idle readable costs little beyond the
 * runtime's own ReadableStream.
 */
export class ByteSource implements UnderlyingByteSource {
  readonly type = "bytes";
  readonly readable: ReadableStream<Uint8Array>;
  private controller: ReadableByteStreamController | null = null;
  private leftover: Uint8Array | null = null;
  /** settle(), bound: what the receive half calls back (created at the first wait). */
  private settled: ((outcome: unknown) => void) | null = null;

  constructor(private readonly io: DirectIO) {
    this.readable = new ReadableStream(this, { highWaterMark: 0 }) as ReadableStream<Uint8Array>;
  }

  start(controller: ReadableByteStreamController): void {
    this.controller = controller;
  }

  /**
   * Answers the read waiting on the readable. Data already here is delivered at once; otherwise the
   * receive half calls back when some arrives (no promise per pull: the controller's waiting read
   * is answered by enqueue() whenever it comes).
   */
  pull(c: ReadableByteStreamController): void {
    if (this.leftover !== null) {
      this.deliver(c, this.leftover);
      return;
    }
    this.settled ??= this.settle.bind(this);
    this.io.readThen(this.settled, this.settled);
  }

  cancel(): void {
    this.io.stopReading();
  }

  /** The stream was reset or its session ended: the readable errors at once, not at the next read. */
  fail(err: unknown): void {
    this.controller?.error(err);
  }

  /**
   * The receive half's answer to pull(): a chunk, null at the end, or the error. One function for
   * both outcomes, bound once: a waiting readable holds nothing more.
   */
  private settle(outcome: unknown): void {
    const c = this.controller!;
    if (outcome !== null && !(outcome instanceof Uint8Array)) {
      c.error(outcome);
      return;
    }
    try {
      if (outcome !== null) {
        this.deliver(c, outcome);
        return;
      }
      c.close();
      // A BYOB read waiting when the stream ends is answered with no bytes.
      c.byobRequest?.respond(0);
    } catch (err) {
      // The readable was closed or errored meanwhile: nobody is left to read this.
      c.error(err);
    }
  }

  private deliver(c: ReadableByteStreamController, chunk: Uint8Array): void {
    const request = c.byobRequest;
    if (request === null || request.view === null) {
      this.leftover = null;
      // Session buffers are never SharedArrayBuffer-backed; the cast only satisfies the DOM type.
      c.enqueue((ownsBuffer(chunk) ? chunk : copyOf(chunk)) as Uint8Array<ArrayBuffer>);
      return;
    }
    const view = request.view;
    const target = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    const n = Math.min(target.length, chunk.length);
    target.set(chunk.subarray(0, n));
    this.leftover = n < chunk.length ? chunk.subarray(n) : null;
    request.respond(n);
  }
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
 * close() rejects. Like ByteSource, one object without closures, told of a reset directly.
 */
export class ByteSink implements UnderlyingSink<Uint8Array> {
  readonly writable: WritableStream<Uint8Array>;
  private controller: WritableStreamDefaultController | null = null;

  constructor(private readonly io: DirectIO) {
    this.writable = new WritableStream<Uint8Array>(this, { highWaterMark: 1 });
  }

  start(controller: WritableStreamDefaultController): void {
    this.controller = controller;
  }

  write(chunk: Uint8Array): Promise<void> | undefined {
    const io = this.io;
    const bytes = asBytes(chunk);
    const n = bytes.length;
    if (n > SMALL_WRITE || n > io.sendRoom || io.queuedBytes + n > SMALL_QUEUE) return io.sendChunk(bytes);
    // Failure shows through `closed` (the writable errors), not through this write.
    io.sendChunk(copyOf(bytes)).catch(noop);
    return undefined;
  }

  close(): Promise<void> {
    return this.io.finish();
  }

  abort(reason: unknown): void {
    this.io.reset(codeOf(reason));
  }

  /** The stream was reset or its session ended: the writable errors, and close() rejects. */
  fail(err: unknown): void {
    this.controller?.error(err);
  }

  /**
   * muxado's close() of a stream written through `writable`: half-close after what the writable
   * holds if nobody holds its writer, else end the writable here (the writer's queue is abandoned)
   * and half-close after what already reached the stream.
   */
  closeStream(): Promise<void> {
    if (!this.writable.locked) return this.writable.close();
    this.controller?.error(new MuxError(ErrorCode.StreamClosed, "stream closed"));
    return this.io.finish();
  }
}

/** What arrives at a writable in JavaScript is unchecked: any view of bytes is taken as bytes. */
export function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError("a stream takes Uint8Array chunks");
}
