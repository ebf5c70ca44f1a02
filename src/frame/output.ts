import { FrameType, HEADER_SIZE } from "./constants.js";
import { writeU32 } from "../util/bytes.js";
import { writeHeader } from "./encode.js";

/** Payloads at least this large go out as views of the caller's bytes instead of being copied. */
const COPY_LIMIT = 2048;
/**
 * Slabs start small and double (up to SLAB_MAX) while single flushes fill them: a session that
 * sends little holds little, a busy one gets large slabs.
 */
const SLAB_MIN = 1024;
const SLAB_MAX = 64 * 1024;
const EMPTY = new Uint8Array(0);

/**
 * Gathers the frames of one flush into as few buffers as possible: headers and small payloads are
 * encoded back to back in a slab; a large DATA payload ends the current piece and follows as a view
 * of the application's own bytes (no copy just to prepend 8 header bytes).
 *
 * A slab's unused tail serves the next flush: bytes handed out are not written again while the
 * transport holds them. Once it has let go of every flush cut from the slab (takeHeld() and
 * written()), the slab is filled again from its start, so a session that sends small flushes one
 * after the other allocates nothing.
 */
/** Told when the transport no longer needs the bytes of the frames it was gathered with. */
export interface Completion {
  written(): void;
}

export class Output implements Completion {
  parts: Uint8Array[] = [];
  bytes = 0;
  /** Frames gathered since the last take(). */
  frames = 0;
  /**
   * Told of every frame as it is gathered (the session's onFrame trace): type, flags, stream id,
   * payload length, and the value of an RST, WNDINC or GOAWAY (`last` for a GOAWAY's last id).
   */
  trace: ((type: number, flags: number, streamId: number, length: number, value?: number, last?: number) => void) | null = null;
  /** Writers waiting for this flush's bytes to be taken by the transport. */
  completions: Completion[] = [];
  /** Allocated on first use: an idle session holds no output buffer. */
  private slab = EMPTY;
  private slabSize = SLAB_MIN;
  private pos = 0;
  private start = 0;
  /** Where the current flush began in the slab, and how much of the slab the last flush used. */
  private flushStart = 0;
  private lastUsed = 0;
  /** Which slab this is: each new one counts up. */
  private slabId = 0;
  /** The slab of each taken flush the transport has not let go of yet, oldest first. */
  private held: number[] = [];

  header(length: number, type: number, flags: number, streamId: number): void {
    this.frames++;
    this.trace?.(type, flags, streamId, length);
    this.putHeader(length, type, flags, streamId);
  }

  private putHeader(length: number, type: number, flags: number, streamId: number): void {
    this.reserve(HEADER_SIZE);
    writeHeader(this.slab, this.pos, length, type, flags, streamId);
    this.pos += HEADER_SIZE;
    this.bytes += HEADER_SIZE;
  }

  /** A frame whose payload is one uint32 (RST, WNDINC). */
  u32Frame(type: number, streamId: number, value: number): void {
    this.frames++;
    this.trace?.(type, 0, streamId, 4, value);
    this.reserve(HEADER_SIZE + 4);
    writeHeader(this.slab, this.pos, 4, type, 0, streamId);
    writeU32(this.slab, this.pos + HEADER_SIZE, value);
    this.pos += HEADER_SIZE + 4;
    this.bytes += HEADER_SIZE + 4;
  }

  goAway(lastStreamId: number, code: number, debug: Uint8Array): void {
    this.frames++;
    this.trace?.(FrameType.GOAWAY, 0, 0, 8 + debug.length, code, lastStreamId);
    this.putHeader(8 + debug.length, FrameType.GOAWAY, 0, 0);
    this.reserve(8);
    writeU32(this.slab, this.pos, lastStreamId);
    writeU32(this.slab, this.pos + 4, code);
    this.pos += 8;
    this.bytes += 8;
    this.payload(debug);
  }

  /** Appends payload bytes: copied when small, passed on as a view when large. */
  payload(data: Uint8Array): void {
    const n = data.length;
    if (n === 0) return;
    this.bytes += n;
    if (n < COPY_LIMIT) {
      this.reserve(n);
      this.slab.set(data, this.pos);
      this.pos += n;
    } else {
      this.cut();
      this.parts.push(data);
    }
  }

  /** Takes what was gathered; the builder is empty afterwards. */
  take(): Uint8Array[] {
    this.cut();
    const parts = this.parts;
    this.parts = [];
    this.bytes = 0;
    this.frames = 0;
    this.lastUsed = this.pos - this.flushStart;
    this.flushStart = this.pos;
    return parts;
  }

  /**
   * take(), for a transport that says when it has let go of each flush's bytes, in order: call
   * written() then (the writer puts this Output among the flush's completions). Once every flush
   * cut from the current slab is let go of, the slab serves again from its start.
   */
  takeHeld(): Uint8Array[] {
    const parts = this.take();
    this.held.push(this.slabId);
    return parts;
  }

  /** The transport let go of the oldest flush from takeHeld(). */
  written(): void {
    const held = this.held;
    held.shift();
    // Flushes are let go of in order, so the newest held one says whether any of this slab is held.
    if ((held.length > 0 && held[held.length - 1] === this.slabId) || this.pos !== this.start || this.parts.length > 0) return;
    // Nothing of this slab is held or gathered: it serves again from its start.
    this.pos = this.start = this.flushStart = 0;
  }

  /**
   * The writer has nothing left to send. A slab grown for a burst that is over (the last flush used
   * under a quarter of it) is let go: a session that went quiet holds SLAB_MIN at most.
   */
  idle(): void {
    if (this.slab.length <= SLAB_MIN || this.lastUsed * 4 >= this.slab.length) return;
    this.slab = EMPTY;
    this.slabSize = SLAB_MIN;
    this.newSlab();
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.slab.length) return;
    this.cut();
    // One flush filled a whole slab: the next is twice as large.
    if (this.flushStart === 0 && this.slab.length > 0) this.slabSize = Math.min(SLAB_MAX, this.slabSize * 2);
    this.slab = new Uint8Array(Math.max(this.slabSize, n));
    this.newSlab();
  }

  private newSlab(): void {
    this.pos = this.start = this.flushStart = 0;
    this.slabId++;
  }

  private cut(): void {
    if (this.pos > this.start) {
      this.parts.push(this.slab.subarray(this.start, this.pos));
      this.start = this.pos;
    }
  }
}
