/**
 * streamux/deno: sessions over Deno's TCP and TLS connections.
 *
 * Declares the few Deno shapes it touches ("…Like" types and a local `Deno` declaration), so the
 * published `.d.ts` needs no Deno typings.
 */
import { Session } from "../session.js";
import type { Transport } from "../link/link.js";
import type { SessionOptions } from "../types.js";
import { serverClosed, serverOf, type MuxServer } from "./mux-server.js";

export type { AddressLike, MuxServer } from "./mux-server.js";

/** The part of `Deno.Conn` / `Deno.TlsConn` a transport needs. */
export interface DenoConnLike {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  /** Sends FIN: the peer sees EOF while this side can still read. */
  closeWrite(): Promise<void>;
  close(): void;
  /** `Deno.TcpConn` only: switches Nagle's algorithm off (`true`). */
  setNoDelay?(noDelay?: boolean): void;
}

/** The part of `Deno.Listener` / `Deno.TlsListener` `listen()` needs. */
export interface DenoListenerLike<C extends DenoConnLike = DenoConnLike> {
  accept(): Promise<C>;
  close(): void;
  readonly addr: DenoAddrLike;
}

export interface DenoAddrLike {
  transport?: string;
  hostname?: string;
  port?: number;
}

/** TLS settings of a client connection (the names of `Deno.connectTls`'s options). */
export interface DenoConnectTlsOptions {
  /** PEM certificates to trust in addition to the system's roots (e.g. a self-signed server's). */
  caCerts?: string[];
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
  alpnProtocols?: string[];
}

/** Where to connect, plus the session's options (one object, as in `streamux/node`). */
export interface DialOptions extends SessionOptions {
  /** Default "localhost". */
  host?: string;
  port: number;
  /** Connect over TLS: `true` for the system's roots, or `Deno.connectTls` options (say, `{ caCerts }`). */
  tls?: boolean | DenoConnectTlsOptions;
}

/** Where to listen, plus the options of every session the server starts. */
export interface ListenOptions extends SessionOptions {
  /** Default "0.0.0.0" (every interface), as `Deno.listen` does. */
  host?: string;
  /** Default 0: a free port (read it with `address()`). */
  port?: number;
  /** Serve TLS with this key and certificate. */
  tls?: DenoListenTlsOptions;
}


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

/** Reads that fill at least this much of a fresh buffer hand it over as is; smaller ones are copied out. */
const READ_SIZE = 64 * 1024;
const KEEP_THRESHOLD = READ_SIZE / 2;
/** Bytes the transport's writable queues before it reports backpressure. */
const WRITE_HIGH_WATER_MARK = 64 * 1024;
/** How long a graceful close keeps reading (and dropping) the peer's last bytes, waiting for its FIN. */
const LINGER_MS = 2000;

/**
 * A transport over a Deno connection.
 *
 * It reads and writes with `conn.read()` / `conn.write()` rather than `conn.readable` /
 * `conn.writable`: Deno's own streams close the whole connection when the peer's FIN arrives and
 * when the writable closes, which would turn every half-close into a full one. Here
 * `writable.close()` sends FIN with `closeWrite()` and reading goes on.
 *
 * The connection closes once both directions are done. When we have sent FIN but the peer has not,
 * closing (a cancel of the readable, or `close()`) lingers: it reads and drops what still arrives
 * until the peer's FIN, for at most LINGER_MS. Closing a socket with unread bytes would make the
 * kernel answer with RST, and the peer, typically still sending a last window update, would see
 * ECONNRESET and could lose what it had not read yet, our final GOAWAY included. A second
 * `close()`, or an abort of the writable, closes at once.
 */
