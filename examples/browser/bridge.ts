/**
 * The server's half of the browser tunnel: each WebSocket carries a streamux session, and each
 * stream the page opens becomes one TCP connection to the service.
 */
import net from "node:net";
import type { WebSocket } from "ws";
import { Session } from "streamux";
import { toDuplex } from "streamux/node";
import { fromWebSocket } from "streamux/websocket";

export class TcpBridge {
  private readonly sessions = new Set<Session>();

  constructor(
    private readonly target: { host: string; port: number },
    private readonly log: (line: string) => void,
  ) {}

  /** Takes over a WebSocket from a page: a server session on it, every stream bridged. */
  async accept(ws: WebSocket): Promise<void> {
    const session = Session.server(fromWebSocket(ws));
    this.sessions.add(session);
    for await (const stream of session) {
      const socket = net.connect({ ...this.target, allowHalfOpen: true });
      // allowHalfOpen: the page half-closes after its request and still has the answer to read.
      const tunnel = toDuplex(stream, { allowHalfOpen: true });
      socket.on("error", (err) => tunnel.destroy(err)); // the service is down: reset the stream
      tunnel.on("error", () => socket.destroy()); // the page reset the stream, or left
      socket.on("close", () => {
        const { bytesIn, bytesOut } = stream.stats();
        this.log(`bridge: stream ${stream.id} done: ${bytesIn} bytes to the service, ${bytesOut} back`);
      });
      tunnel.pipe(socket).pipe(tunnel);
    }
    this.sessions.delete(session);
    const closed = await session.closed;
    this.log(`bridge: a page's session ended: code ${closed.code} (${closed.reason}), clean: ${closed.clean}`);
  }

  /** Graceful drain: every page is told to open no more streams; the ones running finish first. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.sessions].map((session) => session.shutdown({ timeout: 5_000 })));
  }
}
