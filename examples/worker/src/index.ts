/**
 * A Worker that multiplexes over one WebSocket: it accepts the connection, runs a streamux server
 * session on it, and echoes every stream the client opens.
 *
 *   npm run example examples/worker/main.ts     (from the repository's root: under workerd, with a client)
 *   npx wrangler dev                            (from this folder; wrangler.toml points here)
 *
 * A client, in a browser or Node (with the `ws` package):
 *
 *   const session = Session.client(fromWebSocket(new WebSocket("ws://127.0.0.1:8787")));
 *   const stream = await session.open();
 */
import { Session } from "streamux";
import { fromWebSocket, type WebSocketLike } from "streamux/websocket";

// The two Workers-only shapes this file touches, declared here so it needs no Workers typings.
interface ServerWebSocket extends WebSocketLike {
  /** Takes the socket over in this Worker; it is OPEN from then on (no `open` event follows). */
  accept(): void;
}
declare const WebSocketPair: { new (): { 0: ServerWebSocket; 1: ServerWebSocket } };

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("streamux echo worker: connect with a WebSocket\n", { status: 426 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    server.accept();
    void serveEcho(Session.server(fromWebSocket(server)));
    // `webSocket` is a Workers extension of ResponseInit.
    return new Response(null, { status: 101, webSocket: client } as ResponseInit);
  },
};

/** Echoes each stream the client opens until the session ends (the client closes, or the socket drops). */
async function serveEcho(session: Session): Promise<void> {
  for await (const stream of session) {
    stream.readable.pipeTo(stream.writable).catch(() => {
      // The client reset the stream or the session ended: nothing left to echo.
    });
  }
}