export function fromConn(conn: DenoConnLike): Transport {
  // Small frames must not wait for Nagle's algorithm: a request/response would stall ~40 ms on the
  // peer's delayed ACK. TLS connections have no such switch; dial() sets it on the TCP connection
  // under them.
  conn.setNoDelay?.(true);
  let readEnded = false;
  let readCancelled = false;
  let writeClosed = false;
  let closed = false;
  /** The read in flight: Deno takes one read at a time, and lingering must wait for it. */
  let reading: Promise<number | null> | null = null;
  let lingering: Promise<void> | null = null;
  let closeCalls = 0;

  const closeConn = () => {
    if (closed) return;
    closed = true;
    try {
      conn.close();
    } catch {
      // Already closed by Deno (e.g. after a failed read): nothing left to release.
    }
  };

  const read = (into: Uint8Array): Promise<number | null> => {
    const p = conn.read(into);
    reading = p;
    const clear = () => {
      if (reading === p) reading = null;
    };
    p.then(clear, clear);
    return p;
  };

  /** Reads and drops until the peer's FIN (or an error, or LINGER_MS), then closes. */
  const linger = (): Promise<void> => {
    lingering ??= (async () => {
      const timer = setTimeout(closeConn, LINGER_MS);
      try {
        await reading?.catch(() => null);
        const scratch = new Uint8Array(16 * 1024);
        while (!readEnded && !closed) {
          if ((await read(scratch)) === null) readEnded = true;
        }
      } catch {
        // A read failed or was interrupted by the timer: the connection is done either way.
      } finally {
        clearTimeout(timer);
        closeConn();
      }
    })();
    return lingering;
  };

  let buffer = new Uint8Array(READ_SIZE);
  const readable = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let n: number | null;
        try {
          n = await read(buffer);
        } catch (err) {
          readEnded = true;
          if (readCancelled) return;
          // A read interrupted by our own close is the end of the stream, not a failure.
          if (closed) controller.close();
          else controller.error(err);
          closeConn();
          return;
        }
        if (readCancelled) return;
        if (n === null) {
          readEnded = true;
          controller.close();
          if (writeClosed) closeConn();
          return;
        }
        if (n >= KEEP_THRESHOLD) {
          // Mostly full: hand the buffer itself to the session and read into a new one.
          controller.enqueue(buffer.subarray(0, n));
          buffer = new Uint8Array(READ_SIZE);
        } else {
          // A small read would pin a 64 KiB buffer for a few bytes: copy them out, keep the buffer.
          controller.enqueue(buffer.slice(0, n));
        }
      },
      cancel() {
        readCancelled = true;
        // Nobody reads any more; once our side has sent FIN too, wait out the peer's and close.
        if (writeClosed) return linger();
      },
    },
    { highWaterMark: 1 },
  );

  const writable = new WritableStream<Uint8Array>(
    {
      async write(chunk) {
        // conn.write() may take only part of the chunk.
        let offset = 0;
        while (offset < chunk.length) {
          offset += await conn.write(offset === 0 ? chunk : chunk.subarray(offset));
        }
      },
      async close() {
        try {
          await conn.closeWrite();
        } catch {
          // The connection is already gone (the peer reset it or it was closed): FIN is moot.
        }
        writeClosed = true;
        if (readEnded) closeConn();
        else if (readCancelled) void linger();
      },
      abort() {
        writeClosed = true;
        closeConn();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: WRITE_HIGH_WATER_MARK }),
  );

  return {
    readable,
    writable,
    close() {
      closeCalls++;
      if (closed) return;
      // After our FIN, the first close() is the graceful end: let the peer finish first.
      if (writeClosed && !readEnded && closeCalls === 1) return linger();
      closeConn();
    },
  };
}

/**
 * Connects over TCP (or TLS) and starts a client session on the connection; muxado's Dial/DialTLS.
 * Rejects with Deno's error (ConnectionRefused, a certificate error, …) if it cannot connect.
 */
export async function dial(options: DialOptions): Promise<Session> {
  const { host: hostname = "localhost", port, tls, ...sessionOptions } = options;
  const tcp = await Deno.connect({ hostname, port, transport: "tcp" });
  if (!tls) return Session.client(fromConn(tcp), sessionOptions);
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
  return Session.client(fromConn(conn), sessionOptions);
}

/**
 * Listens on TCP (or TLS) and starts a server session on each connection; muxado's
 * Listen/ListenTLS. Resolves once the port is bound, rejects with the bind error (AddrInUse, …).
 * Connections wait in the kernel's backlog until `accept()` (or the iteration) asks for them.
 */
export async function listen(options: ListenOptions = {}): Promise<MuxServer> {
  const { host: hostname = "0.0.0.0", port = 0, tls, ...sessionOptions } = options;
  if (tls) {
    // Deno's own TLS listener hands out connections whose Nagle's algorithm cannot be switched off
    // (only a Deno.TcpConn has setNoDelay, and there is no server-side startTls), which costs a
    // request/response ~40 ms. Deno's node:tls server can: TLS servers run on it, through
    // streamux/node, loaded only here.
    const node = await import("./node.js");
    return node.listen({ host: hostname, port, tls: { cert: tls.cert, key: tls.key, ALPNProtocols: tls.alpnProtocols }, ...sessionOptions });
  }
  return muxServer(Deno.listen({ hostname, port, transport: "tcp" }), sessionOptions);
}

/**
 * Deno's listener is pulled: each accept() takes the next connection the kernel holds, so nothing
 * waits on our side and there is no backlog of sessions to close.
 */
function muxServer(listener: DenoListenerLike, sessionOptions: SessionOptions): MuxServer {
  let closed = false;
  // Deno takes one accept() at a time: concurrent callers queue up behind each other.
  let previous: Promise<unknown> = Promise.resolve();

  const acceptOne = async (): Promise<Session> => {
    if (closed) throw serverClosed();
    let conn: DenoConnLike;
    try {
      conn = await listener.accept();
    } catch (err) {
      // close() makes the pending accept() fail: report that as the server's end.
      if (closed) throw serverClosed();
      throw err;
    }
    if (closed) {
      conn.close();
      throw serverClosed();
    }
    return Session.server(fromConn(conn), sessionOptions);
  };

  return serverOf({
    accept() {
      const next = previous.then(acceptOne, acceptOne);
      previous = next.catch(() => {});
      return next;
    },
    address() {
      const { hostname = "", port = 0 } = listener.addr;
      return { address: hostname, family: hostname.includes(":") ? "IPv6" : "IPv4", port };
    },
    close() {
      if (!closed) {
        closed = true;
        try {
          listener.close();
        } catch {
          // Already closed.
        }
      }
      return Promise.resolve();
    },
  });
}
