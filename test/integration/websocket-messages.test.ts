/**
 * streamux/websocket without a session: how messages become transport bytes and back, over a real
 * `ws` connection on loopback — for `ws` sockets and for the plain WHATWG surface a browser has.
 */
import { describe, expect, it, vi } from "vitest";
import type WebSocket from "ws";
import { fromWebSocket, type WebSocketLike } from "../../src/adapters/websocket.js";
import { ErrorCode, MuxError } from "../../src/errors.js";
import { encodeFrame } from "../../src/frame/index.js";
import { Session } from "../../src/index.js";
import { connectWs, plainWebSocket, RecordingSink, disposedAfterEach } from "../support/ws-pair.js";

const { pair, cleanups } = disposedAfterEach();

/** The next `n` messages the raw socket receives, as bytes. */
function nextMessages(socket: WebSocket, n: number): Promise<Uint8Array[]> {
  return new Promise((resolve) => {
    const got: Uint8Array[] = [];
    const onMessage = (data: Buffer) => {
      got.push(new Uint8Array(data));
      if (got.length < n) return;
      socket.off("message", onMessage);
      resolve(got);
    };
    socket.on("message", onMessage);
  });
}

const bytes = (...values: number[]) => new Uint8Array(values);

const flavours: [string, (socket: WebSocket) => WebSocketLike][] = [
  ["ws socket", (socket) => socket],
  ["plain WHATWG surface", plainWebSocket],
];

describe.each(flavours)("streamux/websocket messages (%s)", (_name, wrap) => {
  it("delivers each binary message to the sink as a plain Uint8Array, in order", async () => {
    const { client, server } = await pair();
    const sink = new RecordingSink();
    fromWebSocket(wrap(client)).link!.start(sink);
    server.send(bytes(1, 2, 3));
    server.send(new Uint8Array(70_000).fill(7));
    server.send(bytes(4));
    await sink.received(3 + 70_000 + 1);
    expect(sink.chunks.map((c) => c.length)).toEqual([3, 70_000, 1]);
    for (const c of sink.chunks) expect(c.constructor).toBe(Uint8Array);
    expect([...sink.chunks[0]!]).toEqual([1, 2, 3]);
    expect(sink.chunks[1]!.every((b) => b === 7)).toBe(true);
    expect([...sink.chunks[2]!]).toEqual([4]);
  });

  it("sends the parts of one write as one message", async () => {
    const { client, server } = await pair();
    const direct = fromWebSocket(wrap(client)).link!;
    direct.start(new RecordingSink());
    const got = nextMessages(server, 2);
    expect(direct.write([bytes(1, 2), bytes(3), bytes(4, 5, 6)], () => {})).toBe(true);
    expect(direct.write([bytes(9)], () => {})).toBe(true);
    const [first, second] = await got;
    expect([...first!]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...second!]).toEqual([9]);
  });

  it("has taken a write's bytes when write() returns: refilling the buffers afterwards changes nothing sent", async () => {
    const { client, server } = await pair();
    // Both directions: the client side masks (ws copies), the server side does not.
    for (const [from, to] of [
      [client, server],
      [server, client],
    ] as const) {
      const direct = fromWebSocket(wrap(from), { highWaterMark: 256 * 1024 }).link!;
      direct.start(new RecordingSink());
      to.pause(); // keep the bytes queued in this process, where a held reference would see the refill
      const buffers: Uint8Array[] = [];
      let sent = 0;
      for (;;) {
        const buffer = new Uint8Array(64 * 1024).fill(buffers.length % 251);
        buffers.push(buffer);
        sent += buffer.length;
        if (!direct.write([buffer], () => {}) || sent > 256 * 1024 * 1024) break;
      }
      for (const buffer of buffers) buffer.fill(255);
      const got = nextMessages(to, buffers.length);
      to.resume();
      const messages = await got;
      const wrong = messages.findIndex((m, i) => m.some((b) => b !== i % 251));
      expect(wrong, `message ${wrong} changed after write() returned`).toBe(-1);
    }
  });

  it("holds writes made while CONNECTING and sends them, in order, once open", async () => {
    const { client, server, dispose } = await connectWs();
    cleanups.push(dispose);
    expect(client.readyState).toBe(0);
    const direct = fromWebSocket(wrap(client)).link!;
    const sink = new RecordingSink();
    direct.start(sink);
    const drained = sink.nextDrain();
    // Held, so the session is told to wait: nothing can leave before the handshake.
    const held = bytes(1);
    expect(direct.write([held], () => {})).toBe(false);
    expect(direct.write([bytes(2), bytes(3)], () => {})).toBe(false);
    held.fill(9); // the caller may reuse its buffer once write() has returned
    const accepted = await server;
    const got = nextMessages(accepted, 2);
    await drained;
    const [first, second] = await got;
    expect([...first!]).toEqual([1]);
    expect([...second!]).toEqual([2, 3]);
    expect(direct.write([bytes(4)], () => {})).toBe(true);
  });

  it("queues messages that arrive before start() instead of losing them", async () => {
    const { client, server } = await pair();
    const direct = fromWebSocket(wrap(client)).link!;
    const seen = nextMessages(client, 2);
    server.send(bytes(1));
    server.send(bytes(2));
    await seen; // the adapter's listener ran before this one: both messages have reached it
    const sink = new RecordingSink();
    direct.start(sink);
    expect(sink.chunks.map((c) => [...c])).toEqual([[1], [2]]);
  });

  it("delivers messages queued before start() ahead of the close that followed them", async () => {
    const { client, server } = await pair();
    const direct = fromWebSocket(wrap(client)).link!;
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    server.send(bytes(1));
    server.send(bytes(2));
    server.close(4000);
    await closed;
    const sink = new RecordingSink();
    direct.start(sink);
    expect(sink.events).toEqual(["data", "data", "end"]);
    expect(sink.chunks.map((c) => [...c])).toEqual([[1], [2]]);
  });

  it("stops delivering when the sink pauses mid-queue and goes on at resume", async () => {
    const { client, server } = await pair();
    const direct = fromWebSocket(wrap(client)).link!;
    const seen = nextMessages(client, 3);
    for (const n of [1, 2, 3]) server.send(bytes(n));
    await seen;
    const got: number[] = [];
    direct.start({
      data: (chunk) => {
        got.push(chunk[0]!);
        if (chunk[0] === 1) direct.pause();
      },
      end: () => {},
      error: () => {},
      drain: () => {},
    });
    expect(got).toEqual([1]);
    direct.resume();
    expect(got).toEqual([1, 2, 3]);
  });

  it("treats a text message as a protocol error and closes the socket", async () => {
    const { client, server } = await pair();
    const sink = new RecordingSink();
    fromWebSocket(wrap(client)).link!.start(sink);
    const peerSaw = new Promise<number>((resolve) => server.once("close", (code) => resolve(code)));
    server.send("hello");
    const err = await sink.failed;
    expect(err).toBeInstanceOf(MuxError);
    expect((err as MuxError).code).toBe(ErrorCode.ProtocolError);
    expect(await peerSaw).toBe(1000);
    expect(sink.events).toEqual(["error"]);
  });
});

