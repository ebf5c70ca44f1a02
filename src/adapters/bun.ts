/**
 * streamux/bun: sessions over Bun's TCP and TLS sockets (`Bun.connect` / `Bun.listen`).
 *
 * Bun's sockets are handler based: one handler object serves every socket of a connect or listen
 * call, so each socket carries its own link in `socket.data`.
 *
 * Declares the few Bun shapes it touches ("…Like" types and a local `Bun` declaration), so the
 * published `.d.ts` needs no Bun typings.
 */
import { Session } from "../session.js";
import { ConnectionLink } from "../link/connection-link.js";
import type { Transport } from "../link/link.js";
import { transportOf } from "../link/transport.js";
import { WriteQueue } from "../link/write-queue.js";
import { bindHost, connectUnlessAborted, splitOptions, type DialOptionsOf, type ListenOptionsOf } from "../listen/dial-listen.js";
import { addressOf, queuedServer, type MuxServer } from "../listen/mux-server.js";

export type { AddressLike, MuxServer, ServerCloseOptions } from "../listen/mux-server.js";

/** The part of Bun's `Socket` a transport needs. */
export interface BunSocketLike {
  /** Per-socket user data; sockets served by `socketHandlers` keep their transport here. */
  data: unknown;
  /** Writes what the kernel takes now and returns that count (possibly partial, -1 once closed). */
  write(data: Uint8Array, byteOffset?: number, byteLength?: number): number;
  /** Flushes and closes the socket gracefully. */
  end(): void;
  /** Sends FIN (shutdown of the write side); reading goes on. */
  shutdown?(): void;
  /** Closes at once. */
  terminate(): void;
  /** Stops `data` events (TCP backpressure while the session is backed up). */
  pause?(): void;
  /** Restarts `data` events. */
  resume?(): void;
  /** Switches Nagle's algorithm off (`true`). */
  setNoDelay?(noDelay?: boolean): unknown;
  /** Replaces the socket's handlers. */
  // biome-ignore lint/suspicious/noExplicitAny: Bun types the handler by the socket's data, which streamux never reads
  reload?(options: { socket: BunSocketHandlerLike<any> }): void;
}

/** The socket handlers Bun calls; pass `socketHandlers` as the `socket` option. */
export interface BunSocketHandlerLike<S extends BunSocketLike = BunSocketLike> {
  /** The socket is connected. */
  open?(socket: S): void;
  /**
   * How Bun hands received bytes to `data`; socketHandlers says "arraybuffer", whose chunks are
   * the cheapest to view.
   */
  binaryType?: "arraybuffer" | "buffer" | "uint8array";
  /** Bytes arrived (an ArrayBuffer with `binaryType: "arraybuffer"`). */
  data(socket: S, data: Uint8Array | ArrayBuffer): void;
  /** The socket takes writes again. */
  drain(socket: S): void;
  /** The peer sent FIN. */
  end(socket: S): void;
  /** The socket closed (with the error that closed it, if any). */
  close(socket: S, error?: unknown): void;
  /** The socket failed. */
  error(socket: S, error: unknown): void;
  /** TLS only: the handshake ended; `authorizationError` says why the peer's certificate is not trusted. */
  handshake?(socket: S, success: boolean, authorizationError: Error | null): void;
}

/** TLS settings of a client (the names of Bun's `tls` option). */
export interface BunConnectTlsOptions {
  /** PEM certificates to trust (e.g. a self-signed server's). */
  ca?: string | string[];
  /** The name the certificate must carry; defaults to `host`. */
  serverName?: string;
  /** Default true: refuse a server whose certificate is not trusted. */
  rejectUnauthorized?: boolean;
}

/** TLS settings of a server (the names of Bun's `tls` option). */
export interface BunListenTlsOptions {
  /** PEM certificate chain. */
  cert: string;
  /** PEM private key. */
  key: string;
}

/** Where to connect, plus the session's options; `tls` takes Bun's `tls` options (say, `{ ca }`). */
export interface DialOptions extends DialOptionsOf<BunConnectTlsOptions> {}

/** Where to listen, plus the options of every session the server starts. */
export interface ListenOptions extends ListenOptionsOf<BunListenTlsOptions> {}

