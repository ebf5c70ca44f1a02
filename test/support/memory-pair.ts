import type { Transport } from "../../src/link/link.js";

/**
 * An in-memory connection: two Transports joined back to back, with the knobs a socket has and a
 * test needs (how writes are chunked, how much each direction buffers, how fast each side reads).
 *
 * Runtime-neutral on purpose (WHATWG streams and setTimeout only, no imports but types), so the
 * same file loads in Node, Deno and Bun.
 */

export type Side = "a" | "b";

export interface MemoryPairOptions {
  /**
   * Every write is cut into pieces of at most this many bytes, each delivered by its own read
   * (1 splits frames down to single bytes). Default: a write arrives as one chunk.
   */
  chunkSize?: number;
  /**
   * Bytes each direction buffers before the writer is held back, like a socket's buffers
   * (the writable's queue holds as much again). Default 64 KiB.
   */
  highWaterMark?: number;
  /** Milliseconds each read on the given side is delayed: a slow reader. */
  readDelayMs?: Partial<Record<Side, number>>;
}

export interface DirectionStats {
  /** write() calls made on this side's writable. */
  writes: number;
  /** Bytes written on this side's writable. */
  bytes: number;
}

export interface MemoryPair {
  a: Transport;
  b: Transport;
  /** What each side has written so far. */
  stats: Record<Side, DirectionStats>;
  /** Stops delivering to the given side's readable until resume(): a reader that does not read. */
  pause(side: Side): void;
  resume(side: Side): void;
  /** The connection dies: reads and writes on both sides fail with `reason`. */
  kill(reason?: unknown): void;
}

const DEFAULT_HIGH_WATER_MARK = 64 * 1024;

interface Waiter {
  promise: Promise<void>;
  wake(): void;
}

function waiter(): Waiter {
  let wake!: () => void;
  const promise = new Promise<void>((resolve) => (wake = resolve));
  return { promise, wake };
}

/** One direction of the connection: a bounded byte queue between a writer and a reader. */
class Pipe {
  /** Written chunks (copies), read from `head` on; `offset` bytes of the head chunk are taken. */
  private chunks: Uint8Array[] = [];
  private head = 0;
  private offset = 0;
  private queued = 0;
  /** The writer finished (FIN): the reader sees EOF once the queue is empty. */
  private ended = false;
  /** The reader is gone: what is written from now on is dropped. */
  private discarding = false;
  private error: { reason: unknown } | null = null;
  private paused: Waiter | null = null;
  /** Woken whenever the state changes; readers and writers re-check after each wake. */
  private change = waiter();
  private readController: ReadableStreamDefaultController<Uint8Array> | null = null;
  private writeController: WritableStreamDefaultController | null = null;
  readonly stats: DirectionStats = { writes: 0, bytes: 0 };

  constructor(
    private readonly chunkSize: number,
    private readonly highWaterMark: number,
    private readonly readDelayMs: number,
  ) {}

  private notify(): void {
    const w = this.change;
    this.change = waiter();
    w.wake();
  }

  writable(): WritableStream<Uint8Array> {
    return new WritableStream<Uint8Array>(
      {
        start: (controller) => {
          this.writeController = controller;
        },
        write: async (chunk) => {
          this.throwIfFailed();
          if (this.ended) throw new TypeError("write after the connection was closed");
          this.stats.writes++;
          this.stats.bytes += chunk.length;
          if (this.discarding) return;
          if (chunk.length === 0) return;
          // Copied, as a socket does: the writer may reuse its buffer once the write resolved.
          this.chunks.push(chunk.slice());
          this.queued += chunk.length;
          this.notify();
          while (this.queued > this.highWaterMark && !this.discarding && !this.error) await this.change.promise;
          this.throwIfFailed();
        },
        close: () => this.end(),
        abort: () => this.end(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: this.highWaterMark }),
    );
  }

