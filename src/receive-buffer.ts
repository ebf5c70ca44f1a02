import { copyOf } from "./util/bytes.js";

/**
 * Received bytes waiting for the application, held at a memory cost close to their size whatever
 * the peer's framing.
 *
 * DATA arrives as views into the transport's chunks, and a view keeps its whole chunk alive: a
 * 1-byte payload cut from a 64 KiB chunk would hold 64 KiB, and a queue of 1-byte chunks would
 * cost an object each. So a payload is queued as the view itself only when it is large and fills
 * most of its chunk (the bulk case: no copy); anything else is copied, and small copies are packed
 * together into blocks. The buffer reports what it holds in bytes (`held`), which is what the
 * session's receive budget counts.
 */

/** A view is kept as it is only from this size on, and only if it covers this share of its buffer. */
const VIEW_MIN = 4 * 1024;
const VIEW_COVERAGE = 0.75;
/** Blocks that pack small copies: the first is small, each next one up to twice the last. */
const BLOCK_MIN = 256;
const BLOCK_MAX = 16 * 1024;
/** What a queued chunk costs beyond its bytes (the view object, its slot); an estimate. */
export const ENTRY_OVERHEAD = 96;

export class ReceiveBuffer {
  private chunks: Uint8Array[] = [];
  private head = 0;
  /** Payload bytes queued. */
  bytes = 0;
  /** Memory held for them: the buffers the queued chunks keep alive, plus their overhead. */
  held = 0;
  /**
   * The block small copies are packed into, while the last queued chunk is its filled part (it
   * then grows in place). Null once anything else is queued after it or it is handed out.
   */
  private block: Uint8Array | null = null;
  private blockUsed = 0;

  get length(): number {
    return this.chunks.length - this.head;
  }

  /** Queues a payload (copied when that holds less memory); returns the bytes newly held. */
  push(payload: Uint8Array): number {
    const n = payload.length;
    const before = this.held;
    this.bytes += n;
    if (n >= VIEW_MIN && n >= payload.buffer.byteLength * VIEW_COVERAGE) {
      this.block = null;
      this.append(payload);
      return this.held - before;
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
    if (n >= BLOCK_MAX) {
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
    const chunk = this.chunks[this.head]!;
    this.chunks[this.head++] = undefined as unknown as Uint8Array;
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
      // The block's filled part leaves with this chunk: the application owns it now.
      this.block = null;
    }
    this.bytes -= chunk.length;
    this.held -= cost(chunk);
    return chunk;
  }

  /** Drops everything; returns the bytes released. */
  clear(): number {
    const released = this.held;
    this.chunks = [];
    this.head = 0;
    this.bytes = 0;
    this.held = 0;
    this.block = null;
    return released;
  }

  private append(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.held += cost(chunk);
  }
}

/** A chunk keeps its whole buffer alive: a view its transport chunk, a copy its block. */
function cost(chunk: Uint8Array): number {
  return chunk.buffer.byteLength + ENTRY_OVERHEAD;
}
