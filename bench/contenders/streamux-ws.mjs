/** streamux over one WebSocket (streamux/websocket, `ws` at both ends), from the built package. */
import { Session } from "streamux";
import { fromWebSocket } from "streamux/websocket";
import { benchStream } from "./streamux-options.mjs";
import { connectWs, listenWs } from "../lib/ws-server.mjs";
import { acceptAll, SESSION_OPTIONS } from "./streamux-options.mjs";

export async function listen(onStream, options = {}) {
  const wrap = benchStream(options);
  const port = await listenWs((ws) => {
    const session = Session.server(fromWebSocket(ws), SESSION_OPTIONS);
    void acceptAll(session, (stream) => onStream(wrap(stream)));
  });
  return { port };
}

export async function connect(port, options = {}) {
  const wrap = benchStream(options);
  const session = Session.client(fromWebSocket(await connectWs(port)), SESSION_OPTIONS);
  return {
    async open() {
      return wrap(await session.open());
    },
    close() {
      void session.close();
    },
  };
}
