import { copyOf } from "./util/bytes.js";

/**
 * Received bytes waiting for the application, held at a memory cost close to their size whatever
 * the peer's framing.
 *
 * DATA arrives as views into the transport's chunks, and a view keeps its whole chunk alive: a
 * 1-byte payload cut from a 64 KiB chunk would hold 64 KiB, and a queue of 1-byte chunks would
 * cost an object each. So a payload is queued as the view itself only when it is large and its
 * chunk is mostly such payloads (the bulk case: no copy); anything else is copied, and small
 * copies are packed together into blocks.
 *
 * A chunk that queued views keep alive is charged to the session's receive budget once, at its
 * whole size, for as long as any of its views is queued in any stream (`Pin`): what the budget
 * counts is what the views really keep alive. The buffer itself reports its copies (`held`).
 */

/** A view is kept as it is only from this size on, and only if such payloads fill this share of its chunk. */
export const VIEW_MIN = 4 * 1024;
const VIEW_COVERAGE = 0.75;
/** Blocks that pack small copies: the first is small, each next one up to twice the last. */
const BLOCK_MIN = 256;
const BLOCK_MAX = 16 * 1024;
/** What a queued chunk costs beyond its bytes (the view object, its slot); an estimate. */
export const ENTRY_OVERHEAD = 96;

/** Where pinned chunks are charged: the session's receive budget (receive-budget.ts). */
export interface PinBudget {
  charge(n: number): void;
  release(n: number): void;
  /** Past half the budget: no new chunk is pinned unless one view fills it. */
  readonly pressed: boolean;
}

/** A transport chunk kept alive by queued views: charged once, at its size, while any is queued. */
export class Pin {
  refs = 0;
  readonly bytes: number;
  /** The chunk's memory; dropped once no view is queued. */
  buffer: ArrayBufferLike | null;

  constructor(buffer: ArrayBufferLike) {
    this.buffer = buffer;
    this.bytes = buffer.byteLength;
  }
}

/**
 * Decides which payloads may be queued as views, and charges the chunks they keep alive. One per
 * session: streams fed from one transport chunk share its pin.
 */
export class Pins {
  /** The chunk pinned last: the frames of one chunk arrive one after the other. */
  private last: Pin | null = null;

  /**
   * `largeShare(payload)`: the share of `payload`'s chunk taken by payloads of VIEW_MIN bytes and
   * more (the frame decoder knows the chunk's frames: decode.ts).
   */
  constructor(
    private readonly budget: PinBudget,
    private readonly largeShare: (payload: Uint8Array) => number = () => 0,
  ) {}

  /** The pin a view of `payload` would hold, or null when the payload is to be copied. */
  pinFor(payload: Uint8Array): Pin | null {
    const buffer = payload.buffer;
    const last = this.last;
    if (last !== null && last.buffer === buffer) return last;
    // One view filling its chunk is always cheap to keep; a chunk shared by several large
    // payloads only while the budget has room, since one of them may outlive the others.
    if (payload.length >= buffer.byteLength * VIEW_COVERAGE || (!this.budget.pressed && this.largeShare(payload) >= VIEW_COVERAGE)) {
      this.last = new Pin(buffer);
      return this.last;
    }
    return null;
  }

  ref(pin: Pin): void {
    if (pin.refs++ === 0) this.budget.charge(pin.bytes);
  }

  unref(pin: Pin): void {
    if (--pin.refs > 0) return;
    this.budget.release(pin.bytes);
    pin.buffer = null;
  }
}

export class ReceiveBuffer {
  private chunks: Uint8Array[] = [];
  /** The pin of each queued view (null for a copy), in step with `chunks`. */
  private pinned: (Pin | null)[] = [];
  private head = 0;
  /** Payload bytes queued. */
  bytes = 0;
  /** Memory held for them beyond the pinned chunks: the copies' buffers, every entry's overhead. */
  held = 0;
  /**
   * The block small copies are packed into, while the last queued chunk is its filled part (it
   * then grows in place). Null once anything else is queued after it or it is handed out.
   */
  private block: Uint8Array | null = null;
  private blockUsed = 0;

  constructor(private readonly pins: Pins) {}

  get length(): number {
    return this.chunks.length - this.head;
  }

  /**
   * Queues a payload (copied when that holds less memory); returns the bytes newly held. A view's
   * chunk is charged through its pin instead.
   */
  push(payload: Uint8Array): number {
    const n = payload.length;
    const before = this.held;
    this.bytes += n;
    const pin = n >= VIEW_MIN ? this.pins.pinFor(payload) : null;
    if (pin !== null) {
      this.pins.ref(pin);
      this.block = null;
      this.chunks.push(payload);
      this.pinned.push(pin);
      this.held += ENTRY_OVERHEAD;
      return ENTRY_OVERHEAD;
    }
    const block = this.block;
    if (block !== null && block.length - this.blockUsed >= n) {
      block.set(payload, this.blockUsed);
      this.blockUsed += n;
      // The last queued chunk is the block's filled part: it grows to take these bytes too.
      const last = this.chunks.length - 1;
      this.chunks[last] = block.subarray(this.chunks[last]!.byteOffset, this.blockUsed);
      return 0;
    }
    if (n >= BLOCK_MAX || this.length === 0) {
      // Large, or alone (often read before anything follows it): a copy of its own size. Packing
      // starts with the next small payload that finds this one still queued.
      this.block = null;
      this.append(copyOf(payload));
      return this.held - before;
    }
    // A new block: twice the last one when that one filled up (a stream of small frames), the
    // smallest size when something else came between (small slack after every interruption).
    const capacity = Math.min(BLOCK_MAX, Math.max(n, block === null ? BLOCK_MIN : block.length * 2));
    const fresh = new Uint8Array(capacity);
    fresh.set(payload);
    this.block = fresh;
    this.blockUsed = n;
    this.append(fresh.subarray(0, n));
    return this.held - before;
  }

  /** Takes the oldest chunk; returns it with the bytes it no longer holds. */
  shift(): Uint8Array {
    const head = this.head++;
    const chunk = this.chunks[head]!;
    const pin = this.pinned[head] ?? null;
    this.chunks[head] = undefined as unknown as Uint8Array;
    this.pinned[head] = null;
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.pinned.length = 0;
      this.head = 0;
      // The block's filled part leaves with this chunk: the application owns it now.
      this.block = null;
    }
    this.bytes -= chunk.length;
    if (pin === null) {
      this.held -= cost(chunk);
    } else {
      this.held -= ENTRY_OVERHEAD;
      this.pins.unref(pin);
    }
    return chunk;
  }

  /** Drops everything; returns the bytes released. */
  clear(): number {
    const released = this.held;
    for (let i = this.head; i < this.pinned.length; i++) {
      const pin = this.pinned[i];
      if (pin) this.pins.unref(pin);
    }
    this.pinned = [];
    this.chunks = [];
    this.head = 0;
    this.bytes = 0;
    this.held = 0;
    this.block = null;
    return released;
  }

  private append(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.pinned.push(null);
    this.held += cost(chunk);
  }
}

/** A copy keeps its whole buffer alive: its own, or the block it was packed into. */
function cost(chunk: Uint8Array): number {
  return chunk.buffer.byteLength + ENTRY_OVERHEAD;
}
