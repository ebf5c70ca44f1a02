/// <reference types="node" />
/**
 * streamux over Node's sockets (`streamux/node`).
 *
 * - `fromSocket(socket)`: a `net.Socket` / `tls.TLSSocket` as a Transport, with the `link` fast path
 *   (the session reads the socket's Buffers and writes with cork/uncork, no WHATWG hop).
 * - `dial()` / `listen()`: muxado's Dial/Listen/DialTLS/ListenTLS.
 * - `toDuplex(stream)`: a MuxStream as a Node `stream.Duplex`, for code that wants a socket (http).
 * - `httpAgent(session)`: an `http.Agent` whose connections are new mux streams.
 * - `serve(session, server)`: every stream the peer opens becomes a connection of a `net.Server`
 *   (an `http.Server`, say): muxado's NetListener.
 *
 * Sockets use a small "…Like" type; TLS options are Node's own, and toDuplex(), httpAgent() and
 * serve() are about Node's own classes, so those use Node's types (@types/node).
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { Session } from "../session.js";
import { ConnectionLink } from "../link/connection-link.js";
import type { LinkSink, Transport } from "../link/link.js";
import { transportOf } from "../link/transport.js";
import { noop } from "../util/deferred.js";
import { bindHost, connectUnlessAborted, splitOptions, type DialOptionsOf, type ListenOptionsOf } from "../listen/dial-listen.js";
import { queuedServer, type AddressLike, type MuxServer } from "../listen/mux-server.js";

export type { AddressLike, MuxServer, ServerCloseOptions } from "../listen/mux-server.js";
export { httpAgent, serve, toDuplex, type ToDuplexOptions } from "./node-duplex.js";

/** Node's listener signature, `(...args: any[]) => void`, so its emitters fit. */
// biome-ignore lint/suspicious/noExplicitAny: the signature of Node's own EventEmitter listeners
export type Listener = (...args: any[]) => void;

/** What fromSocket needs of a socket: `net.Socket` and `tls.TLSSocket` have all of it. */
export interface SocketLike {
  /** Writes bytes; false when the socket's buffer is full (wait for "drain"). */
  write(chunk: Uint8Array, callback?: (err?: Error | null) => void): boolean;
  /** Sends FIN after what was written. */
  end(callback?: () => void): unknown;
  /** Closes at once. */
  destroy(error?: Error): unknown;
  /** Stops "data" events (backpressure). */
  pause(): unknown;
  /** Starts "data" events again. */
  resume(): unknown;
  /** Gathers the writes that follow into one (until uncork()). */
  cork(): void;
  /** Writes what cork() gathered. */
  uncork(): void;
  /** Switches Nagle's algorithm off (`true`). */
  setNoDelay?(noDelay?: boolean): unknown;
  /** Listens for an event ("data", "end", "error", "close", "drain"). */
  on(event: string, listener: Listener): unknown;
  /** Listens for one event. */
  once(event: string, listener: Listener): unknown;
  /** Keep the sending side open after the peer's FIN; fromSocket sets it. */
  allowHalfOpen: boolean;
  /** A write returned false and "drain" has not come yet. */
  readonly writableNeedDrain: boolean;
  /** end() was called. */
  readonly writableEnded: boolean;
  /** The socket is closed. */
  readonly destroyed: boolean;
}

/**
 * TLS client options: every `tls.connect()` option but where to connect (dial() owns host, port and
 * the socket) — `ca` for a self-signed server, `cert`/`key` for mutual TLS, `servername`, ….
 */
export type TlsConnectOptionsLike = Omit<tls.ConnectionOptions, "host" | "port" | "path" | "socket" | "allowHalfOpen">;

/** TLS server options: every `tls.createServer()` option (`key` and `cert`, or `pfx`, `SNICallback`, …). */
export type TlsServerOptionsLike = Omit<tls.TlsOptions, "allowHalfOpen">;

/** Where to connect, plus the session's options; `tls` takes tls.connect() options (say, `{ ca }`). */
export interface DialOptions extends DialOptionsOf<TlsConnectOptionsLike> {}

/** Where to listen, plus the options of every session the server starts. */
export interface ListenOptions extends ListenOptionsOf<TlsServerOptionsLike> {}

/**
 * A Node socket (`net.Socket` or `tls.TLSSocket`, connected) as a streamux Transport.
 *
 * The session drives it through `link`: socket Buffers go to the session as they arrive (no copy),
 * frames leave with cork/uncork (one writev per batch), the socket's `write()` result and `'drain'`
 * are the session's backpressure, and the session pauses the socket while its buffers are full.
 * `readable`/`writable` exist for other consumers and are built only if read; use one view or the
 * other, not both. The socket is switched to allowHalfOpen (the peer's FIN must not end our sending
 * side) and to no-delay (small frames must not wait for Nagle).
 */
