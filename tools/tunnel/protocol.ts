/**
 * The tunnel's wire, on top of a typed muxado session (docs/tunnel-protocol.md): which stream types
 * exist, the control messages and how they are framed, and the header of a tunnelled connection.
 */
import type { MuxStream, SessionOptions } from "../../src/index.js";

/** Version of the control exchange sent in `hello`. */
export const PROTOCOL_VERSION = 1;

/** Stream types (muxado typed streams). */
export const CONTROL_STREAM = 1;
export const CONNECTION_STREAM = 2;

/** The longest control message or connection header accepted, in bytes of JSON. */
export const MAX_MESSAGE = 64 * 1024;

/** Why the server refused a hello (`error.code`). */
export const RefusalCode = {
  Unauthorized: "unauthorized",
  PortNotAllowed: "port_not_allowed",
  PortInUse: "port_in_use",
  BadRequest: "bad_request",
  UnsupportedVersion: "unsupported_version",
  ShuttingDown: "shutting_down",
  Internal: "internal",
} as const;
export type RefusalCode = (typeof RefusalCode)[keyof typeof RefusalCode];

/** Agent → server, first message on the control stream. */
export interface Hello {
  type: "hello";
  version: number;
  token?: string;
  /** Who the agent is across reconnects: the server keeps the port of a (token, name) for a while. */
  name?: string;
  /** The public port the agent asks for; absent: the server picks. */
  port?: number;
}

/** Server → agent: the public port is listening. */
export interface Ready {
  type: "ready";
  /** The host public clients connect to, as the server knows it; "" when it listens on every interface. */
  host: string;
  port: number;
}

/** Server → agent: the hello was refused; the server ends the session after it. */
export interface Refusal {
  type: "error";
  code: RefusalCode | string;
  message: string;
}

export type ServerMessage = Ready | Refusal;

/** Server → agent, first bytes of every connection stream. */
export interface ConnectionHeader {
  /** The public client's address, "IP:PORT" ("[IPv6]:PORT"). */
  remote: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** One message as it travels: a 4-byte big-endian length, then that many bytes of UTF-8 JSON. */
export function encodeMessage(message: object): Uint8Array {
  const json = encoder.encode(JSON.stringify(message));
  if (json.length > MAX_MESSAGE) throw new RangeError(`message of ${json.length} bytes is over ${MAX_MESSAGE}`);
  const out = new Uint8Array(4 + json.length);
  new DataView(out.buffer).setUint32(0, json.length);
  out.set(json, 4);
  return out;
}

/**
 * Reads length-prefixed JSON messages from a stream with its direct I/O; what arrives after a
 * message stays in `rest` (a connection's first bytes may share a frame with its header).
 */
export class MessageReader {
  private buffered = new Uint8Array(0);

  constructor(private readonly stream: MuxStream) {}

  /** The next message, or null at the end of the stream; throws on a malformed one. */
  async next(signal?: AbortSignal): Promise<Record<string, unknown> | null> {
    const head = await this.fill(4, signal);
    if (head === null) return null;
    const length = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
    if (length > MAX_MESSAGE) throw new Error(`message of ${length} bytes is over ${MAX_MESSAGE}`);
    const body = await this.fill(4 + length, signal);
    if (body === null) throw new Error("the stream ended inside a message");
    const json = body.subarray(4, 4 + length);
    this.buffered = this.buffered.subarray(4 + length);
    const value: unknown = JSON.parse(decoder.decode(json));
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("a message must be a JSON object");
    return value as Record<string, unknown>;
  }

  /** Bytes read past the last message. */
  rest(): Uint8Array {
    return this.buffered;
  }

  /** At least `n` bytes buffered (returned from the start); null if the stream ended cleanly first. */
  private async fill(n: number, signal?: AbortSignal): Promise<Uint8Array | null> {
    while (this.buffered.length < n) {
      const chunk = await this.stream.read(signal ? { signal } : undefined);
      if (chunk === null) {
        if (this.buffered.length === 0) return null;
        throw new Error("the stream ended inside a message");
      }
      const joined = new Uint8Array(this.buffered.length + chunk.length);
      joined.set(this.buffered);
      joined.set(chunk, this.buffered.length);
      this.buffered = joined;
    }
    return this.buffered;
  }
}

/** A hello's fields, checked; a string says what is wrong. */
export function parseHello(message: Record<string, unknown>): Hello | string {
  if (message.type !== "hello") return `expected a hello, got ${JSON.stringify(message.type)}`;
  if (typeof message.version !== "number") return "hello without a version";
  if (message.token !== undefined && typeof message.token !== "string") return "token must be a string";
  if (message.name !== undefined && (typeof message.name !== "string" || message.name.length > 256))
    return "name must be a string of at most 256 characters";
  if (
    message.port !== undefined &&
    !(Number.isInteger(message.port) && (message.port as number) >= 1 && (message.port as number) <= 65535)
  ) {
    return "port must be an integer from 1 to 65535";
  }
  return message as unknown as Hello;
}

/** The server's answer to a hello, checked. */
export function parseServerMessage(message: Record<string, unknown>): ServerMessage {
  if (message.type === "ready" && Number.isInteger(message.port) && typeof message.host === "string") return message as unknown as Ready;
  if (message.type === "error" && typeof message.code === "string") {
    return { type: "error", code: message.code, message: typeof message.message === "string" ? message.message : message.code };
  }
  throw new Error(`unexpected message from the server: ${JSON.stringify(message).slice(0, 200)}`);
}

/**
 * The session options both ends use: typed streams (the wire needs them) with muxado's default
 * window, and a heartbeat that ends a session whose peer went silent (0: no heartbeat).
 */
export function sessionOptions(heartbeatMs: number): SessionOptions {
  if (heartbeatMs <= 0) return { typed: true };
  return { typed: true, heartbeat: { interval: heartbeatMs, tolerance: heartbeatMs, closeOnTimeout: true } };
}
