import type { ErrorCode, MuxError, MuxStream, Session, SessionOptions, Transport } from "../../src/index.js";
import { later, state, within } from "../support/async.js";
import { join, pattern, readAll, sha256, text } from "../support/bytes.js";

/**
 * The behaviour suite: what a streamux session does, end to end, over any transport. It runs over
 * the memory pair here and over TCP, TLS and WebSocket (in Node, Deno and Bun) elsewhere, so it
 * imports nothing at run time: the library and the transport come in through the context, and the
 * assertions are the few helpers below. Every scenario builds its own client and server on a fresh
 * pair and ends both; every wait is bounded.
 */

export interface SuiteContext {
  lib: { Session: typeof Session; ErrorCode: typeof ErrorCode; MuxError: typeof MuxError };
  makePair(): Promise<{ client: Transport; server: Transport; dispose?(): void | Promise<void> }>;
  /**
   * Fraction of the default data volumes (default 1), for transports that cost much per byte
   * (a pair that splits every frame into single bytes). Scenarios keep their shape: a transfer
   * still exceeds the window, the stream count stays.
   */
  scale?: number;
}

export interface Behaviour {
  name: string;
  timeoutMs?: number;
  run(ctx: SuiteContext): Promise<void>;
}

// ---- assertions -------------------------------------------------------------------------------

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

function equal<T>(actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected)) throw new Error(`assertion failed: ${what}: expected ${String(expected)}, got ${String(actual)}`);
}

