/** A BenchStream over a stream's WHATWG readable/writable pair (a streamux MuxStream's). */
import type { BenchStream, StreamSink } from "./bench-stream.js";

const noop = () => {};

interface WebPair {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

export function webStream(s: WebPair): BenchStream {
  return new WebBenchStream(s);
}

class WebBenchStream implements BenchStream {
  /** Taken on the first write: an idle stream that never writes builds no writer. */
  private writer: WritableStreamDefaultWriter<Uint8Array> | null = null;

  constructor(private readonly s: WebPair) {}

  private getWriter(): WritableStreamDefaultWriter<Uint8Array> {
    return (this.writer ??= this.s.writable.getWriter());
  }

  write(chunk: Uint8Array): boolean {
    const writer = this.getWriter();
    writer.write(chunk).catch(noop);
    const size = writer.desiredSize;
    return size !== null && size > 0;
  }

  drain(): Promise<void> {
    return this.getWriter().ready.catch(noop);
  }

  end(): void {
    this.getWriter().close().catch(noop);
  }

  start(sink: StreamSink): void {
    readLoop(this.s.readable.getReader(), sink).catch((err) => sink.error(err));
  }
}

async function readLoop(reader: ReadableStreamDefaultReader<Uint8Array>, sink: StreamSink): Promise<void> {
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return sink.end();
    sink.data(value);
  }
}
