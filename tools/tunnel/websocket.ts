/**
 * A small RFC 6455 WebSocket on Node's own sockets, client and server side, shaped like the DOM's
 * WebSocket as far as `streamux/websocket`'s `fromWebSocket()` and `connect()` use it. The tool
 * carries it so it needs nothing beyond Node: Node 20 has no WebSocket client, and no Node has a
 * WebSocket server.
 *
 * Only what a muxado transport needs: binary messages (a text message is passed on as a string,
 * which the adapter refuses), ping answered with pong, the close handshake. Data frames are handed
 * on as their bytes arrive, so a large message is never held whole; message boundaries mean nothing
 * to the session above. No extensions (no compression).
 */
import { createHash, randomBytes, randomFillSync } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import type * as net from "node:net";
import type { ArrayBufferBytes, WebSocketLike } from "../../src/adapters/websocket.js";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
/** How long a close waits for the peer's close frame (or, on the client, for the server to hang up). */
const CLOSE_WAIT_MS = 5000;
/** Subprotocol the agent asks for; the server echoes it when asked. */
export const SUBPROTOCOL = "streamux-tunnel.v1";

// biome-ignore lint/suspicious/noExplicitAny: listeners of the DOM's WebSocket shape, each typed by its event's name
type Listener = (event: any) => void;

/** Sec-WebSocket-Accept for a key. */
export function acceptKey(key: string): string {
  return createHash("sha1")
    .update(key + GUID)
    .digest("base64");
}

/** One end of a WebSocket connection over a connected socket. */
export class NodeWebSocket implements WebSocketLike {
  readyState = CONNECTING;
  binaryType = "arraybuffer";
  protocol = "";
  private socket: net.Socket | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly parser: FrameParser;
  private closeSent = false;
  private closeReceived: { code: number; reason: string } | null = null;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  private failed: Error | null = null;

  /** `masking`: true on the client side (RFC 6455: every client frame is masked, no server frame is). */
  protected constructor(private readonly masking: boolean) {
    this.parser = new FrameParser(!masking, {
      data: (bytes, text) => this.emit("message", { data: text ? Buffer.from(bytes).toString("utf8") : bytes }),
      control: (opcode, payload) => this.onControl(opcode, payload),
      error: (code, message) => this.fail(code, message),
    });
  }

  /** Server side: the upgraded socket of an accepted handshake (see `acceptUpgrade`). */
  static accepted(socket: net.Socket, head: Uint8Array, protocol: string): NodeWebSocket {
    const ws = new NodeWebSocket(false);
    ws.protocol = protocol;
    ws.attach(socket, head);
    return ws;
  }

  get bufferedAmount(): number {
    return this.socket?.writableLength ?? 0;
  }

