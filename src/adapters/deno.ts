/**
 * streamux/deno: sessions over Deno's TCP and TLS connections.
 *
 * Declares the few Deno shapes it touches ("…Like" types and a local `Deno` declaration), so the
 * published `.d.ts` needs no Deno typings.
 */
import { Session } from "../session.js";
import { ConnectionLink } from "../link/connection-link.js";
import type { LinkSink, Transport } from "../link/link.js";
import { transportOf } from "../link/transport.js";
import { WriteQueue } from "../link/write-queue.js";
import { powerOfTwoAtLeast } from "../util/bytes.js";
import { bindHost, connectUnlessAborted, splitOptions, type DialOptionsOf, type ListenOptionsOf } from "../listen/dial-listen.js";
import { addressOf, queuedServer, type MuxServer } from "../listen/mux-server.js";

export type { AddressLike, MuxServer, ServerCloseOptions } from "../listen/mux-server.js";

/** The part of `Deno.Conn` / `Deno.TlsConn` a transport needs. */
export interface DenoConnLike {
  /** Reads into `p`: the bytes read, or null at EOF. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes what it can of `p` now: the bytes written. */
  write(p: Uint8Array): Promise<number>;
  /** Sends FIN: the peer sees EOF while this side can still read. */
  closeWrite(): Promise<void>;
  /** Closes the connection. */
  close(): void;
  /** `Deno.TcpConn` only: switches Nagle's algorithm off (`true`). */
  setNoDelay?(noDelay?: boolean): void;
}

/** The part of `Deno.Listener` / `Deno.TlsListener` `listen()` needs. */
export interface DenoListenerLike<C extends DenoConnLike = DenoConnLike> {
  /** The next connection. */
  accept(): Promise<C>;
  /** Stops listening. */
  close(): void;
  /** Where it listens. */
  readonly addr: DenoAddrLike;
}

/** A `Deno.NetAddr`: where a listener listens. */
export interface DenoAddrLike {
  /** "tcp". */
  transport?: string;
  /** The address bound. */
  hostname?: string;
  /** The port bound. */
  port?: number;
}

/** TLS settings of a client connection (the names of `Deno.connectTls`'s options). */
export interface DenoConnectTlsOptions {
  /** PEM certificates to trust in addition to the system's roots (e.g. a self-signed server's). */
  caCerts?: string[];
  /** Protocols to offer in ALPN. */
  alpnProtocols?: string[];
  /** The name the certificate must carry; defaults to `host`. */
  serverName?: string;
}

/** TLS settings of a server (the names of `Deno.listenTls`'s options). */
export interface DenoListenTlsOptions {
  /** PEM certificate chain. */
  cert: string;
  /** PEM private key. */
  key: string;
  /** Protocols to accept in ALPN. */
  alpnProtocols?: string[];
}

/** Where to connect, plus the session's options; `tls` takes `Deno.connectTls` options (say, `{ caCerts }`). */
export interface DialOptions extends DialOptionsOf<DenoConnectTlsOptions> {}

/** Where to listen, plus the options of every session the server starts. */
export interface ListenOptions extends ListenOptionsOf<DenoListenTlsOptions> {}

// The Deno namespace as far as dial() and listen() use it; looked up at call time, so importing this
// module never fails outside Deno.
declare const Deno: {
  connect(options: { hostname: string; port: number; transport?: "tcp" }): Promise<DenoConnLike>;
  startTls(
    conn: DenoConnLike,
    options: { hostname: string; caCerts?: string[]; alpnProtocols?: string[] },
  ): Promise<DenoConnLike & { handshake?(): Promise<unknown> }>;
  listen(options: { hostname: string; port: number; transport?: "tcp" }): DenoListenerLike;
};

/**
 * Reads go into a buffer of READ_MIN bytes, doubled (up to READ_MAX) after each read that fills it,
 * and cut to twice what came (at least READ_MIN) after one that fills less than a quarter: a bulk
 * transfer reads in few large ops (each op and each new buffer has a fixed cost), while a connection
 * that has gone quiet, whose pending read holds its buffer, holds a small one.
 */
