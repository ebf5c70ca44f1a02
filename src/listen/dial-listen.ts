import { resolveOptions } from "../options.js";
import { isSignal } from "../util/abort.js";
import type { SessionOptions } from "../types.js";

/**
 * What dial() and listen() share in streamux/node, streamux/deno and streamux/bun: one options
 * object (where, TLS in the runtime's own shape, and SessionOptions), and the same defaults.
 */

/** Where dial() connects, plus the session's options. */
export interface DialOptionsOf<Tls> extends SessionOptions {
  /** Default "localhost". */
  host?: string;
  /** The port to connect to. */
  port: number;
  /** Connect over TLS: `true` for the system's trusted roots, or the runtime's TLS client options. */
  tls?: boolean | Tls;
  /**
   * Aborting it gives up on connecting: dial() rejects with the signal's reason at once (a
   * connection that completes later is closed). `AbortSignal.timeout(ms)` makes a connect timeout.
   */
  signal?: AbortSignal;
}

/** Where listen() listens, plus the options of every session the server starts. */
export interface ListenOptionsOf<Tls> extends SessionOptions {
  /**
   * Default: every interface, IPv6 and IPv4 ("::", which takes IPv4 connections too), or IPv4's
   * "0.0.0.0" on a system without IPv6; as Node's net.Server and Go's net.Listen do.
   */
  host?: string;
  /** Default 0: a free port (read it with `address()`). */
  port?: number;
  /** Serve TLS with this key and certificate (the runtime's TLS server options). */
  tls?: Tls;
}

/**
 * Splits connection options from session options. The session options are checked here, so a
 * misspelt or invalid one rejects dial()/listen() before any connection is made.
 */
export function splitOptions<O extends { host?: string; port?: number; tls?: unknown; signal?: AbortSignal }>(
  options: O,
): { host: string | undefined; port: O["port"]; tls: O["tls"]; signal: AbortSignal | undefined; session: SessionOptions } {
  const { host, port, tls, signal, ...session } = options;
  resolveOptions(session);
  if (signal !== undefined && !isSignal(signal)) throw new TypeError("signal must be an AbortSignal");
  return { host, port, tls, signal, session };
}

/**
 * The connection `connecting` makes, unless `signal` aborts first: then this rejects with the
 * signal's reason at once, and a connection that still completes is handed to `discard`.
 */
export function connectUnlessAborted<T>(connecting: Promise<T>, signal: AbortSignal | undefined, discard: (late: T) => void): Promise<T> {
  if (signal === undefined) return connecting;
  if (signal.aborted) {
    connecting.then(discard, () => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      connecting.then(discard, () => {});
      reject(signal.reason);
    };
    signal.addEventListener("abort", abort, { once: true });
    connecting.then(
      (conn) => {
        signal.removeEventListener("abort", abort);
        if (signal.aborted) return;
        resolve(conn);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", abort);
        reject(err);
      },
    );
  });
}

/** Binds `host`, or by default every interface (see ListenOptionsOf.host). */
export async function bindHost<T>(host: string | undefined, bind: (host: string) => T | Promise<T>): Promise<T> {
  if (host !== undefined) return bind(host);
  try {
    return await bind("::");
  } catch {
    return bind("0.0.0.0");
  }
}
