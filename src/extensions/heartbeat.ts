import { ErrorCode, MuxError } from "../errors.js";
import { concat } from "../frame/decode.js";
import type { HeartbeatOptions, MuxStream, OpenOptions } from "../types.js";
import { HEARTBEAT_TYPE } from "./typed.js";

/** muxado's defaults (docs/protocol.md, "Heartbeat"). */
export const DEFAULT_INTERVAL = 10_000;
export const DEFAULT_TOLERANCE = 15_000;

const noop = () => {};

/** What the heartbeat needs from its session. */
export interface HeartbeatHost {
  open(options: OpenOptions): Promise<MuxStream>;
  /** Ends the session because the peer stopped answering. */
  timedOut(): void;
}

interface Pending {
  sent: number;
  resolve: (rtt: number) => void;
  reject: (err: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Timers must not keep a process alive on their own (Node, Deno and Bun offer unref). */
function unref(timer: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/**
 * The side that measures: one stream of type 0xFFFFFFFF, a random 4-byte id written per beat and
 * read back. Periodic beats when options were given; `ping()` for a beat on demand.
 */
export class Heartbeat {
  private stream: Promise<{ writer: WritableStreamDefaultWriter<Uint8Array> }> | null = null;
  private readonly pending = new Map<number, Pending>();
  private beatTimer: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private stopped: MuxError | null = null;
  readonly interval: number;
  readonly tolerance: number;

  constructor(
    private readonly host: HeartbeatHost,
    private readonly options: HeartbeatOptions = {},
  ) {
    this.interval = options.interval ?? DEFAULT_INTERVAL;
    this.tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  }

  /** Starts the periodic beats and the watchdog (muxado: timeout after interval + tolerance of silence). */
  start(): void {
    this.armWatchdog();
    this.scheduleBeat();
  }

  /** One beat: resolves with the round trip in ms, rejects with MuxError on timeout or session end. */
  async ping(timeout = this.interval + this.tolerance): Promise<number> {
    if (this.stopped) throw this.stopped;
    const { writer } = await this.ensureStream();
    let id: number;
    do id = crypto.getRandomValues(new Uint32Array(1))[0]! >>> 1;
    while (this.pending.has(id));
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, id);
    return new Promise<number>((resolve, reject) => {
      const timer = unref(
        setTimeout(() => {
          this.pending.delete(id);
          reject(new MuxError(ErrorCode.WriteTimeout, "heartbeat timed out"));
        }, timeout),
      );
      this.pending.set(id, { sent: performance.now(), resolve, reject, timer });
      writer.write(bytes).catch(noop);
    });
  }

  stop(err: MuxError): void {
    if (this.stopped) return;
    this.stopped = err;
    if (this.beatTimer) clearTimeout(this.beatTimer);
    if (this.watchdog) clearTimeout(this.watchdog);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }

  private scheduleBeat(): void {
    this.beatTimer = unref(
      setTimeout(() => {
        if (this.stopped) return;
        this.ping().then((rtt) => {
          this.armWatchdog();
          this.options.onBeat?.(rtt);
        }, noop);
        this.scheduleBeat();
      }, this.interval),
    );
  }

  private armWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = unref(
      setTimeout(() => {
        if (this.stopped) return;
        this.options.onTimeout?.();
        if (this.options.closeOnTimeout) this.host.timedOut();
      }, this.interval + this.tolerance),
    );
  }

  private ensureStream(): Promise<{ writer: WritableStreamDefaultWriter<Uint8Array> }> {
    return (this.stream ??= this.host.open({ type: HEARTBEAT_TYPE }).then((s) => {
      void this.readAnswers(s.readable.getReader());
      return { writer: s.writable.getWriter() };
    }));
  }

  private async readAnswers(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const ids = new FourByteReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        ids.push(value, (id) => {
          const p = this.pending.get(id);
          if (!p) return; // a late answer to a beat that already timed out
          this.pending.delete(id);
          clearTimeout(p.timer);
          p.resolve(performance.now() - p.sent);
        });
      }
    } catch {
      // The stream ended with the session; stop() rejects what is pending.
    }
  }
}

/** Splits a byte stream into 4-byte big-endian values, however the bytes are chunked. */
class FourByteReader {
  private readonly buf = new Uint8Array(4);
  private have = 0;

  push(chunk: Uint8Array, each: (value: number) => void): void {
    for (let i = 0; i < chunk.length; ) {
      const n = Math.min(4 - this.have, chunk.length - i);
      this.buf.set(chunk.subarray(i, i + n), this.have);
      this.have += n;
      i += n;
      if (this.have === 4) {
        this.have = 0;
        each(((this.buf[0]! << 24) | (this.buf[1]! << 16) | (this.buf[2]! << 8) | this.buf[3]!) >>> 0);
      }
    }
  }
}

/**
 * The answering side: echo every 4-byte id read on a heartbeat stream, until it ends. One read's
 * answers at a time, as Go's responder does: the next read waits until the peer has taken the last
 * answers, so a peer that sends ids and never reads the answers stops being read, and flow control
 * stops it sending (nothing queues up here).
 */
export async function answerHeartbeats(stream: MuxStream): Promise<void> {
  let carry = new Uint8Array(0);
  try {
    for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) {
      const bytes = carry.length === 0 ? chunk : concat([carry, chunk]);
      const whole = bytes.length - (bytes.length % 4);
      carry = bytes.slice(whole);
      if (whole > 0) await stream.write(bytes.subarray(0, whole));
    }
    await stream.closeWrite();
  } catch {
    // The stream or session ended: nothing left to answer.
  }
}