const READ_MIN = 16 * 1024;
const READ_MAX = 256 * 1024;
/**
 * Bytes waiting to be written beyond which the session is told to wait for drain. Above one flush's
 * worth, so that the session gathers the next writes while the current one is under way.
 */
const WRITE_HIGH_WATER_MARK = 256 * 1024;

/**
 * A Deno connection (`Deno.Conn` / `Deno.TlsConn`) as a streamux Transport.
 *
 * It reads and writes with `conn.read()` / `conn.write()` / `conn.closeWrite()` rather than
 * `conn.readable` / `conn.writable`: Deno's own streams close the whole connection when the peer's
 * FIN arrives and when the writable closes, which would turn every half-close into a full one.
 * The session drives it through `link` (no WHATWG hop; what queues up while a conn.write() is under
 * way leaves joined in the next); `readable`/`writable` are built only if read, and
 * `writable.close()` sends FIN while reading goes on.
 */
export function fromConn(conn: DenoConnLike): Transport {
  // Small frames must not wait for Nagle's algorithm: a request/response would stall ~40 ms on the
  // peer's delayed ACK. TLS connections have no such switch; dial() sets it on the TCP connection
  // under them.
  conn.setNoDelay?.(true);
  return transportOf(new ConnLink(conn));
}

class ConnLink extends ConnectionLink {
  private buffer = new Uint8Array(READ_MIN);
  private paused = false;
  private wake: (() => void) | null = null;
  /**
   * Writes not yet taken by Deno, in order (queued or being written). Large joins are gathered in
   * a buffer lent by the queue until Deno has taken all of it: one join is written at a time, and it
   * is all taken before the next is gathered.
   */
  private readonly queue = new WriteQueue();
  private flushing = false;

  constructor(private readonly conn: DenoConnLike) {
    super();
  }

  override start(sink: LinkSink): void {
    super.start(sink);
    void this.read();
  }

  private async read(): Promise<void> {
    for (;;) {
      if (this.paused) await new Promise<void>((resolve) => (this.wake = resolve));
      let n: number | null;
      try {
        n = await this.conn.read(this.buffer);
      } catch (err) {
        // A read interrupted by our own close is the end of the stream, not a failure.
        return this.ended(this.isClosed ? undefined : err);
      }
      if (n === null) return this.ended();
      if (this.discarding) continue;
      const size = this.buffer.length;
      if (n >= size * 0.75) {
        // Mostly full (as full as the session wants a chunk it keeps views of): hand the buffer
        // itself to the session and read into a new one.
        this.received(this.buffer.subarray(0, n));
        this.buffer = new Uint8Array(n === size ? Math.min(2 * size, READ_MAX) : size);
      } else {
        // A small read would pin a large buffer for a few bytes: copy them out, keep the buffer.
        this.received(this.buffer.slice(0, n));
        if (n < size / 4 && size > READ_MIN) this.buffer = new Uint8Array(Math.max(READ_MIN, powerOfTwoAtLeast(2 * n)));
      }
    }
  }

  write(parts: Uint8Array[], done: () => void): boolean {
    if (this.isClosed) return true;
    this.queue.push(parts, done);
    if (!this.flushing) void this.flush();
    return this.queue.size < WRITE_HIGH_WATER_MARK || this.blocked();
  }

