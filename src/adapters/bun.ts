/**
 * streamux/bun: sessions over Bun's TCP and TLS sockets (`Bun.connect` / `Bun.listen`).
 *
 * Bun's sockets are handler based: one handler object serves every socket of a connect or listen
 * call, so each socket carries its own transport state in `socket.data`. The transport offers the
 * session's direct path (callbacks in, `write()` out) and builds WHATWG streams only if asked.
 *
 * Declares the few Bun shapes it touches ("…Like" types and a local `Bun` declaration), so the
 * published `.d.ts` needs no Bun typings.
 */
import { concat } from "../frame/decode.js";
import { Session } from "../session.js";
import type { Link, LinkSink, Transport } from "../link/link.js";
import type { SessionOptions } from "../types.js";
import { queuedServer, type MuxServer } from "./mux-server.js";

export type { AddressLike, MuxServer } from "./mux-server.js";

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
  /** Stops / restarts `data` events (TCP backpressure while the session is backed up). */
  pause?(): void;
  resume?(): void;
  /** Switches Nagle's algorithm off (`true`). */
  setNoDelay?(noDelay?: boolean): unknown;
}

/** The socket handlers Bun calls; pass `socketHandlers` as the `socket` option. */
export interface BunSocketHandlerLike<S extends BunSocketLike = BunSocketLike> {
  open?(socket: S): void;
  data(socket: S, data: Uint8Array): void;
  drain(socket: S): void;
  /** The peer sent FIN. */
  end(socket: S): void;
  close(socket: S, error?: unknown): void;
  error(socket: S, error: unknown): void;
  /** TLS only: the handshake ended; `authorizationError` says why the peer's certificate is not trusted. */
  handshake?(socket: S, success: boolean, authorizationError: Error | null): void;
}

/** TLS settings of a client (the names of Bun's `tls` option). */
export interface BunConnectTlsOptions {
  /** PEM certificates to trust (e.g. a self-signed server's). */
  ca?: string | string[];
  serverName?: string;
  rejectUnauthorized?: boolean;
}

/** TLS settings of a server (the names of Bun's `tls` option). */
export interface BunListenTlsOptions {
  /** PEM certificate chain. */
  cert: string;
  /** PEM private key. */
  key: string;
}

/** Where to connect, plus the session's options (one object, as in `streamux/node`). */
export interface DialOptions extends SessionOptions {
  /** Default "localhost". */
  host?: string;
  port: number;
  /** Connect over TLS: `true` for the system's roots, or Bun's `tls` options (say, `{ ca }`). */
  tls?: boolean | BunConnectTlsOptions;
}

/** Where to listen, plus the options of every session the server starts. */
export interface ListenOptions extends SessionOptions {
  /** Default "0.0.0.0" (every interface), as `Bun.listen` does. */
  host?: string;
  /** Default 0: a free port (read it with `address()`). */
  port?: number;
  /** Serve TLS with this key and certificate. */
  tls?: BunListenTlsOptions;
}


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

/** Parts below this total size leave as one joined write: one syscall and one packet instead of many. */
const noop = () => {};
const JOIN_LIMIT = 64 * 1024;
/** How long end() waits for the peer's FIN after sending ours before closing anyway. */
const LINGER_MS = 2000;

