/**
 * The agent's side of the transport: a client session to the server named by a URL, over TCP
 * (tcp://), TLS (tls://) or a WebSocket (ws://, wss://, with the tool's own WebSocket client).
 */
import { readFileSync } from "node:fs";
import type { Session, SessionOptions } from "../../src/index.js";
import { dial } from "../../src/adapters/node.js";
import { connect as connectWebSocket } from "../../src/adapters/websocket.js";
import { ClientWebSocket, SUBPROTOCOL } from "./websocket.js";

export interface ConnectOptions {
  /** PEM file of a CA to trust for tls:// and wss:// (say, a self-signed server's certificate). */
  ca: string | undefined;
  session: SessionOptions;
  signal: AbortSignal;
}

export async function connectToServer(server: URL, options: ConnectOptions): Promise<Session> {
  const ca = options.ca ? readFileSync(options.ca) : undefined;
  if (server.protocol === "ws:" || server.protocol === "wss:") {
    const tlsOptions = ca ? { ca } : {};
    class WebSocket extends ClientWebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, tlsOptions);
      }
    }
    return connectWebSocket(server.href, { ...options.session, WebSocket, protocols: SUBPROTOCOL, signal: options.signal });
  }
  const host = server.hostname.replace(/^\[|\]$/g, "");
  const dialing = dial({
    host,
    port: Number(server.port),
    ...(server.protocol === "tls:" ? { tls: ca ? { ca } : true } : {}),
    ...options.session,
  });
  // dial() cannot be called off: give up waiting, and close the session should it arrive later.
  return new Promise<Session>((resolve, reject) => {
    const onAbort = () => {
      reject(options.signal.reason);
      dialing.then(
        (session) => void session.close(),
        () => {},
      );
    };
    if (options.signal.aborted) return onAbort();
    options.signal.addEventListener("abort", onAbort, { once: true });
    dialing.then(
      (session) => {
        options.signal.removeEventListener("abort", onAbort);
        resolve(session);
      },
      (err: unknown) => {
        options.signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