describe("streamux/websocket message boundaries", () => {
  it("lets frames span messages: a peer that cuts its frames into 3-byte messages is understood", async () => {
    const { client, server } = await pair();
    const session = Session.client(fromWebSocket(client));
    const frames = new Uint8Array([
      ...encodeFrame({ type: "DATA", streamId: 2, flags: 0x2, data: new TextEncoder().encode("hello, ") }),
      ...encodeFrame({ type: "DATA", streamId: 2, flags: 0, data: new TextEncoder().encode("world") }),
      ...encodeFrame({ type: "DATA", streamId: 2, flags: 0x1, data: new Uint8Array(0) }),
    ]);
    for (let at = 0; at < frames.length; at += 3) server.send(frames.subarray(at, at + 3));
    const stream = await session.accept();
    expect(stream.id).toBe(2);
    expect(await new Response(stream.readable).text()).toBe("hello, world");
    await session.close();
  });
});

describe("streamux/websocket pause on a socket that cannot stop reading", () => {
  it("holds messages and the close while paused, and on resume delivers them in order before the end", async () => {
    const { client, server } = await pair();
    const direct = fromWebSocket(plainWebSocket(client)).link!;
    const sink = new RecordingSink();
    direct.start(sink);
    direct.pause();
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    server.send(bytes(1));
    server.send(bytes(2));
    server.close(1000);
    await closed;
    expect(sink.events).toEqual([]);
    direct.resume();
    expect(sink.events).toEqual(["data", "data", "end"]);
    expect(sink.chunks.map((c) => [...c])).toEqual([[1], [2]]);
  });
});

describe("streamux/websocket binary types", () => {
  it("asks a browser-style socket for ArrayBuffers and keeps a ws socket's Buffers", async () => {
    const { client, server } = await pair();
    const plain = plainWebSocket(client);
    expect(plain.binaryType).toBe("blob");
    fromWebSocket(plain);
    expect(plain.binaryType).toBe("arraybuffer");
    fromWebSocket(server);
    expect(server.binaryType).toBe("nodebuffer");
  });

  it("joins the pieces of a message when ws delivers fragments", async () => {
    const { client, server } = await pair();
    client.binaryType = "fragments";
    const sink = new RecordingSink();
    fromWebSocket(client).link!.start(sink);
    server.send(bytes(1, 2), { fin: false });
    server.send(bytes(3), { fin: true });
    await sink.received(3);
    expect(sink.chunks.map((c) => [...c])).toEqual([[1, 2, 3]]);
  });
});