/** One socket's transport state: what arrived before the session started, and what Bun did not take yet. */
class SocketTransport implements Link {
  private sink: LinkSink | null = null;
  /** Events that arrived before start(): replayed to the sink in order. */
  private early: Array<Uint8Array | { end: true } | { error: unknown }> = [];
  /** Bytes Bun did not take yet, in order; written again on `drain`. */
  private backlog: Uint8Array[] = [];
  private wantsDrain = false;
  private eof = false;
  /** We ended or destroyed the socket: its close is ours, not news for the session. */
  private local = false;
  private closed = false;
  private ending: Promise<void> | null = null;
  private whenFlushed: Array<() => void> = [];
  private whenClosed: Array<() => void> = [];
  private streams: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> } | null = null;

  constructor(readonly socket: BunSocketLike) {}

  start(sink: LinkSink): void {
    if (this.sink) throw new Error("streamux/bun: the transport was already started");
    this.sink = sink;
    const early = this.early;
    this.early = [];
    for (const event of early) {
      if (event instanceof Uint8Array) sink.data(event);
      else if ("end" in event) sink.end();
      else sink.error(event.error);
    }
  }

  write(parts: Uint8Array[], done: () => void): boolean {
    if (this.closed) return true;
    if (this.backlog.length > 0) {
      for (const p of parts) this.backlog.push(p);
    } else {
      let total = 0;
      for (const p of parts) total += p.length;
      const chunks = parts.length > 1 && total <= JOIN_LIMIT ? [concat(parts)] : parts;
      for (let i = 0; i < chunks.length; i++) {
        const chunk = chunks[i]!;
        const written = Math.max(0, this.socket.write(chunk));
        if (written < chunk.length) {
          // Bun keeps nothing it did not take: the rest waits here for `drain`.
          this.backlog.push(written === 0 ? chunk : chunk.subarray(written));
          for (let j = i + 1; j < chunks.length; j++) this.backlog.push(chunks[j]!);
          break;
        }
      }
    }
    // Bun copies what it takes; the backlog still holds views of the session's (the application's)
    // bytes, so the write is done once the backlog is gone.
    if (this.backlog.length === 0) {
      done();
      return true;
    }
    this.whenFlushed.push(done);
    this.wantsDrain = true;
    return false;
  }

  pause(): void {
    this.socket.pause?.();
  }

  resume(): void {
    this.socket.resume?.();
  }

  /**
   * Sends FIN once Bun took everything, then lingers until the peer's FIN closes the socket (at most
   * LINGER_MS): closing with unread bytes would make the kernel answer with RST, and the peer,
   * typically still sending a last window update, would see ECONNRESET and could lose what it had
   * not read yet, our final GOAWAY included. What arrives meanwhile is dropped.
   */
  end(): Promise<void> {
    this.ending ??= (async () => {
      await this.flushed();
      if (this.closed) return;
      const closed = new Promise<void>((resolve) => this.whenClosed.push(resolve));
      this.local = true;
      this.socket.resume?.();
      if (this.socket.shutdown) {
        this.socket.shutdown();
        const timer = setTimeout(() => this.destroy(), LINGER_MS);
        await closed;
        clearTimeout(timer);
      } else {
        this.socket.end();
        await closed;
      }
    })();
    return this.ending;
  }

  /** Half-close: FIN once everything written so far is out, while reading goes on. */
  async closeWrite(): Promise<void> {
    await this.flushed();
    if (this.closed) return;
    if (this.socket.shutdown) {
      this.socket.shutdown();
    } else {
      this.local = true;
      this.socket.end();
    }
  }

  /** Settles once Bun took every byte handed to write() (or the socket closed). */
  private flushed(): Promise<void> {
    if (this.backlog.length === 0 || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => this.whenFlushed.push(resolve));
  }

  destroy(): void {
    if (this.closed) return;
    this.local = true;
    this.backlog = [];
    this.socket.terminate();
  }

  // ---- Bun's events, routed here by socketHandlers ----

  onData(chunk: Uint8Array): void {
    if (this.local) return;
    // A plain Uint8Array view: the session slices it and should not get Buffer's variants.
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.sink) this.sink.data(bytes);
    else this.early.push(bytes);
  }

  onDrain(): void {
    while (this.backlog.length > 0) {
      const chunk = this.backlog[0]!;
      const written = Math.max(0, this.socket.write(chunk));
      if (written < chunk.length) {
        this.backlog[0] = chunk.subarray(written);
        return;
      }
      this.backlog.shift();
    }
    for (const resolve of this.whenFlushed.splice(0)) resolve();
    if (this.wantsDrain) {
      this.wantsDrain = false;
      this.sink?.drain();
    }
  }

  onEnd(): void {
    if (this.eof || this.local) return;
    this.eof = true;
    if (this.sink) this.sink.end();
    else this.early.push({ end: true });
  }

  onError(error: unknown): void {
    if (this.eof || this.local) return;
    this.eof = true;
    if (this.sink) this.sink.error(error);
    else this.early.push({ error });
  }

  onClose(error: unknown): void {
    if (this.closed) return;
    // A close without a prior `end` is still the end of the peer's data (Bun reports a FIN that
    // arrives after our own shutdown as close only).
    if (error !== undefined && error !== null) this.onError(error);
    else this.onEnd();
    this.closed = true;
    this.backlog = [];
    for (const resolve of this.whenFlushed.splice(0)) resolve();
    for (const resolve of this.whenClosed.splice(0)) resolve();
  }

  /** WHATWG streams over the same socket, for callers that read and write it themselves. */
  toStreams(): { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> } {
    this.streams ??= streamsOf(this);
    return this.streams;
  }
}

/**
 * Readable and writable over the socket's transport; built only when someone asks for them.
 * `writable.close()` half-closes (FIN, reading goes on); cancelling the readable closes the socket.
 */
