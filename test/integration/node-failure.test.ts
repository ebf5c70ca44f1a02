import { once } from "node:events";
import * as net from "node:net";
import { describe, expect, it } from "vitest";
import { within } from "../support/async.js";
import { fromSocket, listen } from "../../src/adapters/node.js";
import { ErrorCode, MuxError, Session, type MuxStream } from "../../src/index.js";
import { tcpSessions } from "../support/tcp-pair.js";

// A connection that dies mid-transfer: every stream on both ends fails with a MuxError at once,
// both sessions end, and nothing is left behind (sockets, servers, timers).

const STREAMS = 8;
const CHUNK = new Uint8Array(64 * 1024);

/** Handles Node keeps open, by kind: what a finished test must not leave more of. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

const KINDS = ["TCPSocketWrap", "TCPServerWrap", "Timeout"];

function leaks(before: Record<string, number>): string[] {
  const after = handles();
  return KINDS.filter((k) => (after[k] ?? 0) > (before[k] ?? 0)).map((k) => `${k}: ${after[k]} (was ${before[k] ?? 0})`);
}

/**
 * Handles go back to what they were before the test. Node releases a closed handle in the event
 * loop's close phase, which can come a turn after the 'close' event: check again on each turn, up
 * to a second.
 */
async function expectNoLeaks(before: Record<string, number>) {
  const deadline = Date.now() + 1000;
  while (leaks(before).length > 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  expect(leaks(before)).toEqual([]);
}

type Outcome = { at: number; error?: unknown };

/** Counts bytes read per stream and says when every stream has read at least `bytes`. */
class Progress {
  readonly received: number[];
  #left: number;
  #done!: () => void;
  readonly everywhere = new Promise<void>((resolve) => (this.#done = resolve));

  constructor(
    streams: number,
    private readonly bytes: number,
  ) {
    this.received = new Array<number>(streams).fill(0);
    this.#left = streams;
  }

  add(i: number, n: number) {
    const was = this.received[i]!;
    this.received[i] = was + n;
    if (was < this.bytes && was + n >= this.bytes && --this.#left === 0) this.#done();
  }
}

/** Full-duplex traffic on `stream` until it fails: writes forever, reads everything. */
function traffic(stream: MuxStream, onRead: (n: number) => void): Promise<Outcome>[] {
  const ended = (p: Promise<unknown>) =>
    p.then(
      () => ({ at: Date.now() }),
      (error: unknown) => ({ at: Date.now(), error }),
    );
  const writing = ended(
    (async () => {
      const writer = stream.writable.getWriter();
      for (;;) await writer.write(CHUNK);
    })(),
  );
  const reading = ended(
    (async () => {
      for await (const chunk of stream.readable) onRead(chunk.length);
    })(),
  );
  return [writing, reading];
}

/** Streams opened both ways, traffic on all of them; resolves once data flows everywhere. */
async function busy(client: Session, server: Session): Promise<Promise<Outcome>[]> {
  const progress = new Progress(4 * STREAMS, 2 * CHUNK.length);
  const outcomes: Promise<Outcome>[] = [];
  let i = 0;
  const run = (stream: MuxStream) => {
    const index = i++;
    outcomes.push(...traffic(stream, (n) => progress.add(index, n)));
  };
  for (let k = 0; k < STREAMS; k++) {
    run(await client.open());
    run(await server.open());
    // The first write carries the SYN, so the peer can accept now.
    run(await within(server.accept(), "server.accept()", 1000));
    run(await within(client.accept(), "client.accept()", 1000));
  }
  await within(progress.everywhere, "data flowing on every stream", 5000);
  return outcomes;
}

function socketClosed(socket: net.Socket): Promise<unknown> {
  return socket.closed ? Promise.resolve() : once(socket, "close");
}

async function expectAllFailFast(outcomes: Promise<Outcome>[], killedAt: number) {
  const results = await within(Promise.all(outcomes), "every stream to fail", 1000);
  for (const r of results) {
    expect(r.error, "a stream direction ended without an error").toBeInstanceOf(MuxError);
    expect(r.at - killedAt).toBeLessThan(1000);
  }
}

type Kill = "destroy" | "resetAndDestroy";
const kill = (socket: net.Socket, how: Kill) => (how === "destroy" ? socket.destroy() : socket.resetAndDestroy());

describe.each<[string, Kill, boolean]>([
  ["the client's socket is destroyed", "destroy", false],
  ["the client's socket is reset (RST)", "resetAndDestroy", false],
  ["the server's socket is destroyed", "destroy", true],
  ["the server's socket is reset (RST)", "resetAndDestroy", true],
])("mid-transfer, %s", (_title, how, serverSide) => {
  it("every stream on both ends fails with a MuxError within a second, and nothing leaks", async () => {
    const before = handles();
    const { client, server, clientSocket, serverSocket } = await tcpSessions();
    const outcomes = await busy(client, server);
    const victim = serverSide ? serverSocket : clientSocket;

    const killedAt = Date.now();
    kill(victim, how);
    await expectAllFailFast(outcomes, killedAt);
    const [clientInfo, serverInfo] = await within(Promise.all([client.closed, server.closed]), "both sessions to end", 1000);
    // The reset reaches the session: its end names it. Linux reports a reset once, to whichever
    // syscall comes first: when the peer was busy writing, its write takes the ECONNRESET and the
    // read that follows sees EOF. Either way the session ended with PeerEOF, as every stream did.
    if (how === "resetAndDestroy") {
      const info = serverSide ? clientInfo : serverInfo;
      expect(info.code).toBe(ErrorCode.PeerEOF);
      expect(info.reason).toMatch(/ECONNRESET|EPIPE|read EOF from remote peer/);
    }
    await within(Promise.all([socketClosed(clientSocket), socketClosed(serverSocket)]), "both sockets to close", 1000);
    await expectNoLeaks(before);
  });
});

describe("a listen() server whose client dies mid-transfer", () => {
  it("its session fails every stream, and server.close() completes: nothing leaks", async () => {
    const before = handles();
    const muxServer = await listen({ host: "127.0.0.1", port: 0 });
    const socket = net.connect({ host: "127.0.0.1", port: muxServer.address().port });
    await once(socket, "connect");
    const client = Session.client(fromSocket(socket));
    const server = await within(muxServer.accept(), "the server session", 1000);
    const outcomes = await busy(client, server);

    const killedAt = Date.now();
    socket.resetAndDestroy();
    await expectAllFailFast(outcomes, killedAt);
    await within(Promise.all([client.closed, server.closed]), "both sessions to end", 1000);
    await within(Promise.all([muxServer.close(), socketClosed(socket)]), "server.close()", 1000);
    await expectNoLeaks(before);
  });
});