  /**
   * Writes the queue out. Every conn.write() is an op and a promise, so what has queued up goes in
   * one, copied into one buffer: a DATA frame's header with its payload, and the small frames of
   * several flushes together. A write that is one part, or larger than the join limit, goes as it
   * is. conn.write() may take only part of what it is given.
   */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      for (let chunk = this.queue.next(); chunk !== null; chunk = this.queue.next()) {
        this.queue.taken(await this.conn.write(chunk));
        if (this.queue.size < WRITE_HIGH_WATER_MARK) this.drained();
      }
    } catch (err) {
      this.queue.clear();
      this.ended(err);
    }
    this.flushing = false;
  }

  protected pauseReading(): void {
    this.paused = true;
  }

  protected resumeReading(): void {
    this.paused = false;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  protected async sendFin(): Promise<void> {
    if (this.flushing) await this.queue.whenFlushed();
    await this.conn.closeWrite();
  }

  protected terminate(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed by Deno (e.g. after a failed read): nothing left to release.
    }
    this.queue.clear();
    this.connectionClosed();
  }
}

/**
 * Connects over TCP (or TLS) and starts a client session on the connection; muxado's Dial/DialTLS.
 * Rejects with Deno's error (ConnectionRefused, a certificate error, …) if it cannot connect.
 */
export async function dial(options: DialOptions): Promise<Session> {
  const { host: hostname = "localhost", port, tls, signal, session } = splitOptions(options);
  const conn = await connectUnlessAborted(connectConn(hostname, port, tls), signal, (late) => late.close());
  return Session.client(fromConn(conn), session);
}

/** A TCP connection, or a TLS one whose handshake is done. */
async function connectConn(hostname: string, port: number, tls: DialOptions["tls"]): Promise<DenoConnLike> {
  const tcp = await Deno.connect({ hostname, port, transport: "tcp" });
  if (!tls) return tcp;
  // TLS over a TCP connection of our own (Deno.startTls) rather than Deno.connectTls: only a
  // TcpConn can switch Nagle's algorithm off, and the TLS connection keeps the socket's setting.
  tcp.setNoDelay?.(true);
  const { serverName, caCerts, alpnProtocols } = tls === true ? ({} as DenoConnectTlsOptions) : tls;
  let conn: DenoConnLike & { handshake?(): Promise<unknown> };
  try {
    conn = await Deno.startTls(tcp, { hostname: serverName ?? hostname, caCerts, alpnProtocols });
  } catch (err) {
    tcp.close();
    throw err;
  }
  // Deno shakes hands lazily; doing it here makes a bad certificate reject dial(), not the session.
  try {
    await conn.handshake?.();
  } catch (err) {
    conn.close();
    throw err;
  }
  return conn;
}

/**
 * Listens on TCP (or TLS) and starts a server session on each connection; muxado's
 * Listen/ListenTLS. Resolves once the port is bound, rejects with the bind error (AddrInUse, …).
 */
export async function listen(options: ListenOptions = {}): Promise<MuxServer> {
  const { host, port = 0, tls, session } = splitOptions(options);
  if (tls) {
    // Deno's own TLS listener hands out connections whose Nagle's algorithm cannot be switched off
    // (only a Deno.TcpConn has setNoDelay, and there is no server-side startTls), which costs a
    // request/response ~40 ms. Deno's node:tls server can: TLS servers run on it, through
    // streamux/node, loaded only here.
    const node = await import("./node.js");
    return node.listen({ host, port, tls: { cert: tls.cert, key: tls.key, ALPNProtocols: tls.alpnProtocols }, ...session });
  }
  const listener = await bindHost(host, (hostname) => Deno.listen({ hostname, port, transport: "tcp" }));
  let stopped = false;
  const { server, offer } = queuedServer({
    address: () => addressOf(listener.addr.hostname ?? "", listener.addr.port ?? 0),
    stop() {
      stopped = true;
      try {
        listener.close();
      } catch {
        // Already closed.
      }
      // Deno lets go of the port once the pending accept() has failed.
      return accepting;
    },
  });
  // Deno's listener is pulled: accept each connection as it comes, as Node's and Bun's push them.
  const accepting = (async () => {
    while (!stopped) {
      try {
        offer(Session.server(fromConn(await listener.accept()), session));
      } catch {
        // close() fails the pending accept(); any other failure (say, out of file descriptors)
        // leaves the connection in the kernel's backlog: try again a little later, not in a spin.
        if (!stopped) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  })();
  return server;
}