describe("streamux/websocket as WHATWG streams", () => {
  it("reads and writes through transport.readable/writable when nothing uses the fast path", async () => {
    const { client, server } = await pair();
    const transport = fromWebSocket(client);
    const got = nextMessages(server, 1);
    const writer = transport.writable.getWriter();
    await writer.write(bytes(5, 6));
    expect([...(await got)[0]!]).toEqual([5, 6]);

    const reader = transport.readable.getReader();
    server.send(bytes(7));
    expect([...(await reader.read()).value!]).toEqual([7]);

    const peerSaw = new Promise<number>((resolve) => server.once("close", (code) => resolve(code)));
    await writer.close();
    expect(await peerSaw).toBe(1000);
    expect((await reader.read()).done).toBe(true);
  });

  it("refuses a second consumer once the fast path has started", async () => {
    const { client } = await pair();
    const transport = fromWebSocket(client);
    transport.link!.start(new RecordingSink());
    expect(() => transport.readable).toThrow(/already started/);
  });
});

describe("streamux/websocket joining a write's parts", () => {
  /** The plain surface (it copies inside send(), as a browser does), recording what send() was given. */
  function recordingPlain(socket: WebSocket): { ws: WebSocketLike; given: Uint8Array[] } {
    const plain = plainWebSocket(socket);
    const given: Uint8Array[] = [];
    const send = plain.send.bind(plain);
    plain.send = (data) => {
      given.push(data);
      send(data);
    };
    return { ws: plain, given };
  }

  it("joins every multi-part write in one reused buffer when the socket copies inside send()", async () => {
    const { client, server } = await pair();
    const { ws, given } = recordingPlain(client);
    const direct = fromWebSocket(ws, { sendCopies: true }).link!;
    direct.start(new RecordingSink());
    const got = nextMessages(server, 3);
    const large = new Uint8Array(40_000).fill(3);
    expect(direct.write([bytes(1, 2), large], () => {})).toBe(true);
    expect(direct.write([bytes(4), bytes(5, 6)], () => {})).toBe(true);
    expect(direct.write([large, bytes(7)], () => {})).toBe(true);
    const messages = await got;
    expect(messages.map((m) => m.length)).toEqual([40_002, 3, 40_001]);
    expect([...messages[0]!.subarray(0, 3)]).toEqual([1, 2, 3]);
    expect([...messages[1]!]).toEqual([4, 5, 6]);
    expect([...messages[2]!.subarray(39_999)]).toEqual([3, 7]);
    // No buffer per message: all three are views of the same memory.
    expect(given[1]!.buffer).toBe(given[0]!.buffer);
    expect(given[2]!.buffer).toBe(given[0]!.buffer);
  });

  it("gives each joined message a buffer of its own unless the socket is said to copy inside send()", async () => {
    const { client, server } = await pair();
    const { ws, given } = recordingPlain(client);
    // Outside a browser the default is not to rely on it (a Workers socket reads the bytes later).
    const direct = fromWebSocket(ws).link!;
    direct.start(new RecordingSink());
    const got = nextMessages(server, 2);
    direct.write([bytes(1), bytes(2)], () => {});
    direct.write([bytes(3), bytes(4)], () => {});
    expect((await got).map((m) => [...m])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(given[1]!.buffer).not.toBe(given[0]!.buffer);
  });

  it.each([
    ["a browser page", { document: {}, navigator: { userAgent: "Mozilla/5.0 Chrome/156.0" } }, true],
    ["jsdom (whose WebSocket keeps what it is given)", { document: {}, navigator: { userAgent: "Mozilla/5.0 jsdom/26.1.0" } }, false],
  ] as const)("takes send() to copy by default only in a real browser: %s", async (_where, globals, reused) => {
    const { client, server } = await pair();
    const { ws, given } = recordingPlain(client);
    for (const [name, value] of Object.entries(globals)) vi.stubGlobal(name, value);
    let direct: ReturnType<typeof fromWebSocket>["link"];
    try {
      direct = fromWebSocket(ws).link!;
    } finally {
      vi.unstubAllGlobals();
    }
    direct!.start(new RecordingSink());
    const got = nextMessages(server, 2);
    direct!.write([bytes(1), bytes(2)], () => {});
    direct!.write([bytes(3), bytes(4)], () => {});
    expect((await got).map((m) => [...m])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(given[1]!.buffer === given[0]!.buffer).toBe(reused);
  });

  it("gives each joined message a buffer of its own on a `ws` socket, which keeps what it is given", async () => {
    const { client, server } = await pair();
    const given: Uint8Array[] = [];
    const send = client.send.bind(client) as (data: Uint8Array, cb?: (err?: Error) => void) => void;
    (client as unknown as { send: typeof send }).send = (data, cb) => {
      given.push(data);
      send(data, cb);
    };
    const direct = fromWebSocket(client).link!;
    direct.start(new RecordingSink());
    const got = nextMessages(server, 2);
    direct.write([bytes(1), bytes(2)], () => {});
    direct.write([bytes(3), bytes(4)], () => {});
    const messages = await got;
    expect(messages.map((m) => [...m])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(given[1]!.buffer).not.toBe(given[0]!.buffer);
  });
});
