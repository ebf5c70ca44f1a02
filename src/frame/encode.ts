import { FrameType, HEADER_SIZE, INCREMENT_MASK, MAX_PAYLOAD, MAX_STREAM_ID, STREAM_ID_MASK } from "./constants.js";
import type { Frame } from "./frame.js";
import { writeU32 } from "../util/bytes.js";

/** Writes one 8-byte frame header at `at` (docs/protocol.md, "Frames"). */
export function writeHeader(buf: Uint8Array, at: number, length: number, type: number, flags: number, streamId: number): void {
  buf[at] = length >>> 16;
  buf[at + 1] = length >>> 8;
  buf[at + 2] = length;
  buf[at + 3] = (type << 4) | (flags & 0xf);
  writeU32(buf, at + 4, streamId & STREAM_ID_MASK);
}

const encoder = new TextEncoder();

export function toBytes(debug: string | Uint8Array | undefined): Uint8Array {
  if (debug === undefined) return new Uint8Array(0);
  return typeof debug === "string" ? encoder.encode(debug) : debug;
}

/**
 * Encodes one frame into a new buffer. The session's writer does not use this (it encodes into
 * shared slabs, see `output.ts`); it is the codec's reference form, checked against the vectors.
 */
export function encodeFrame(frame: Frame): Uint8Array {
  if (frame.type !== "GOAWAY") checkStreamId(frame.streamId);
  switch (frame.type) {
    case "DATA": {
      checkLength(frame.data.length);
      const out = new Uint8Array(HEADER_SIZE + frame.data.length);
      writeHeader(out, 0, frame.data.length, FrameType.DATA, frame.flags, frame.streamId);
      out.set(frame.data, HEADER_SIZE);
      return out;
    }
    case "RST":
    case "WNDINC": {
      if (frame.type === "WNDINC" && !(frame.increment >= 1 && frame.increment <= INCREMENT_MASK)) {
        throw new RangeError(`invalid window increment: ${frame.increment}`);
      }
      const out = new Uint8Array(HEADER_SIZE + 4);
      const isRst = frame.type === "RST";
      writeHeader(out, 0, 4, isRst ? FrameType.RST : FrameType.WNDINC, 0, frame.streamId);
      writeU32(out, HEADER_SIZE, isRst ? frame.code : frame.increment);
      return out;
    }
    case "GOAWAY": {
      checkStreamId(frame.lastStreamId);
      const length = 8 + frame.debug.length;
      checkLength(length);
      const out = new Uint8Array(HEADER_SIZE + length);
      writeHeader(out, 0, length, FrameType.GOAWAY, 0, 0);
      writeU32(out, HEADER_SIZE, frame.lastStreamId);
      writeU32(out, HEADER_SIZE + 4, frame.code);
      out.set(frame.debug, HEADER_SIZE + 8);
      return out;
    }
    case "UNKNOWN": {
      checkLength(frame.length);
      const out = new Uint8Array(HEADER_SIZE + frame.length);
      writeHeader(out, 0, frame.length, frame.frameType, frame.flags, frame.streamId);
      return out;
    }
  }
}

function checkStreamId(id: number): void {
  if (!(id >= 0 && id <= MAX_STREAM_ID)) throw new RangeError(`invalid stream id: ${id}`);
}

function checkLength(length: number): void {
  if (length > MAX_PAYLOAD) throw new RangeError(`frame payload of ${length} bytes exceeds ${MAX_PAYLOAD}`);
}