function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.length !== expected.length) {
    throw new Error(`assertion failed: ${what}: expected ${expected.length} bytes, got ${actual.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) throw new Error(`assertion failed: ${what}: bytes differ at offset ${i}`);
  }
}

/** Expects a rejection with a MuxError whose code is one of `codes`; returns it. */
async function rejectsWith(
  ctx: SuiteContext,
  promise: Promise<unknown>,
  codes: number | number[],
  what: string,
  remote?: boolean,
): Promise<MuxError> {
  const allowed = Array.isArray(codes) ? codes : [codes];
  let outcome: { value: unknown } | { error: unknown };
  try {
    outcome = { value: await within(promise, what, 5000) };
  } catch (error) {
    outcome = { error };
  }
  if (!("error" in outcome)) throw new Error(`assertion failed: ${what}: expected a rejection, it resolved`);
  const err = outcome.error;
  if (!(err instanceof ctx.lib.MuxError)) throw new Error(`assertion failed: ${what}: expected a MuxError, got ${String(err)}`);
  check(allowed.includes(err.code), `${what}: code ${err.code}, expected one of ${allowed.join(", ")}`);
  if (remote !== undefined) equal(err.remote, remote, `${what}: MuxError.remote`);
  return err;
}

// ---- data helpers -----------------------------------------------------------------------------

const KiB = 1024;
const MiB = 1024 * KiB;
const decoder = new TextDecoder();

async function sha256Of(parts: Uint8Array[]): Promise<string> {
  return sha256(join(parts));
}

/** Reads exactly `n` bytes (they may arrive in any number of chunks). */
async function readExactly(reader: ReadableStreamDefaultReader<Uint8Array>, n: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let have = 0;
  while (have < n) {
    const { value, done } = await reader.read();
    check(!done, `stream ended after ${have} of ${n} bytes`);
    parts.push(value);
    have += value.length;
  }
  const all = join(parts);
  check(all.length === n, `read ${all.length} bytes where ${n} were expected`);
  return all;
}

async function readText(reader: ReadableStreamDefaultReader<Uint8Array>, expected: string, what: string): Promise<void> {
  const got = decoder.decode(await within(readExactly(reader, text(expected).length), what, 5000));
  equal(got, expected, what);
}

async function expectEnd(reader: ReadableStreamDefaultReader<Uint8Array>, what: string): Promise<void> {
  const { done } = await within(reader.read(), what, 5000);
  check(done, `${what}: expected the end of the stream, got more data`);
}

/** Reads exactly `n` bytes through the direct I/O (they may arrive in any number of chunks). */
async function readDirect(stream: MuxStream, n: number, what: string): Promise<string> {
  const parts: Uint8Array[] = [];
  let have = 0;
  while (have < n) {
    const chunk = await within(stream.read(), what, 5000);
    check(chunk !== null, `${what}: the stream ended after ${have} of ${n} bytes`);
    parts.push(chunk);
    have += chunk.length;
  }
  return decoder.decode(join(parts));
}

/** Writes `data` in chunks of `chunk` bytes, then half-closes. */
async function writeAll(writable: WritableStream<Uint8Array>, data: Uint8Array, chunk: number): Promise<void> {
  const writer = writable.getWriter();
  for (let at = 0; at < data.length; at += chunk) await writer.write(data.subarray(at, at + chunk));
  await writer.close();
}

/** Echoes every stream the session accepts (readable piped into writable) until it ends. */
async function serveEcho(session: Session): Promise<void> {
  for (;;) {
    let stream: MuxStream;
    try {
      stream = await session.accept();
    } catch {
      return;
    }
    stream.readable.pipeTo(stream.writable).catch(() => {});
  }
}

// ---- sessions ---------------------------------------------------------------------------------

interface Peers {
  client: Session;
  server: Session;
  /** Closes the client, waits for both sides to end, disposes the pair. */
  end(): Promise<void>;
}

async function connect(ctx: SuiteContext, options: SessionOptions = {}): Promise<Peers> {
  const pair = await ctx.makePair();
  // Bounded ending even when a scenario failed half-way and a peer stopped reading.
  const opts: SessionOptions = { closeTimeout: 2000, ...options };
  const client = ctx.lib.Session.client(pair.client, opts);
  const server = ctx.lib.Session.server(pair.server, opts);
  return {
    client,
    server,
    async end() {
      try {
        await within(client.close(), "client.close()", 5000);
        await within(server.closed, "the server session to end after the client closed", 5000);
        await within(client.closed, "client.closed", 5000);
      } finally {
        await pair.dispose?.();
      }
    },
  };
}

/** Runs `scenario` on a fresh client/server pair and always ends both. */
async function withPeers(ctx: SuiteContext, options: SessionOptions, scenario: (p: Peers) => Promise<void>): Promise<void> {
  const peers = await connect(ctx, options);
  let failure: unknown = null;
  try {
    await scenario(peers);
  } catch (err) {
    failure = err;
  }
  try {
    await peers.end();
  } catch (err) {
    failure ??= err;
  }
  if (failure) throw failure;
}

/** A full round trip on a fresh stream: everything either side sent before has been processed. */
async function roundTrip(from: Session, to: Session): Promise<void> {
  const stream = await from.open();
  const writing = writeAll(stream.writable, text("sync"), 4);
  const peer = await within(to.accept(), "the round-trip stream", 5000);
  const echo = peer.readable.pipeTo(peer.writable);
  sameBytes(await within(readAll(stream.readable), "the round-trip echo", 5000), text("sync"), "round-trip echo");
  await writing;
  await echo;
}

function scaled(ctx: SuiteContext, bytes: number, floor: number): number {
  return Math.max(floor, Math.round(bytes * (ctx.scale ?? 1)));
}

// ---- the behaviours ---------------------------------------------------------------------------

export const behaviours: Behaviour[] = [];
const behaviour = (name: string, run: (ctx: SuiteContext) => Promise<void>, timeoutMs?: number) =>
  behaviours.push({ name, run, timeoutMs });

behaviour("open and accept a stream, echo in both directions", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    const opened = await client.open();
    const w = opened.writable.getWriter();
    const writing = w.write(text("hello"));
    const accepted = await within(server.accept(), "server.accept()", 5000);
    equal(accepted.id, opened.id, "accepted stream id");
    const sr = accepted.readable.getReader();
    await readText(sr, "hello", "server reads the client's bytes");
    await writing;
    const sw = accepted.writable.getWriter();
    await sw.write(text("world"));
    const cr = opened.readable.getReader();
    await readText(cr, "world", "client reads the server's bytes");
    await w.close();
    await sw.close();
    await expectEnd(sr, "server sees the client's FIN");
    await expectEnd(cr, "client sees the server's FIN");
  }),
);

behaviour("stream ids: the client opens 3, 5, 7, the server 2, 4, 6", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    for (const [opener, acceptor, ids] of [
      [client, server, [3, 5, 7]],
      [server, client, [2, 4, 6]],
    ] as const) {
      const opened: MuxStream[] = [];
      for (let i = 0; i < 3; i++) {
        const s = await opener.open();
        opened.push(s);
        // Written one after the other, so the SYNs arrive in this order.
        await s.writable.getWriter().write(text("x"));
      }
      equal(opened.map((s) => s.id).join(","), ids.join(","), "ids of opened streams");
      const accepted: number[] = [];
      for (let i = 0; i < 3; i++) accepted.push((await within(acceptor.accept(), "accept()", 5000)).id);
      equal(accepted.join(","), ids.join(","), "ids of accepted streams");
    }
  }),
);

behaviour(
  "200 concurrent streams echo 64 KiB each, byte for byte",
  (ctx) =>
    withPeers(ctx, {}, async ({ client, server }) => {
      const count = 200;
      const size = scaled(ctx, 64 * KiB, 64);
      const echoing = serveEcho(server);
      const sent = Array.from({ length: count }, (_, i) => pattern(size, i + 1));
      const received = await Promise.all(
        sent.map(async (data) => {
          const s = await client.open();
          const [back] = await Promise.all([readAll(s.readable), writeAll(s.writable, data, 16 * KiB)]);
          return back;
        }),
      );
      for (const [i, back] of received.entries()) sameBytes(back, sent[i]!, `stream #${i} echo`);
      equal(await sha256Of(received), await sha256Of(sent), "SHA-256 of everything echoed");
      await client.close();
      await within(echoing, "the echo server's accept loop to end", 5000);
    }),
  20_000,
);

