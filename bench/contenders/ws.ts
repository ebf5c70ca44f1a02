/**
 * raw ws: plain WebSocket binary messages, one connection per stream (a single socket for W1's one
 * stream). A stream's EOF is an empty message; the server closes the connection after its reply.
 */
import type { BenchConnection, BenchStream } from "../lib/bench-stream.js";
import { wsStream } from "../lib/ws-bench-stream.js";
import { connectWs, listenWs } from "../lib/ws-server.js";

export async function listen(onStream: (stream: BenchStream) => void): Promise<{ port: number }> {
  return { port: await listenWs((ws) => onStream(wsStream(ws, true))) };
}

export async function connect(port: number): Promise<BenchConnection> {
  return {
    // The connect and upgrade round trips are part of what an operation costs.
    async open() {
      return wsStream(await connectWs(port), false);
    },
    close() {},
  };
}