  addEventListener(type: string, listener: Listener): void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
  }

  send(data: ArrayBufferBytes): void {
    if (this.readyState === CONNECTING) throw new Error("WebSocket is still connecting");
    if (this.readyState !== OPEN) return;
    this.writeFrame(0x2, data);
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState === CLOSED || this.closeSent) return;
    if (this.readyState === CONNECTING && !this.socket) {
      this.abort(new Error("closed before the connection was open"));
      return;
    }
    this.readyState = CLOSING;
    this.sendClose(code, reason);
    if (this.closeReceived) this.finishClosing();
    else this.armCloseTimer();
  }

  protected attach(socket: net.Socket, head: Uint8Array): void {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.parser.push(chunk));
    socket.on("error", (err: Error) => {
      this.failed ??= err;
    });
    socket.on("end", () => {
      // The peer hung up; after a close handshake that is the expected end.
      if (!this.closeReceived) this.failed ??= new Error("connection ended without a close frame");
      socket.end();
    });
    socket.on("close", () => this.closed());
    this.readyState = OPEN;
    this.emit("open", {});
    if (head.length > 0) this.parser.push(head);
  }

  /** Fails a connection that never opened (client side). */
  protected abort(err: Error): void {
    if (this.readyState === CLOSED) return;
    this.failed = err;
    this.emit("error", { error: err, message: err.message });
    this.readyState = CLOSED;
    this.emit("close", { code: 1006, reason: "", wasClean: false });
  }

  private onControl(opcode: number, payload: Uint8Array): void {
    if (opcode === 0x9) {
      if (this.readyState === OPEN) this.writeFrame(0xa, payload);
      return;
    }
    if (opcode !== 0x8) return; // pong: nothing to do
    let code = 1005;
    let reason = "";
    if (payload.length >= 2) {
      code = (payload[0]! << 8) | payload[1]!;
      reason = Buffer.from(payload.subarray(2)).toString("utf8");
    }
    this.closeReceived = { code, reason };
    if (this.readyState === OPEN) {
      this.readyState = CLOSING;
      // Echo the peer's code where the protocol allows sending it.
      this.sendClose(code === 1005 ? 1000 : code, "");
    }
    this.finishClosing();
  }

  /** Both close frames are out: the server hangs up; the client waits for it (RFC 6455 §7.1.1). */
  private finishClosing(): void {
    if (!this.masking) this.socket?.end();
    else this.armCloseTimer();
  }

  private armCloseTimer(): void {
    if (this.closeTimer) return;
    this.closeTimer = setTimeout(() => this.socket?.destroy(), CLOSE_WAIT_MS);
    this.closeTimer.unref();
  }

  private sendClose(code: number, reason: string): void {
    if (this.closeSent) return;
    this.closeSent = true;
    const text = Buffer.from(reason, "utf8").subarray(0, 123);
    const payload = new Uint8Array(2 + text.length);
    payload[0] = code >> 8;
    payload[1] = code & 0xff;
    payload.set(text, 2);
    this.writeFrame(0x8, payload);
  }

  /** A protocol error from the peer: close with its code and drop the connection. */
  private fail(code: number, message: string): void {
    this.failed ??= new Error(message);
    if (this.readyState === OPEN) {
      this.readyState = CLOSING;
      this.sendClose(code, message);
    }
    this.socket?.end();
    this.armCloseTimer();
  }

  private closed(): void {
    clearTimeout(this.closeTimer);
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    const received = this.closeReceived;
    if (!received && this.failed) this.emit("error", { error: this.failed, message: this.failed.message });
    this.emit("close", {
      code: received ? received.code : 1006,
      reason: received ? received.reason : "",
      wasClean: received !== null && this.closeSent,
    });
  }

  /** One final frame: header, then the payload, masked on the client side; a single write. */
  private writeFrame(opcode: number, payload: Uint8Array): void {
    const socket = this.socket;
    if (!socket || socket.destroyed || socket.writableEnded) return;
    const length = payload.length;
    const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
    const maskBytes = this.masking ? 4 : 0;
    const headerLength = 2 + lengthBytes + maskBytes;
    // One buffer for header and payload: send() must be done with the caller's bytes when it returns.
    const frame = Buffer.allocUnsafe(headerLength + length);
    frame[0] = 0x80 | opcode;
    frame[1] = (this.masking ? 0x80 : 0) | (length < 126 ? length : length < 65536 ? 126 : 127);
    if (lengthBytes === 2) frame.writeUInt16BE(length, 2);
    else if (lengthBytes === 8) frame.writeBigUInt64BE(BigInt(length), 2);
    if (this.masking) {
      const key = frame.subarray(2 + lengthBytes, headerLength);
      maskKey(key);
      // Copied first, then masked in place: source and target then share their alignment.
      const body = frame.subarray(headerLength);
      body.set(payload);
      mask(body, body, key, 0);
    } else {
      frame.set(payload, headerLength);
    }
    socket.write(frame);
  }

  private emit(type: string, event: object): void {
    const set = this.listeners.get(type);
    if (!set) return;
    for (const listener of [...set]) listener(event);
  }
}

