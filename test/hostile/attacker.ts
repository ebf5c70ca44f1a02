import * as net from "node:net";
import { onTestFinished } from "vitest";
import { concat } from "../../src/util/bytes.js";
import { writeHeader } from "../../src/frame/encode.js";
import { encodeFrame, Flag, FrameDecoder, FrameType, type Frame } from "../../src/frame/index.js";

/**
 * The attacker: a raw node:net connection to the victim that speaks frames built with the
 * project's encoder and tallies what the victim sends back with the project's decoder. It keeps
 * counts, not frames, so floods of answers cost the test process little. Every wait is bounded and
 * fails with what was expected and what the tallies say instead.
 */

/** A stream id the victim can never know: DATA on it is always answered with RST StreamClosed. */
export const BARRIER_STREAM = 0x7ffffff1;
const DEFAULT_TIMEOUT_MS = 5_000;

export const Code = {
  NoError: 0,
  FlowControlError: 3,
  StreamClosed: 4,
  StreamRefused: 5,
  FrameSizeError: 8,
  AcceptQueueFull: 9,
  EnhanceYourCalm: 10,
  PeerEOF: 15,
} as const;

/** Frame builders (the project's Frame shapes), so scenarios read like the protocol table. */
export const frame = {
  data: (streamId: number, data: Uint8Array = new Uint8Array(0), flags = 0): Frame => ({ type: "DATA", streamId, flags, data }),
  syn: (streamId: number, data: Uint8Array = new Uint8Array(0)): Frame => frame.data(streamId, data, Flag.SYN),
  synFin: (streamId: number): Frame => frame.data(streamId, new Uint8Array(0), Flag.SYN | Flag.FIN),
  wndInc: (streamId: number, increment: number): Frame => ({ type: "WNDINC", streamId, increment }),
  goAway: (lastStreamId: number, code: number): Frame => ({ type: "GOAWAY", lastStreamId, code, debug: new Uint8Array(0) }),
  unknown: (frameType: number, length: number, streamId = 0): Frame => ({ type: "UNKNOWN", frameType, flags: 0, streamId, length }),
};

/** Frames encoded back to back into one buffer. */
export function encode(frames: Iterable<Frame>): Uint8Array {
  return concat([...frames].map(encodeFrame));
}

/**
 * A DATA frame's 8-byte header announcing `length` payload bytes, for payloads sent separately
 * (shared between frames, or trickled).
 */
export function dataHeader(length: number, streamId: number, flags = 0): Uint8Array {
  const h = new Uint8Array(8);
  writeHeader(h, 0, length, FrameType.DATA, flags, streamId);
  return h;
}

/** `count` frames made by `make(i)`, encoded into one buffer. */
export function encodeMany(count: number, make: (i: number) => Frame): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < count; i++) parts.push(encodeFrame(make(i)));
  return concat(parts);
}

/** What the victim has sent so far, counted. */
export class Tally {
  frames = 0;
  /** RST frames by error code. */
  readonly rst = new Map<number, number>();
  /** The code of the last RST per stream (the barrier stream excluded). */
  readonly rstOf = new Map<number, number>();
  /** WNDINC increments summed per stream. */
  readonly wndInc = new Map<number, number>();
  /** DATA payload bytes per stream, and DATA frames carrying FIN. */
  readonly dataBytes = new Map<number, number>();
  fins = 0;
  readonly goAways: Array<{ lastStreamId: number; code: number; debug: string }> = [];
  barriers = 0;

  rstCount(code: number): number {
    return this.rst.get(code) ?? 0;
  }

  summary(): string {
    const rst = [...this.rst].map(([code, n]) => `${code}:${n}`).join(",") || "-";
    const goAways = this.goAways.map((g) => `GOAWAY(${g.lastStreamId},${g.code},"${g.debug}")`).join(" ");
    return `${this.frames} frames; RST by code {${rst}}; WNDINC on ${this.wndInc.size} streams; DATA on ${this.dataBytes.size} streams, ${this.fins} FIN; ${goAways}`;
  }
}