behaviour(
  "a transfer far beyond the window: the sender waits for credit, all bytes arrive",
  async (ctx) => {
    const scale = ctx.scale ?? 1;
    // Smaller windows at smaller scales: the transfer must stay several windows long.
    const windowSize = scale >= 1 ? 256 * KiB : scale >= 1 / 64 ? 16 * KiB : 4 * KiB;
    const chunk = windowSize / 4;
    const total = Math.ceil(Math.max(scaled(ctx, 4 * MiB, 0), 4 * windowSize) / chunk) * chunk;
    const data = pattern(total, 42);
    await withPeers(ctx, { windowSize }, async ({ client, server }) => {
      const up = await client.open();
      const writer = up.writable.getWriter();
      let acked = 0;
      let reachedWindow!: () => void;
      const windowFull = new Promise<void>((resolve) => (reachedWindow = resolve));
      const writing = (async () => {
        for (let at = 0; at < total; at += chunk) {
          await writer.write(data.subarray(at, at + chunk));
          acked += chunk;
          if (acked === windowSize) reachedWindow();
        }
        await writer.close();
      })();
      later(writing);
      const down = await within(server.accept(), "server.accept()", 5000);
      await within(windowFull, "the client to write a whole window", 5000);
      // A round trip on another stream: whatever the client sent before has reached the server.
      await roundTrip(client, server);
      equal(acked, windowSize, "bytes accepted from the writer while the receiver reads nothing");
      const got = await within(readAll(down.readable), "the whole upload", 8000);
      await writing;
      sameBytes(got, data, "uploaded bytes");
      // And back the other way, over the same stream.
      const [back] = await Promise.all([readAll(up.readable), writeAll(down.writable, got, chunk)]);
      equal(await sha256Of([back]), await sha256Of([data]), "SHA-256 of the download");
    });
  },
  20_000,
);