interface BunListenerLike {
  readonly hostname: string;
  readonly port: number;
  stop(closeActiveConnections?: boolean): void;
}

// The Bun namespace as far as dial() and listen() use it; looked up at call time, so importing this
// module never fails outside Bun.
declare const Bun: {
  connect(options: {
    hostname: string;
    port: number;
    allowHalfOpen?: boolean;
    tls?: boolean | BunConnectTlsOptions;
    socket: BunSocketHandlerLike;
  }): Promise<BunSocketLike>;
  listen(options: {
    hostname: string;
    port: number;
    allowHalfOpen?: boolean;
    tls?: BunListenTlsOptions;
    socket: BunSocketHandlerLike;
  }): BunListenerLike;
};

/** One socket's link; Bun's events reach it through socketHandlers and the socket's `data`. */
class SocketLink extends ConnectionLink {
  /**
   * Bytes Bun did not take yet, in order; written again on `drain`. Bun keeps nothing it did not
   * take, and copies what it takes, so a join's buffer is free again once all of it is taken.
   *
   * A write of several parts (up to the queue's join limit, above a session's largest flush) is
   * copied into one buffer and leaves in one socket.write(): Bun has no gather write, and each
   * socket.write() is a send() of its own (with TCP_NODELAY, a packet of its own), so a DATA
   * frame's 8-byte header and its 64 KiB payload written apart cost two syscalls and two packets.
   */
  private readonly queue = new WriteQueue();

  constructor(private readonly socket: BunSocketLike) {
    super();
  }

  write(parts: Uint8Array[], done: () => void): boolean {
    if (this.isClosed) return true;
    // Behind a backlog, the write waits its turn (and the session for `drain`).
    const behind = !this.queue.empty;
    this.queue.push(parts, done);
    return (!behind && this.flush()) || this.blocked();
  }

  /** Writes what Bun takes now: true if it took everything. */
  private flush(): boolean {
    for (let chunk = this.queue.next(); chunk !== null; chunk = this.queue.next()) {
      if (!this.queue.taken(Math.max(0, this.socket.write(chunk)))) return false;
    }
    return true;
  }

  protected pauseReading(): void {
    this.socket.pause?.();
  }

  protected resumeReading(): void {
    this.socket.resume?.();
  }

  protected async sendFin(): Promise<void> {
    if (!this.queue.empty) await this.queue.whenFlushed();
    if (this.isClosed) return;
    if (this.socket.shutdown) this.socket.shutdown();
    else this.socket.end();
  }

  protected terminate(): void {
    this.queue.clear();
    this.socket.terminate();
  }

