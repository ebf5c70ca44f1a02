/**
 * A BenchStream over a Bun TCP socket, the way a Bun program moves bytes without a multiplexer:
 * Bun's handler callbacks in, socket.write() out (what it does not take waits for `drain`),
 * shutdown() for the half-close.
 */
import type { BenchStream, StreamSink } from "./bench-stream.js";

/** The part of Bun's Socket used here (declared, so the Node type-check needs no Bun typings). */
export interface BunSocket {
  data: unknown;
  write(data: Uint8Array): number;
  shutdown(): void;
  end(): void;
  setNoDelay?(noDelay?: boolean): unknown;
}

export interface BunHandlers {
  open(socket: BunSocket): void;
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: unknown): void;
  error(socket: BunSocket, error: unknown): void;
}

/** Bytes Bun did not take before write() asks the caller to wait. */
const HIGH_WATER = 64 * 1024;

/** The stream of a socket opened with `bunHandlers` (made on first use, kept in socket.data). */
export function bunSocketStream(socket: BunSocket): BunSocketStream {
  if (!(socket.data instanceof BunSocketStream)) socket.data = new BunSocketStream(socket);
  return socket.data as BunSocketStream;
}

/** Pass as the `socket` option of Bun.connect / Bun.listen (with allowHalfOpen: true). */
export const bunHandlers: BunHandlers = {
  open: (socket) => void bunSocketStream(socket),
  data: (socket, data) => bunSocketStream(socket).onData(data),
  drain: (socket) => bunSocketStream(socket).onDrain(),
  end: (socket) => bunSocketStream(socket).onEnd(),
  close: (socket, error) => bunSocketStream(socket).onClose(error),
  error: (socket, error) => bunSocketStream(socket).onError(error),
};

export class BunSocketStream implements BenchStream {
  private backlog: Uint8Array[] = [];
  private queued = 0;
  private ending = false;
  private ended = false;
  private closed = false;
  private sink: StreamSink | null = null;
  /** Data that came before start(). */
  private early: Uint8Array[] = [];
  private waiters: Array<() => void> = [];

  constructor(private readonly socket: BunSocket) {
    socket.setNoDelay?.(true);
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed) return true;
    if (this.backlog.length === 0) {
      const written = Math.max(0, this.socket.write(chunk));
      if (written === chunk.length) return true;
      chunk = chunk.subarray(written);
    }
    // Bun keeps nothing it did not take: the rest waits here for `drain`.
    this.backlog.push(chunk);
    this.queued += chunk.length;
    return this.queued < HIGH_WATER;
  }

  drain(): Promise<void> {
    if (this.queued < HIGH_WATER || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  end(): void {
    this.ending = true;
    if (this.backlog.length === 0) this.socket.shutdown();
  }

  start(sink: StreamSink): void {
    this.sink = sink;
    for (const chunk of this.early.splice(0)) sink.data(chunk);
    if (this.ended) sink.end();
  }

  dispose(): void {
    this.socket.end();
  }

  onData(data: Uint8Array): void {
    if (this.sink) this.sink.data(data);
    else this.early.push(data);
  }

  onDrain(): void {
    while (this.backlog.length > 0) {
      const chunk = this.backlog[0]!;
      const written = Math.max(0, this.socket.write(chunk));
      this.queued -= written;
      if (written < chunk.length) {
        this.backlog[0] = chunk.subarray(written);
        break;
      }
      this.backlog.shift();
    }
    if (this.queued < HIGH_WATER) this.wake();
    if (this.backlog.length === 0 && this.ending) this.socket.shutdown();
  }

  onEnd(): void {
    if (this.ended) return;
    this.ended = true;
    this.sink?.end();
  }

  onClose(error?: unknown): void {
    this.closed = true;
    this.wake();
    if (error) this.onError(error);
    else this.onEnd();
  }

  onError(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.sink?.error(error);
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
