/** streamux over one TCP socket (streamux/node's fromSocket), imported from the built package. */
import net from "node:net";
import { Session } from "streamux";
import { fromSocket } from "streamux/node";
import { benchStream } from "./streamux-options.mjs";
import { connectTcp, listenTcp } from "../lib/tcp.mjs";
import { acceptAll, SESSION_OPTIONS } from "./streamux-options.mjs";

export async function listen(onStream, options = {}) {
  const wrap = benchStream(options);
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    const session = Session.server(fromSocket(socket), SESSION_OPTIONS);
    void acceptAll(session, (stream) => onStream(wrap(stream)));
  });
  return { port: await listenTcp(server) };
}

export async function connect(port, options = {}) {
  const wrap = benchStream(options);
  const session = Session.client(fromSocket(await connectTcp(port, { allowHalfOpen: true })), SESSION_OPTIONS);
  return {
    async open() {
      return wrap(await session.open());
    },
    close() {
      void session.close();
    },
  };
}
