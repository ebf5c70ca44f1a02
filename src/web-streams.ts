import { ErrorCode, MuxError } from "./errors.js";

/** The direct I/O a stream's WHATWG face is built on (stream.ts). */
export interface DirectIO {
  /** The next chunk, or null at the end (the receive half's read, whatever the face). */
  readChunk(): Promise<Uint8Array | null>;
  /** Stops reading: buffered data is dropped, the peer's further DATA is refused. */
  stopReading(): void;
  sendChunk(chunk: Uint8Array): Promise<void>;
  finish(): Promise<void>;
  reset(code?: number): void;
  /** Rejects when the stream is reset or its session ends. */
  readonly closed: Promise<void>;
}

/**
 * A stream's `readable`: each pull is one read of the receive half, as read() is, so the two APIs
 * cannot drift apart.
 * Nothing is buffered inside the ReadableStream (highWaterMark 0): the stream's own receive
 * buffer, bounded by the window, is the only one.
 */
export function readableOf(io: DirectIO): ReadableStream<Uint8Array> {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const readable = new ReadableStream<Uint8Array>(
    {
      start: (c) => void (controller = c),
      pull: (c) =>
        io.readChunk().then((chunk) => {
          if (chunk === null) c.close();
          else c.enqueue(chunk);
        }),
      cancel: () => io.stopReading(),
    },
    { highWaterMark: 0 },
  );
  // A reset shows at once, not only at the next read.
  io.closed.catch((err: unknown) => controller.error(err));
  return readable;
}

/**
 * A stream's `writable`: each write is one direct write (resolving once the transport has taken
 * the bytes), close() is the half-close, abort(reason) a reset with the reason's code.
 */
export function writableOf(io: DirectIO): { writable: WritableStream<Uint8Array>; controller: () => WritableStreamDefaultController } {
  let controller!: WritableStreamDefaultController;
  const writable = new WritableStream<Uint8Array>(
    {
      start: (c) => void (controller = c),
      write: (chunk) => io.sendChunk(asBytes(chunk)),
      close: () => io.finish(),
      abort: (reason) => io.reset(reason instanceof MuxError ? reason.code : ErrorCode.StreamCancelled),
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
export function closeWritable(writable: WritableStream<Uint8Array>, controller: WritableStreamDefaultController, io: DirectIO): Promise<void> {
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
