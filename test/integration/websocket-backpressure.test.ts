/**
 * Send-side backpressure: a WebSocket queues whatever it is given, so the adapter holds writes
 * while `bufferedAmount` is above the high-water mark. Proven with a reader that really is slow
 * (the peer stops reading its TCP socket), for `ws` sockets (send callbacks) and for the plain
 * WHATWG surface a browser has (polled bufferedAmount).
 */
import { createHash, randomFillSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { fromWebSocket, type WebSocketLike } from "../../src/adapters/websocket.js";
import { Session } from "../../src/index.js";
import { plainWebSocket, RecordingSink, disposedAfterEach } from "../support/ws-pair.js";

const HIGH = 256 * 1024;
const LOW = 64 * 1024;

const { pair } = disposedAfterEach();

interface SendSpy {
  /** The largest bufferedAmount seen right after a send. */
  maxBuffered: number;
  /** The largest single message. */
  maxMessage: number;
  messages: number;
  /** Called after each send with the bufferedAmount it left. */
  onSend?: (buffered: number) => void;
}

/** Records every message the socket sends and the bufferedAmount it leaves behind. */
function spyOnSend(socket: WebSocket): SendSpy {
  const spy: SendSpy = { maxBuffered: 0, maxMessage: 0, messages: 0 };
  const send = socket.send.bind(socket) as (data: Uint8Array, cb?: (err?: Error) => void) => void;
  (socket as unknown as { send: typeof send }).send = (data, cb) => {
    send(data, cb);
    spy.messages++;
    spy.maxMessage = Math.max(spy.maxMessage, data.byteLength);
    spy.maxBuffered = Math.max(spy.maxBuffered, socket.bufferedAmount);
    spy.onSend?.(socket.bufferedAmount);
  };
  return spy;
}

const flavours: [string, (socket: WebSocket) => WebSocketLike][] = [
  ["ws socket, drained by send callbacks", (socket) => socket],
  ["plain WHATWG surface, drained by polling", plainWebSocket],
];

describe.each(flavours)("streamux/websocket backpressure (%s)", (_name, wrap) => {
  it("write() returns false above the high-water mark and drain comes at or below the low one", async () => {
    const { client, server } = await pair();
    const direct = fromWebSocket(wrap(client), { highWaterMark: HIGH, lowWaterMark: LOW }).link!;
    const sink = new RecordingSink();
    direct.start(sink);
    server.pause(); // the peer stops reading; the kernel's buffers fill, then the socket's own
    const message = new Uint8Array(64 * 1024);
    let sent = 0;
    while (direct.write([message], () => {})) {
      sent += message.length;
      // Bounded: loopback kernel buffers hold a few MiB, far below this.
      if (sent > 256 * 1024 * 1024) throw new Error("write() never reported a full buffer");
    }
    expect(client.bufferedAmount).toBeGreaterThan(HIGH);
    expect(client.bufferedAmount).toBeLessThanOrEqual(HIGH + message.length);

    let bufferedAtDrain = -1;
    const drained = sink.nextDrain().then(() => (bufferedAtDrain = client.bufferedAmount));
    server.resume();
    await drained;
    expect(bufferedAtDrain).toBeLessThanOrEqual(LOW);
    expect(sink.drains).toBe(1);
  });

  it("keeps the sender's bufferedAmount within high-water + one message while a slow reader takes 32 MiB", async () => {
    const { client, server } = await pair();
    const spy = spyOnSend(client);
    // Windows far larger than the data: only the transport's backpressure can hold the sender.
    const windowSize = 16 * 1024 * 1024;
    const sender = Session.client(fromWebSocket(wrap(client), { highWaterMark: HIGH, lowWaterMark: LOW }), { windowSize });
    const receiver = Session.server(fromWebSocket(server), { windowSize });

    // The slow reader: the receiving socket stays paused; each time the sender is held back, it
    // reads another 2 MiB and stops again, so the sender fills its buffer over and over.
    server.pause();
    let episodes = 0;
    let readSinceResume = 0;
    let reading = false;
    let readFreely = false;
    server.on("message", (data: Buffer) => {
      readSinceResume += data.length;
      if (reading && !readFreely && readSinceResume >= 2 * 1024 * 1024) {
        reading = false;
        server.pause();
      }
    });
    spy.onSend = (buffered) => {
      if (buffered <= HIGH || reading) return;
      episodes++;
      reading = true;
      readSinceResume = 0;
      server.resume();
    };

    const streams = 8;
    const perStream = 4 * 1024 * 1024;
    const sent = Array.from({ length: streams }, () => sendRandom(sender, perStream));
    const received = Array.from({ length: streams }, () => receiveHash(receiver));
    const sentHashes = await Promise.all(sent);
    // Everything is written: the tail may sit below the high-water mark, so nothing would trigger
    // another read. From here the reader reads freely.
    readFreely = true;
    server.resume();
    const receivedHashes = await Promise.all(received);

    expect(new Set(receivedHashes.map((r) => r.hash))).toEqual(new Set(sentHashes));
    for (const r of receivedHashes) expect(r.bytes).toBe(perStream);
    expect(episodes).toBeGreaterThanOrEqual(3);
    expect(spy.maxBuffered).toBeGreaterThan(HIGH);
    expect(spy.maxBuffered).toBeLessThanOrEqual(HIGH + spy.maxMessage);
    // Messages are the session's flushes: bounded, so the bound above is a real one.
    expect(spy.maxMessage).toBeLessThanOrEqual(512 * 1024);

    await sender.close();
    await receiver.closed;
  });
});

/** Opens a stream and writes `total` random bytes; resolves with their SHA-256. */
async function sendRandom(session: Session, total: number): Promise<string> {
  const stream = await session.open();
  const writer = stream.writable.getWriter();
  const hash = createHash("sha256");
  for (let at = 0; at < total; at += 64 * 1024) {
    // A fresh buffer per write: the session may still hold the last one when the write resolves.
    const chunk = randomFillSync(new Uint8Array(Math.min(64 * 1024, total - at)));
    hash.update(chunk);
    await writer.write(chunk);
  }
  await writer.close();
  return hash.digest("hex");
}

/** Accepts a stream and reads it to the end; resolves with its SHA-256 and length. */
async function receiveHash(session: Session): Promise<{ hash: string; bytes: number }> {
  const stream = await session.accept();
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of stream.readable) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { hash: hash.digest("hex"), bytes };
}