function streamsOf(direct: SocketTransport): { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> } {
  let drained: (() => void) | null = null;
  let failure: unknown = null;
  let readDone = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const readable = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        direct.resume();
      },
      cancel() {
        readDone = true;
        direct.destroy();
      },
    },
    { highWaterMark: 4 },
  );
  direct.start({
    data(chunk) {
      if (readDone) return;
      controller.enqueue(chunk);
      if ((controller.desiredSize ?? 1) <= 0) direct.pause();
    },
    end() {
      if (readDone) return;
      readDone = true;
      controller.close();
    },
    error(err) {
      failure = err;
      if (!readDone) controller.error(err);
      readDone = true;
      drained?.();
    },
    drain() {
      drained?.();
    },
  });
  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      if (failure !== null) throw failure;
      // Done once Bun has taken the chunk, which the drain wait below already implies.
      if (direct.write([chunk], noop)) return;
      await new Promise<void>((resolve) => (drained = resolve));
      drained = null;
      if (failure !== null) throw failure;
    },
    close() {
      return direct.closeWrite();
    },
    abort() {
      direct.destroy();
    },
  });
  return { readable, writable };
}

function stateOf(socket: BunSocketLike): SocketTransport {
  const data = socket.data;
  if (data instanceof SocketTransport) return data;
  const state = new SocketTransport(socket);
  socket.data = state;
  return state;
}

/**
 * The handlers that feed each socket's transport: pass them as the `socket` option of `Bun.connect`
 * or `Bun.listen` (with `allowHalfOpen: true`, so a peer's FIN does not close our side), then call
 * `fromSocket(socket)` on each socket. Each socket's state lives in its `socket.data`.
 */
export const socketHandlers: BunSocketHandlerLike = {
  open(socket) {
    stateOf(socket);
  },
  data(socket, data) {
    stateOf(socket).onData(data);
  },
  drain(socket) {
    stateOf(socket).onDrain();
  },
  end(socket) {
    stateOf(socket).onEnd();
  },
  close(socket, error) {
    stateOf(socket).onClose(error);
  },
  error(socket, error) {
    stateOf(socket).onError(error);
  },
};

/**
 * A transport over a Bun socket opened with `socketHandlers`. Backpressure is Bun's own: a `write()`
 * that takes only part of a chunk leaves the rest queued here until `drain`, and the session waits.
 */
export function fromSocket(socket: BunSocketLike): Transport {
  // Small frames must not wait for Nagle's algorithm (a request/response would stall ~40 ms on
  // the peer's delayed ACK). Bun turns it off by default; saying so keeps that true.
  socket.setNoDelay?.(true);
  const state = stateOf(socket);
  return {
    link: state,
    get readable() {
      return state.toStreams().readable;
    },
    get writable() {
      return state.toStreams().writable;
    },
    close() {
      state.destroy();
    },
  };
}

/**
 * Connects over TCP (or TLS) and starts a client session on the connection; muxado's Dial/DialTLS.
 * Rejects with Bun's error (ECONNREFUSED, a certificate error, …) if it cannot connect.
 */
export async function dial(options: DialOptions): Promise<Session> {
  const { host = "localhost", port, tls, ...sessionOptions } = options;
  if (!tls) {
    const socket = await Bun.connect({ hostname: host, port, allowHalfOpen: true, socket: socketHandlers });
    return Session.client(fromSocket(socket), sessionOptions);
  }
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
  return Session.client(fromSocket(socket), sessionOptions);
}

/**
 * Listens on TCP (or TLS) and starts a server session on each connection; muxado's
 * Listen/ListenTLS. Resolves once the port is bound, rejects with the bind error (EADDRINUSE, …).
 */
export async function listen(options: ListenOptions = {}): Promise<MuxServer> {
  const { host = "0.0.0.0", port = 0, tls, ...sessionOptions } = options;
  let offer!: (session: Session) => void;
  const listener = Bun.listen({
    hostname: host,
    port,
    allowHalfOpen: true,
    ...(tls ? { tls } : {}),
    socket: {
      ...socketHandlers,
      open(socket) {
        offer(Session.server(fromSocket(socket), sessionOptions));
      },
    },
  });
  const queued = queuedServer({
    address() {
      const address = listener.hostname;
      return { address, family: address.includes(":") ? "IPv6" : "IPv4", port: listener.port };
    },
    // Stop accepting; connections already taken stay up until their sessions end.
    stop: () => listener.stop(false),
  });
  offer = queued.offer;
  return queued.server;
}
