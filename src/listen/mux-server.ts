import { ErrorCode, MuxError } from "../errors.js";
import type { Session } from "../session.js";
import type { ShutdownOptions } from "../types.js";

/**
 * The server that `listen()` resolves to in every runtime adapter (node, deno, bun), so the three
 * behave alike: muxado's Listener, one server-side Session per connection.
 */

/** Where a server listens (the shape of `net.AddressInfo`). */
export interface AddressLike {
  /** The address bound ("::", "127.0.0.1", …). */
  address: string;
  /** "IPv4" or "IPv6". */
  family: string;
  /** The port bound. */
  port: number;
}

/** A listening server: one server-side Session per incoming connection. */
export interface MuxServer extends AsyncIterable<Session> {
  /** The next session; rejects with MuxError(SessionClosed) once the server is closed. */
  accept(): Promise<Session>;
  /** Where the server listens (the port chosen for port 0). */
  address(): AddressLike;
  /**
   * Stops listening, fails waiting accept() calls and closes the sessions nobody accepted yet;
   * resolves when those have ended. Sessions already accepted carry on (as with muxado's
   * Listener.Close): close them yourself, or pass `drain`.
   */
  close(options?: ServerCloseOptions): Promise<void>;
}

/** Options of a listen() server's close(). */
export interface ServerCloseOptions {
  /**
   * Also drain every session this server started, accepted or not: shutdown() each (with these
   * options, or the defaults for `true`), and resolve once all have ended.
   */
  drain?: boolean | ShutdownOptions;
}

/** Sessions waiting for accept(); beyond this a new connection's session is closed at once. */
export const SESSION_BACKLOG = 128;

/** What a runtime's listener gives the server. */
export interface ListenerHooks {
  address(): AddressLike;
  /** Stops accepting connections; close() waits for what this returns. */
  stop(): void | Promise<void>;
}

/** An AddressLike from a host name and a port. */
export function addressOf(address: string, port: number): AddressLike {
  return { address, family: address.includes(":") ? "IPv6" : "IPv4", port };
}

/**
 * A MuxServer fed by the runtime's listener: `offer` each new session; what nobody accepts waits,
 * up to SESSION_BACKLOG.
 */
export function queuedServer(hooks: ListenerHooks): { server: MuxServer; offer(session: Session): void } {
  const ready: Session[] = [];
  const waiting: Array<{ resolve(s: Session): void; reject(err: unknown): void }> = [];
  /** Every session this server started that has not ended yet (for close({ drain })). */
  const live = new Set<Session>();
  let closing: Promise<void> | undefined;

  const offer = (session: Session) => {
    live.add(session);
    void session.closed.then(() => live.delete(session));
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(session);
    else if (!closing && ready.length < SESSION_BACKLOG) ready.push(session);
    else void session.close();
  };

  const server: MuxServer = {
    address: hooks.address,
    accept() {
      const session = ready.shift();
      if (session) return Promise.resolve(session);
      if (closing) return Promise.reject(serverClosed());
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    close(options: ServerCloseOptions = {}) {
      closing ??= (() => {
        const stopped = hooks.stop();
        for (const waiter of waiting.splice(0)) waiter.reject(serverClosed());
        const { drain } = options;
        const ending = drain ? [...live].map((s) => s.shutdown(drain === true ? {} : drain)) : ready.map((s) => s.close());
        ready.length = 0;
        return Promise.all([stopped, ...ending]).then(() => {});
      })();
      return closing;
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        try {
          yield await server.accept();
        } catch (err) {
          if (closing) return;
          throw err;
        }
      }
    },
  };
  return { server, offer };
}

function serverClosed(): MuxError {
  return new MuxError(ErrorCode.SessionClosed, "server closed");
}
