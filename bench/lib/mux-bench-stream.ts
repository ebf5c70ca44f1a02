/**
 * A BenchStream over a MuxStream's direct API (read(), write(), closeWrite()): no WHATWG stream
 * objects, which cost tens of microseconds and several kilobytes each on Node 20.
 */
import type { MuxStream } from "streamux";
import type { BenchStream, StreamSink } from "./bench-stream.js";

const noop = () => {};

/** Writes in flight before write() asks the caller to wait (256 KiB of 64 KiB writes, less than a loopback socket buffers in the kernel). */
const WRITES_IN_FLIGHT = 4;

export function muxStream(s: MuxStream): BenchStream {
  return new MuxBenchStream(s);
}

class MuxBenchStream implements BenchStream {
  private inFlight = 0;
  private drained: (() => void) | null = null;
  private readonly onWritten = (): void => {
    this.inFlight--;
    const d = this.drained;
    this.drained = null;
    d?.();
  };

  constructor(private readonly s: MuxStream) {}

  write(chunk: Uint8Array): boolean {
    this.inFlight++;
    this.s.write(chunk).then(this.onWritten, this.onWritten);
    return this.inFlight < WRITES_IN_FLIGHT;
  }

  drain(): Promise<void> {
    if (this.inFlight < WRITES_IN_FLIGHT) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }

  end(): void {
    this.s.closeWrite().catch(noop);
  }

  start(sink: StreamSink): void {
    readLoop(this.s, sink).catch((err) => sink.error(err));
  }
}

async function readLoop(s: MuxStream, sink: StreamSink): Promise<void> {
  for (let chunk: Uint8Array | null; (chunk = await s.read()) !== null; ) sink.data(chunk);
  sink.end();
}
