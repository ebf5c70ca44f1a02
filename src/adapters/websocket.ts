/**
 * streamux/websocket: any WHATWG-style WebSocket as a streamux Transport — browsers, Deno, Bun,
 * Node's global WebSocket, the `ws` package (client and server side) and a Workers server socket.
 *
 * One session write becomes one binary message; frames may span messages in both directions (the
 * decoder is incremental), so message boundaries mean nothing to the protocol.
 *
 * This file runs in browsers and workers: it imports nothing runtime-specific.
 */
import { ErrorCode, MuxError } from "../errors.js";
import { Session } from "../session.js";
import type { SessionOptions } from "../types.js";
import { concat, JoinBuffer } from "../util/bytes.js";
import { ConnectionLink } from "../link/connection-link.js";
import type { Transport } from "../link/link.js";
import type { TransportEndInfo } from "../types.js";
import { transportOf } from "../link/transport.js";

/** The part of a WebSocket this adapter uses; the browser's, Deno's, Bun's, undici's and `ws`'s all fit. */
export interface WebSocketLike {
  /** 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED. */
  readonly readyState: number;
  /** Bytes queued but not yet sent. Some sockets (Workers) lack it: then writes never wait. */
  readonly bufferedAmount?: number;
  /** Set to "arraybuffer" (or kept at `ws`'s "nodebuffer"): messages come as bytes. */
  binaryType?: string;
  /** Called with binary data only: a Uint8Array over an ArrayBuffer (the DOM's BufferSource). */
  send(data: ArrayBufferBytes): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Listens for "open", "message", "close" or "error". */
  // biome-ignore lint/suspicious/noExplicitAny: the DOM types each event by its name; `any` lets its WebSocket and `ws` both fit
  addEventListener(type: string, listener: (event: any) => void): void;
  /** Stops listening. */
  // biome-ignore lint/suspicious/noExplicitAny: as for addEventListener
  removeEventListener(type: string, listener: (event: any) => void): void;
}

/**
 * Bytes over an ArrayBuffer (never a SharedArrayBuffer), which is what the DOM's `send()` accepts.
 * Spelt without type arguments, so the declarations also compile on TypeScript before 5.7, where
 * typed arrays are not generic.
 */
export type ArrayBufferBytes = Uint8Array & ArrayBufferBacked;

/** A view whose buffer is an ArrayBuffer. */
export interface ArrayBufferBacked {
  /** The view's ArrayBuffer. */
  readonly buffer: ArrayBuffer;
}

