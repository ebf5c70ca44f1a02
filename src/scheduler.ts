import { FrameType } from "./frame/constants.js";
import { Output } from "./frame/output.js";
import type { Link } from "./link/link.js";
import { ReadyQueue, type Ready } from "./ready-queue.js";
import type { SessionCounters } from "./stats.js";

/** A stream as the writer sees it: something that can put its next DATA frames into an Output. */
export interface Sender extends Ready {
  /** Whether the stream has a frame it may send now (data with credit, a SYN or a FIN). */
  sendable(): boolean;
  /** Appends at most `quantum` payload bytes of frames; returns the payload bytes appended. */
  emit(out: Output, quantum: number): number;
}

/** Payload bytes one stream may send before the next ready stream gets its turn. */
const QUANTUM = 16 * 1024;
/** Bytes gathered into one transport write at most; past it the writer yields to the connection. */
const FLUSH_LIMIT = 256 * 1024;
/** Control frames queued while the connection is backed up before we stop reading from it. */
const CONTROL_BACKLOG = 4096;

const PADDING_TYPE = 0xf;

/**
 * The session's writer: one per session, the only code that writes to the transport.
 *
 * Fairness: control frames (WNDINC, RST, GOAWAY) go first; DATA is taken from the streams that have
 * something to send, highest sendOrder first and round-robin among equals (ready-queue.ts), at
 * most QUANTUM bytes per turn, so a bulk stream never queues far ahead of a small frame on another
 * stream of the same order.
 * Coalescing: frames produced within one tick are written together (one transport write), since
 * the flush runs as a microtask after the code that produced them.
 */
export class Scheduler {
  private readonly out = new Output();
  private readonly ready = new ReadyQueue<Sender>();
  /** Control frames: [type, streamId, value] triples (RST, WNDINC). */
  private control: number[] = [];
  private goAways: { last: number; code: number; debug: Uint8Array; pad: boolean }[] = [];
  private flushQueued = false;
  private blocked = false;
  private closed = false;
  /** We asked the session to stop reading: answers were piling up behind a backed-up transport. */
  private backedUp = false;
  private flushWaiters: (() => void)[] = [];
  private readonly flushTask = () => this.flush();
  /**
   * The flush waits one more microtask: a WHATWG writable calls its sink's close() one microtask
   * after a write that returned at once, so a write and close() leave in one flush.
   */
  private readonly hopTask = () => queueMicrotask(this.flushTask);

  /** `backlog(true)` asks the session to stop reading, `backlog(false)` lets it go on. */
  constructor(
    private readonly link: Link,
    private readonly backlog: (backedUp: boolean) => void,
    private readonly counters: SessionCounters,
    trace: Output["trace"] = null,
  ) {
    this.out.trace = trace;
  }

  /** The transport drained after a write that filled its buffer. */
  drained(): void {
    this.blocked = false;
    this.flush();
  }

  enqueue(s: Sender): void {
    if (s.queued || this.closed) return;
    this.ready.push(s);
    this.schedule();
  }

  rst(streamId: number, code: number): void {
    this.pushControl(FrameType.RST, streamId, code);
  }

  wndInc(streamId: number, increment: number): void {
    this.pushControl(FrameType.WNDINC, streamId, increment);
  }

  /**
   * GOAWAY; `pad` appends an empty frame of an unknown type, for a session that stays open: a Go
   * peer reads 8 bytes too many after a GOAWAY (docs/protocol.md, "Go quirks a port must tolerate": GOAWAY debug over-read).
   */
  goAway(last: number, code: number, debug: Uint8Array, pad: boolean): Promise<void> {
    this.goAways.push({ last, code, debug, pad });
    this.schedule();
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  /**
   * Drops all pending DATA, writes what control frames are queued and ends the transport.
   * Settles when the transport has ended (the caller bounds the wait).
   */
  finish(): Promise<void> {
    this.ready.clear();
    this.blocked = false;
    this.flush();
    this.closed = true;
    this.releaseWaiters();
    return this.link.end();
  }

  private pushControl(type: number, streamId: number, value: number): void {
    if (this.closed) return;
    this.control.push(type, streamId, value);
    // A peer that makes us answer faster than the connection takes it would grow this queue
    // without bound: stop reading until it drains.
    if (this.blocked && !this.backedUp && this.control.length > CONTROL_BACKLOG * 3) {
      this.backedUp = true;
      this.backlog(true);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.flushQueued || this.blocked || this.closed) return;
    this.flushQueued = true;
    queueMicrotask(this.hopTask);
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.closed) return;
    const out = this.out;
    while (!this.blocked) {
      this.writeControl(out);
      while (out.bytes < FLUSH_LIMIT && this.ready.size > 0) {
        const s = this.ready.shift()!;
        if (!s.sendable()) continue;
        // Quanta exist for fairness; a stream alone in the queue may send what it has in one frame.
        s.emit(out, this.ready.size === 0 ? FLUSH_LIMIT - out.bytes : QUANTUM);
        if (s.sendable()) this.ready.push(s);
      }
      if (out.bytes === 0) break;
      this.counters.bytesOut += out.bytes;
      this.counters.framesOut += out.frames;
      // The streams whose chunks this flush framed, and the output (its slab is reused once the
      // transport lets go of it), are told when the transport no longer needs the bytes.
      const completions = out.completions;
      out.completions = [];
      completions.push(out);
      const ok = this.link.write(out.takeHeld(), () => {
        for (const c of completions) c.written();
      });
      if (!ok) this.blocked = true;
    }
    if (this.backedUp && !this.blocked) {
      this.backedUp = false;
      this.backlog(false);
    }
    if (!this.blocked && this.ready.size === 0) this.out.idle();
  }

  private writeControl(out: Output): void {
    const c = this.control;
    for (let i = 0; i < c.length; i += 3) out.u32Frame(c[i]!, c[i + 1]!, c[i + 2]! >>> 0);
    c.length = 0;
    if (this.goAways.length === 0) return;
    for (const g of this.goAways) {
      out.goAway(g.last, g.code, g.debug);
      if (g.pad) out.header(0, PADDING_TYPE, 0, 0);
    }
    this.goAways.length = 0;
    // The GOAWAYs are in `out` and leave with this flush's write: their waiters may go on.
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    if (this.flushWaiters.length === 0) return;
    const waiters = this.flushWaiters;
    this.flushWaiters = [];
    for (const w of waiters) w();
  }
}
