import { ErrorCode, MuxError } from "../errors.js";
import { FrameType, HEADER_SIZE, INCREMENT_MASK, MAX_GOAWAY_DEBUG, STREAM_ID_MASK } from "./constants.js";
import type { Frame } from "./frame.js";
import { concat, copyOf, readU32 } from "../util/bytes.js";

/**
 * What the decoder calls, once per frame (DATA: once per piece of payload that has arrived).
 * Methods rather than an event object per frame: the hot path allocates nothing.
 */
export interface FrameHandler {
  /**
   * A piece of a DATA frame's payload, `offset` bytes into a frame of `length` bytes. A frame that
   * arrives whole is one call with offset 0; a frame split across transport chunks is delivered in
   * pieces as they arrive, so a large frame is never buffered whole. `payload` is a view into the
   * transport's chunk, never a copy. An empty frame is one call with an empty payload.
   */
  onData(streamId: number, flags: number, payload: Uint8Array, offset: number, length: number): void;
  onRst(streamId: number, code: number): void;
  onWndInc(streamId: number, increment: number): void;
  /** `debug` is a copy, cut to 1 MiB (docs/protocol.md: Go reads at most 1 MiB of it). */
  onGoAway(lastStreamId: number, code: number, debug: Uint8Array): void;
  /** A frame of type 0x4..0xF: its payload is skipped (docs/protocol.md, "Frames"). */
  onUnknown?(type: number, flags: number, streamId: number, length: number): void;
}

enum State {
  Header,
  Data,
  Fixed,
  Skip,
  Failed,
}

/**
 * An incremental muxado frame decoder: bytes in, handler calls out, no I/O. Chunks may split frames
 * anywhere and may hold many frames. Validation follows docs/protocol.md, "Frames": a broken frame
 * throws a MuxError (FrameSizeError or ProtocolError) and the decoder stays failed.
 */
export class FrameDecoder {
  private state = State.Header;
  private readonly header = new Uint8Array(HEADER_SIZE);
  private have = 0;
  private type = 0;
  private flags = 0;
  private streamId = 0;
  private length = 0;
  /** Bytes of the current frame's payload consumed so far. */
  private offset = 0;
  /** RST, WNDINC and GOAWAY payloads are gathered here (GOAWAY capped at 8 + 1 MiB). */
  private fixed: Uint8Array | null = null;
  private fixedHave = 0;
  /** Set by hold(): decoding stops after the frame (or piece) being handled. */
  private holding = false;
  /** Bytes not decoded yet because of a hold, oldest first. */
  private backlog: Uint8Array[] = [];
  /** The chunk being decoded, the DATA pieces of `largePiece` bytes or more handed out from it so far, and largeShare()'s answer for it. */
  private chunk: Uint8Array | null = null;
  private largeBehind = 0;
  private share = -1;

  /** `largePiece`: from what size on largeShare() counts a DATA piece. */
  constructor(
    private readonly handler: FrameHandler,
    private readonly largePiece = Number.POSITIVE_INFINITY,
  ) {}

  /** Feeds bytes. Throws MuxError on a protocol violation. */
  push(chunk: Uint8Array): void {
    if (this.state === State.Failed) throw new MuxError(ErrorCode.ProtocolError, "decoder already failed");
    if (this.holding || this.backlog.length > 0) {
      this.backlog.push(chunk);
      return;
    }
    this.run(chunk);
  }

  /**
   * Stops decoding once the current handler call returns: the rest of the chunk, and whatever is
   * pushed meanwhile, waits until release(). A handler calls this when the frames behind the one
   * it handles must wait (the session's accept queue is full).
   */
  hold(): void {
    this.holding = true;
  }

  /** Decodes what waited since hold(), until it is all done or a handler holds again. Throws as push() does. */
  release(): void {
    this.holding = false;
    while (!this.holding && this.backlog.length > 0 && this.state !== State.Failed) this.run(this.backlog.shift()!);
  }