behaviour("half-close in each direction leaves the other direction open", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    const c = await client.open();
    const cw = c.writable.getWriter();
    await cw.write(text("question"));
    await cw.close();
    const s = await within(server.accept(), "server.accept()", 5000);
    const sr = s.readable.getReader();
    await readText(sr, "question", "server reads before the FIN");
    await expectEnd(sr, "server sees the client's half-close");
    // The client's FIN does not stop the server from answering.
    const sw = s.writable.getWriter();
    await sw.write(text("answer"));
    const cr = c.readable.getReader();
    await readText(cr, "answer", "client reads after its own half-close");
    await sw.close();
    await expectEnd(cr, "client sees the server's half-close");
    await within(Promise.all([c.closed, s.closed]), "both ends' closed", 5000);
  }),
);

behaviour("reset in each direction: reads and writes reject with the code, remote flag set", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    const { StreamCancelled } = ctx.lib.ErrorCode;
    for (const [opener, acceptor, code] of [
      [client, server, 42],
      [server, client, StreamCancelled],
    ] as const) {
      const o = await opener.open();
      const ow = o.writable.getWriter();
      await ow.write(text("hi"));
      const a = await within(acceptor.accept(), "accept()", 5000);
      const ar = a.readable.getReader();
      await readText(ar, "hi", "data before the reset");
      const or = o.readable.getReader();
      const pendingRead = later(or.read());
      // The acceptor resets: with a code, or with the default (StreamCancelled).
      if (code === 42) a.reset(42);
      else a.reset();
      await rejectsWith(ctx, pendingRead, code, "the opener's pending read", true);
      await rejectsWith(ctx, ow.write(text("more")), code, "the opener's write after the RST", true);
      await rejectsWith(ctx, o.closed, code, "the opener's closed", true);
      await rejectsWith(ctx, ar.read(), code, "the resetting side's own read", false);
      await rejectsWith(ctx, a.closed, code, "the resetting side's closed", false);
    }
  }),
);

behaviour("stream.close(): the peer reads to the end, its later data is refused", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    const c = await client.open();
    const cw = c.writable.getWriter();
    await cw.write(text("last words"));
    cw.releaseLock();
    const s = await within(server.accept(), "server.accept()", 5000);
    const sr = s.readable.getReader();
    await readText(sr, "last words", "server reads the data before close()");
    await within(c.close(), "stream.close()", 5000);
    await expectEnd(sr, "server sees the FIN of close()");
    // The closer forgot the stream: more data from the server is answered with RST StreamClosed.
    const sw = s.writable.getWriter();
    sw.write(text("too late")).catch(() => {});
    await rejectsWith(ctx, s.closed, ctx.lib.ErrorCode.StreamClosed, "the server stream's closed", true);
  }),
);

