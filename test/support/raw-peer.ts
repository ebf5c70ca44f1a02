import { onTestFinished } from "vitest";
import { encodeFrame, Flag, FrameDecoder, type Frame } from "../../src/frame/index.js";
import { concat } from "../../src/util/bytes.js";
import { within } from "./async.js";
import { Session, type SessionOptions, type Transport } from "../../src/index.js";
import { memoryPair, type MemoryPair, type MemoryPairOptions } from "./memory-pair.js";

/**
 * A scripted peer for rule tests: it speaks raw frames over one end of a memory pair, so a test
 * states exactly what goes on the wire and checks exactly what the session under test sends back.
 * Every wait is bounded and fails with what was expected and what arrived instead.
 */

const DEFAULT_TIMEOUT_MS = 2000;

export { state, within } from "./async.js";
const encoder = new TextEncoder();

export function bytes(data: string | Uint8Array | number[]): Uint8Array {
  if (typeof data === "string") return encoder.encode(data);
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

/** Frame builders, so tests read like the protocol table. */
export const frame = {
  data: (streamId: number, data: string | Uint8Array | number[] = new Uint8Array(0), flags = 0): Frame => ({
    type: "DATA",
    streamId,
    flags,
    data: bytes(data),
  }),
  syn: (streamId: number, data: string | Uint8Array | number[] = new Uint8Array(0)): Frame => frame.data(streamId, data, Flag.SYN),
  fin: (streamId: number, data: string | Uint8Array | number[] = new Uint8Array(0)): Frame => frame.data(streamId, data, Flag.FIN),
  rst: (streamId: number, code: number): Frame => ({ type: "RST", streamId, code }),
  wndInc: (streamId: number, increment: number): Frame => ({ type: "WNDINC", streamId, increment }),
  goAway: (lastStreamId: number, code: number, debug: string | Uint8Array = new Uint8Array(0)): Frame => ({
    type: "GOAWAY",
    lastStreamId,
    code,
    debug: bytes(debug),
  }),
};

/** A short readable form, e.g. `DATA(3,SYN|FIN,5B)`, for failure messages. */
export function describe(f: Frame): string {
  switch (f.type) {
    case "DATA": {
      const flags = [f.flags & Flag.SYN ? "SYN" : "", f.flags & Flag.FIN ? "FIN" : "", f.flags & ~3 ? `0x${f.flags.toString(16)}` : ""]
        .filter(Boolean)
        .join("|");
      return `DATA(${f.streamId},${flags || "-"},${f.data.length}B)`;
    }
    case "RST":
      return `RST(${f.streamId},${f.code})`;
    case "WNDINC":
      return `WNDINC(${f.streamId},${f.increment})`;
    case "GOAWAY":
      return `GOAWAY(last=${f.lastStreamId},code=${f.code},"${new TextDecoder().decode(f.debug)}")`;
    case "UNKNOWN":
      return `UNKNOWN(type=0x${f.frameType.toString(16)},stream=${f.streamId},${f.length}B)`;
  }
}

const isData = (f: Frame, streamId?: number): f is Extract<Frame, { type: "DATA" }> =>
  f.type === "DATA" && (streamId === undefined || f.streamId === streamId);

/** Predicates for expectFrame/waitFor. */
export const is = {
  data: (streamId?: number) => (f: Frame) => isData(f, streamId),
  syn: (streamId?: number) => (f: Frame) => isData(f, streamId) && (f.flags & Flag.SYN) !== 0,
  fin: (streamId?: number) => (f: Frame) => isData(f, streamId) && (f.flags & Flag.FIN) !== 0,
  rst: (streamId?: number, code?: number) => (f: Frame) =>
    f.type === "RST" && (streamId === undefined || f.streamId === streamId) && (code === undefined || f.code === code),
  wndInc: (streamId?: number) => (f: Frame) => f.type === "WNDINC" && (streamId === undefined || f.streamId === streamId),
  goAway: (code?: number) => (f: Frame) => f.type === "GOAWAY" && (code === undefined || f.code === code),
};

/** A stream id the session can never know: DATA on it is always answered with RST StreamClosed. */
const BARRIER_STREAM = 0x7ffffffe;

export class RawPeer {
  /** Every frame received, in order (consumed or not). */
  readonly received: Frame[] = [];
  private readonly inbox: Frame[] = [];
  private ended = false;
  private failure: unknown = null;
  private readonly wakers = new Set<() => void>();
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;

  constructor(
    transport: Transport,
    readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    this.writer = transport.writable.getWriter();
    // Writes fail once the session hung up; a test that cares awaits send() itself.
    this.writer.closed.catch(() => {});
    void this.readLoop(transport.readable.getReader());
  }

  private async readLoop(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new FrameDecoder(collector((f) => this.deliver(f)));
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        decoder.push(value);
      }
      if (!decoder.idle) throw new Error("the session's bytes ended inside a frame");
    } catch (err) {
      this.failure = err;
    }
    this.ended = true;
    this.notify();
  }

  private deliver(f: Frame): void {
    this.received.push(f);
    this.inbox.push(f);
    this.notify();
  }

  private notify(): void {
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }

  /** Sends frames, encoded back to back in one transport write. */
  send(...frames: Frame[]): Promise<void> {
    return this.sendBytes(concat(frames.map(encodeFrame)));
  }

  /** Sends raw bytes, well-formed or not. */
  sendBytes(raw: Uint8Array): Promise<void> {
    return this.writer.write(raw);
  }

  /** Ends our side of the connection: the session sees EOF. */
  async end(): Promise<void> {
    await this.writer.close().catch(() => {});
  }

  /** Frames received and not yet consumed, without waiting. */
  pending(): Frame[] {
    return this.inbox.slice();
  }

  /** The next frame the session sends. */
  nextFrame(what = "a frame"): Promise<Frame> {
    return this.take(() => (this.inbox.length ? this.inbox.shift()! : undefined), what);
  }

  /** The next frame, which must satisfy `predicate`. */
  async expectFrame(predicate: (f: Frame) => boolean, what = "the expected frame"): Promise<Frame> {
    const f = await this.nextFrame(what);
    if (!predicate(f)) throw new Error(`RawPeer: expected ${what}, got ${describe(f)}; received so far: ${this.history()}`);
    return f;
  }

  /** Skips frames until one satisfies `predicate` (the skipped ones stay in `received`). */
  waitFor(predicate: (f: Frame) => boolean, what = "the expected frame"): Promise<Frame> {
    return this.take(() => {
      while (this.inbox.length) {
        const f = this.inbox.shift()!;
        if (predicate(f)) return f;
      }
      return undefined;
    }, what);
  }

  /**
   * Proves the session has processed everything sent before: sends DATA on a stream it cannot
   * know and waits for the RST StreamClosed that answers it. Returns the frames that arrived before
   * that RST (consumed). Control frames leave in order, so any control frame the session queued
   * before the barrier is among them.
   */
  async barrier(): Promise<Frame[]> {
    await this.send(frame.data(BARRIER_STREAM, "?"));
    const before: Frame[] = [];
    await this.take(() => {
      while (this.inbox.length) {
        const f = this.inbox.shift()!;
        if (f.type === "RST" && f.streamId === BARRIER_STREAM) return f;
        before.push(f);
      }
      return undefined;
    }, "the RST answering the barrier");
    return before;
  }

  /** Waits until the session closed the connection; returns the frames left unconsumed. */
  async eof(): Promise<Frame[]> {
    await this.take(() => (this.ended ? true : undefined), "the end of the connection", true);
    if (this.failure) throw new Error(`RawPeer: the connection failed instead of ending: ${String(this.failure)}`);
    return this.inbox.splice(0);
  }

  private history(): string {
    return this.received.map(describe).join(" ") || "(nothing)";
  }

  private async take<T>(attempt: () => T | undefined, what: string, untilEnd = false): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const got = attempt();
      if (got !== undefined) return got;
      if (this.ended && !untilEnd) {
        const why = this.failure ? `failed (${String(this.failure)})` : "ended";
        throw new Error(`RawPeer: the connection ${why} while waiting for ${what}; received: ${this.history()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`RawPeer: timed out after ${this.timeoutMs} ms waiting for ${what}; received: ${this.history()}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      let wake!: () => void;
      await new Promise<void>((resolve) => {
        wake = resolve;
        this.wakers.add(wake);
        timer = setTimeout(resolve, left);
      });
      this.wakers.delete(wake);
      clearTimeout(timer);
    }
  }
}