/** Client side: `new ClientWebSocket(url)` starts the opening handshake (ws: or wss:). */
export class ClientWebSocket extends NodeWebSocket {
  constructor(url: string, protocols?: string | string[], tlsOptions: https.RequestOptions = {}) {
    super(true);
    const target = new URL(url);
    const secure = target.protocol === "wss:";
    if (!secure && target.protocol !== "ws:") throw new SyntaxError(`not a WebSocket URL: ${url}`);
    const key = randomBytes(16).toString("base64");
    const wanted = protocols === undefined ? [] : Array.isArray(protocols) ? protocols : [protocols];
    const headers: Record<string, string> = {
      Connection: "Upgrade",
      Upgrade: "websocket",
      "Sec-WebSocket-Key": key,
      "Sec-WebSocket-Version": "13",
    };
    if (wanted.length > 0) headers["Sec-WebSocket-Protocol"] = wanted.join(", ");
    const options: https.RequestOptions = {
      host: target.hostname.replace(/^\[|\]$/g, ""),
      port: target.port || (secure ? 443 : 80),
      path: target.pathname + target.search,
      headers,
      agent: false,
      ...(secure ? tlsOptions : {}),
    };
    const request = (secure ? https : http).request(options);
    request.on("upgrade", (response: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      const protocol = response.headers["sec-websocket-protocol"] ?? "";
      if (response.headers["sec-websocket-accept"] !== acceptKey(key)) {
        socket.destroy();
        return this.abort(new Error("the server's handshake answer is wrong (Sec-WebSocket-Accept)"));
      }
      if (protocol !== "" && !wanted.includes(protocol)) {
        socket.destroy();
        return this.abort(new Error(`the server chose a subprotocol not asked for: ${protocol}`));
      }
      this.protocol = protocol;
      this.attach(socket, head);
    });
    request.on("response", (response: http.IncomingMessage) => {
      response.resume();
      this.abort(new Error(`the server answered HTTP ${response.statusCode} instead of switching to WebSocket`));
    });
    request.on("error", (err: Error) => this.abort(err));
    request.end();
  }
}

/**
 * Completes a server-side handshake on an `upgrade` event, or answers 400/426 and returns null.
 * The subprotocol is echoed when the client asks for `SUBPROTOCOL`.
 */
export function acceptUpgrade(request: http.IncomingMessage, socket: net.Socket, head: Buffer): NodeWebSocket | null {
  const key = request.headers["sec-websocket-key"];
  const upgrade = String(request.headers.upgrade ?? "").toLowerCase();
  if (request.method !== "GET" || upgrade !== "websocket" || typeof key !== "string" || !/^[A-Za-z0-9+/]{22}==$/.test(key)) {
    socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    return null;
  }
  if (request.headers["sec-websocket-version"] !== "13") {
    socket.end("HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    return null;
  }
  const offered = String(request.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((p) => p.trim());
  const protocol = offered.includes(SUBPROTOCOL) ? SUBPROTOCOL : "";
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
      (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : "") +
      "\r\n",
  );
  return NodeWebSocket.accepted(socket, head, protocol);
}

interface ParserEvents {
  /** Data frame payload bytes as they arrive (a frame may come in several calls). */
  data(bytes: Uint8Array, text: boolean): void;
  control(opcode: number, payload: Uint8Array): void;
  error(code: number, message: string): void;
}

/** Incremental frame parser: headers are gathered, data payloads passed on (unmasked) as they come. */
class FrameParser {
  private header = new Uint8Array(14);
  private have = 0;
  /** Payload bytes still to come in the current frame; -1 while reading a header. */
  private remaining = -1;
  private opcode = 0;
  private key: Uint8Array | null = null;
  /** Payload bytes of the current frame already unmasked (the mask's phase). */
  private offset = 0;
  /** Opcode of the data message in progress (for continuation frames): 1 text, 2 binary, 0 none. */
  private message = 0;
  private control: Uint8Array[] = [];
  /** Bytes of the data message in progress so far. */
  private messageBytes = 0;
  private fin = false;
  private dead = false;

  constructor(
    private readonly masked: boolean,
    private readonly events: ParserEvents,
  ) {}

  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && !this.dead) {
      if (this.remaining < 0) {
        at = this.readHeader(chunk, at);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - at);
      const part = chunk.subarray(at, at + take);
      at += take;
      this.remaining -= take;
      if (this.key) mask(part, part, this.key, this.offset);
      this.offset += take;
      if (this.opcode >= 0x8) this.control.push(part.slice());
      else if (take > 0) {
        this.messageBytes += take;
        this.events.data(part, this.message === 1);
      }
      if (this.remaining === 0) this.endFrame();
    }
  }

  private readHeader(chunk: Uint8Array, at: number): number {
    // Gather the two fixed bytes first, then as many as the header turns out to need.
    while (at < chunk.length && this.have < 2) this.header[this.have++] = chunk[at++]!;
    if (this.have < 2) return at;
    const b0 = this.header[0]!;
    const b1 = this.header[1]!;
    const len7 = b1 & 0x7f;
    const need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
    while (at < chunk.length && this.have < need) this.header[this.have++] = chunk[at++]!;
    if (this.have < need) return at;

    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if (b0 & 0x70) {
      this.error(1002, "reserved bits set (no extension was agreed)");
      return at;
    }
    if (((b1 & 0x80) !== 0) !== this.masked) {
      this.error(1002, this.masked ? "unmasked frame from a client" : "masked frame from the server");
      return at;
    }
    let length = len7;
    const view = new DataView(this.header.buffer);
    if (len7 === 126) length = view.getUint16(2);
    else if (len7 === 127) {
      const big = view.getBigUint64(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        this.error(1009, "frame too large");
        return at;
      }
      length = Number(big);
    }
    if (opcode >= 0x8) {
      if (!fin || length > 125 || (opcode !== 0x8 && opcode !== 0x9 && opcode !== 0xa)) {
        this.error(1002, "bad control frame");
        return at;
      }
    } else if (opcode === 0x0) {
      if (this.message === 0) {
        this.error(1002, "continuation without a message");
        return at;
      }
    } else if (opcode === 0x1 || opcode === 0x2) {
      if (this.message !== 0) {
        this.error(1002, "new message inside a fragmented one");
        return at;
      }
      this.message = opcode;
    } else {
      this.error(1002, `unknown opcode ${opcode}`);
      return at;
    }
    this.opcode = opcode;
    this.fin = fin;
    this.key = this.masked ? this.header.slice(need - 4, need) : null;
    this.offset = 0;
    this.remaining = length;
    this.have = 0;
    if (length === 0) this.endFrame();
    return at;
  }

  private endFrame(): void {
    this.remaining = -1;
    if (this.opcode >= 0x8) {
      const parts = this.control.splice(0);
      const payload = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      this.events.control(this.opcode, payload);
    } else if (this.fin) {
      // An empty message is still a message.
      if (this.messageBytes === 0) this.events.data(new Uint8Array(0), this.message === 1);
      this.message = 0;
      this.messageBytes = 0;
    }
  }

  private error(code: number, message: string): void {
    this.dead = true;
    this.events.error(code, message);
  }
}

