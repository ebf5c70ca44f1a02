/**
 * How a WebSocket's end becomes a session's end and back: any close code or an error ends the
 * session with PeerEOF; closing the session closes the socket with 1000; ending is bounded.
 */
import { describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { fromWebSocket } from "../../src/adapters/websocket.js";
import { ErrorCode, MuxError, Session } from "../../src/index.js";
import { closedWith, connectWs, plainWebSocket, RecordingSink, disposedAfterEach } from "../support/ws-pair.js";

const { pair, cleanups } = disposedAfterEach();

/** Makes the peer's receiver fail: a frame with reserved opcode 0xF is invalid for `ws` and browsers. */
function sendInvalidFrame(from: WebSocket): void {
  (from as unknown as { _socket: { write(b: Uint8Array): void } })._socket.write(new Uint8Array([0x8f, 0x00]));
}

const closeCodes = [1000, 1001, 1011, 3000, 4000, 4999];

describe("streamux/websocket transport end", () => {
  it.each(closeCodes)("ends the byte stream when the peer closes with code %i", async (code) => {
    const { client, server } = await pair();
    const sink = new RecordingSink();
    fromWebSocket(client).link!.start(sink);
    server.close(code, "bye");
    await sink.ended;
    expect(sink.events).toEqual(["end"]);
  });

  it("ends the byte stream when the connection drops without a close frame (1006)", async () => {
    const { client, server } = await pair();
    const sink = new RecordingSink();
    fromWebSocket(client).link!.start(sink);
    server.terminate();
    await sink.ended;
    expect(sink.events).toEqual(["end"]);
  });

  it("reports a WebSocket error once, with its cause, and nothing after it", async () => {
    const { client, server } = await pair();
    const sink = new RecordingSink();
    fromWebSocket(client).link!.start(sink);
    const clientClosed = closedWith(client);
    sendInvalidFrame(server);
    const err = await sink.failed;
    expect(String(err)).toMatch(/opcode/i);
    await clientClosed;
    expect(sink.events).toEqual(["error"]);
  });

  it("keeps listening for errors after the end, so a late ws 'error' event is not thrown", async () => {
    const { client, server } = await pair();
    client.removeAllListeners("error"); // only the adapter listens now
    const sink = new RecordingSink();
    fromWebSocket(client).link!.start(sink);
    server.send("text ends it");
    await sink.failed;
    expect(() => client.emit("error", new Error("late failure"))).not.toThrow();
    expect(sink.events).toEqual(["error"]);
  });

  it("ends at start() when handed a socket that has already closed", async () => {
    const { client, server } = await pair();
    const closed = closedWith(client);
    server.close(1000);
    await closed;
    const sink = new RecordingSink();
    fromWebSocket(client).link!.start(sink);
    expect(sink.events).toEqual(["end"]);
  });

  it.each([
    ["ws socket", (s: WebSocket) => s],
    ["plain WHATWG surface", plainWebSocket],
  ] as const)("end() closes with 1000 and settles on the close event (%s)", async (_name, wrap) => {
    const { client, server } = await pair();
    const direct = fromWebSocket(wrap(client)).link!;
    direct.start(new RecordingSink());
    const peerSaw = closedWith(server);
    await direct.end();
    expect(client.readyState).toBe(3);
    expect((await peerSaw).code).toBe(1000);
  });

  it("end() on a CONNECTING socket sends the held writes, then closes with 1000", async () => {
    const { client, server, dispose } = await connectWs();
    cleanups.push(dispose);
    const direct = fromWebSocket(client).link!;
    direct.start(new RecordingSink());
    direct.write([new Uint8Array([1, 2])], () => {});
    const ended = direct.end();
    const accepted = await server;
    const got: number[][] = [];
    accepted.on("message", (data: Buffer) => got.push([...data]));
    const peerSaw = closedWith(accepted);
    await ended;
    expect((await peerSaw).code).toBe(1000);
    expect(got).toEqual([[1, 2]]);
  });

  it("end() has no timer of its own: the session's closeTimeout bounds the wait for the peer's close frame", async () => {
    const { client, server } = await pair();
    const session = Session.client(fromWebSocket(client), { closeTimeout: 200 });
    server.pause(); // the peer stops reading: our close frame is never answered
    const started = Date.now();
    await session.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect((await session.closed).code).toBe(ErrorCode.SessionClosed);
    // Past closeTimeout the session destroyed the link: a ws socket is dropped, not left CLOSING.
    expect(client.readyState).not.toBe(1);
    server.resume();
  });

  it("destroy() drops a ws connection at once (the peer sees 1006)", async () => {
    const { client, server } = await pair();
    const direct = fromWebSocket(client).link!;
    direct.start(new RecordingSink());
    const peerSaw = closedWith(server);
    direct.destroy();
    expect((await peerSaw).code).toBe(1006);
  });

  it("destroy() closes a plain WebSocket with 1000, all it can do", async () => {
    const { client, server } = await pair();
    const direct = fromWebSocket(plainWebSocket(client)).link!;
    direct.start(new RecordingSink());
    const peerSaw = closedWith(server);
    direct.destroy();
    expect((await peerSaw).code).toBe(1000);
  });
});

/**
 * What a Workers server socket does after accept(): OPEN without an `open` event, no
 * bufferedAmount, and (without the auto-reply compatibility flag) `close` fires while still
 * CLOSING, waiting for the Worker to answer the peer's close frame.
 */
class WorkersStyleSocket extends EventTarget {
  readyState = 1;
  readonly sent: Uint8Array[] = [];
  readonly closeCalls: (number | undefined)[] = [];
  send(data: ArrayBufferView<ArrayBuffer>): void {
    this.sent.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  close(code?: number): void {
    this.closeCalls.push(code);
    this.readyState = 3;
  }
  peerCloses(code: number): void {
    this.readyState = 2;
    this.dispatchEvent(Object.assign(new Event("close"), { code, reason: "" }));
  }
}

describe("streamux/websocket on a Workers-style server socket", () => {
  it("writes at once to a socket that is already OPEN and never fires open", () => {
    const socket = new WorkersStyleSocket();
    const direct = fromWebSocket(socket).link!;
    direct.start(new RecordingSink());
    expect(direct.write([new Uint8Array([1])], () => {})).toBe(true);
    expect(socket.sent.map((m) => [...m])).toEqual([[1]]);
  });

  it.each([
    [4001, 4001],
    [1001, 1000],
  ])("answers the peer's close frame (code %i) with %i when close fires while CLOSING, and ends", async (peer, answer) => {
    const socket = new WorkersStyleSocket();
    const sink = new RecordingSink();
    fromWebSocket(socket).link!.start(sink);
    socket.peerCloses(peer);
    await sink.ended;
    expect(socket.closeCalls).toEqual([answer]);
  });
});

describe("streamux/websocket session end", () => {
  it.each([...closeCodes, "terminate" as const])("the session ends with PeerEOF when the peer's socket goes (%s)", async (how) => {
    const { client, server } = await pair();
    const session = Session.client(fromWebSocket(client));
    const stream = await session.open();
    const writer = stream.writable.getWriter();
    await writer.write(new Uint8Array([1]));
    if (how === "terminate") server.terminate();
    else server.close(how);
    const info = await session.closed;
    expect(info.code).toBe(ErrorCode.PeerEOF);
    const streamErr = await stream.closed.then(
      () => null,
      (e: unknown) => e,
    );
    expect(streamErr).toBeInstanceOf(MuxError);
    expect((streamErr as MuxError).code).toBe(ErrorCode.PeerEOF);
    await expect(session.accept()).rejects.toMatchObject({ code: ErrorCode.PeerEOF });
  });

  it("the session ends with PeerEOF when the WebSocket fails", async () => {
    const { client, server } = await pair();
    const session = Session.client(fromWebSocket(client));
    sendInvalidFrame(server);
    const info = await session.closed;
    expect(info.code).toBe(ErrorCode.PeerEOF);
    expect(info.reason).toMatch(/opcode/i);
  });

  it("the session ends, and the socket is closed, when the peer sends a text message", async () => {
    const { client, server } = await pair();
    const session = Session.client(fromWebSocket(client));
    const peerSaw = closedWith(server);
    server.send("not streamux");
    const info = await session.closed;
    expect(info.reason).toMatch(/text message/);
    // The adapter starts a normal close; the session then aborts the broken transport, which on
    // `ws` drops the connection (1006) if the close handshake has not finished. Closed either way.
    expect([1000, 1006]).toContain((await peerSaw).code);
  });

  it.each([
    ["client", "ws socket"],
    ["server", "plain WHATWG surface"],
  ] as const)("closing the %s session (%s) closes the socket with 1000 and the peer sees GOAWAY(NoError)", async (role, flavour) => {
    const { client, server } = await pair();
    const [mine, theirs] = role === "client" ? [client, server] : [server, client];
    const wrap = flavour === "ws socket" ? (s: WebSocket) => s : plainWebSocket;
    const local = role === "client" ? Session.client(fromWebSocket(wrap(mine))) : Session.server(fromWebSocket(wrap(mine)));
    const remote = role === "client" ? Session.server(fromWebSocket(theirs)) : Session.client(fromWebSocket(theirs));
    const peerSaw = closedWith(theirs);
    await local.close();
    expect((await peerSaw).code).toBe(1000);
    expect((await local.closed).code).toBe(ErrorCode.SessionClosed);
    const info = await remote.closed;
    expect(info.remote?.code).toBe(ErrorCode.NoError);
  });

  it("a session on a CONNECTING socket carries a stream written before the socket opened", async () => {
    const { client, server, dispose } = await connectWs();
    cleanups.push(dispose);
    const session = Session.client(fromWebSocket(client));
    const stream = await session.open();
    const writer = stream.writable.getWriter();
    // Not awaited yet: the write can only complete once the socket has opened and the peer reads.
    const written = Promise.all([writer.write(new TextEncoder().encode("early")), writer.close()]);
    const peer = Session.server(fromWebSocket(await server));
    const incoming = await peer.accept();
    const text = await new Response(incoming.readable).text();
    expect(text).toBe("early");
    await written;
    await session.close();
    await peer.closed;
  });
});
