/**
 * The incremental decoder against a slow reference: a second decoder written here the obvious way
 * (whole buffer, one frame at a time, recursive), straight from the table in docs/protocol.md. Both
 * must agree on every byte sequence, wherever the incremental one's input is cut.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MuxError } from "../../src/errors.js";
import { encodeFrame, FrameDecoder, type Frame } from "../../src/frame/index.js";
import { concat } from "../../src/util/bytes.js";

type Outcome = { frames: Frame[]; end: "ok" | "truncated" | { code: number; message: string } };

const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** docs/protocol.md, "Frames", read literally. The message texts are Go's (test/fixtures/muxado, decode_errors). */
function reference(b: Uint8Array): Outcome {
  if (b.length === 0) return { frames: [], end: "ok" };
  if (b.length < 8) return { frames: [], end: "truncated" };
  const length = (b[0]! << 16) | (b[1]! << 8) | b[2]!;
  const type = b[3]! >> 4;
  const flags = b[3]! & 0xf;
  const streamId = u32(b, 4) & 0x7fffffff;
  const fail = (code: number, message: string): Outcome => ({ frames: [], end: { code, message } });
  // Header checks come before the payload has arrived, as in any decoder that streams.
  if (type === 0 || type === 2) {
    const name = type === 0 ? "RST" : "WNDINC";
    if (length !== 4) return fail(8, `illegal ${name} frame length: 0x${length.toString(16)}`);
    if (streamId === 0) return fail(1, type === 0 ? "RST stream id must not be zero" : "WNDINC stream id must not be zero, got: 0");
  } else if (type === 1) {
    if (streamId === 0) return fail(1, "DATA frame stream id must not be zero, got: 0");
  } else if (type === 3) {
    if (length < 8) return fail(8, `illegal GOAWAY frame length: 0x${length.toString(16)}`);
    if (streamId !== 0) return fail(1, `GOAWAY stream id must be zero, not: ${streamId}`);
  }
  if (b.length < 8 + length) {
    // An unknown frame is announced as soon as its header is in; its payload is only skipped.
    const announced: Frame[] = type >= 4 ? [{ type: "UNKNOWN", frameType: type, flags, streamId, length }] : [];
    return { frames: announced, end: "truncated" };
  }
  const p = b.subarray(8, 8 + length);
  let frame: Frame;
  switch (type) {
    case 0:
      frame = { type: "RST", streamId, code: u32(p, 0) };
      break;
    case 1:
      frame = { type: "DATA", streamId, flags, data: p.slice() };
      break;
    case 2: {
      const increment = u32(p, 0) & 0x7fffffff;
      if (increment === 0) return fail(1, "WNDINC increment must not be zero, got: 0");
      frame = { type: "WNDINC", streamId, increment };
      break;
    }
    case 3:
      frame = { type: "GOAWAY", lastStreamId: u32(p, 0) & 0x7fffffff, code: u32(p, 4), debug: p.slice(8) };
      break;
    default:
      frame = { type: "UNKNOWN", frameType: type, flags, streamId, length };
  }
  const rest = reference(b.subarray(8 + length));
  return { frames: [frame, ...rest.frames], end: rest.end };
}

/** The decoder under test, fed `bytes` cut at `cuts`. */
function incremental(bytes: Uint8Array, cuts: number[]): Outcome {
  const frames: Frame[] = [];
  let pieces: Uint8Array[] = [];
  const decoder = new FrameDecoder({
    onData(streamId, flags, payload, offset, length) {
      expect(offset).toBe(pieces.reduce((n, x) => n + x.length, 0));
      pieces.push(payload.slice());
      if (offset + payload.length < length) return;
      const data = new Uint8Array(length);
      let at = 0;
      for (const x of pieces) {
        data.set(x, at);
        at += x.length;
      }
      pieces = [];
      frames.push({ type: "DATA", streamId, flags, data });
    },
    onRst: (streamId, code) => frames.push({ type: "RST", streamId, code }),
    onWndInc: (streamId, increment) => frames.push({ type: "WNDINC", streamId, increment }),
    onGoAway: (lastStreamId, code, debug) => frames.push({ type: "GOAWAY", lastStreamId, code, debug: debug.slice() }),
    onUnknown: (frameType, flags, streamId, length) => frames.push({ type: "UNKNOWN", frameType, flags, streamId, length }),
  });
  const points = [0, ...[...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y), bytes.length];
  try {
    for (let i = 1; i < points.length; i++) decoder.push(bytes.slice(points[i - 1], points[i]));
  } catch (err) {
    if (!(err instanceof MuxError)) throw err;
    return { frames, end: { code: err.code, message: err.message } };
  }
  return { frames, end: decoder.idle ? "ok" : "truncated" };
}