/** Options of fromWebSocket(): when writes wait for the socket to drain. */
export interface WebSocketTransportOptions {
  /** Writes wait while the socket's `bufferedAmount` is above this many bytes; default 1 MiB. */
  highWaterMark?: number;
  /** Waiting writes resume once `bufferedAmount` is at or below this; default 256 KiB. */
  lowWaterMark?: number;
  /**
   * Whether the socket copies the bytes inside send(), as a browser's does (the WebSocket standard
   * says so). Then the frames of one write are joined in one buffer the adapter reuses (a single
   * part is sent as it is); otherwise every message is a buffer of its own. Default: true in a
   * browser page or a browser's worker, false elsewhere (a Workers socket, for one, reads the bytes
   * after send() has returned).
   */
  sendCopies?: boolean;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const NORMAL_CLOSURE = 1000;

const DEFAULT_HIGH_WATER = 1024 * 1024;
const DEFAULT_LOW_WATER = 256 * 1024;
/** bufferedAmount unchanged this long: polls back off. */
const STALL_MS = 20;
/** Bounds of the bufferedAmount poll: MIN_POLL_MS while it moves, doubling to MAX_POLL_MS once stalled. */
const MIN_POLL_MS = 1;
const MAX_POLL_MS = 50;

/** The `ws` package's extras this adapter uses when it recognises one (see `isWsSocket`). */
interface WsSocketExtras {
  send(data: ArrayBufferBytes, cb: (err?: Error) => void): void;
  pause(): void;
  resume(): void;
  terminate(): void;
}

/** A WebSocket constructor: the runtime's global one, or one passed in (the `ws` package's on Node 20). */
export type WebSocketConstructorLike = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** connect()'s options: where and how to open the WebSocket, and the session's options. */
export interface ConnectOptions extends SessionOptions, WebSocketTransportOptions {
  /** The WebSocket to construct; default the global `WebSocket` (browsers, Deno, Bun, Node 22+). */
  WebSocket?: WebSocketConstructorLike;
  /** Subprotocols to ask the server for. */
  protocols?: string | string[];
  /** Aborting it gives up on opening: connect() rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Opens a WebSocket to `url` and resolves, once it is open, with a client session over it; rejects
 * with a MuxError (PeerEOF) carrying the cause when the socket cannot open, so a refused or failed
 * connection is an error here rather than a session that ends at once. Session options are checked
 * before anything is opened.
 */
export function connect(url: string | URL, options: ConnectOptions = {}): Promise<Session> {
  const { WebSocket: given, protocols, signal, highWaterMark, lowWaterMark, sendCopies, ...sessionOptions } = options;
  try {
    // A misspelt option or a bad value fails here, before any connection is made.
    Session.checkOptions(sessionOptions);
  } catch (err) {
    return Promise.reject(err);
  }
  const Ctor = given ?? (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
  if (!Ctor) {
    return Promise.reject(
      new TypeError("streamux/websocket connect(): no global WebSocket here; pass { WebSocket } (on Node 20, the ws package's)"),
    );
  }
  if (signal?.aborted) return Promise.reject(signal.reason);
  const href = String(url);
  return new Promise<Session>((resolve, reject) => {
    let ws: WebSocketLike;
    try {
      ws = new Ctor(href, protocols);
    } catch (err) {
      return reject(new MuxError(ErrorCode.PeerEOF, `WebSocket to ${href} could not be opened: ${describe(err)}`, { cause: err }));
    }
    let cause: unknown;
    const settle = () => {
      ws.removeEventListener("open", onOpen);
      ws.removeEventListener("error", onError);
      ws.removeEventListener("close", onClose);
      signal?.removeEventListener("abort", onAbort);
    };
    const onOpen = () => {
      settle();
      // The session's listeners go on before the next event: no message can be missed.
      resolve(Session.client(fromWebSocket(ws, { highWaterMark, lowWaterMark, sendCopies }), sessionOptions));
    };
    // Browsers fire `error` with no detail and then `close`; `ws` and undici carry the cause.
    const onError = (event: { error?: unknown; message?: string }) => {
      cause ??= event?.error ?? (event?.message ? new Error(event.message) : undefined);
    };
    const onClose = (event: { code?: number; reason?: string }) => {
      settle();
      const why =
        cause !== undefined ? describe(cause) : `closed with code ${event?.code ?? "?"}${event?.reason ? ` (${event.reason})` : ""}`;
      reject(new MuxError(ErrorCode.PeerEOF, `WebSocket to ${href} failed to open: ${why}`, { cause: cause ?? event }));
    };
    const onAbort = () => {
      settle();
      // Closing a socket still connecting makes some (`ws`) report an error: nobody needs it now,
      // but an EventEmitter throws an 'error' that nobody listens to.
      ws.addEventListener("error", () => {});
      try {
        ws.close();
      } catch {
        // Still connecting: some sockets refuse close() then; it is dropped either way.
      }
      reject(signal!.reason);
    };
    ws.addEventListener("open", onOpen);
    ws.addEventListener("error", onError);
    ws.addEventListener("close", onClose);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Wraps a WebSocket that is CONNECTING (writes are held until it opens) or already OPEN (as a
 * Workers server socket is after accept(), which never fires `open`). The session drives `link`;
 * `readable`/`writable` are built only if something asks for them. A WebSocket cannot half-close:
 * ending either way sends the close frame, and the end completes with the peer's.
 */
export function fromWebSocket(ws: WebSocketLike, options: WebSocketTransportOptions = {}): Transport {
  return transportOf(new WebSocketLink(ws, options));
}

/** WebSocket events in, one binary message per write out. */
class WebSocketLink extends ConnectionLink {
  private readonly high: number;
  private readonly low: number;
  /** The `ws` package tells when a send has reached the OS, so no polling is needed there. */
  private readonly wsExtras: WsSocketExtras | null;
  /** send() copies the bytes: a write's parts may be joined in the reused join buffer. */
  private readonly sendCopies: boolean;
  /** Writes made while the socket is still CONNECTING, sent when it opens; null once open. */
  private pending: Uint8Array[] | null = null;
  private closeRequested = false;
  /** A write returned false: drained() is owed once bufferedAmount falls to the low mark. */
  private waiting = false;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private pollDelay = MIN_POLL_MS;
  private lastAmount = 0;
  /** When bufferedAmount last changed (performance.now()). */
  private lastMoved = 0;
  /**
   * Where the parts of a write are joined for a socket that copies inside send(): reused for every
   * message, since a fresh buffer per message is what costs most in a browser (allocating a large
   * ArrayBuffer there takes far longer than copying into one). Grown to the largest write seen, up
   * to the join limit (larger writes get a buffer of their own); let go when the connection ends.
   */
  private readonly joiner = new JoinBuffer();

  constructor(
    private readonly ws: WebSocketLike,
    options: WebSocketTransportOptions,
  ) {
    super();
    this.high = options.highWaterMark ?? DEFAULT_HIGH_WATER;
    this.low = Math.min(options.lowWaterMark ?? DEFAULT_LOW_WATER, this.high);
    this.wsExtras = isWsSocket(ws) ? ws : null;
    this.sendCopies = this.wsExtras === null && (options.sendCopies ?? inBrowser());

    // Node's `ws` hands out Buffers without copying; everything else is asked for ArrayBuffers
    // (never Blobs, which could only be read asynchronously and out of order).
    if (ws.binaryType !== "nodebuffer" && ws.binaryType !== "arraybuffer") {
      try {
        ws.binaryType = "arraybuffer";
      } catch {
        // A socket that refuses still works if it delivers bytes; toBytes() reports one that does not.
      }
    }

    // Listening starts now, not at start(): a message that arrives before the session exists is
    // kept instead of lost.
    ws.addEventListener("message", this.onMessage);
    ws.addEventListener("close", this.onClose);
    ws.addEventListener("error", this.onError);
    if (ws.readyState === CONNECTING) {
      this.pending = [];
      ws.addEventListener("open", this.onOpen);
    } else if (ws.readyState > CLOSING) {
      // Already CLOSED: no close event will come. (A CLOSING socket still fires one.)
      this.finish();
      this.connectionClosed();
    }
  }

  write(parts: Uint8Array[], done: () => void): boolean {
    // The bytes must be ours when write() returns (done() is called at once): the session then
    // reuses its output buffer and lets the application refill its own. Only a socket known to copy
    // inside send() (sendCopies: a browser's) gets them as they are, or joined in the reused join
    // buffer, which the next write overwrites. Anything else may read them later (`ws` queues the
    // caller's memory, a Workers socket reads it after send() returns, held writes wait for
    // `open`): it gets a copy of its own.
    const single = parts.length === 1 ? parts[0]! : null;
    const copies = this.sendCopies && this.pending === null;
    const message = single !== null ? (copies ? single : single.slice()) : copies ? this.joiner.join(parts) : concat(parts);
    done();
    if (message.length === 0) return true;
    if (this.pending) {
      this.pending.push(message);
      return this.wait();
    }
    // After the socket has closed there is nobody to send to; the close event ends the session.
    if (this.ws.readyState !== OPEN || !this.send(message) || this.buffered() <= this.high) return true;
    if (!this.wsExtras) this.startPolling();
    return this.wait();
  }

  protected pauseReading(): void {
    // A WebSocket cannot stop its peer: what arrives meanwhile is kept. `ws` at least stops
    // reading its TCP socket.
    this.events.hold();
    this.wsExtras?.pause();
  }

  protected resumeReading(): void {
    this.wsExtras?.resume();
    this.events.release();
  }

  protected sendFin(): void {
    this.closeRequested = true;
    // CLOSING too: a socket waiting for our answer to the peer's close frame (see onClose). While
    // CONNECTING, onOpen sends what the session wrote and then closes.
    if (this.ws.readyState === OPEN || this.ws.readyState === CLOSING) this.closeSocket();
  }

  protected terminate(): void {
    this.stopPolling();
    this.joiner.release();
    this.pending = null;
    if (this.wsExtras && this.ws.readyState !== CONNECTING) this.wsExtras.terminate();
    else this.closeSocket();
  }

  private wait(): false {
    this.waiting = true;
    return this.blocked();
  }

  private readonly onOpen = (): void => {
    this.ws.removeEventListener("open", this.onOpen);
    const held = this.pending;
    this.pending = null;
    for (const message of held ?? []) if (!this.send(message)) return;
    if (this.closeRequested) {
      this.closeSocket();
      return;
    }
    if (!this.waiting) return;
    if (this.buffered() <= this.low) this.drain();
    else if (!this.wsExtras) this.startPolling();
  };

  private readonly onMessage = (event: { data: unknown }): void => {
    const chunk = toBytes(event.data);
    if (chunk instanceof MuxError) {
      this.finish(chunk);
      // The peer is not speaking streamux; nothing more it sends can be trusted.
      this.closeSocket();
      return;
    }
    if (chunk.length > 0) this.received(chunk);
    // A message is a free look at the send buffer: a waiting write need not wait for the poll.
    if (this.waiting && this.pollTimer !== undefined && this.buffered() <= this.low) this.drain();
  };

  private readonly onClose = (event: { code?: number; reason?: string }): void => {
    // A Workers server socket (without the auto-reply compatibility flag) fires `close` while still
    // CLOSING and waits for us to answer the peer's close frame; elsewhere the socket is CLOSED here.
    if (this.ws.readyState === CLOSING) this.closeSocket(echoableCode(event?.code));
    // Any close code ends the byte stream: the session reports PeerEOF (or its own GOAWAY reason),
    // with the close code and reason as the transport's word on it.
    const info = closeInfo(event);
    this.finish(undefined, info);
    this.connectionClosed(undefined, info);
  };

  private readonly onError = (event: { error?: unknown; message?: string }): void => {
    // Browsers say nothing about the cause; `ws` and undici carry it in `error`.
    this.finish(event?.error ?? new Error(event?.message || "WebSocket error"));
  };

  /** Sends one message; false when the socket threw (the session then ends with that error). */
  private send(message: Uint8Array): boolean {
    // Session buffers are never SharedArrayBuffer-backed; the cast only satisfies the DOM's type.
    const data = message as ArrayBufferBytes;
    try {
      if (this.wsExtras) this.wsExtras.send(data, this.onSent);
      else this.ws.send(data);
      return true;
    } catch (err) {
      this.finish(err);
      return false;
    }
  }

  /** The `ws` send callback: the message has reached the OS (or failed; `close` reports that). */
  private readonly onSent = (): void => {
    if (this.waiting && this.buffered() <= this.low) this.drain();
  };

  /** The connection's end (EOF, or `error`): no more messages or polls. */
  private finish(error?: unknown, info?: TransportEndInfo): void {
    this.stopPolling();
    this.joiner.release();
    this.ws.removeEventListener("open", this.onOpen);
    this.ws.removeEventListener("message", this.onMessage);
    // The error listener stays: on `ws` (an EventEmitter) an 'error' nobody listens to is thrown.
    this.ended(error, info);
  }

  private buffered(): number {
    return this.ws.bufferedAmount ?? 0;
  }

  private drain(): void {
    this.waiting = false;
    this.stopPolling();
    this.drained();
  }

  /**
   * A browser WebSocket fires nothing when its buffer empties, so bufferedAmount is polled, only
   * while a write is waiting: on a short timer while it moves (browsers take it down in bursts, so
   * a delay estimated from the drain rate so far lets the socket run dry), backing off to one poll
   * per MAX_POLL_MS once it has not moved for STALL_MS, so a stalled peer costs next to nothing.
   * Every message that arrives meanwhile is a look too (see onMessage).
   */
  private startPolling(): void {
    if (this.pollTimer !== undefined) return;
    this.lastAmount = this.buffered();
    this.lastMoved = performance.now();
    this.pollDelay = MIN_POLL_MS;
    this.pollTimer = setTimeout(this.poll, this.pollDelay);
  }

  private readonly poll = (): void => {
    this.pollTimer = undefined;
    if (!this.waiting || this.isClosed) return;
    const amount = this.buffered();
    if (amount <= this.low) {
      this.drain();
      return;
    }
    const now = performance.now();
    if (amount !== this.lastAmount) {
      this.lastAmount = amount;
      this.lastMoved = now;
      this.pollDelay = MIN_POLL_MS;
    } else if (now - this.lastMoved >= STALL_MS) {
      this.pollDelay = Math.min(MAX_POLL_MS, this.pollDelay * 2);
    }
    this.pollTimer = setTimeout(this.poll, this.pollDelay);
  };

  private stopPolling(): void {
    if (this.pollTimer === undefined) return;
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  private closeSocket(code = NORMAL_CLOSURE): void {
    try {
      this.ws.close(code);
    } catch {
      // Already closing or closed.
    }
  }
}

/** A close event's code and reason, as the session reports them. */
function closeInfo(event: { code?: number; reason?: string } | undefined): TransportEndInfo {
  const info: TransportEndInfo = {};
  if (typeof event?.code === "number") info.code = event.code;
  if (typeof event?.reason === "string" && event.reason !== "") info.reason = event.reason;
  return info;
}

/** The peer's close code if we may send it back (1000 or an application's 3000–4999), else 1000. */
function echoableCode(code: number | undefined): number {
  return code !== undefined && (code === NORMAL_CLOSURE || (code >= 3000 && code <= 4999)) ? code : NORMAL_CLOSURE;
}

/**
 * A browser page or a browser's worker: there a WebSocket's send() copies what it is given. Not
 * jsdom, which has a document but whose WebSocket hands the caller's bytes to `ws` as they are.
 */
function inBrowser(): boolean {
  const g = globalThis as { document?: unknown; importScripts?: unknown; navigator?: { userAgent?: unknown } };
  const agent = g.navigator?.userAgent;
  if (typeof agent === "string" && agent.includes("jsdom")) return false;
  return typeof g.document === "object" || typeof g.importScripts === "function";
}

/**
 * Recognises the `ws` package (and Bun's drop-in for it): an EventEmitter with terminate() whose
 * send() takes a completion callback. Other WebSockets' send() takes no callback (Bun's takes a
 * `compress` flag there), so they are polled instead.
 */
function isWsSocket(ws: WebSocketLike): ws is WebSocketLike & WsSocketExtras {
  const candidate = ws as unknown as Record<string, unknown>;
  return (
    typeof candidate.on === "function" &&
    typeof candidate.terminate === "function" &&
    typeof candidate.pause === "function" &&
    typeof candidate.resume === "function"
  );
}

/**
 * A message's bytes, without copying where the runtime allows; a MuxError for anything that is not
 * binary (a text message is a protocol violation: streamux speaks bytes only).
 */
function toBytes(data: unknown): Uint8Array | MuxError {
  if (data instanceof Uint8Array) {
    // A Node Buffer is passed on as a plain Uint8Array view: Buffer's slice() shares memory,
    // which code written for Uint8Array does not expect.
    return data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (data instanceof ArrayBuffer || Object.prototype.toString.call(data) === "[object ArrayBuffer]") {
    return new Uint8Array(data as ArrayBuffer);
  }
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // `ws` with binaryType "fragments": the message's pieces, in order.
  if (Array.isArray(data) && data.every((piece) => piece instanceof Uint8Array)) return concat(data);
  if (typeof data === "string") {
    return new MuxError(ErrorCode.ProtocolError, "streamux/websocket: received a text message; streamux sends binary only");
  }
  return new MuxError(
    ErrorCode.ProtocolError,
    'streamux/websocket: received a message that is not bytes (set binaryType to "arraybuffer")',
  );
}
