/** streamux over one TCP socket (streamux/node's fromSocket), imported from the built package. */
import net from "node:net";
import { Session } from "streamux";
import { fromSocket } from "streamux/node";
import type { BenchConnection, BenchStream, ContenderOptions } from "../lib/bench-stream.js";
import { connectTcp, listenTcp } from "../lib/tcp.js";
import { acceptAll, benchStream, sessionConnection, SESSION_OPTIONS } from "./streamux-options.js";

export async function listen(onStream: (stream: BenchStream) => void, options: ContenderOptions): Promise<{ port: number }> {
  const wrap = benchStream(options);
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    const session = Session.server(fromSocket(socket), SESSION_OPTIONS);
    void acceptAll(session, (stream) => onStream(wrap(stream)));
  });
  return { port: await listenTcp(server) };
}

export async function connect(port: number, options: ContenderOptions): Promise<BenchConnection> {
  const session = Session.client(fromSocket(await connectTcp(port, { allowHalfOpen: true })), SESSION_OPTIONS);
  return sessionConnection(session, options);
}