/** Hand-built bytes: any header, any payload; the encoder would refuse many of these. */
function raw(length: number, type: number, flags: number, streamId: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  out.set([length >>> 16, (length >>> 8) & 0xff, length & 0xff, (type << 4) | flags]);
  new DataView(out.buffer).setUint32(4, streamId >>> 0);
  out.set(payload, 8);
  return out;
}

const streamId = fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 0x7fffffff }));
const payload = fc.uint8Array({ maxLength: 300 });

/** Frames the encoder accepts, plus unknown types with their payload. */
const validFrame: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.record({ streamId, flags: fc.integer({ min: 0, max: 15 }), data: payload }).map((f) => encodeFrame({ type: "DATA", ...f })),
  fc.record({ streamId, code: fc.nat({ max: 0xffffffff }) }).map((f) => encodeFrame({ type: "RST", ...f })),
  fc.record({ streamId, increment: fc.integer({ min: 1, max: 0x7fffffff }) }).map((f) => encodeFrame({ type: "WNDINC", ...f })),
  fc
    .record({ lastStreamId: fc.nat({ max: 0x7fffffff }), code: fc.nat({ max: 0xffffffff }), debug: fc.uint8Array({ maxLength: 40 }) })
    .map((f) => encodeFrame({ type: "GOAWAY", ...f })),
  fc
    .record({ type: fc.integer({ min: 4, max: 15 }), flags: fc.integer({ min: 0, max: 15 }), id: fc.nat({ max: 0xffffffff }), p: payload })
    .map((f) => raw(f.p.length, f.type, f.flags, f.id, f.p)),
);

/** Frames with any header at all: reserved bits, wrong lengths, zero ids, a cut-off tail. */
const anyFrame: fc.Arbitrary<Uint8Array> = fc
  .record({
    type: fc.integer({ min: 0, max: 15 }),
    flags: fc.integer({ min: 0, max: 15 }),
    id: fc.oneof(fc.constantFrom(0, 1, 2, 0x80000000, 0x80000001), fc.nat({ max: 0xffffffff })),
    p: fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ maxLength: 24 })),
    lengthDelta: fc.oneof(fc.constant(0), fc.integer({ min: -3, max: 3 })),
  })
  .map((f) => raw(Math.max(0, f.p.length + f.lengthDelta), f.type, f.flags, f.id, f.p));

const sequence = (frame: fc.Arbitrary<Uint8Array>) => fc.array(frame, { maxLength: 30 }).map(concat);

const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe("FrameDecoder agrees with a whole-buffer reference decoder", () => {
  it("on random valid frame sequences cut at random points", () => {
    fc.assert(
      fc.property(sequence(validFrame), cuts, (bytes, at) => {
        const expected = reference(bytes);
        expect(expected.end).toBe("ok");
        expect(incremental(bytes, at)).toEqual(expected);
      }),
      { seed: 0x6d75, numRuns: 400 },
    );
  });

  it("on random malformed and truncated frame sequences", () => {
    fc.assert(
      fc.property(sequence(fc.oneof(validFrame, anyFrame)), cuts, (bytes, at) => {
        expect(incremental(bytes, at)).toEqual(reference(bytes));
      }),
      { seed: 0x7861, numRuns: 400 },
    );
  });

  it("on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), cuts, (bytes, at) => {
        expect(incremental(bytes, at)).toEqual(reference(bytes));
      }),
      { seed: 0x646f, numRuns: 400 },
    );
  });

  it("fed one byte at a time", () => {
    fc.assert(
      fc.property(sequence(fc.oneof(validFrame, anyFrame)), (bytes) => {
        const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
        expect(incremental(bytes, everyByte)).toEqual(reference(bytes));
      }),
      { seed: 0x6f6e, numRuns: 150 },
    );
  });
});