behaviour("session close(): the peer sees GOAWAY NoError, streams and accept() fail", async (ctx) => {
  const { SessionClosed, PeerEOF, NoError } = ctx.lib.ErrorCode;
  const peers = await connect(ctx);
  const { client, server } = peers;
  try {
    const c1 = await client.open();
    await c1.writable.getWriter().write(text("a"));
    const s1 = await within(server.accept(), "server.accept()", 5000);
    const s1r = s1.readable.getReader();
    await readText(s1r, "a", "server reads");
    const s2 = await server.open();
    await s2.writable.getWriter().write(text("b"));
    const c2 = await within(client.accept(), "client.accept()", 5000);
    const c2r = c2.readable.getReader();
    await readText(c2r, "b", "client reads");

    const serverRead = later(s1r.read());
    const serverRead2 = later(s2.readable.getReader().read());
    const clientRead = later(c1.readable.getReader().read());
    const clientAccept = later(client.accept());
    const serverAccept = later(server.accept());
    await within(client.close(), "client.close()", 5000);

    const local = await within(client.closed, "client.closed", 5000);
    equal(local.code, SessionClosed, "client.closed code");
    const remote = await within(server.closed, "server.closed", 5000);
    check(remote.remote !== undefined, "server.closed reports the client's GOAWAY");
    equal(remote.remote!.code, NoError, "GOAWAY code");
    equal(decoder.decode(remote.remote!.debug), "no error", "GOAWAY debug");

    await rejectsWith(ctx, clientRead, SessionClosed, "the closing side's pending read");
    await rejectsWith(ctx, c2r.read(), SessionClosed, "the closing side's read after close()");
    await rejectsWith(ctx, serverRead, [SessionClosed, PeerEOF], "the peer's pending read");
    await rejectsWith(ctx, serverRead2, [SessionClosed, PeerEOF], "the peer's own stream");
    await rejectsWith(ctx, clientAccept, [SessionClosed], "accept() on the closing side");
    await rejectsWith(ctx, serverAccept, [SessionClosed, PeerEOF], "accept() on the peer");
    await rejectsWith(ctx, client.open(), [SessionClosed], "open() after close()");
    await rejectsWith(ctx, server.accept(), [SessionClosed, PeerEOF], "accept() after the end");
  } finally {
    await peers.end();
  }
});

behaviour("goAway(): new opens fail RemoteGoneAway, existing streams finish", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    const { RemoteGoneAway } = ctx.lib.ErrorCode;
    const a = await client.open();
    const aw = a.writable.getWriter();
    await aw.write(text("one"));
    const sa = await within(server.accept(), "server.accept()", 5000);
    const sar = sa.readable.getReader();
    await readText(sar, "one", "server reads stream A");
    // Opened but never written: the server has not seen it, so it is above the GOAWAY's last id.
    const b = await client.open();

    await within(server.goAway(), "server.goAway()", 5000);
    const saw = sa.writable.getWriter();
    await saw.write(text("two"));
    const ar = a.readable.getReader();
    // Frames arrive in order: once "two" is read, the GOAWAY before it has been processed.
    await readText(ar, "two", "client reads after the GOAWAY");

    await rejectsWith(ctx, client.open(), RemoteGoneAway, "open() after the peer's GOAWAY");
    await rejectsWith(ctx, b.writable.getWriter().write(text("x")), RemoteGoneAway, "a stream above the last id");

    await aw.write(text("three"));
    await aw.close();
    await readText(sar, "three", "stream A still carries data");
    await expectEnd(sar, "stream A's FIN");
    await saw.close();
    await expectEnd(ar, "the server's FIN on stream A");
    await within(Promise.all([a.closed, sa.closed]), "stream A closed on both sides", 5000);
  }),
);

behaviour("the server opens streams to the client", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    const echoing = serveEcho(client);
    const results = await Promise.all(
      [1, 2, 3].map(async (n) => {
        const s = await server.open();
        const data = pattern(scaled(ctx, 32 * KiB * n, 100 * n), n);
        const [back] = await Promise.all([readAll(s.readable), writeAll(s.writable, data, 7000)]);
        sameBytes(back, data, `reverse stream ${s.id}`);
        return s.id % 2;
      }),
    );
    equal(results.join(","), "0,0,0", "server-opened ids are even");
    await server.close();
    await within(echoing, "the client's accept loop to end", 5000);
  }),
);

behaviour("a session is async-iterable over accepted streams, ending with the session", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    const opened: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await client.open();
      opened.push(s.id);
      await s.writable.getWriter().write(text(`#${i}`));
    }
    const seen: number[] = [];
    for await (const s of server) {
      seen.push(s.id);
      if (seen.length === 3) break;
    }
    equal(seen.join(","), opened.join(","), "streams iterated in order");
    // A new loop waits for more and ends, without an error, when the session ends.
    const rest = later(
      (async () => {
        let n = 0;
        for await (const _ of server) n++;
        return n;
      })(),
    );
    await within(client.close(), "client.close()", 5000);
    equal(await within(rest, "the iteration to end with the session", 5000), 0, "streams after the end");
  }),
);

