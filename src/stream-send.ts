import type { MuxError } from "./errors.js";
import { addCredit } from "./flow.js";
import { Flag, FrameType, MAX_PAYLOAD } from "./frame/constants.js";
import type { Completion, Output } from "./frame/output.js";
import type { Scheduler, Sender } from "./scheduler.js";
import type { SessionCounters } from "./stats.js";
import { deferred, type Deferred } from "./util/deferred.js";

/** Where the sending direction is (docs/protocol.md, "Closing a stream"). */
export enum SendState {
  /** Writes are taken. */
  Open,
  /** closeWrite() was called: the FIN goes out after what is queued. */
  Closing,
  /** The FIN is out: nothing more is sent. */
  Closed,
  /** Reset, or the session ended: writes reject with the error. */
  Failed,
}

/** Where the stream's SYN is: ours goes out with its first frame (docs/protocol.md, "Opening a stream"). */
enum Syn {
  /** Not sent yet; it goes with the first data. */
  Unsent,
  /** An empty write asked for it to go out now, before any data (see write()). */
  Due,
  /** Sent, or the peer opened the stream (then ours is never sent). */
  Sent,
}

/** What the send half needs from its stream. */
export interface SendHost {
  readonly id: number;
  readonly scheduler: Scheduler;
  readonly counters: SessionCounters;
  /** WebTransport's sendOrder (ready-queue.ts). */
  readonly sendOrder: number;
  /** Why the stream failed (reset, or the session ended); set before the halves are told. */
  readonly failure: MuxError | null;
  /** The FIN went out. */
  finSent(): void;
}

/**
 * A stream's sending direction: the application's chunks waiting to go out, the peer's credit,
 * and the promises waiting for both. The session's writer (scheduler.ts) asks it for frames; it
 * frames as much as the credit and its turn allow, never copying a chunk (docs/protocol.md, "Flow
 * control" and "Opening a stream").
 */
export class SendHalf implements Sender, Completion {
  /** Set while this half sits in the writer's ready queue. */
  queued = false;
  state = SendState.Open;
  /** Payload bytes sent, and written but not sent yet. */
  bytesOut = 0;
  queuedBytes = 0;
  private syn: Syn;
  /** Bytes we may still send: the peer's credit. */
  credit: number;
  /** What is left of the chunk being framed, and who waits for it. */
  private sending: Uint8Array | null = null;
  private sendingDone: Deferred | null = null;
  /** Chunks written after it (direct writes may be many at once), in order. */
  private queue: { chunk: Uint8Array; done: Deferred }[] | null = null;
  /**
   * Chunks fully framed, waiting for the transport to let go of their bytes, oldest first: the
   * transport completes writes in order (see Completion). Usually there is one, kept as it is; an
   * array only while there are more (an idle stream that wrote once keeps no array).
   */
  private inFlight: Deferred | Deferred[] | null = null;
  private finDone: Deferred | null = null;

  constructor(
    private readonly host: SendHost,
    credit: number,
    synSent: boolean,
  ) {
    this.credit = credit;
    this.syn = synSent ? Syn.Sent : Syn.Unsent;
  }

  /** The stream's sendOrder, which the writer's ready queue orders by (kept by the stream). */
  get sendOrder(): number {
    return this.host.sendOrder;
  }

  /** Our SYN has gone out, or the peer opened the stream: the peer knows of it. */
  get synSent(): boolean {
    return this.syn === Syn.Sent;
  }

  /**
   * Queues a chunk; resolves once the transport no longer needs its bytes (the caller may reuse the
   * buffer then). Concurrent writes keep their order; several waiting let one flush frame them all,
   * which is what keeps one stream's throughput near the socket's.
   */
  write(chunk: Uint8Array): Promise<void> {
    if (this.state === SendState.Failed) return Promise.reject(this.host.failure);
    if (chunk.length === 0) {
      // An empty write announces a stream never written to: the SYN goes out at once, so the peer
      // learns of it before there is data (a protocol whose other side speaks first needs that).
      if (this.syn === Syn.Unsent && this.sending === null && this.state === SendState.Open) {
        this.syn = Syn.Due;
        this.host.scheduler.enqueue(this);
      }
      return Promise.resolve();
    }
    this.queuedBytes += chunk.length;
    this.host.counters.queuedBytes += chunk.length;
    const done = deferred();
    if (this.sending === null) {
      this.sending = chunk;
      this.sendingDone = done;
    } else {
      (this.queue ??= []).push({ chunk, done });
    }
    this.host.scheduler.enqueue(this);
    return done.promise;
  }

