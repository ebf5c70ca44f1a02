import { once } from "node:events";
import * as net from "node:net";
import * as tls from "node:tls";
import { fromSocket } from "../../src/adapters/node.js";
import { Session, type SessionOptions } from "../../src/index.js";
import type { TestCert } from "./tls-cert.js";

/** Two ends of one loopback connection: `dialer` connected, `listener` accepted. */
export interface SocketPair {
  dialer: net.Socket;
  listener: net.Socket;
  /** Destroys both sockets and waits until both have closed. */
  destroy(): Promise<void>;
}

/**
 * Opens one TCP (or, with `cert`, TLS) connection over 127.0.0.1 and returns both ends, connected
 * (TLS: handshake done). The listening socket is closed again before this returns: only the one
 * connection remains. The sockets keep Node's defaults (no allowHalfOpen, Nagle on): whatever the
 * adapter needs it must set itself.
 */
export async function tcpPair(cert?: TestCert): Promise<SocketPair> {
  const server = cert ? tls.createServer({ key: cert.key, cert: cert.cert }) : net.createServer();
  const accepted = once(server, cert ? "secureConnection" : "connection") as Promise<[net.Socket]>;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  try {
    const dialer = cert
      ? tls.connect({ host: "127.0.0.1", port, ca: cert.cert, servername: "localhost" })
      : net.connect({ host: "127.0.0.1", port });
    const [[listener]] = await Promise.all([accepted, once(dialer, cert ? "secureConnect" : "connect")]);
    return { dialer, listener, destroy: () => destroyAll([dialer, listener]) };
  } finally {
    server.close();
  }
}

/** Destroys the sockets and resolves once each has emitted 'close'. */
export async function destroyAll(sockets: net.Socket[]): Promise<void> {
  await Promise.all(
    sockets.map((s) => {
      if (s.closed) return undefined;
      const closed = once(s, "close");
      s.destroy();
      return closed;
    }),
  );
}

export interface TcpSessionsOptions extends SessionOptions {
  /** TLS with this certificate instead of plain TCP. */
  cert?: TestCert;
  /** Roles reversed: the accepting end of the connection plays the session client. */
  reversed?: boolean;
}

/** A client and a server Session over one loopback connection (see tcpPair). */
export interface TcpSessions {
  client: Session;
  server: Session;
  /** The client session's socket and the server session's socket. */
  clientSocket: net.Socket;
  serverSocket: net.Socket;
  /** Closes both sessions and waits until both sockets have closed. */
  dispose(): Promise<void>;
}

export async function tcpSessions(options: TcpSessionsOptions = {}): Promise<TcpSessions> {
  const { cert, reversed = false, ...sessionOptions } = options;
  const pair = await tcpPair(cert);
  const [clientSocket, serverSocket] = reversed ? [pair.listener, pair.dialer] : [pair.dialer, pair.listener];
  const client = Session.client(fromSocket(clientSocket), sessionOptions);
  const server = Session.server(fromSocket(serverSocket), sessionOptions);
  return {
    client,
    server,
    clientSocket,
    serverSocket,
    async dispose() {
      await Promise.all([client.close(), server.close()]);
      await pair.destroy();
    },
  };
}