behaviour("session.incoming is a ReadableStream of accepted streams that closes with the session", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    const reader = server.incoming.getReader();
    for (const word of ["first", "second"]) {
      const s = await client.open();
      await s.writable.getWriter().write(text(word));
      const { value, done } = await within(reader.read(), "incoming.read()", 5000);
      check(!done && value, "incoming yields a stream");
      equal(value.id, s.id, "incoming stream id");
      await readText(value.readable.getReader(), word, "data on the incoming stream");
    }
    const end = later(reader.read());
    await within(client.close(), "client.close()", 5000);
    check((await within(end, "incoming to close", 5000)).done, "incoming closes when the session ends");
  }),
);

behaviour("typed streams carry their type to the acceptor, in both directions", (ctx) =>
  withPeers(ctx, { typed: true }, async ({ client, server }) => {
    for (const [opener, acceptor, type] of [
      [client, server, 7],
      [server, client, 0xabcdef01],
      [client, server, 0],
    ] as const) {
      const o = await opener.open({ type });
      equal(o.type, type, "opener's stream type");
      await o.writable.getWriter().write(text("payload"));
      const a = await within(acceptor.accept(), "accept() of a typed stream", 5000);
      equal(a.type, type, "accepted stream type");
      // The type header is not part of the stream's data.
      await readText(a.readable.getReader(), "payload", "data after the type");
    }
  }),
);

behaviour("heartbeat ping() measures a round trip from either side", (ctx) =>
  withPeers(ctx, { typed: true }, async ({ client, server }) => {
    for (const session of [client, server, client]) {
      const rtt = await within(session.ping(), "ping()", 5000);
      check(typeof rtt === "number" && rtt >= 0 && Number.isFinite(rtt), `ping() returns a duration, got ${rtt}`);
    }
  }),
);

behaviour("a stream's closed resolves only after both directions ended", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    const c = await client.open();
    const cw = c.writable.getWriter();
    await cw.write(text("ping"));
    await cw.close();
    const s = await within(server.accept(), "server.accept()", 5000);
    const sr = s.readable.getReader();
    await readText(sr, "ping", "server reads");
    await expectEnd(sr, "server sees the FIN");
    equal(await state(c.closed), "pending", "client closed after only its own FIN");
    equal(await state(s.closed), "pending", "server closed after only the client's FIN");
    const sw = s.writable.getWriter();
    await sw.write(text("pong"));
    await sw.close();
    const cr = c.readable.getReader();
    await readText(cr, "pong", "client reads");
    await expectEnd(cr, "client sees the FIN");
    await within(c.closed, "client stream closed", 5000);
    await within(s.closed, "server stream closed", 5000);
  }),
);

behaviour("readable is a byte stream: a BYOB reader fills the caller's buffer, reading a larger chunk in parts", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    const c = await client.open();
    const sent = pattern(10_000, 31);
    const writing = writeAll(c.writable, sent, sent.length);
    const s = await within(server.accept(), "server.accept()", 5000);
    const reader = s.readable.getReader({ mode: "byob" });
    const parts: Uint8Array[] = [];
    for (;;) {
      const { value, done } = await within(reader.read(new Uint8Array(3000)), "a BYOB read", 5000);
      if (done) break;
      check(value.length <= 3000, `a BYOB read returns at most the caller's buffer, got ${value.length}`);
      parts.push(value);
    }
    sameBytes(join(parts), sent, "bytes read through BYOB");
    await writing;
    await within(s.writable.close(), "server half-close", 5000);
  }),
);