export interface ConnectOptions {
  /** Keep our side open after the victim's FIN (default: Node's default, end it too). */
  allowHalfOpen?: boolean;
  /** Do not read the socket until startReading(). */
  paused?: boolean;
}

export class Attacker {
  readonly tally = new Tally();
  /** When the victim's FIN arrived ('end') and when the socket closed, in performance.now() ms. */
  endedAt: number | undefined;
  closedAt: number | undefined;
  error: Error | undefined;
  private readonly decoder: FrameDecoder;
  private readonly wakers = new Set<() => void>();
  /** A decoding failure: the victim sent something that is not muxado. */
  private broken: unknown = null;

  private constructor(readonly socket: net.Socket) {
    const t = this.tally;
    this.decoder = new FrameDecoder({
      onData: (streamId, flags, payload, offset, length) => {
        if (offset === 0) {
          t.frames++;
          if (flags & Flag.FIN) t.fins++;
        }
        t.dataBytes.set(streamId, (t.dataBytes.get(streamId) ?? 0) + payload.length);
        void length;
      },
      onRst: (streamId, code) => {
        t.frames++;
        if (streamId === BARRIER_STREAM) {
          t.barriers++;
          return;
        }
        t.rst.set(code, (t.rst.get(code) ?? 0) + 1);
        t.rstOf.set(streamId, code);
      },
      onWndInc: (streamId, increment) => {
        t.frames++;
        t.wndInc.set(streamId, (t.wndInc.get(streamId) ?? 0) + increment);
      },
      onGoAway: (lastStreamId, code, debug) => {
        t.frames++;
        t.goAways.push({ lastStreamId, code, debug: new TextDecoder().decode(debug) });
      },
      onUnknown: () => void t.frames++,
    });
    socket.on("data", (chunk: Buffer) => {
      if (this.broken === null) {
        try {
          this.decoder.push(chunk);
        } catch (err) {
          this.broken = err;
        }
      }
      this.wake();
    });
    socket.on("end", () => {
      this.endedAt = performance.now();
      this.wake();
    });
    socket.on("close", () => {
      this.closedAt = performance.now();
      this.wake();
    });
    socket.on("error", (err) => {
      this.error = err;
      this.wake();
    });
    socket.on("drain", () => this.wake());
  }