  /** Half-close: the FIN goes out after what is queued; resolves once it has. */
  finish(): Promise<void> {
    if (this.state === SendState.Failed) return Promise.reject(this.host.failure);
    if (this.state === SendState.Closed) return Promise.resolve();
    if (this.state === SendState.Open) {
      this.state = SendState.Closing;
      this.finDone = deferred();
      this.host.scheduler.enqueue(this);
    }
    return this.finDone!.promise;
  }

  /** The peer granted credit. */
  addCredit(increment: number): void {
    if (this.state === SendState.Failed) return;
    this.credit = addCredit(this.credit, increment);
    if (this.sending !== null) this.host.scheduler.enqueue(this);
  }

  sendable(): boolean {
    if (this.state === SendState.Failed || this.state === SendState.Closed) return false;
    if (this.sending !== null) return this.credit > 0;
    return this.state === SendState.Closing || this.syn === Syn.Due;
  }

  emit(out: Output, quantum: number): number {
    let flags = 0;
    if (this.syn !== Syn.Sent) {
      this.syn = Syn.Sent;
      flags = Flag.SYN;
    }
    const id = this.host.id;
    if (this.sending !== null) {
      // One frame per chunk (or piece of one), as many chunks as the quantum and credit allow.
      let sent = 0;
      let fin = false;
      for (let chunk = this.sending; chunk !== null && this.credit > 0 && sent < quantum; chunk = this.sending) {
        const n = Math.min(chunk.length, this.credit, quantum - sent, MAX_PAYLOAD);
        const whole = n === chunk.length;
        this.credit -= n;
        sent += n;
        // The last data of a half-closed stream carries the FIN, unless it is the SYN frame
        // (see below: never SYN and FIN in one frame).
        fin = whole && this.state === SendState.Closing && !this.queue?.length && flags === 0;
        out.header(n, FrameType.DATA, fin ? Flag.FIN : flags, id);
        flags = 0;
        if (whole) {
          out.payload(chunk);
          this.nextChunk(out);
        } else {
          out.payload(chunk.subarray(0, n));
          this.sending = chunk.subarray(n);
        }
      }
      this.bytesOut += sent;
      this.queuedBytes -= sent;
      this.host.counters.queuedBytes -= sent;
      if (fin) this.closed();
      return sent;
    }
    // Never SYN and FIN in one frame: a Go peer that gets SYN+FIN can never answer on the stream.
    if (flags & Flag.SYN) out.header(0, FrameType.DATA, Flag.SYN, id);
    // Only the SYN was due (an empty write): the stream stays open.
    if (this.state !== SendState.Closing) return 0;
    out.header(0, FrameType.DATA, Flag.FIN, id);
    this.closed();
    return 0;
  }

  /** The FIN is out. */
  private closed(): void {
    this.state = SendState.Closed;
    this.finDone?.resolve();
    this.finDone = null;
    this.host.finSent();
  }

  /**
   * The current chunk is framed. The frames may hold views of the application's bytes: its write
   * resolves when the transport has taken them, so the application may then reuse the buffer.
   */
  private nextChunk(out: Output): void {
    const done = this.sendingDone!;
    const inFlight = this.inFlight;
    if (inFlight === null) this.inFlight = done;
    else if (Array.isArray(inFlight)) inFlight.push(done);
    else this.inFlight = [inFlight, done];
    out.completions.push(this);
    const next = this.queue?.shift();
    this.sending = next ? next.chunk : null;
    this.sendingDone = next ? next.done : null;
  }

  written(): void {
    const inFlight = this.inFlight;
    if (inFlight === null) return;
    if (!Array.isArray(inFlight)) {
      this.inFlight = null;
      inFlight.resolve();
      return;
    }
    inFlight.shift()?.resolve();
    if (inFlight.length === 0) this.inFlight = null;
  }

  /** Reset, or the session ended: every waiting write and the FIN reject with `err`. */
  fail(err: MuxError): void {
    if (this.state === SendState.Failed) return;
    this.state = SendState.Failed;
    this.host.counters.queuedBytes -= this.queuedBytes;
    this.queuedBytes = 0;
    this.sending = null;
    this.sendingDone?.reject(err);
    this.sendingDone = null;
    for (const w of this.queue ?? []) w.done.reject(err);
    this.queue = null;
    const inFlight = this.inFlight;
    this.inFlight = null;
    if (Array.isArray(inFlight)) for (const d of inFlight) d.reject(err);
    else inFlight?.reject(err);
    this.finDone?.reject(err);
    this.finDone = null;
  }
}
