/**
 * A BenchStream over a Deno TCP connection, the way a Deno program moves bytes without a
 * multiplexer: conn.read() into a buffer, conn.write() until each chunk is taken, closeWrite() for
 * the half-close. (Deno's conn.readable/writable would close the whole connection at the peer's
 * FIN, so a request/response over them could not half-close.)
 */
import type { BenchStream, StreamSink } from "./bench-stream.js";

/** The part of Deno.TcpConn used here (declared, so the Node type-check needs no Deno typings). */
export interface DenoConn {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  setNoDelay?(noDelay?: boolean): void;
}

const READ_SIZE = 64 * 1024;
/** Bytes queued for conn.write() before write() asks the caller to wait: four 64 KiB chunks, as the streamux wrapper allows. */
const HIGH_WATER = 256 * 1024;

export function denoConnStream(conn: DenoConn): BenchStream {
  conn.setNoDelay?.(true);
  return new DenoConnStream(conn);
}

class DenoConnStream implements BenchStream {
  private queue: Uint8Array[] = [];
  private queued = 0;
  private flushing = false;
  private ending = false;
  private failed = false;
  private waiters: Array<() => void> = [];

  constructor(private readonly conn: DenoConn) {}

  write(chunk: Uint8Array): boolean {
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (!this.flushing) void this.flush();
    return this.queued < HIGH_WATER;
  }

  drain(): Promise<void> {
    if (this.queued < HIGH_WATER || this.failed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  end(): void {
    this.ending = true;
    if (!this.flushing) void this.flush();
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const chunk = this.queue[0]!;
        for (let at = 0; at < chunk.length; ) at += await this.conn.write(at === 0 ? chunk : chunk.subarray(at));
        this.queue.shift();
        this.queued -= chunk.length;
        if (this.queued < HIGH_WATER) this.wake();
      }
      if (this.ending) await this.conn.closeWrite();
    } catch {
      this.failed = true;
      this.queue = [];
      this.queued = 0;
      this.wake();
    }
    this.flushing = false;
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  start(sink: StreamSink): void {
    void this.readLoop(sink);
  }

  private async readLoop(sink: StreamSink): Promise<void> {
    let buffer = new Uint8Array(READ_SIZE);
    try {
      for (;;) {
        const n = await this.conn.read(buffer);
        if (n === null) break;
        if (n >= READ_SIZE / 2) {
          // Mostly full: hand the buffer over and read into a new one.
          sink.data(buffer.subarray(0, n));
          buffer = new Uint8Array(READ_SIZE);
        } else {
          sink.data(buffer.slice(0, n));
        }
      }
    } catch (err) {
      return sink.error(err);
    }
    sink.end();
  }

  dispose(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}
