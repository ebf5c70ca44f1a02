import { byteLength, copyInto, JOIN_LIMIT, powerOfTwoAtLeast } from "../util/bytes.js";

/** One write of the session's that the connection has not all taken yet. */
interface QueuedWrite {
  parts: Uint8Array[];
  done: () => void;
  size: number;
}

/** Joins up to this size get a buffer of their own; larger ones borrow one from the spare buffers. */
const SMALL_JOIN = 16 * 1024;
/** Spare join buffers kept of each size (32 KiB, 64 KiB, … JOIN_LIMIT): at most 4 MiB in all. */
const SPARE_PER_SIZE = 4;

/**
 * Join buffers no connection is using, by size (powers of two above SMALL_JOIN), shared by every
 * queue in the process: a queue borrows one for a join and gives it back once the runtime has
 * taken all of it. So a connection that has gone quiet holds none, and busy ones reuse the same
 * few instead of allocating a buffer per join.
 */
const spare = new Map<number, Uint8Array[]>();

function borrow(total: number): Uint8Array {
  const size = Math.min(JOIN_LIMIT, powerOfTwoAtLeast(total));
  return spare.get(size)?.pop() ?? new Uint8Array(size);
}

function giveBack(buffer: Uint8Array): void {
  const free = spare.get(buffer.length);
  if (free === undefined) spare.set(buffer.length, [buffer]);
  else if (free.length < SPARE_PER_SIZE) free.push(buffer);
}

/**
 * The writes a connection has not taken yet, for a runtime that takes one buffer per call, and
 * maybe only part of it (Deno's conn.write(), Bun's socket.write()). The adapter asks next() for
 * what to write, tells taken() how much of it the runtime took, and asks again.
 *
 * What next() hands out: the first writes joined into one buffer (up to JOIN_LIMIT bytes), their
 * done() called once copied; or a write that is one part alone in the queue, or larger than
 * JOIN_LIMIT, as it is, part by part, its done() called once its last part is all taken. Then the
 * rest of whatever the runtime took only in part. A join's buffer goes back to the spare ones only
 * once the runtime has taken all of it, so the runtime may hold a join's bytes until then; one
 * dropped by clear() is never lent again (the runtime may still be reading it).
 */
export class WriteQueue {
  /** Bytes pushed and not taken yet. */
  size = 0;
  private writes: QueuedWrite[] = [];
  /** What next() handed out and the runtime has not all taken yet; null: the next piece is picked. */
  private chunk: Uint8Array | null = null;
  /** The chunk is parts[part] of writes[0], handed out as it is (not joined). */
  private asIs = false;
  private part = 0;
  private flushed: Array<() => void> = [];
  /** The spare buffer the chunk was joined in, given back once the chunk is all taken. */
  private lent: Uint8Array | null = null;

  /** Nothing is left to write. */
  get empty(): boolean {
    return this.chunk === null && this.writes.length === 0;
  }

  push(parts: Uint8Array[], done: () => void): void {
    const size = byteLength(parts);
    this.writes.push({ parts, done, size });
    this.size += size;
  }

  /** What to write now; null once all is taken (which settles whenFlushed()). */
  next(): Uint8Array | null {
    if (this.chunk !== null) return this.chunk;
    const writes = this.writes;
    const first = writes[0];
    if (first === undefined) {
      if (this.flushed.length > 0) this.settleFlushed();
      return null;
    }
    if (this.asIs || (first.parts.length === 1 && writes.length === 1) || first.size > JOIN_LIMIT) {
      this.asIs = true;
      return (this.chunk = first.parts[this.part]!);
    }
    let total = first.size;
    let count = 1;
    while (count < writes.length && total + writes[count]!.size <= JOIN_LIMIT) total += writes[count++]!.size;
    const joined = writes.splice(0, count);
    let into: Uint8Array;
    if (total <= SMALL_JOIN) into = new Uint8Array(total);
    else {
      this.lent = borrow(total);
      into = this.lent.length === total ? this.lent : this.lent.subarray(0, total);
    }
    let at = 0;
    for (const w of joined) at = copyInto(into, w.parts, at);
    this.chunk = into;
    // The session's bytes are free once copied (and the queue is consistent before done() runs).
    for (const w of joined) w.done();
    return this.chunk;
  }

  /** The runtime took `n` bytes of what next() returned: true if it took all of it. */
  taken(n: number): boolean {
    const chunk = this.chunk!;
    this.size -= n;
    if (n < chunk.length) {
      this.chunk = chunk.subarray(n);
      return false;
    }
    this.chunk = null;
    if (this.lent !== null) {
      giveBack(this.lent);
      this.lent = null;
    }
    if (this.asIs) {
      const first = this.writes[0]!;
      if (++this.part === first.parts.length) {
        this.writes.shift();
        this.asIs = false;
        this.part = 0;
        first.done();
      }
    }
    return true;
  }

  /** Settles once next() finds nothing left to write, or clear() drops what was. */
  whenFlushed(): Promise<void> {
    return new Promise<void>((resolve) => this.flushed.push(resolve));
  }

  /** Drops every write (the connection is gone); whenFlushed() settles. */
  clear(): void {
    this.writes = [];
    this.chunk = null;
    this.lent = null;
    this.asIs = false;
    this.part = 0;
    this.size = 0;
    this.settleFlushed();
  }

  private settleFlushed(): void {
    for (const resolve of this.flushed.splice(0)) resolve();
  }
}
