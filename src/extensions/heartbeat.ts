import { ErrorCode, MuxError } from "../errors.js";
import type { MuxStream } from "../types.js";
import { concat, copyOf, U32Reader, writeU32 } from "../util/bytes.js";
import { whenAborted } from "../util/abort.js";
import { systemClock, type Clock } from "../util/clock.js";
import { noop } from "../util/deferred.js";

/** The type of muxado's heartbeat stream (docs/protocol.md, "Heartbeat"). */
export const HEARTBEAT_TYPE = 0xffffffff;

/** muxado's defaults. */
export const DEFAULT_INTERVAL = 10_000;
export const DEFAULT_TOLERANCE = 15_000;

/** What the heartbeat needs from its session. */
export interface HeartbeatHost {
  /** Opens the heartbeat stream (type 0xFFFFFFFF). */
  open(): Promise<MuxStream>;
  /** Ends the session because the peer stopped answering. */
  timedOut(): void;
}

export interface HeartbeatSettings {
  interval: number;
  tolerance: number;
  onBeat?: ((rttMs: number) => void) | undefined;
  onTimeout?: (() => void) | undefined;
  closeOnTimeout?: boolean;
}

interface Pending {
  sent: number;
  resolve: (rtt: number) => void;
  reject: (err: unknown) => void;
  timer: unknown;
  /** Stops listening to the ping's signal. */
  stop: (() => void) | null;
}

/**
 * The side that measures: one stream of type 0xFFFFFFFF, a random 4-byte id written per beat and
 * read back. Periodic beats once started; `ping()` for a beat on demand.
 */
export class Heartbeat {
  private stream: Promise<MuxStream> | null = null;
  private readonly pending = new Map<number, Pending>();
  private beatTimer: unknown = null;
  private watchdog: unknown = null;
  private stopped: MuxError | null = null;
  /** The last round trip measured, in ms. */
  lastRtt: number | undefined = undefined;

  constructor(
    private readonly host: HeartbeatHost,
    private readonly settings: HeartbeatSettings = { interval: DEFAULT_INTERVAL, tolerance: DEFAULT_TOLERANCE },
    private readonly clock: Clock = systemClock,
  ) {}

  /** Starts the periodic beats and the watchdog (muxado: timeout after interval + tolerance of silence). */
  start(): void {
    this.armWatchdog();
    this.scheduleBeat();
  }

  /**
   * One beat: resolves with the round trip in ms; rejects with MuxError (WriteTimeout) when no
   * answer came within interval + tolerance or the session ended, or with the signal's reason.
   */
  async ping(signal?: AbortSignal): Promise<number> {
    if (this.stopped) throw this.stopped;
    if (signal?.aborted) throw signal.reason;
    const stream = await this.ensureStream();
    if (signal?.aborted) throw signal.reason;
    let id: number;
    do id = crypto.getRandomValues(new Uint32Array(1))[0]! >>> 1;
    while (this.pending.has(id));
    const bytes = new Uint8Array(4);
    writeU32(bytes, 0, id);
    return new Promise<number>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.settle(id)?.reject(new MuxError(ErrorCode.WriteTimeout, "heartbeat timed out: no answer within interval + tolerance"));
      }, this.settings.interval + this.settings.tolerance);
      const pending: Pending = { sent: this.clock.now(), resolve, reject, timer, stop: null };
      if (signal) pending.stop = whenAborted(signal, () => this.settle(id)?.reject(signal.reason));
      this.pending.set(id, pending);
      // Beats are few (one per interval, or per ping()): their ids need not wait for each other.
      stream.write(bytes).catch(noop);
    });
  }

  stop(err: MuxError): void {
    if (this.stopped) return;
    this.stopped = err;
    if (this.beatTimer !== null) this.clock.clearTimeout(this.beatTimer);
    if (this.watchdog !== null) this.clock.clearTimeout(this.watchdog);
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(err);
  }

  /** Takes a beat out of the pending ones (its timer and signal done with); undefined if it is gone. */
  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    this.clock.clearTimeout(p.timer);
    p.stop?.();
    return p;
  }

  private scheduleBeat(): void {
    this.beatTimer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      this.ping().then((rtt) => {
        this.armWatchdog();
        this.settings.onBeat?.(rtt);
      }, noop);
      this.scheduleBeat();
    }, this.settings.interval);
  }

  private armWatchdog(): void {
    if (this.watchdog !== null) this.clock.clearTimeout(this.watchdog);
    this.watchdog = this.clock.setTimeout(() => {
      if (this.stopped) return;
      this.settings.onTimeout?.();
      if (this.settings.closeOnTimeout) this.host.timedOut();
    }, this.settings.interval + this.settings.tolerance);
  }

  private ensureStream(): Promise<MuxStream> {
    return (this.stream ??= this.host.open().then((s) => {
      void this.readAnswers(s);
      return s;
    }));
  }

  private async readAnswers(stream: MuxStream): Promise<void> {
    const ids = new U32Reader();
    const answered = (id: number) => {
      const p = this.settle(id);
      if (!p) return; // a late answer to a beat that already timed out
      this.lastRtt = this.clock.now() - p.sent;
      p.resolve(this.lastRtt);
    };
    try {
      for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) ids.read(chunk, answered);
    } catch {
      // The stream ended with the session; stop() rejects what is pending.
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
  let carry: Uint8Array = new Uint8Array(0);
  try {
    for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) {
      const bytes = carry.length === 0 ? chunk : concat([carry, chunk]);
      const whole = bytes.length - (bytes.length % 4);
      carry = copyOf(bytes.subarray(whole));
      if (whole > 0) await stream.write(bytes.subarray(0, whole));
    }
    await stream.closeWrite();
  } catch {
    // The stream or session ended: nothing left to answer.
  }
}