  /** Connects to the victim on 127.0.0.1; the socket is destroyed when the test finishes. */
  static async connect(port: number, options: ConnectOptions = {}): Promise<Attacker> {
    const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: options.allowHalfOpen ?? false, noDelay: true });
    if (options.paused) socket.pause();
    onTestFinished(() => void socket.destroy());
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no connection to 127.0.0.1:${port} within ${DEFAULT_TIMEOUT_MS} ms`)),
        DEFAULT_TIMEOUT_MS,
      );
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return new Attacker(socket);
  }

  /** Connects `count` plain sockets that never send a byte (idle peers); destroyed when the test finishes. */
  static async idle(port: number, count: number): Promise<net.Socket[]> {
    const sockets: net.Socket[] = [];
    onTestFinished(() => {
      for (const s of sockets) s.destroy();
    });
    // A few at a time, so the listen backlog never overflows.
    for (let i = 0; i < count; i += 100) {
      const batch = Array.from({ length: Math.min(100, count - i) }, () => {
        const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
        s.on("error", () => {});
        sockets.push(s);
        return new Promise<void>((resolve, reject) => {
          s.once("connect", () => resolve());
          s.once("error", reject);
        });
      });
      await within(Promise.all(batch), `${count} idle connections`, DEFAULT_TIMEOUT_MS);
    }
    return sockets;
  }

  get ended(): boolean {
    return this.endedAt !== undefined || this.closedAt !== undefined;
  }

  /** Writes bytes, then waits for 'drain' if the socket's buffer is full (bounded). */
  async write(bytes: Uint8Array, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    this.checkWritable();
    if (this.socket.write(bytes)) return;
    await this.drained(timeoutMs);
  }

  send(...frames: Frame[]): Promise<void> {
    return this.write(encode(frames));
  }

  /** Writes `block` `times` times, waiting for 'drain' whenever the socket's buffer is full. */
  async flood(block: Uint8Array, times: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (let i = 0; i < times; i++) {
      this.checkWritable();
      if (!this.socket.write(block)) await this.drained(deadline - performance.now());
    }
  }

  /** One byte per write, each write handed to the kernel before the next. */
  async trickle(bytes: Uint8Array, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (let i = 0; i < bytes.length; i++) {
      this.checkWritable();
      await within(
        new Promise<void>((resolve, reject) => this.socket.write(bytes.subarray(i, i + 1), (err) => (err ? reject(err) : resolve()))),
        `byte ${i} of ${bytes.length} to be written`,
        Math.max(1, deadline - performance.now()),
      );
    }
  }

  /**
   * Proves the victim has processed everything sent before: DATA on a stream it cannot know, then
   * the RST StreamClosed answering it (answers leave in order). Returns the ms it took.
   */
  async barrier(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<number> {
    const started = performance.now();
    const want = this.tally.barriers + 1;
    await this.write(encodeFrame(frame.data(BARRIER_STREAM, new Uint8Array([0x3f]))), timeoutMs);
    await this.until(() => this.tally.barriers >= want, "the RST answering the barrier", timeoutMs - (performance.now() - started));
    return performance.now() - started;
  }

  /** Waits until `condition` holds; re-checked whenever something arrives or the socket changes. */
  async until(condition: () => boolean, what: string, timeoutMs = DEFAULT_TIMEOUT_MS, orEnd = false): Promise<void> {
    const deadline = performance.now() + Math.max(1, timeoutMs);
    for (;;) {
      if (this.broken !== null)
        throw new Error(`the victim sent bytes that do not decode (${String(this.broken)}) while waiting for ${what}`);
      if (condition()) return;
      if (this.ended && !orEnd) {
        throw new Error(
          `the connection ${this.error ? `failed (${this.error.message})` : "ended"} while waiting for ${what}; ${this.tally.summary()}`,
        );
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out after ${Math.round(timeoutMs)} ms waiting for ${what}; ${this.tally.summary()}`);
      let wake!: () => void;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => wake(), left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
        this.wakers.add(wake);
      });
      this.wakers.delete(wake);
    }
  }

  /** Waits for the victim to end the connection ('end' or 'close'); returns when, in performance.now() ms. */
  async closedByVictim(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<number> {
    await this.until(() => this.ended, "the victim to end the connection", timeoutMs, true);
    return Math.min(this.endedAt ?? Infinity, this.closedAt ?? Infinity);
  }

  stopReading(): void {
    this.socket.pause();
  }

  startReading(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private checkWritable(): void {
    if (this.socket.destroyed || this.socket.writableEnded) {
      throw new Error(`the connection is gone (${this.error?.message ?? "closed"}); ${this.tally.summary()}`);
    }
  }

  private async drained(timeoutMs: number): Promise<void> {
    await this.until(() => !this.socket.writableNeedDrain, "the socket to drain", timeoutMs);
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}

/** Fails unless `promise` settles within `ms`. */
export function within<T>(promise: Promise<T>, what: string, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(ms)} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- figures ---------------------------------------------------------------------------------

export const KiB = 1024;
export const MiB = 1024 * 1024;

export function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

export function kib(bytes: number): string {
  return `${(bytes / KiB).toFixed(1)} KiB`;
}

export function ms(value: number): string {
  return `${Math.round(value)} ms`;
}

/** The one line each test prints: `hostile <name>: <figures>`. */
export function figures(name: string, ...parts: string[]): void {
  console.log(`hostile ${name}: ${parts.join(", ")}`);
}
