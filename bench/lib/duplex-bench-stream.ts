/** A BenchStream over a Node Duplex (net.Socket, an http2 stream). */
import type { Duplex } from "node:stream";
import type { BenchStream, StreamSink } from "./bench-stream.js";

const SINK = Symbol("sink");

type Sinked = Duplex & { [SINK]?: StreamSink };

// Shared listeners: Node calls them with `this` set to the emitting stream, so a stream costs no
// closures of its own.
function onData(this: Sinked, chunk: Uint8Array): void {
  this[SINK]!.data(chunk);
}
function onEnd(this: Sinked): void {
  this[SINK]!.end();
}
function onError(this: Sinked, err: unknown): void {
  this[SINK]?.error(err);
}

/** `beforeWrite` runs before every write and the end (http2's server sends its headers there). */
export function duplexStream(d: Duplex, beforeWrite: ((d: Duplex) => void) | null = null): BenchStream {
  return new DuplexBenchStream(d, beforeWrite);
}

class DuplexBenchStream implements BenchStream {
  constructor(
    private readonly d: Sinked,
    private readonly beforeWrite: ((d: Duplex) => void) | null,
  ) {
    // Attached at once: an error before reading starts must not crash the process.
    d.on("error", onError);
  }

  write(chunk: Uint8Array): boolean {
    this.beforeWrite?.(this.d);
    return this.d.write(chunk);
  }

  drain(): Promise<void> {
    const d = this.d;
    if (d.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        d.off("drain", done);
        d.off("close", done);
        resolve();
      };
      d.on("drain", done);
      d.on("close", done);
    });
  }

  end(): void {
    this.beforeWrite?.(this.d);
    this.d.end();
  }

  start(sink: StreamSink): void {
    this.d[SINK] = sink;
    this.d.on("data", onData);
    this.d.once("end", onEnd);
  }

  // No dispose(): the stream closes by itself once both sides have ended. Destroying it early
  // would send an http2 RST_STREAM, which nghttp2 counts against its rapid-reset limit.
}