export function fromSocket(socket: SocketLike): Transport {
  socket.allowHalfOpen = true;
  socket.setNoDelay?.(true);
  return transportOf(new SocketLink(socket));
}

class SocketLink extends ConnectionLink {
  constructor(private readonly socket: SocketLike) {
    super();
    // Listening from the start: an 'error' with no listener would crash the process.
    socket.on("error", (err: unknown) => this.ended(err));
    socket.on("end", () => this.ended());
    socket.on("close", () => this.connectionClosed(new Error("socket closed")));
    if (socket.destroyed) this.connectionClosed(new Error("socket closed"));
  }

  override start(sink: LinkSink): void {
    super.start(sink);
    // Only now: a socket without a 'data' listener holds what arrives.
    // A plain Uint8Array view: Buffer's slice() shares memory, which code written for Uint8Array
    // (the session, the application reading the stream) does not expect.
    this.socket.on("data", (chunk: Uint8Array) => this.received(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    this.socket.on("drain", () => this.drained());
  }

  write(parts: Uint8Array[], done: () => void): boolean {
    const socket = this.socket;
    // A socket that is going away drops the bytes; the session hears about it from 'close'/'error'.
    if (socket.destroyed || socket.writableEnded) return true;
    // The socket holds the parts (views of the application's bytes) until it has written them:
    // the last write's callback says when, as Node calls write callbacks in order.
    const last = parts.length - 1;
    if (last === 0) {
      socket.write(parts[0]!, done);
    } else {
      socket.cork();
      for (let i = 0; i < last; i++) socket.write(parts[i]!);
      socket.write(parts[last]!, done);
      socket.uncork();
    }
    return !socket.writableNeedDrain || this.blocked();
  }

  protected pauseReading(): void {
    this.socket.pause();
  }

  protected resumeReading(): void {
    this.socket.resume();
  }

  protected sendFin(): Promise<void> {
    return new Promise<void>((resolve) => this.socket.end(resolve));
  }

  protected terminate(): void {
    this.socket.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// dial / listen

/**
 * Connects over TCP (or TLS) and starts a client session on the connection; muxado's Dial/DialTLS.
 * Connection options and SessionOptions share one object:
 * `await dial({ host: "127.0.0.1", port, tls: { ca }, windowSize: 1 << 20 })`.
 * Rejects with the socket's error (ECONNREFUSED, a certificate error, …) if it cannot connect.
 */
export async function dial(options: DialOptions): Promise<Session> {
  const { host = "localhost", port, tls: tlsOptions, signal, session } = splitOptions(options);
  const connecting = new Promise<net.Socket>((resolve, reject) => {
    const base = { host, port, allowHalfOpen: true, noDelay: true };
    const s = tlsOptions ? tls.connect({ ...(tlsOptions === true ? {} : tlsOptions), ...base }) : net.connect(base);
    s.once("error", reject);
    s.once(tlsOptions ? "secureConnect" : "connect", () => {
      s.off("error", reject);
      resolve(s);
    });
    // Given up: the socket goes now, not when it would have connected.
    signal?.addEventListener("abort", () => s.destroy(), { once: true });
  });
  const socket = await connectUnlessAborted(connecting, signal, (late) => late.destroy());
  return Session.client(fromSocket(socket), session);
}

/**
 * Listens on TCP (or TLS) and starts a server session on each connection; muxado's
 * Listen/ListenTLS. Resolves once the port is bound (so `address()` is known), rejects with the
 * bind error (EADDRINUSE, …). Iterate the result, or call `accept()`, for the sessions:
 * `for await (const session of await listen({ host: "127.0.0.1", port: 0 })) …`.
 */
export async function listen(options: ListenOptions = {}): Promise<MuxServer> {
  const { host, port = 0, tls: tlsOptions, session } = splitOptions(options);
  const onSocket = (socket: net.Socket) => offer(Session.server(fromSocket(socket), session));
  const server = tlsOptions
    ? tls.createServer({ ...tlsOptions, allowHalfOpen: true }, onSocket)
    : net.createServer({ allowHalfOpen: true }, onSocket);
  const { server: muxServer, offer } = queuedServer({
    address: () => server.address() as AddressLike,
    stop: () => void server.close(),
  });
  await bindHost(
    host,
    (h) =>
      new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, h, () => {
          server.off("error", reject);
          resolve();
        });
      }),
  );
  // Accept failures (EMFILE, …) leave the connection waiting in the kernel; nothing to report.
  server.on("error", noop);
  return muxServer;
}
