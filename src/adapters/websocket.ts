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
import { concat } from "../frame/decode.js";
import type { Link, LinkSink, Transport } from "../link/link.js";

/** The part of a WebSocket this adapter uses; the browser's, Deno's, Bun's, undici's and `ws`'s all fit. */
export interface WebSocketLike {
  /** 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED. */
  readonly readyState: number;
  /** Bytes queued but not yet sent. Some sockets (Workers) lack it: then writes never wait. */
  readonly bufferedAmount?: number;
  binaryType?: string;
  /** Called with binary data only: a Uint8Array over an ArrayBuffer (the DOM's BufferSource). */
  send(data: ArrayBufferBytes): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void): void;
  removeEventListener(type: string, listener: (event: any) => void): void;
}

/**
 * Bytes over an ArrayBuffer (never a SharedArrayBuffer), which is what the DOM's `send()` accepts.
 * Spelt without type arguments, so the declarations also compile on TypeScript before 5.7, where
 * typed arrays are not generic.
 */
export type ArrayBufferBytes = Uint8Array & { readonly buffer: ArrayBuffer };

export interface WebSocketTransportOptions {
  /** Writes wait while the socket's `bufferedAmount` is above this many bytes; default 1 MiB. */
  highWaterMark?: number;
  /** Waiting writes resume once `bufferedAmount` is at or below this; default 256 KiB. */
  lowWaterMark?: number;
  /** How long ending waits for the peer's close frame before settling anyway; default 5000 ms. */
  closeTimeout?: number;
}

const noop = () => {};
const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const NORMAL_CLOSURE = 1000;

const DEFAULT_HIGH_WATER = 1024 * 1024;
const DEFAULT_LOW_WATER = 256 * 1024;
const DEFAULT_CLOSE_TIMEOUT = 5000;
/** Bounds of the bufferedAmount poll; between them the delay follows the measured drain rate. */
const MIN_POLL_MS = 1;
const MAX_POLL_MS = 50;

/** The `ws` package's extras this adapter uses when it recognises one (see `isWsSocket`). */
interface WsSocketExtras {
  send(data: ArrayBufferBytes, cb: (err?: Error) => void): void;
  pause(): void;
  resume(): void;
  terminate(): void;
}

/**
 * Wraps a WebSocket that is CONNECTING (writes are held until it opens) or already OPEN (as a
 * Workers server socket is after accept(), which never fires `open`).
 */
export function fromWebSocket(ws: WebSocketLike, options: WebSocketTransportOptions = {}): Transport {
  return new WebSocketTransport(new WebSocketConnection(ws, options));
}

/**
 * Transport over a WebSocket. The session drives `link`; the WHATWG `readable`/`writable` are
 * built only if something asks for them, so the fast path allocates no streams.
 */
class WebSocketTransport implements Transport {
  readonly link: Link;
  #streams: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> } | undefined;

  constructor(private readonly connection: WebSocketConnection) {
    this.link = connection;
  }