  /** Whether bytes wait for release(). */
  get held(): boolean {
    return this.holding || this.backlog.length > 0;
  }

  private run(chunk: Uint8Array): void {
    try {
      this.consume(chunk);
    } catch (err) {
      this.state = State.Failed;
      this.backlog = [];
      throw err;
    }
  }

  /** True when no frame is partly received: an EOF now falls between frames. */
  get idle(): boolean {
    return this.state === State.Header && this.have === 0 && this.backlog.length === 0;
  }

  /**
   * The share of `piece`'s buffer taken by DATA pieces of `largePiece` bytes or more, counting those
   * of its chunk before it, itself and those after it. `piece` is the payload of the onData() call
   * being handled (or its tail). Reads the rest of the chunk's frame headers once per chunk.
   */
  largeShare(piece: Uint8Array): number {
    const chunk = this.chunk;
    if (chunk === null || piece.buffer !== chunk.buffer) return 0;
    if (this.share >= 0) return this.share;
    // A piece cut short of its frame's end ends the chunk; one that ends its frame is followed by a header.
    let at = piece.byteOffset + piece.length - chunk.byteOffset;
    const end = chunk.length;
    let large = this.largeBehind;
    while (at + HEADER_SIZE <= end) {
      const length = (chunk[at]! << 16) | (chunk[at + 1]! << 8) | chunk[at + 2]!;
      const type = chunk[at + 3]! >>> 4;
      at += HEADER_SIZE;
      if (type === FrameType.DATA) {
        const n = Math.min(length, end - at);
        if (n >= this.largePiece) large += n;
      }
      at += length;
    }
    this.share = large / chunk.buffer.byteLength;
    return this.share;
  }

  private consume(chunk: Uint8Array): void {
    this.chunk = chunk;
    this.largeBehind = 0;
    this.share = -1;
    try {
      this.decode(chunk);
    } finally {
      // Neither the chunk nor its answer outlives its decoding.
      this.chunk = null;
    }
  }

  private decode(chunk: Uint8Array): void {
    let pos = 0;
    const end = chunk.length;
    while (pos < end || (this.state === State.Data && this.length === 0)) {
      if (this.holding) {
        this.backlog.unshift(chunk.subarray(pos));
        return;
      }
      switch (this.state) {
        case State.Header: {
          if (this.have === 0 && end - pos >= HEADER_SIZE) {
            this.parseHeader(chunk, pos);
            pos += HEADER_SIZE;
          } else {
            const n = Math.min(HEADER_SIZE - this.have, end - pos);
            this.header.set(chunk.subarray(pos, pos + n), this.have);
            this.have += n;
            pos += n;
            if (this.have < HEADER_SIZE) return;
            this.have = 0;
            this.parseHeader(this.header, 0);
          }
          break;
        }
        case State.Data: {
          const n = Math.min(this.length - this.offset, end - pos);
          const offset = this.offset;
          this.offset += n;
          if (this.offset === this.length) this.state = State.Header;
          if (n >= this.largePiece) this.largeBehind += n;
          this.handler.onData(this.streamId, this.flags, chunk.subarray(pos, pos + n), offset, this.length);
          pos += n;
          break;
        }
        case State.Fixed: {
          const fixed = this.fixed!;
          const want = Math.min(fixed.length, this.length) - this.fixedHave;
          const n = Math.min(want, end - pos);
          fixed.set(chunk.subarray(pos, pos + n), this.fixedHave);
          this.fixedHave += n;
          this.offset += n;
          pos += n;
          if (this.fixedHave === fixed.length) this.finishFixed();
          break;
        }
        case State.Skip: {
          const n = Math.min(this.length - this.offset, end - pos);
          this.offset += n;
          pos += n;
          if (this.offset === this.length) this.state = State.Header;
          break;
        }
        case State.Failed:
          return;
      }
    }
  }

