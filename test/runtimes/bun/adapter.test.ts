/**
 * streamux/bun's own promises, inside Bun against the built package: partial writes wait for
 * `drain` and lose nothing, pause() really stops reading, the streams view half-closes, a socket
 * opened with other handlers is taken over, and a bad certificate fails dial() with Bun's reason.
 * The rest of dial() and listen() is the shared listener suite's (listener.test.ts).
 */
import { expect, test } from "bun:test";
import type { LinkSink } from "streamux";
import { dial, fromSocket, listen, socketHandlers, type BunSocketLike } from "streamux/bun";
import { pattern } from "../../support/bytes.js";
import { tlsFiles } from "./tls-files.js";

interface RawSocket extends BunSocketLike {
  pause(): void;
  resume(): void;
  shutdown(): void;
}

declare const Bun: {
  listen(options: object): { port: number; stop(closeActive?: boolean): void };
  connect(options: object): Promise<RawSocket>;
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function sha256(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await crypto.subtle.digest("SHA-256", bytes)).toString("hex");
}

/** What a raw peer (plain Bun handlers, no streamux) does and receives. */
interface RawPeer {
  socket: Promise<RawSocket>;
  received(): Uint8Array;
  /** Settles once the peer has received at least `bytes` bytes in all. */
  receivedAtLeast(bytes: number): Promise<void>;
  /** Settles once the peer saw our FIN (or the connection closed). */
  ended: Promise<void>;
  /** Settles at the peer's next `drain`: the kernel took its unwritten bytes' place. */
  nextDrain(): Promise<void>;
  stop(): void;
}

/** A Bun server with plain handlers and one streamux-handled client socket connected to it. */
async function rawPeerAndClient(): Promise<{ peer: RawPeer; client: RawSocket }> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let waiters: Array<{ bytes: number; resolve(): void }> = [];
  let drainWaiters: Array<() => void> = [];
  let opened!: (s: RawSocket) => void;
  let ended!: () => void;
  const peer: RawPeer = {
    socket: new Promise((resolve) => (opened = resolve)),
    received: () => Buffer.concat(chunks),
    receivedAtLeast: (bytes) => (total >= bytes ? Promise.resolve() : new Promise((resolve) => waiters.push({ bytes, resolve }))),
    ended: new Promise((resolve) => (ended = resolve)),
    nextDrain: () => new Promise((resolve) => drainWaiters.push(resolve)),
    stop: () => listener.stop(true),
  };
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    allowHalfOpen: true,
    socket: {
      open: (s: RawSocket) => opened(s),
      data(_s: RawSocket, d: Uint8Array) {
        chunks.push(new Uint8Array(d));
        total += d.length;
        const ready = waiters.filter((w) => total >= w.bytes);
        waiters = waiters.filter((w) => total < w.bytes);
        for (const w of ready) w.resolve();
      },
      end: () => ended(),
      close: () => ended(),
      drain() {
        const ready = drainWaiters;
        drainWaiters = [];
        for (const resolve of ready) resolve();
      },
    },
  });
  const client = await Bun.connect({ hostname: "127.0.0.1", port: listener.port, allowHalfOpen: true, socket: socketHandlers });
  return { peer, client };
}

test("fromSocket: writes Bun takes only in part wait for drain, and every byte arrives in order", async () => {
  const { peer, client } = await rawPeerAndClient();
  const server = await peer.socket;
  server.pause(); // The peer reads nothing yet: the kernel's buffers fill and Bun's writes go partial.
  const direct = fromSocket(client).link!;
  let drained!: () => void;
  const drain = new Promise<void>((resolve) => (drained = resolve));
  const sink: LinkSink = { data() {}, end() {}, error() {}, drain: () => drained() };
  direct.start(sink);

  const data = pattern(16 * 1024 * 1024, 1);
  const parts: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += 1024 * 1024) parts.push(data.subarray(at, at + 1024 * 1024));
  // The parts are the caller's bytes: Bun's partial take leaves views of them queued until drain.
  let released = false;
  expect(direct.write(parts, () => (released = true))).toBe(false);
  expect(released).toBe(false);
  server.resume();
  await drain;
  expect(released).toBe(true);
  // end() sends FIN after every byte, then waits for the peer to close its side too.
  const ending = direct.end();
  await peer.ended;
  const got = peer.received();
  expect(got.length).toBe(data.length);
  expect(await sha256(got)).toBe(await sha256(data));
  server.end();
  await ending;
  peer.stop();
});

test("fromSocket: pause() stops reading until resume(), and nothing is lost", async () => {
  const { peer, client } = await rawPeerAndClient();
  const server = await peer.socket;
  const direct = fromSocket(client).link!;
  let received = 0;
  let ended!: () => void;
  const end = new Promise<void>((resolve) => (ended = resolve));
  direct.start({ data: (c) => (received += c.length), end: () => ended(), error() {}, drain() {} });
  direct.pause();

  const data = pattern(16 * 1024 * 1024, 1);
  let offset = server.write(data);
  expect(offset).toBeLessThan(data.length);
  // Two round trips on the other direction: the loop has long seen our socket readable, so a
  // data event would have come by now were the socket not paused.
  for (const [i, word] of ["one", "two"].entries()) {
    direct.write([encoder.encode(word)], () => {});
    await peer.receivedAtLeast(i === 0 ? 3 : 6);
  }
  expect(received).toBe(0);

  direct.resume();
  while (offset < data.length) {
    const drained = peer.nextDrain();
    offset += Math.max(0, server.write(data.subarray(offset)));
    if (offset < data.length) await drained;
  }
  server.shutdown();
  await end;
  expect(received).toBe(data.length);
  direct.destroy();
  peer.stop();
});

test("fromSocket streams view: writable.close() sends FIN and the peer's answer still arrives", async () => {
  const { peer, client } = await rawPeerAndClient();
  const server = await peer.socket;
  const transport = fromSocket(client);
  const writer = transport.writable.getWriter();
  await writer.write(encoder.encode("ping"));
  await writer.close();
  await peer.ended;
  expect(decoder.decode(peer.received())).toBe("ping");
  server.write(encoder.encode("pong"));
  server.shutdown();
  let text = "";
  for await (const chunk of transport.readable) text += decoder.decode(chunk);
  expect(text).toBe("pong");
  peer.stop();
});

test("fromSocket takes over a socket opened with handlers of its own: what arrives next reaches the transport", async () => {
  let opened!: (s: RawSocket) => void;
  const serverSocket = new Promise<RawSocket>((resolve) => (opened = resolve));
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { open: (s: RawSocket) => opened(s), data() {} } });
  const client = await Bun.connect({ hostname: "127.0.0.1", port: listener.port, allowHalfOpen: true, socket: { data() {} } });
  const reader = fromSocket(client).readable.getReader();
  (await serverSocket).write(encoder.encode("taken over"));
  expect(decoder.decode((await reader.read()).value)).toBe("taken over");
  await reader.cancel();
  listener.stop(true);
});

test("dial() over TLS: an untrusted certificate rejects dial() itself, with the certificate error", async () => {
  const tls = await tlsFiles();
  const server = await listen({ host: "127.0.0.1", port: 0, tls });
  const accepting = server.accept().then(
    (session) => session.closed,
    () => null,
  );
  const err = await dial({ host: "127.0.0.1", port: server.address().port, tls: true }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(String(err)).toMatch(/self[- ]signed/i);
  // Bun opens a TLS server socket only after a good handshake: no session was started.
  await server.close();
  expect(await accepting).toBe(null);
});