/** Masking keys come from a pool of random bytes, refilled from the CSPRNG when spent. */
const keyPool = Buffer.alloc(8192);
let keyPoolAt = keyPool.length;

function maskKey(into: Uint8Array): void {
  if (keyPoolAt + 4 > keyPool.length) {
    randomFillSync(keyPool);
    keyPoolAt = 0;
  }
  into.set(keyPool.subarray(keyPoolAt, keyPoolAt + 4));
  keyPoolAt += 4;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** XORs `from` with the 4-byte key into `to` (may be the same bytes), starting at key phase `offset`. */
function mask(from: Uint8Array, to: Uint8Array, key: Uint8Array, offset: number): void {
  const n = from.length;
  let i = 0;
  // Byte by byte until `to` is 4-aligned, then a word at a time with the key rotated to match.
  const k0 = key[(offset + 0) & 3]!;
  const k1 = key[(offset + 1) & 3]!;
  const k2 = key[(offset + 2) & 3]!;
  const k3 = key[(offset + 3) & 3]!;
  const ks = [k0, k1, k2, k3];
  while (i < n && ((to.byteOffset + i) & 3) !== 0) {
    to[i] = from[i]! ^ ks[i & 3]!;
    i++;
  }
  const words = (n - i) >>> 2;
  if (LITTLE_ENDIAN && words > 0 && ((from.byteOffset + i) & 3) === 0) {
    const f32 = new Uint32Array(from.buffer, from.byteOffset + i, words);
    const t32 = new Uint32Array(to.buffer, to.byteOffset + i, words);
    // The key as a little-endian word lined up with byte i.
    const kw = (ks[i & 3]! | (ks[(i + 1) & 3]! << 8) | (ks[(i + 2) & 3]! << 16) | (ks[(i + 3) & 3]! << 24)) >>> 0;
    for (let w = 0; w < words; w++) t32[w] = f32[w]! ^ kw;
    i += words * 4;
  }
  for (; i < n; i++) to[i] = from[i]! ^ ks[i & 3]!;
}
