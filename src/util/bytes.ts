/** Big-endian uint32 at `at` (the protocol's integers, docs/protocol.md "Frames"). */
export function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

export function writeU32(b: Uint8Array, at: number, value: number): void {
  b[at] = value >>> 24;
  b[at + 1] = value >>> 16;
  b[at + 2] = value >>> 8;
  b[at + 3] = value;
}

/** Gathers 4-byte big-endian values from bytes split anyhow across chunks. */
export class U32Reader {
  private readonly buf = new Uint8Array(4);
  private have = 0;

  /**
   * Reads values from `chunk`, calling `each` for every complete one, at most `max` of them.
   * Returns how many bytes of `chunk` it took.
   */
  read(chunk: Uint8Array, each: (value: number) => void, max = Infinity): number {
    let at = 0;
    let values = 0;
    while (at < chunk.length && values < max) {
      const n = Math.min(4 - this.have, chunk.length - at);
      this.buf.set(chunk.subarray(at, at + n), this.have);
      this.have += n;
      at += n;
      if (this.have === 4) {
        this.have = 0;
        values++;
        each(readU32(this.buf, 0));
      }
    }
    return at;
  }
}

/**
 * A copy of `bytes` in a buffer of its own. Not `bytes.slice()`: on a Node Buffer (a Uint8Array
 * subclass a transport may hand over) slice() returns a view that shares memory.
 */
export function copyOf(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** The parts, one after the other, in a new buffer. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return fill(new Uint8Array(byteLength(parts)), parts);
}

/** The bytes of all the parts together. */
export function byteLength(parts: readonly Uint8Array[]): number {
  let total = 0;
  for (const p of parts) total += p.length;
  return total;
}

/**
 * The most bytes a connection joins into one buffer: above a session's largest flush (256 KiB of
 * payload and its frame headers), so that a flush leaves in one call.
 */
export const JOIN_LIMIT = 512 * 1024;

/** The smallest buffer a JoinBuffer keeps. */
const JOIN_MIN = 16 * 1024;

/** The smallest power of two at or above `n` (for n ≥ 1). */
export function powerOfTwoAtLeast(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

/**
 * Joins the parts of a write into one buffer, for a connection that takes one buffer per send and
 * copies it inside the call (a browser's WebSocket). A join of at most `max` bytes goes into a
 * buffer kept for the next join (grown as needed, up to `max`): the connection must be done with
 * the bytes of one join before the next is asked for. Larger joins get a buffer of their own.
 */
export class JoinBuffer {
  private buffer: Uint8Array | null = null;

  constructor(private readonly max = JOIN_LIMIT) {}

  join(parts: readonly Uint8Array[]): Uint8Array {
    const total = byteLength(parts);
    if (total > this.max) return fill(new Uint8Array(total), parts);
    let buffer = this.buffer;
    if (buffer === null || buffer.length < total) {
      buffer = this.buffer = new Uint8Array(Math.min(this.max, Math.max(total, buffer === null ? JOIN_MIN : 2 * buffer.length)));
    }
    return fill(buffer.length === total ? buffer : buffer.subarray(0, total), parts);
  }

  /** Lets the kept buffer go (the connection has ended). */
  release(): void {
    this.buffer = null;
  }
}

function fill(out: Uint8Array, parts: readonly Uint8Array[]): Uint8Array {
  copyInto(out, parts, 0);
  return out;
}

/** Copies the parts one after the other into `out` from `at`; returns where they end. */
export function copyInto(out: Uint8Array, parts: readonly Uint8Array[], at: number): number {
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return at;
}
