import { once } from "node:events";
import type * as net from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fromSocket } from "../../src/adapters/node.js";
import { decodeFrames, encodeFrame, Flag } from "../../src/frame/index.js";
import { ErrorCode, Session } from "../../src/index.js";
import { tcpPair, type SocketPair } from "../support/tcp-pair.js";
import { testCert } from "../support/tls-cert.js";
import { readAllText as readText } from "../support/bytes.js";

// The Transport that fromSocket makes, at the TCP/TLS level: what reaches the wire, when the socket
// ends, and how the session is held back by a full socket.

const encoder = new TextEncoder();
let pairs: SocketPair[] = [];

afterEach(async () => {
  await Promise.all(pairs.map((p) => p.destroy()));
  pairs = [];
});

async function pair(tls: boolean): Promise<SocketPair> {
  const p = await tcpPair(tls ? await testCert() : undefined);
  pairs.push(p);
  return p;
}

/** Everything a raw socket receives until the peer's FIN. */
async function receiveUntilEnd(socket: net.Socket): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  await once(socket, "end");
  return new Uint8Array(Buffer.concat(chunks)); // a plain Uint8Array, so frames compare by value
}

describe.each([
  ["TCP", false],
  ["TLS", true],
])("fromSocket over %s", (_name, tls) => {
  it("switches the socket to allowHalfOpen and no-delay", async () => {
    const { dialer } = await pair(tls);
    const noDelay = vi.spyOn(dialer, "setNoDelay");
    expect(dialer.allowHalfOpen).toBe(false);
    const transport = fromSocket(dialer);
    expect(dialer.allowHalfOpen).toBe(true);
    expect(noDelay).toHaveBeenCalledWith(true);
    expect(transport.link).toBeDefined();
  });

  it("session.close() sends GOAWAY(NoError) then FIN, and settles once the peer has ended too", async () => {
    const { dialer, listener } = await pair(tls);
    const session = Session.client(fromSocket(dialer));
    const received = receiveUntilEnd(listener);
    const closing = session.close();

    const frames = decodeFrames(await received);
    expect(frames).toEqual([{ type: "GOAWAY", lastStreamId: 0, code: ErrorCode.NoError, debug: encoder.encode("no error") }]);
    // Our sending side is done (FIN seen above); the socket closes once the peer ends its side too.
    expect(dialer.destroyed).toBe(false);
    listener.end();
    await closing;
    expect(dialer.destroyed).toBe(true);
    expect((await session.closed).code).toBe(ErrorCode.SessionClosed);
  });

  it("the peer's FIN ends the session with PeerEOF, and the session's GOAWAY still reaches the peer", async () => {
    const { dialer, listener } = await pair(tls);
    const session = Session.server(fromSocket(dialer));
    const received = receiveUntilEnd(listener);
    listener.end();

    const info = await session.closed;
    expect(info.code).toBe(ErrorCode.PeerEOF);
    const frames = decodeFrames(await received);
    expect(frames).toEqual([
      { type: "GOAWAY", lastStreamId: 1, code: ErrorCode.PeerEOF, debug: encoder.encode("read EOF from remote peer") },
    ]);
  });

  it("a stream half-closed by the peer can still answer: data flows after the peer's stream FIN", async () => {
    const { dialer, listener } = await pair(tls);
    const session = Session.server(fromSocket(dialer));
    listener.write(encodeFrame({ type: "DATA", streamId: 3, flags: Flag.SYN, data: encoder.encode("ping") }));
    listener.write(encodeFrame({ type: "DATA", streamId: 3, flags: Flag.FIN, data: new Uint8Array(0) }));
    const stream = await session.accept();
    expect(await readText(stream.readable)).toBe("ping");

    const chunks: Buffer[] = [];
    listener.on("data", (c: Buffer) => chunks.push(c));
    const writer = stream.writable.getWriter();
    await writer.write(encoder.encode("pong"));
    await writer.close();
    await stream.closed;
    const closing = session.close();
    await once(listener, "end");
    listener.end();
    await closing;
    const frames = decodeFrames(new Uint8Array(Buffer.concat(chunks)));
    expect(frames.slice(0, 2)).toEqual([
      { type: "DATA", streamId: 3, flags: 0, data: encoder.encode("pong") },
      { type: "DATA", streamId: 3, flags: Flag.FIN, data: new Uint8Array(0) },
    ]);
  });
});

describe("fromSocket backpressure", () => {
  it("the session never writes to a socket that asked for 'drain', and everything arrives once the peer reads", async () => {
    const { dialer, listener } = await pair(false);
    // Big windows, so flow control does not hold the sender back before the socket does.
    const windowSize = 8 * 1024 * 1024;
    const transport = fromSocket(dialer);
    const direct = transport.link!;
    const write = direct.write.bind(direct);
    let writesWhileFull = 0;
    let refusals = 0;
    let firstRefusal!: () => void;
    const refused = new Promise<void>((resolve) => (firstRefusal = resolve));
    direct.write = (parts, done) => {
      if (dialer.writableNeedDrain) writesWhileFull++;
      const ok = write(parts, done);
      if (!ok) {
        refusals++;
        firstRefusal();
      }
      return ok;
    };
    const session = Session.client(transport, { windowSize });

    // The peer reads nothing until the socket has refused a write at least once.
    listener.pause();
    let received = 0;
    const total = 4 * windowSize;
    const allReceived = new Promise<void>((resolve) =>
      listener.on("data", (c: Buffer) => {
        received += c.length;
        if (received >= total) resolve();
      }),
    );
    const payload = new Uint8Array(256 * 1024);
    const senders = Array.from({ length: 4 }, async () => {
      const stream = await session.open();
      const writer = stream.writable.getWriter();
      for (let sent = 0; sent < windowSize; sent += payload.length) await writer.write(payload);
    });
    // Without backpressure the senders would finish into the socket's buffer with nothing read.
    await Promise.race([refused, Promise.all(senders)]);
    listener.resume();
    await Promise.all([...senders, allReceived]);

    expect(refusals).toBeGreaterThan(0);
    expect(writesWhileFull).toBe(0);
    expect(received).toBeGreaterThanOrEqual(total);
    session.close().catch(() => {});
    dialer.destroy();
  });
});

describe("fromSocket's WHATWG view", () => {
  it("carries a session when only readable/writable are used (no direct path)", async () => {
    const { dialer, listener } = await pair(false);
    const viewOnly = (socket: net.Socket) => {
      const t = fromSocket(socket);
      return { readable: t.readable, writable: t.writable, close: t.close };
    };
    const client = Session.client(viewOnly(dialer));
    const server = Session.server(viewOnly(listener));

    const data = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) & 0xff);
    const echo = (async () => {
      const s = await server.accept();
      await s.readable.pipeTo(s.writable);
    })();
    const stream = await client.open();
    const writing = (async () => {
      const w = stream.writable.getWriter();
      for (let i = 0; i < data.length; i += 100_000) await w.write(data.slice(i, i + 100_000));
      await w.close();
    })();
    const chunks: Uint8Array[] = [];
    for await (const c of stream.readable) chunks.push(c);
    await Promise.all([writing, echo]);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);

    await Promise.all([client.close(), server.close()]);
    expect((await client.closed).code).toBe(ErrorCode.SessionClosed);
    expect(dialer.destroyed && listener.destroyed).toBe(true);
  });
});