  readable(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.readController = controller;
        },
        pull: async (controller) => {
          for (;;) {
            if (this.error || this.discarding) return;
            if (this.paused) {
              await this.paused.promise;
              continue;
            }
            if (this.queued > 0) break;
            if (this.ended) return controller.close();
            await this.change.promise;
          }
          if (this.readDelayMs > 0) {
            await new Promise((resolve) => setTimeout(resolve, this.readDelayMs));
            if (this.error || this.discarding) return;
          }
          const piece = this.takePiece();
          this.queued -= piece.length;
          this.notify();
          controller.enqueue(piece);
        },
        cancel: () => this.discard(),
      },
      // Nothing buffered inside the ReadableStream itself: the pipe's queue is the only buffer,
      // so its bound is the bound.
      { highWaterMark: 0 },
    );
  }

  /**
   * The next piece for the reader: at most chunkSize bytes of the oldest write. Pieces are views
   * into one buffer, as a socket's chunks often are (Node slices them from a shared pool), so a
   * reader that detaches a piece's buffer destroys the pieces after it: the bug shows up here.
   */
  private takePiece(): Uint8Array {
    const chunk = this.chunks[this.head]!;
    const end = Math.min(chunk.length, this.offset + this.chunkSize);
    const piece = this.offset === 0 && end === chunk.length ? chunk : chunk.subarray(this.offset, end);
    this.offset = end;
    if (end === chunk.length) {
      this.offset = 0;
      this.head++;
      if (this.head === this.chunks.length) {
        this.chunks = [];
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.chunks.length) {
        this.chunks = this.chunks.slice(this.head);
        this.head = 0;
      }
    }
    return piece;
  }

  private clear(): void {
    this.chunks = [];
    this.head = 0;
    this.offset = 0;
    this.queued = 0;
  }

  private throwIfFailed(): void {
    if (this.error) throw this.error.reason;
  }

  /** The writer side finished: EOF for the reader after what is queued. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.notify();
  }

  /** The reader side went away: drop what is queued and whatever comes, release the writer. */
  discard(): void {
    if (this.discarding) return;
    this.discarding = true;
    this.clear();
    try {
      this.readController?.close();
    } catch {
      // Already closed or errored.
    }
    this.notify();
  }

  fail(reason: unknown): void {
    if (this.error) return;
    this.error = { reason };
    this.clear();
    try {
      this.readController?.error(reason);
    } catch {
      // Already closed.
    }
    this.writeController?.error(reason);
    this.paused?.wake();
    this.notify();
  }

  pause(): void {
    this.paused ??= waiter();
  }

  resume(): void {
    const p = this.paused;
    this.paused = null;
    p?.wake();
  }
}

/** A connected pair of in-memory transports: what `a` writes, `b` reads, and the other way round. */
export function memoryPair(options: MemoryPairOptions = {}): MemoryPair {
  const chunkSize = options.chunkSize ?? Infinity;
  if (!(chunkSize >= 1)) throw new RangeError(`chunkSize must be at least 1, got ${chunkSize}`);
  const hwm = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  const toB = new Pipe(chunkSize, hwm, options.readDelayMs?.b ?? 0);
  const toA = new Pipe(chunkSize, hwm, options.readDelayMs?.a ?? 0);

  // close() is a socket's close: our FIN goes out after what we wrote, and what the peer sends
  // from now on is dropped.
  const transport = (outgoing: Pipe, incoming: Pipe): Transport => ({
    readable: incoming.readable(),
    writable: outgoing.writable(),
    close() {
      outgoing.end();
      incoming.discard();
    },
  });

  const incomingOf = (side: Side) => (side === "a" ? toA : toB);
  return {
    a: transport(toB, toA),
    b: transport(toA, toB),
    stats: { a: toB.stats, b: toA.stats },
    pause: (side) => incomingOf(side).pause(),
    resume: (side) => incomingOf(side).resume(),
    kill(reason = new Error("connection reset")) {
      toA.fail(reason);
      toB.fail(reason);
    },
  };
}
