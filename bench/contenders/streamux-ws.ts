/** streamux over one WebSocket (streamux/websocket, `ws` at both ends), from the built package. */
import { Session } from "streamux";
import { fromWebSocket } from "streamux/websocket";
import type { BenchConnection, BenchStream, ContenderOptions } from "../lib/bench-stream.js";
import { connectWs, listenWs } from "../lib/ws-server.js";
import { acceptAll, benchStream, sessionConnection, SESSION_OPTIONS } from "./streamux-options.js";

export async function listen(onStream: (stream: BenchStream) => void, options: ContenderOptions): Promise<{ port: number }> {
  const wrap = benchStream(options);
  const port = await listenWs((ws) => {
    const session = Session.server(fromWebSocket(ws), SESSION_OPTIONS);
    void acceptAll(session, (stream) => onStream(wrap(stream)));
  });
  return { port };
}

export async function connect(port: number, options: ContenderOptions): Promise<BenchConnection> {
  const session = Session.client(fromWebSocket(await connectWs(port)), SESSION_OPTIONS);
  return sessionConnection(session, options);
}