  get readable(): ReadableStream<Uint8Array> {
    return (this.#streams ??= streamsOver(this.connection)).readable;
  }

  get writable(): WritableStream<Uint8Array> {
    return (this.#streams ??= streamsOver(this.connection)).writable;
  }

  close(): Promise<void> {
    return this.connection.end();
  }
}

/** The adapter proper: WebSocket events in, one message per session write out. */
class WebSocketConnection implements Link {
  private readonly high: number;
  private readonly low: number;
  private readonly closeTimeout: number;
  /** The `ws` package tells when a send has reached the OS, so no polling is needed there. */
  private readonly wsExtras: WsSocketExtras | null;

  private sink: LinkSink | null = null;
  /**
   * Messages received but not yet delivered: before start(), and while paused. Null when messages
   * go straight to the sink. `queueHead` indexes the next one (no O(n) shift per message).
   */
  private queue: Uint8Array[] | null = [];
  private queueHead = 0;
  private paused = false;
  /** How the connection ended (close or error event), delivered after the queue drains. */
  private outcome: { error: unknown } | "eof" | null = null;
  private outcomeDelivered = false;

  /** Session writes made while the socket is still CONNECTING, sent when it opens; null once open. */
  private pending: Uint8Array[] | null = null;
  private endRequested = false;
  /** A write returned false; sink.drain() is owed once bufferedAmount falls to the low mark. */
  private blocked = false;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private pollDelay = MIN_POLL_MS;
  private lastAmount = 0;

  private readonly socketClosed: Promise<void>;
  private markSocketClosed!: () => void;

  constructor(
    private readonly ws: WebSocketLike,
    options: WebSocketTransportOptions,
  ) {
    this.high = options.highWaterMark ?? DEFAULT_HIGH_WATER;
    this.low = Math.min(options.lowWaterMark ?? DEFAULT_LOW_WATER, this.high);
    this.closeTimeout = options.closeTimeout ?? DEFAULT_CLOSE_TIMEOUT;
    this.wsExtras = isWsSocket(ws) ? ws : null;
    this.socketClosed = new Promise((resolve) => (this.markSocketClosed = resolve));

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
    // queued instead of lost.
    ws.addEventListener("message", this.onMessage);
    ws.addEventListener("close", this.onClose);
    ws.addEventListener("error", this.onError);
    if (ws.readyState === CONNECTING) {
      this.pending = [];
      ws.addEventListener("open", this.onOpen);
    } else if (ws.readyState > CLOSING) {
      // Already CLOSED: no close event will come. (A CLOSING socket still fires one.)
      this.finish("eof");
    }
  }

  start(sink: LinkSink): void {
    if (this.sink) throw new Error("streamux/websocket: the transport was already started");
    this.sink = sink;
    this.flushQueue();
  }

  write(parts: Uint8Array[], done: () => void): boolean {
    const more = this.send1(parts);
    done();
    return more;
  }

  private send1(parts: Uint8Array[]): boolean {
    // The bytes must be ours when write() returns (done() is called at once): the session lets
    // the application refill its buffers then. Joining copies; a single part is copied only where nobody else will — `ws`
    // may queue the caller's memory as is, and held writes wait for `open`. Browsers, Deno, Bun,
    // undici and Workers copy inside send().
    const single = parts.length === 1 ? parts[0]! : null;
    const message = single === null ? concat(parts) : this.wsExtras || this.pending ? single.slice() : single;
    if (message.length === 0) return true;
    if (this.pending) {
      this.pending.push(message);
      this.blocked = true;
      return false;
    }
    // After the socket has closed there is nobody to send to; the close event ends the session.
    if (this.ws.readyState !== OPEN) return true;
    if (!this.send(message)) return true;
    if (this.buffered() <= this.high) return true;
    this.blocked = true;
    if (!this.wsExtras) this.startPolling();
    return false;
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.queue ??= [];
    // A WebSocket cannot stop its peer; `ws` at least stops reading its TCP socket.
    this.wsExtras?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.wsExtras?.resume();
    this.flushQueue();
  }

  end(): Promise<void> {
    this.endRequested = true;
    // CLOSING too: a socket waiting for our answer to the peer's close frame (see onClose).
    if (this.ws.readyState === OPEN || this.ws.readyState === CLOSING) this.closeSocket();
    // While CONNECTING, onOpen sends what the session wrote and then closes.
    return this.settleWithin(this.closeTimeout);
  }

  destroy(): void {
    this.stopPolling();
    this.pending = null;
    if (this.wsExtras && this.ws.readyState !== CONNECTING) this.wsExtras.terminate();
    else this.closeSocket();
  }

  private readonly onOpen = (): void => {
    this.ws.removeEventListener("open", this.onOpen);
    const held = this.pending;
    this.pending = null;
    for (const message of held ?? []) if (!this.send(message)) return;
    if (this.endRequested) return this.closeSocket();
    if (!this.blocked) return;
    if (this.buffered() <= this.low) this.drain();
    else if (!this.wsExtras) this.startPolling();
  };

  private readonly onMessage = (event: { data: unknown }): void => {
    if (this.outcome) return;
    const chunk = toBytes(event.data);
    if (chunk instanceof MuxError) {
      this.finish({ error: chunk });
      // The peer is not speaking streamux; nothing more it sends can be trusted.
      this.closeSocket();
      return;
    }
    if (chunk.length === 0) return;
    if (this.queue) this.queue.push(chunk);
    else this.sink!.data(chunk);
  };

  private readonly onClose = (event: { code?: number }): void => {
    this.markSocketClosed();
    // A Workers server socket (without the auto-reply compatibility flag) fires `close` while still
    // CLOSING and waits for us to answer the peer's close frame; elsewhere the socket is CLOSED here.
    if (this.ws.readyState === CLOSING) this.closeSocket(echoableCode(event?.code));
    // Any close code ends the byte stream: the session reports PeerEOF (or its own GOAWAY reason).
    this.finish("eof");
  };

  private readonly onError = (event: { error?: unknown; message?: string }): void => {
    // Browsers say nothing about the cause; `ws` and undici carry it in `error`.
    const error = event?.error ?? new Error(event?.message || "WebSocket error");
    this.finish({ error });
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
      this.finish({ error: err });
      return false;
    }
  }

  /** The `ws` send callback: the message has reached the OS (or failed; `close` reports that). */
  private readonly onSent = (): void => {
    if (this.blocked && this.buffered() <= this.low) this.drain();
  };

  private finish(outcome: { error: unknown } | "eof"): void {
    if (this.outcome) return;
    this.outcome = outcome;
    this.stopPolling();
    this.ws.removeEventListener("open", this.onOpen);
    this.ws.removeEventListener("message", this.onMessage);
    // The error listener stays: on `ws` (an EventEmitter) an 'error' nobody listens to is thrown.
    if (!this.queue) this.deliverOutcome();
  }

  private deliverOutcome(): void {
    const sink = this.sink;
    const outcome = this.outcome;
    if (!sink || !outcome || this.outcomeDelivered) return;
    this.outcomeDelivered = true;
    if (outcome === "eof") sink.end();
    else sink.error(outcome.error);
  }

  /** Hands queued messages to the sink in order until it pauses again, then any end or error. */
  private flushQueue(): void {
    const queue = this.queue;
    if (!this.sink || !queue || this.paused) return;
    while (this.queueHead < queue.length) {
      const chunk = queue[this.queueHead]!;
      queue[this.queueHead++] = undefined!;
      this.sink.data(chunk);
      if (this.paused) {
        queue.splice(0, this.queueHead);
        this.queueHead = 0;
        return;
      }
    }
    this.queue = null;
    this.queueHead = 0;
    this.deliverOutcome();
  }

  private buffered(): number {
    return this.ws.bufferedAmount ?? 0;
  }

  private drain(): void {
    this.blocked = false;
    this.stopPolling();
    this.sink?.drain();
  }

  /**
   * A browser WebSocket fires nothing when its buffer empties, so bufferedAmount is polled, only
   * while a write is waiting. The next poll is timed by the drain rate seen so far: fast links are
   * polled often, a stalled peer costs at most one timer per MAX_POLL_MS.
   */
  private startPolling(): void {
    if (this.pollTimer !== undefined) return;
    this.pollDelay = MIN_POLL_MS;
    this.lastAmount = this.buffered();
    this.pollTimer = setTimeout(this.poll, this.pollDelay);
  }

  private readonly poll = (): void => {
    this.pollTimer = undefined;
    if (!this.blocked || this.outcome) return;
    const amount = this.buffered();
    if (amount <= this.low) return this.drain();
    const drained = this.lastAmount - amount;
    const estimate = drained > 0 ? (this.pollDelay * (amount - this.low)) / drained : this.pollDelay * 2;
    this.pollDelay = Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, estimate));
    this.lastAmount = amount;
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

