/**
 * @chainsafe/libp2p-yamux driven directly over one TCP socket (see yamux-connection.ts). Its
 * defaults, except the stream limits: 1,000 in each direction would refuse the 10,000 idle
 * streams of W6, so both are raised (a limit, not a speed setting).
 */
import "./promise-with-resolvers.js";
import net from "node:net";
import { yamux } from "@chainsafe/libp2p-yamux";
import type { BenchConnection, BenchStream, StreamSink } from "../lib/bench-stream.js";
import { connectTcp, listenTcp } from "../lib/tcp.js";
import { SocketConnection } from "./yamux-connection.js";

const LIMITS = { maxInboundStreams: 1 << 20, maxOutboundStreams: 1 << 20 };

/** The part of a YamuxStream (libp2p's message-stream API) the benchmark drives. */
interface YamuxStreamLike extends EventTarget {
  status: string;
  send(data: Uint8Array): boolean;
  close(): Promise<void>;
  abort(err: Error): void;
  [SINK]?: StreamSink;
}

interface MuxerLike extends EventTarget {
  createStream(): Promise<unknown>;
  close(): Promise<void>;
}

const SINK = Symbol("sink");

/** The muxer over our socket shim: it stands in for the MessageStream libp2p would pass. */
function muxerOver(connection: SocketConnection): MuxerLike {
  return yamux(LIMITS)().createStreamMuxer(connection as never) as unknown as MuxerLike;
}

export async function listen(onStream: (stream: BenchStream) => void): Promise<{ port: number }> {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    const muxer = muxerOver(new SocketConnection(socket, "inbound"));
    muxer.addEventListener("stream", (event) => onStream(new YamuxBenchStream((event as CustomEvent).detail)));
  });
  return { port: await listenTcp(server) };
}

export async function connect(port: number): Promise<BenchConnection> {
  const socket = await connectTcp(port, { allowHalfOpen: true });
  const muxer = muxerOver(new SocketConnection(socket, "outbound"));
  muxer.addEventListener("stream", (event) => ((event as CustomEvent).detail as YamuxStreamLike).abort(new Error("unexpected stream")));
  return {
    async open() {
      return new YamuxBenchStream((await muxer.createStream()) as YamuxStreamLike);
    },
    close() {
      void muxer.close().catch(() => {});
    },
  };
}

// Shared listeners (the stream is the event's target): no closures per stream.
function onMessage(event: Event): void {
  const data = (event as Event & { data: Uint8Array | Iterable<Uint8Array> }).data;
  const sink = (event.target as YamuxStreamLike)[SINK]!;
  if (data instanceof Uint8Array) sink.data(data);
  else for (const buf of data) sink.data(buf);
}
function onEnd(event: Event): void {
  (event.target as YamuxStreamLike)[SINK]!.end();
}
function onClose(event: Event): void {
  const error = (event as Event & { error?: unknown }).error;
  if (error) (event.target as YamuxStreamLike)[SINK]!.error(error);
}

/** A BenchStream over a YamuxStream. */
class YamuxBenchStream implements BenchStream {
  constructor(private readonly s: YamuxStreamLike) {}

  write(chunk: Uint8Array): boolean {
    return this.s.send(chunk);
  }

  // Not s.onDrain(): it resolves only for the first drain. The 'drain' event is dependable.
  drain(): Promise<void> {
    const s = this.s;
    if (s.status !== "open") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        s.removeEventListener("drain", done);
        s.removeEventListener("close", done);
        resolve();
      };
      s.addEventListener("drain", done);
      s.addEventListener("close", done);
    });
  }

  end(): void {
    this.s.close().catch(() => {});
  }

  start(sink: StreamSink): void {
    const s = this.s;
    s[SINK] = sink;
    s.addEventListener("message", onMessage);
    s.addEventListener("end", onEnd, { once: true });
    s.addEventListener("close", onClose, { once: true });
  }
}