/** A FrameDecoder handler that joins DATA pieces into whole frames. */
function collector(emit: (f: Frame) => void): ConstructorParameters<typeof FrameDecoder>[0] {
  let pieces: Uint8Array[] = [];
  return {
    onData(streamId, flags, payload, offset, length) {
      pieces.push(payload.slice());
      if (offset + payload.length < length) return;
      const data = concat(pieces);
      pieces = [];
      emit({ type: "DATA", streamId, flags, data });
    },
    onRst: (streamId, code) => emit({ type: "RST", streamId, code }),
    onWndInc: (streamId, increment) => emit({ type: "WNDINC", streamId, increment }),
    onGoAway: (lastStreamId, code, debug) => emit({ type: "GOAWAY", lastStreamId, code, debug }),
    onUnknown: (frameType, flags, streamId, length) => emit({ type: "UNKNOWN", frameType, flags, streamId, length }),
  };
}

export interface RawPeerSetup {
  peer: RawPeer;
  /** The transport to give the session under test. */
  transport: Transport;
  pair: MemoryPair;
}

/** A memory pair with a RawPeer on one end; the other end is for the session under test. */
export function rawPeer(options: MemoryPairOptions & { timeoutMs?: number } = {}): RawPeerSetup {
  const pair = memoryPair(options);
  return { peer: new RawPeer(pair.b, options.timeoutMs), transport: pair.a, pair };
}