  /** Resolves on the close event, or after `ms` if the peer never answers the close frame. */
  private settleWithin(ms: number): Promise<void> {
    if (this.ws.readyState > CLOSING) return Promise.resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    return Promise.race([this.socketClosed, timeout]).finally(() => clearTimeout(timer));
  }
}

/** The peer's close code if we may send it back (1000 or an application's 3000–4999), else 1000. */
function echoableCode(code: number | undefined): number {
  return code !== undefined && (code === NORMAL_CLOSURE || (code >= 3000 && code <= 4999)) ? code : NORMAL_CLOSURE;
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
    "streamux/websocket: received a message that is not bytes (set binaryType to \"arraybuffer\")",
  );
}

/** The WHATWG view of the same connection, for code that reads `transport.readable`/`writable`. */
function streamsOver(connection: WebSocketConnection): {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
} {
  let readController!: ReadableStreamDefaultController<Uint8Array>;
  let writeController!: WritableStreamDefaultController;
  let waitingForDrain: (() => void) | null = null;
  const releaseWriter = () => {
    const release = waitingForDrain;
    waitingForDrain = null;
    release?.();
  };

  const readable = new ReadableStream<Uint8Array>(
    {
      start: (c) => void (readController = c),
      pull: () => connection.resume(),
      cancel: () => connection.destroy(),
    },
    { highWaterMark: DEFAULT_HIGH_WATER, size: (chunk) => chunk.byteLength },
  );
  const writable = new WritableStream<Uint8Array>({
    start: (c) => void (writeController = c),
    write: (chunk) => {
      // The adapter owns the bytes once write() returns (see send1), so completion is immediate.
      if (connection.write([chunk], noop)) return;
      return new Promise<void>((resolve) => (waitingForDrain = resolve));
    },
    close: () => connection.end(),
    abort: () => connection.destroy(),
  });

  connection.start({
    data(chunk) {
      try {
        readController.enqueue(chunk);
      } catch {
        return; // The reader cancelled; the connection is being torn down.
      }
      if ((readController.desiredSize ?? 1) <= 0) connection.pause();
    },
    end() {
      try {
        readController.close();
      } catch {
        // The reader already cancelled.
      }
      releaseWriter();
    },
    error(err) {
      readController.error(err);
      writeController.error(err);
      releaseWriter();
    },
    drain: releaseWriter,
  });
  return { readable, writable };
}