  private parseHeader(b: Uint8Array, at: number): void {
    const length = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
    const type = b[at + 3]! >>> 4;
    const flags = b[at + 3]! & 0xf;
    const streamId = ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) & STREAM_ID_MASK;
    this.length = length;
    this.type = type;
    this.flags = flags;
    this.streamId = streamId;
    this.offset = 0;
    switch (type) {
      case FrameType.DATA:
        if (streamId === 0) {
          throw new MuxError(ErrorCode.ProtocolError, "DATA frame stream id must not be zero, got: 0");
        }
        this.state = State.Data;
        return;
      case FrameType.RST:
      case FrameType.WNDINC: {
        const name = type === FrameType.RST ? "RST" : "WNDINC";
        if (length !== 4) {
          throw new MuxError(ErrorCode.FrameSizeError, `illegal ${name} frame length: 0x${length.toString(16)}`);
        }
        if (streamId === 0) {
          throw new MuxError(
            ErrorCode.ProtocolError,
            type === FrameType.RST ? "RST stream id must not be zero" : "WNDINC stream id must not be zero, got: 0",
          );
        }
        this.startFixed(4);
        return;
      }
      case FrameType.GOAWAY:
        if (length < 8) {
          throw new MuxError(ErrorCode.FrameSizeError, `illegal GOAWAY frame length: 0x${length.toString(16)}`);
        }
        if (streamId !== 0) {
          throw new MuxError(ErrorCode.ProtocolError, `GOAWAY stream id must be zero, not: ${streamId}`);
        }
        this.startFixed(Math.min(length, 8 + MAX_GOAWAY_DEBUG));
        return;
      default:
        this.handler.onUnknown?.(type, flags, streamId, length);
        this.state = length === 0 ? State.Header : State.Skip;
    }
  }

  private startFixed(size: number): void {
    this.fixed = new Uint8Array(size);
    this.fixedHave = 0;
    this.state = State.Fixed;
  }

  private finishFixed(): void {
    const p = this.fixed!;
    this.fixed = null;
    // A GOAWAY longer than the cap still has bytes to skip.
    this.state = this.offset < this.length ? State.Skip : State.Header;
    switch (this.type) {
      case FrameType.RST:
        this.handler.onRst(this.streamId, readU32(p, 0));
        return;
      case FrameType.WNDINC: {
        const increment = readU32(p, 0) & INCREMENT_MASK;
        if (increment === 0) {
          throw new MuxError(ErrorCode.ProtocolError, "WNDINC increment must not be zero, got: 0");
        }
        this.handler.onWndInc(this.streamId, increment);
        return;
      }
      case FrameType.GOAWAY:
        this.handler.onGoAway(readU32(p, 0) & STREAM_ID_MASK, readU32(p, 4), p.subarray(8));
        return;
    }
  }
}

/**
 * Decodes a complete byte sequence into frames, DATA pieces joined. For tests and tools; the
 * session drives FrameDecoder directly.
 */
export function decodeFrames(bytes: Uint8Array): Frame[] {
  const frames: Frame[] = [];
  let pieces: Uint8Array[] = [];
  const decoder = new FrameDecoder({
    onData(streamId, flags, payload, offset, length) {
      pieces.push(payload);
      if (offset + payload.length < length) return;
      const data = pieces.length === 1 ? copyOf(pieces[0]!) : concat(pieces);
      pieces = [];
      frames.push({ type: "DATA", streamId, flags, data });
    },
    onRst: (streamId, code) => frames.push({ type: "RST", streamId, code }),
    onWndInc: (streamId, increment) => frames.push({ type: "WNDINC", streamId, increment }),
    onGoAway: (lastStreamId, code, debug) => frames.push({ type: "GOAWAY", lastStreamId, code, debug }),
    onUnknown: (frameType, flags, streamId, length) => frames.push({ type: "UNKNOWN", frameType, flags, streamId, length }),
  });
  decoder.push(bytes);
  if (!decoder.idle) throw new MuxError(ErrorCode.FrameSizeError, "input ends inside a frame");
  return frames;
}
