import { FrameType, HEADER_SIZE } from "./constants.js";
import { writeU32 } from "../util/bytes.js";
import { writeHeader } from "./encode.js";

/** Payloads at least this large go out as views of the caller's bytes instead of being copied. */
const COPY_LIMIT = 2048;
const SLAB_SIZE = 64 * 1024;
const EMPTY = new Uint8Array(0);

/**
 * Gathers the frames of one flush into as few buffers as possible: headers and small payloads are
 * encoded back to back in a slab; a large DATA payload ends the current piece and follows as a view
 * of the application's own bytes (no copy just to prepend 8 header bytes).
 *
 * A slab's unused tail serves the next flush: bytes already handed out are never written again,
 * so a transport may hold on to them for as long as it needs.
 */
/** Told when the transport no longer needs the bytes of the frames it was gathered with. */
export interface Completion {
  written(): void;
}

export class Output {
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
  private pos = 0;
  private start = 0;

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
    return parts;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.slab.length) return;
    this.cut();
    this.slab = new Uint8Array(Math.max(SLAB_SIZE, n));
    this.pos = 0;
    this.start = 0;
  }

  private cut(): void {
    if (this.pos > this.start) {
      this.parts.push(this.slab.subarray(this.start, this.pos));
      this.start = this.pos;
    }
  }
}
