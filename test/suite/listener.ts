import type { MuxServer } from "../../src/listen/mux-server.js";
import type { ErrorCode, MuxError, Session, SessionOptions } from "../../src/index.js";
import { echoEveryStream, echoOnce } from "../runtimes/echo-load.js";

/**
 * The listener suite: what dial() and listen() do, the same in streamux/node, streamux/deno and
 * streamux/bun. Node (vitest), Deno and Bun run it over TCP and over TLS. Like behaviour.ts it
 * imports nothing at run time but runtime-neutral helpers: the adapter comes in through the
 * context, with TLS options in the runtime's own shape made by the runner.
 */

export interface ListenerContext {
  lib: { ErrorCode: typeof ErrorCode; MuxError: typeof MuxError };
  /** Whether this run serves TLS. */
  tls: boolean;
  /** The adapter's listen(), with the test certificate when `tls`. */
  listen(options: { host?: string; port?: number } & SessionOptions): Promise<MuxServer>;
  /**
   * The adapter's dial(), over TLS when `tls`: trusting the test certificate, or, with
   * `untrusted`, the system's roots only.
   */
  dial(options: { host?: string; port: number; untrusted?: boolean; signal?: AbortSignal } & SessionOptions): Promise<Session>;
}

export interface ListenerBehaviour {
  name: string;
  /** Runs only over TLS (a certificate check). */
  tlsOnly?: boolean;
  run(ctx: ListenerContext): Promise<void>;
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

function equal<T>(actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected)) throw new Error(`assertion failed: ${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/** The rejection of `promise`, or a failure if it resolves. */
async function rejection(promise: Promise<unknown>, what: string): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error(`assertion failed: ${what}: expected a rejection, it resolved`);
}

/** Runs `body` with a server bound to 127.0.0.1 and closes it whatever happens. */
async function withServer(ctx: ListenerContext, options: SessionOptions, body: (server: MuxServer, port: number) => Promise<void>) {
  const server = await ctx.listen({ host: "127.0.0.1", port: 0, ...options });
  try {
    await body(server, server.address().port);
  } finally {
    await server.close();
  }
}

export const listenerBehaviours: ListenerBehaviour[] = [
  {
    name: "a dialled session echoes through the session listen() hands out, streams opened either way",
    async run(ctx) {
      await withServer(ctx, {}, async (server, port) => {
        const address = server.address();
        equal(address.family, "IPv4", "address().family");
        check(port > 0, "listen() bound a port");
        const client = await ctx.dial({ host: "127.0.0.1", port, windowSize: 64 * 1024 });
        const serverSession = await server.accept();
        void echoEveryStream(serverSession);
        void echoEveryStream(client);
        equal(await echoOnce(client, "from the client"), "from the client", "the client's echo");
        equal(await echoOnce(serverSession, "from the server"), "from the server", "the server's echo");
        await client.close();
        equal((await serverSession.closed).remote?.code, ctx.lib.ErrorCode.NoError, "the server saw the client's GOAWAY");
      });
    },
  },
  {
    name: "session options reach the sessions at both ends (typed streams)",
    async run(ctx) {
      await withServer(ctx, { typed: true }, async (server, port) => {
        const client = await ctx.dial({ host: "127.0.0.1", port, typed: true });
        const serverSession = await server.accept();
        const stream = await client.open({ type: 42 });
        await stream.writable.getWriter().write(new Uint8Array([1]));
        equal((await serverSession.accept()).type, 42, "the type the server saw");
        await client.close();
        await serverSession.closed;
      });
    },
  },
  {
    name: "close() stops listening, fails a waiting accept(), closes sessions nobody accepted; accepted ones carry on",
    async run(ctx) {
      // Typed sessions answer heartbeats by themselves: a ping proves the server session exists
      // (queued, not accepted) without anyone accepting it.
      const server = await ctx.listen({ host: "127.0.0.1", port: 0, typed: true });
      const { port } = server.address();
      const accepted = await ctx.dial({ host: "127.0.0.1", port, typed: true });
      const acceptedServer = await server.accept();
      void echoEveryStream(acceptedServer);
      const unaccepted = await ctx.dial({ host: "127.0.0.1", port, typed: true });
      await unaccepted.ping();

      await server.close();
      const err = await rejection(server.accept(), "accept() after close()");
      check(err instanceof ctx.lib.MuxError && err.code === ctx.lib.ErrorCode.SessionClosed, `accept() after close(): ${String(err)}`);
      equal((await unaccepted.closed).remote?.code, ctx.lib.ErrorCode.NoError, "the unaccepted session's end");
      await rejection(ctx.dial({ host: "127.0.0.1", port }), "dial() after close()");
      equal(await echoOnce(accepted, "after close()"), "after close()", "the accepted session's echo");
      await accepted.close();
    },
  },
  {
    name: "close() ends the iteration, and accept() then rejects with SessionClosed",
    async run(ctx) {
      const server = await ctx.listen({ host: "127.0.0.1", port: 0 });
      const iterating = (async () => {
        let count = 0;
        for await (const _ of server) count++;
        return count;
      })();
      await server.close();
      equal(await iterating, 0, "sessions the iteration yielded");
      const err = await rejection(server.accept(), "accept() after close()");
      check(err instanceof ctx.lib.MuxError && err.code === ctx.lib.ErrorCode.SessionClosed, `accept() after close(): ${String(err)}`);
    },
  },
  {
    name: "dial() to a port nobody listens on rejects",
    async run(ctx) {
      const server = await ctx.listen({ host: "127.0.0.1", port: 0 });
      const { port } = server.address();
      await server.close();
      check((await rejection(ctx.dial({ host: "127.0.0.1", port }), "dial() to a closed port")) instanceof Error, "an Error");
    },
  },
  {
    name: "by default listen() takes every interface: a dial to 127.0.0.1 reaches it",
    async run(ctx) {
      const server = await ctx.listen({ port: 0 });
      try {
        const client = await ctx.dial({ host: "127.0.0.1", port: server.address().port });
        const serverSession = await server.accept();
        void echoEveryStream(serverSession);
        equal(await echoOnce(client, "hello"), "hello", "the echo");
        await client.close();
      } finally {
        await server.close();
      }
    },
  },
  {
    name: "a misspelt session option rejects dial() and listen() before any connection",
    async run(ctx) {
      const bad = { windowSise: 1024 } as SessionOptions;
      check((await rejection(ctx.listen({ port: 0, ...bad }), "listen()")) instanceof TypeError, "listen(): a TypeError");
      await withServer(ctx, {}, async (server, port) => {
        check((await rejection(ctx.dial({ host: "127.0.0.1", port, ...bad }), "dial()")) instanceof TypeError, "dial(): a TypeError");
        // No connection was made: the next session the server hands out is the next dial's.
        const client = await ctx.dial({ host: "127.0.0.1", port });
        const serverSession = await server.accept();
        void echoEveryStream(serverSession);
        equal(await echoOnce(client, "good"), "good", "the echo");
        await client.close();
      });
    },
  },
  {
    name: "close({ drain }) lets the streams of accepted sessions finish, then ends those sessions cleanly",
    async run(ctx) {
      const server = await ctx.listen({ host: "127.0.0.1", port: 0 });
      const client = await ctx.dial({ host: "127.0.0.1", port: server.address().port });
      const serverSession = await server.accept();
      const stream = await client.open();
      await stream.write(new TextEncoder().encode("running"));
      const accepted = await serverSession.accept();
      const closing = server.close({ drain: { timeout: 10_000 } });
      // The stream runs on: the server echoes what it got, both sides half-close.
      const got = await accepted.read();
      check(got !== null, "data on the running stream");
      await accepted.write(got);
      await accepted.closeWrite();
      await stream.closeWrite();
      for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read());
      await accepted.read();
      await closing;
      const info = await serverSession.closed;
      equal(info.clean, true, "the drained session's end is clean");
      equal((await client.closed).clean, true, "the client's end is clean too");
    },
  },
  {
    name: "dial({ signal }) with an aborted signal rejects with its reason",
    async run(ctx) {
      await withServer(ctx, {}, async (_server, port) => {
        const reason = new Error("gave up");
        const err = await rejection(
          ctx.dial({ host: "127.0.0.1", port, signal: AbortSignal.abort(reason) }),
          "dial() with an aborted signal",
        );
        equal(err, reason, "the rejection");
        const late = new AbortController();
        const dialling = ctx.dial({ host: "127.0.0.1", port, signal: late.signal });
        late.abort(reason);
        equal(await rejection(dialling, "dial() aborted while connecting"), reason, "the rejection when aborted while connecting");
      });
    },
  },
  {
    name: "an untrusted certificate rejects dial() itself, and the server hands out no session",
    tlsOnly: true,
    async run(ctx) {
      await withServer(ctx, {}, async (server, port) => {
        let handedOut = false;
        const accepting = server.accept().then(
          () => (handedOut = true),
          () => {},
        );
        check((await rejection(ctx.dial({ host: "127.0.0.1", port, untrusted: true }), "dial()")) instanceof Error, "an Error");
        await server.close();
        await accepting;
        equal(handedOut, false, "a session for the failed handshake");
      });
    },
  },
];

/** The behaviours that run over TCP (`tls` false) or over TLS (`tls` true). */
export function listenerBehavioursFor(tls: boolean): ListenerBehaviour[] {
  return listenerBehaviours.filter((b) => tls || !b.tlsOnly);
}