export interface SessionUnderTest extends RawPeerSetup {
  session: Session;
}

/**
 * A session (client or server) whose peer is a RawPeer. The session is closed when the test
 * finishes, pass or fail; its closeTimeout is short so a test that stalled the peer still ends.
 */
export function startSession(
  role: "client" | "server",
  options: SessionOptions = {},
  pairOptions: MemoryPairOptions & { timeoutMs?: number } = {},
): SessionUnderTest {
  const setup = rawPeer(pairOptions);
  const opts = { closeTimeout: 1000, ...options };
  const session = role === "client" ? Session.client(setup.transport, opts) : Session.server(setup.transport, opts);
  onTestFinished(async () => {
    setup.pair.resume("a");
    setup.pair.resume("b");
    await within(session.close(), "session.close() at the end of the test", 3 * opts.closeTimeout);
  });
  return { ...setup, session };
}

// ---- what the session under test delivers -----------------------------------------------------

/** Reads exactly `n` bytes from a stream's reader, however they are chunked; bounded. */
export async function readBytes(reader: ReadableStreamDefaultReader<Uint8Array>, n: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let have = 0;
  while (have < n) {
    const result = await within(reader.read(), `${n} bytes from the stream (got ${have})`);
    if (result.done) throw new Error(`the stream ended after ${have} of ${n} bytes`);
    parts.push(result.value);
    have += result.value.length;
  }
  const all = concat(parts);
  if (all.length !== n) throw new Error(`read ${all.length} bytes where ${n} were expected`);
  return all;
}

export async function readText(reader: ReadableStreamDefaultReader<Uint8Array>, n: number): Promise<string> {
  return new TextDecoder().decode(await readBytes(reader, n));
}