behaviour("an aborted read() rejects with the signal's reason and takes nothing: the next read gets the data", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    const c = await client.open();
    await c.write(text("hello"));
    const s = await within(server.accept(), "server.accept()", 5000);
    equal(await readDirect(s, 5, "first read"), "hello", "first read");
    const controller = new AbortController();
    const reason = new Error("stop waiting");
    const reading = later(s.read({ signal: controller.signal }));
    controller.abort(reason);
    let caught: unknown = null;
    await reading.catch((err: unknown) => (caught = err));
    equal(caught, reason, "the aborted read's rejection");
    await c.write(text("world"));
    equal(await readDirect(s, 5, "the next read"), "world", "the next read");
    const preaborted = AbortSignal.abort(reason);
    let early: unknown = null;
    await s.read({ signal: preaborted }).catch((err: unknown) => (early = err));
    equal(early, reason, "a read with an already aborted signal");
  }),
);

behaviour("an aborted write() resets the stream with the reason's code; the peer sees the RST", (ctx) =>
  withPeers(ctx, { windowSize: 16 * KiB, maxWindowSize: 16 * KiB }, async ({ client, server }) => {
    const c = await client.open();
    await c.write(text("x"));
    const s = await within(server.accept(), "server.accept()", 5000);
    // More than the window: the write waits for credit the reader never grants.
    const controller = new AbortController();
    const writing = later(c.write(new Uint8Array(64 * KiB), { signal: controller.signal }));
    controller.abort(new ctx.lib.MuxError(42, "changed my mind"));
    await rejectsWith(ctx, writing, 42, "the aborted write");
    await rejectsWith(ctx, c.closed, 42, "the writer's stream after the abort");
    await rejectsWith(ctx, s.closed, 42, "the peer's stream", true);
  }),
);

behaviour("accept({ signal }) rejects with the reason and takes nothing: the stream goes to the next accept()", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    const controller = new AbortController();
    const accepting = later(server.accept({ signal: controller.signal }));
    controller.abort(new Error("no longer accepting"));
    let caught: unknown = null;
    await accepting.catch((err: unknown) => (caught = err));
    check(caught instanceof Error && caught.message === "no longer accepting", `the aborted accept: ${String(caught)}`);
    const c = await client.open();
    await c.write(text("after"));
    const s = await within(server.accept(), "the next accept()", 5000);
    equal(s.id, c.id, "the stream the next accept() gets");
  }),
);

behaviour("shutdown(): no new streams either way, running streams finish both directions, then a clean close", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    const c = await client.open();
    await c.write(text("before"));
    const s = await within(server.accept(), "server.accept()", 5000);
    const sr = s.readable.getReader();
    await readText(sr, "before", "data before shutdown");
    const shutting = server.shutdown({ timeout: 10_000 });
    // The peer learns of the GOAWAY: its new opens fail; the server's own opens fail too.
    await within(roundTripAfterGoAway(client), "the client to see the GOAWAY", 5000);
    await rejectsWith(ctx, server.open(), ctx.lib.ErrorCode.SessionClosed, "open() while shutting down");
    equal(await state(shutting), "pending", "shutdown() while a stream runs");
    // The running stream finishes both ways.
    await c.write(text(" and after"));
    await readText(sr, " and after", "data after shutdown began");
    await c.closeWrite();
    await expectEnd(sr, "the client's FIN");
    const sw = s.writable.getWriter();
    await sw.write(text("bye"));
    await sw.close();
    equal(await readDirect(c, 3, "the server's last data"), "bye", "the server's last data");
    const info = await within(shutting, "shutdown() to finish", 5000);
    equal(info.code, ctx.lib.ErrorCode.SessionClosed, "shutdown()'s close code");
    equal(info.clean, true, "shutdown() ends cleanly");
    const peer = await within(client.closed, "the client session to end", 5000);
    equal(peer.clean, true, "the peer's end after a graceful shutdown is clean");
  }),
);

