/**
 * @chainsafe/libp2p-yamux driven directly over one TCP socket (see yamux-connection.mjs). Its
 * defaults, except the stream limits: 1,000 in each direction would refuse the 10,000 idle
 * streams of W6, so both are raised (a limit, not a speed setting).
 */
import "./promise-with-resolvers.mjs";
import net from "node:net";
import { yamux } from "@chainsafe/libp2p-yamux";
import { connectTcp, listenTcp } from "../lib/tcp.mjs";
import { SocketConnection } from "./yamux-connection.mjs";

const LIMITS = { maxInboundStreams: 1 << 20, maxOutboundStreams: 1 << 20 };

export async function listen(onStream) {
  const factory = yamux(LIMITS)();
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    const muxer = factory.createStreamMuxer(new SocketConnection(socket, "inbound"));
    muxer.addEventListener("stream", (event) => onStream(yamuxStream(event.detail)));
  });
  return { port: await listenTcp(server) };
}

export async function connect(port) {
  const socket = await connectTcp(port, { allowHalfOpen: true });
  const muxer = yamux(LIMITS)().createStreamMuxer(new SocketConnection(socket, "outbound"));
  muxer.addEventListener("stream", (event) => event.detail.abort(new Error("unexpected stream")));
  return {
    async open() {
      return yamuxStream(await muxer.createStream());
    },
    close() {
      void muxer.close().catch(() => {});
    },
  };
}

const SINK = Symbol("sink");

// Shared listeners (the stream is the event's target): no closures per stream.
function onMessage(event) {
  const data = event.data;
  const sink = event.target[SINK];
  if (data instanceof Uint8Array) sink.data(data);
  else for (const buf of data) sink.data(buf);
}
function onEnd(event) {
  event.target[SINK].end();
}
function onClose(event) {
  if (event.error) event.target[SINK].error(event.error);
}

function yamuxStream(s) {
  return new YamuxBenchStream(s);
}

/** A BenchStream over a YamuxStream (libp2p's message-stream API). */
class YamuxBenchStream {
  constructor(s) {
    this.s = s;
  }

  write(chunk) {
    return this.s.send(chunk);
  }

  // Not s.onDrain(): it resolves only for the first drain. The 'drain' event is dependable.
  drain() {
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

  end() {
    this.s.close().catch(() => {});
  }

  start(sink) {
    const s = this.s;
    s[SINK] = sink;
    s.addEventListener("message", onMessage);
    s.addEventListener("end", onEnd, { once: true });
    s.addEventListener("close", onClose, { once: true });
  }
}
