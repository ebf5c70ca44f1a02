/** raw: plain node:net, one TCP connection per stream — the physical limit for Node. */
import net from "node:net";
import type { BenchConnection, BenchStream } from "../lib/bench-stream.js";
import { duplexStream } from "../lib/duplex-bench-stream.js";
import { HOST, listenTcp } from "../lib/tcp.js";

export async function listen(onStream: (stream: BenchStream) => void): Promise<{ port: number }> {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => onStream(duplexStream(socket)));
  return { port: await listenTcp(server) };
}

export async function connect(port: number): Promise<BenchConnection> {
  return {
    // Writes before the connection is up are buffered by Node, so a stream is usable at once,
    // and the connect round trip is part of what an operation costs.
    async open() {
      return duplexStream(net.connect({ host: HOST, port, noDelay: true, allowHalfOpen: true }));
    },
    close() {},
  };
}