/** Resolves once `session` has seen its peer's GOAWAY (open() fails RemoteGoneAway). */
async function roundTripAfterGoAway(session: Session): Promise<void> {
  for (;;) {
    const s = await session.open();
    try {
      await s.write(text("probe"));
    } catch {
      return;
    }
    const failed = await s.closed.then(
      () => false,
      () => true,
    );
    if (failed) return;
  }
}

behaviour("shutdown({ timeout }) closes anyway when streams do not finish in time", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    const c = await client.open();
    await c.write(text("stuck"));
    const s = await within(server.accept(), "server.accept()", 5000);
    const info = await within(server.shutdown({ timeout: 50 }), "shutdown() past its timeout", 5000);
    equal(info.code, ctx.lib.ErrorCode.SessionClosed, "the close code");
    await rejectsWith(ctx, s.closed, ctx.lib.ErrorCode.SessionClosed, "the unfinished stream");
  }),
);

behaviour("stats(): bytes, frames and streams of both sessions match the traffic", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    const c = await client.open();
    await c.write(pattern(1000, 5));
    const s = await within(server.accept(), "server.accept()", 5000);
    await within(s.read(), "the first bytes", 5000);
    await c.closeWrite();
    await s.write(pattern(2000, 6));
    await s.closeWrite();
    let back = 0;
    for (let chunk = await c.read(); chunk !== null; chunk = await c.read()) back += chunk.length;
    equal(back, 2000, "bytes back");
    const cs = client.stats();
    const ss = server.stats();
    equal(cs.streamsOpened, 1, "client streamsOpened");
    equal(ss.streamsAccepted, 1, "server streamsAccepted");
    equal(ss.streamsRefused, 0, "server streamsRefused");
    check(cs.bytesOut >= 1000 + 8 && ss.bytesOut >= 2000 + 8, `bytes out: client ${cs.bytesOut}, server ${ss.bytesOut}`);
    // The client wrote at least its data and FIN; the server has read at least the data.
    check(cs.framesOut >= 2 && ss.framesIn >= 1, `frames: client out ${cs.framesOut}, server in ${ss.framesIn}`);
    equal(cs.bufferedBytes, 0, "client bufferedBytes after reading everything");
    equal(cs.queuedBytes, 0, "client queuedBytes after every write resolved");
    const st = c.stats();
    equal(st.bytesOut, 1000, "stream bytesOut");
    equal(st.bytesIn, 2000, "stream bytesIn");
    check(st.sendWindow > 0 && st.receiveWindow > 0, "stream windows");
  }),
);

behaviour("goneAway resolves with the peer's GOAWAY while the session stays open", (ctx) =>
  withPeers(ctx, {}, async ({ client, server }) => {
    equal(await state(client.goneAway), "pending", "goneAway before any GOAWAY");
    await server.goAway(ctx.lib.ErrorCode.NoError, "maintenance");
    const info = await within(client.goneAway, "the client to learn of the GOAWAY");
    equal(info.code, ctx.lib.ErrorCode.NoError, "the GOAWAY's code");
    equal(decoder.decode(info.debug), "maintenance", "the GOAWAY's debug text");
    await rejectsWith(ctx, client.open(), ctx.lib.ErrorCode.RemoteGoneAway, "open() after the GOAWAY");
  }),
);

behaviour("shutdown() does not wait for the heartbeat's own streams", (ctx) =>
  withPeers(ctx, { heartbeat: { interval: 20, tolerance: 5000 } }, async ({ client, server }) => {
    // Beats flow both ways: each side's heartbeat stream is open on both.
    await within(client.ping(), "a beat from the client");
    await within(server.ping(), "a beat from the server");
    equal(client.stats().streamsOpen, 0, "streams open besides the heartbeat's");
    const info = await within(server.shutdown({ timeout: 60_000 }), "shutdown() with only heartbeat streams open");
    equal(info.clean, true, "a clean end");
  }),
);
