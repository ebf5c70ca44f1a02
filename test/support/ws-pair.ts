import { once } from "node:events";
import { afterEach } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import type { WebSocketLike } from "../../src/adapters/websocket.js";
import type { LinkSink } from "../../src/link/link.js";

/**
 * Two ends of one real WebSocket connection over loopback, made with the `ws` package: `client`
 * is the dialing side, `server` the socket the WebSocketServer accepted.
 */
export interface WsPair {
  client: WebSocket;
  server: WebSocket;
  /** Tears down both sockets and the listener; safe to call more than once. */
  dispose(): Promise<void>;
}

export interface WsConnecting {
  /** The dialing socket, still CONNECTING. */
  client: WebSocket;
  /** The accepted socket, once the handshake is done. */
  server: Promise<WebSocket>;
  dispose(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 5000;

/** Starts a listener on 127.0.0.1 (port 0) and dials it; returns at once, before the handshake. */
export async function connectWs(): Promise<WsConnecting> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await once(wss, "listening");
  const { port } = wss.address() as { port: number };

  const server = new Promise<WebSocket>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("WebSocket handshake timed out")), CONNECT_TIMEOUT_MS);
    wss.once("connection", (socket) => {
      clearTimeout(timer);
      resolve(socket);
    });
  });
  server.catch(() => {}); // A caller that never awaits it must not see an unhandled rejection.

  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  // Errors are reported through the adapter's listeners; this keeps an EventEmitter 'error' from
  // throwing when a test provokes one on purpose.
  client.on("error", () => {});

  let disposed: Promise<void> | null = null;
  const dispose = () =>
    (disposed ??= (async () => {
      for (const socket of wss.clients) socket.terminate();
      client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    })());

  return { client, server, dispose };
}

/** A connected pair: both sockets OPEN. */
export async function wsPair(): Promise<WsPair> {
  const { client, server, dispose } = await connectWs();
  try {
    const [accepted] = await Promise.all([server, opened(client)]);
    accepted.on("error", () => {});
    return { client, server: accepted, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** Resolves when the socket is OPEN; rejects if it closes first. */
export function opened(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.OPEN) return Promise.resolve();
  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("close", (code) => reject(new Error(`socket closed (${code}) before it opened`)));
  });
}

/** Resolves with the close code and reason the socket saw. */
export function closedWith(socket: WebSocket): Promise<{ code: number; reason: string }> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.reject(new Error("socket already closed"));
  return new Promise((resolve) => socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
}

/**
 * The socket seen through nothing but the WHATWG WebSocket surface: no send callback, no pause,
 * no terminate. The adapter then treats it as it treats a browser's (or Deno's, or undici's)
 * socket, polling `bufferedAmount` for backpressure and asking for ArrayBuffers, so Node tests
 * cover that path too.
 */
export function plainWebSocket(socket: WebSocket): WebSocketLike {
  // Starts as a browser's socket does: messages as Blobs until the adapter asks for ArrayBuffers.
  socket.binaryType = "blob" as WebSocket["binaryType"]; // ws supports it; its typings lag behind
  return {
    get readyState() {
      return socket.readyState;
    },
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    get binaryType() {
      return socket.binaryType;
    },
    set binaryType(type: string) {
      socket.binaryType = type as WebSocket["binaryType"];
    },
    // A browser copies the bytes inside send(); `ws` would keep a reference to them.
    send: (data) => socket.send(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice()),
    close: (code, reason) => socket.close(code, reason),
    addEventListener: (type, listener) => socket.addEventListener(type as "message", listener),
    removeEventListener: (type, listener) => socket.removeEventListener(type as "message", listener),
  };
}

/**
 * A LinkSink that records what the adapter delivers, with promises to await each event,
 * for tests that drive the adapter without a session.
 */
export class RecordingSink implements LinkSink {
  readonly chunks: Uint8Array[] = [];
  bytes = 0;
  drains = 0;
  readonly ended: Promise<void>;
  readonly failed: Promise<unknown>;
  /** Every call in order, e.g. ["data", "data", "end"]: proves nothing arrives after the end. */
  readonly events: string[] = [];
  private markEnded!: () => void;
  private markFailed!: (err: unknown) => void;
  private waiters: { bytes: number; wake: () => void }[] = [];
  private drainWaiters: (() => void)[] = [];

  constructor() {
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
    this.failed = new Promise((resolve) => (this.markFailed = resolve));
  }

  data(chunk: Uint8Array): void {
    this.events.push("data");
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    this.waiters = this.waiters.filter((w) => {
      if (this.bytes < w.bytes) return true;
      w.wake();
      return false;
    });
  }

  end(): void {
    this.events.push("end");
    this.markEnded();
  }

  error(err: unknown): void {
    this.events.push("error");
    this.markFailed(err);
  }

  drain(): void {
    this.events.push("drain");
    this.drains++;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves once at least `bytes` bytes have arrived in total. */
  received(bytes: number): Promise<void> {
    if (this.bytes >= bytes) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ bytes, wake }));
  }

  /** Resolves at the next drain(). */
  nextDrain(): Promise<void> {
    return new Promise((wake) => this.drainWaiters.push(wake));
  }

  /** Everything received, joined. */
  joined(): Uint8Array {
    const out = new Uint8Array(this.bytes);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/**
 * For a test file: `pair()` makes a wsPair(), and everything in `cleanups` (those pairs, and what
 * the tests add) is disposed after each test.
 */
export function disposedAfterEach(): { pair(): Promise<WsPair>; cleanups: (() => Promise<void>)[] } {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });
  return {
    cleanups,
    async pair() {
      const p = await wsPair();
      cleanups.push(p.dispose);
      return p;
    },
  };
}
