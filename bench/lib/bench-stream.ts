/**
 * The one shape every contender's streams are driven through, in every runtime, so the workloads
 * are written once. It mirrors a Node socket's callbacks (cheap for every contender: a WHATWG
 * stream feeds it from its reader loop, a Node stream from its events).
 *
 * The wrappers (duplex-, web- and mux-bench-stream.ts) allocate nothing per stream beyond
 * themselves: W6 measures heap per idle stream, and the benchmark's own share should be small.
 */

/** What reading a stream delivers; its methods are called as methods. */
export interface StreamSink {
  data(chunk: Uint8Array): void;
  end(): void;
  error(err: unknown): void;
}

export interface BenchStream {
  /** False: wait for drain() before writing more. */
  write(chunk: Uint8Array): boolean;
  /** Resolves when writing may go on (or the stream died). */
  drain(): Promise<void>;
  /** Half-close: no more writes, reading goes on. */
  end(): void;
  /** Begins reading; call once. */
  start(sink: StreamSink): void;
  /** Releases the stream once both directions are done. */
  dispose?(): void;
}

export interface OpenOptions {
  /** WebTransport's sendOrder, for the contenders that have one (streamux); others ignore it. */
  sendOrder?: number;
}

/** The client's side of a contender: one connection (or none, for one-connection-per-stream). */
export interface BenchConnection {
  open(options?: OpenOptions): Promise<BenchStream>;
  close(): void;
  /** The multiplexer's own counters, where it keeps any (streamux: session.stats()). */
  stats?(): unknown;
}

/** Server and client of one contender; `options` come from the contender's entry in groups.ts. */
export interface ContenderModule {
  listen(onStream: (stream: BenchStream) => void, options: ContenderOptions): Promise<{ port: number }>;
  connect(port: number, options: ContenderOptions): Promise<BenchConnection>;
}

export interface ContenderOptions {
  /** streamux: drive streams through their WHATWG readable/writable instead of read()/write(). */
  api?: "direct" | "web";
  /** node:http2: 1 MiB stream and 16 MiB connection windows instead of the defaults. */
  tuned?: boolean;
  /** The browser group's server: the directory of the built page it serves. */
  pageDir?: string;
}