  onData(chunk: Uint8Array | ArrayBuffer): void {
    if (chunk instanceof ArrayBuffer) {
      // socketHandlers asks Bun for ArrayBuffers: a view of one costs nothing more.
      this.received(new Uint8Array(chunk));
      return;
    }
    // A plain Uint8Array view: the session slices it and should not get Buffer's variants. (Asking
    // a Bun Buffer for its ArrayBuffer first makes JSC set one up for it, which is not free.)
    this.received(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  onDrain(): void {
    if (this.flush()) this.drained();
  }

  onEnd(): void {
    this.ended();
  }

  onError(error: unknown): void {
    this.ended(error);
  }

  onClose(error: unknown): void {
    this.queue.clear();
    // A close without a prior `end` is still the end of the peer's data (Bun reports a FIN that
    // arrives after our own shutdown as close only).
    this.connectionClosed(error ?? undefined);
  }
}

function linkOf(socket: BunSocketLike): SocketLink {
  if (!(socket.data instanceof SocketLink)) socket.data = new SocketLink(socket);
  return socket.data as SocketLink;
}

/**
 * The handlers that feed each socket's link: pass them as the `socket` option of `Bun.connect` or
 * `Bun.listen` (with `allowHalfOpen: true`, so a peer's FIN does not close our side), then call
 * `fromSocket(socket)` on each socket. Each socket's state lives in its `socket.data`.
 */
export const socketHandlers: BunSocketHandlerLike = {
  binaryType: "arraybuffer",
  open: (socket) => void linkOf(socket),
  data: (socket, data) => linkOf(socket).onData(data),
  drain: (socket) => linkOf(socket).onDrain(),
  end: (socket) => linkOf(socket).onEnd(),
  close: (socket, error) => linkOf(socket).onClose(error),
  error: (socket, error) => linkOf(socket).onError(error),
};

/**
 * A Bun socket as a streamux Transport. Backpressure is Bun's own: a `write()` that takes only part
 * of a chunk leaves the rest queued here until `drain`, and the session waits. Open sockets with
 * `socketHandlers` (and `allowHalfOpen: true`); a socket opened with handlers of its own is switched
 * to them here (Bun's `socket.reload()`), and what its old handlers already read is theirs.
 */
export function fromSocket(socket: BunSocketLike): Transport {
  if (!(socket.data instanceof SocketLink)) {
    // Without streamux's handlers the transport would hear nothing, and the session would hang.
    if (typeof socket.reload !== "function") {
      throw new TypeError(
        "streamux/bun: fromSocket() needs a socket opened with streamux's handlers: pass " +
          "`socket: socketHandlers` (and `allowHalfOpen: true`) to Bun.connect() or Bun.listen()",
      );
    }
    socket.reload({ socket: socketHandlers });
  }
  // Small frames must not wait for Nagle's algorithm (a request/response would stall ~40 ms on
  // the peer's delayed ACK). Bun turns it off by default; saying so keeps that true.
  socket.setNoDelay?.(true);
  return transportOf(linkOf(socket));
}

/**
 * Connects over TCP (or TLS) and starts a client session on the connection; muxado's Dial/DialTLS.
 * Rejects with Bun's error (ECONNREFUSED, a certificate error, …) if it cannot connect.
 */
export async function dial(options: DialOptions): Promise<Session> {
  const { host = "localhost", port, tls, signal, session } = splitOptions(options);
  const socket = await connectUnlessAborted(connectSocket(host, port, tls), signal, (late) => late.terminate());
  return Session.client(fromSocket(socket), session);
}

/** A TCP connection, or a TLS one whose handshake is done. */
async function connectSocket(host: string, port: number, tls: DialOptions["tls"]): Promise<BunSocketLike> {
  if (!tls) return Bun.connect({ hostname: host, port, allowHalfOpen: true, socket: socketHandlers });
  // Bun.connect resolves before the TLS handshake; wait for it, so that an untrusted certificate
  // rejects dial() with its error instead of ending the session with a bare EOF.
  let settle!: (error: unknown) => void;
  const handshake = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
  const enforce = tls === true || tls.rejectUnauthorized !== false;
  const socket = await Bun.connect({
    hostname: host,
    port,
    allowHalfOpen: true,
    tls,
    socket: {
      ...socketHandlers,
      handshake(_socket, success, authorizationError) {
        settle(enforce && authorizationError ? authorizationError : success ? null : new Error("TLS handshake failed"));
      },
      close(socket, error) {
        socketHandlers.close(socket, error);
        settle(error ?? new Error("the connection closed during the TLS handshake"));
      },
    },
  });
  try {
    await handshake;
  } catch (err) {
    socket.terminate();
    throw err;
  }
  return socket;
}

/**
 * Listens on TCP (or TLS) and starts a server session on each connection; muxado's
 * Listen/ListenTLS. Resolves once the port is bound, rejects with the bind error (EADDRINUSE, …).
 */
export async function listen(options: ListenOptions = {}): Promise<MuxServer> {
  const { host, port = 0, tls, session } = splitOptions(options);
  let offer!: (session: Session) => void;
  const listener = await bindHost(host, (hostname) =>
    Bun.listen({
      hostname,
      port,
      allowHalfOpen: true,
      ...(tls ? { tls } : {}),
      socket: {
        ...socketHandlers,
        open(socket) {
          socketHandlers.open!(socket);
          offer(Session.server(fromSocket(socket), session));
        },
      },
    }),
  );
  const queued = queuedServer({
    address: () => addressOf(listener.hostname, listener.port),
    // Stop accepting; connections already taken stay up until their sessions end.
    stop: () => listener.stop(false),
  });
  offer = queued.offer;
  return queued.server;
}
