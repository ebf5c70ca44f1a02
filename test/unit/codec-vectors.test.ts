/**
 * The codec against the bytes recorded from the Go muxado library (vectors/muxado-frames.json):
 * what the Go framer wrote we must write byte for byte, what it read we must read, and what it
 * rejected we must reject with the same error class.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode, MuxError } from "../../src/errors.js";
import { decodeFrames, encodeFrame, type Frame } from "../../src/frame/index.js";
import { framesVectors, fromHex, toHex, type FrameVector, type VectorFields } from "../support/vectors.js";

const vectors = framesVectors();

/** The frame a vector's `fields` describe, as streamux's codec takes it. */
function frameFromFields(f: VectorFields): Frame {
  switch (f.type) {
    case 0:
      return { type: "RST", streamId: f.stream_id, code: f.error_code! };
    case 1:
      return { type: "DATA", streamId: f.stream_id, flags: f.flags, data: fromHex(f.data_hex ?? "") };
    case 2:
      return { type: "WNDINC", streamId: f.stream_id, increment: f.increment! };
    case 3:
      return { type: "GOAWAY", lastStreamId: f.last_stream_id!, code: f.error_code!, debug: fromHex(f.debug_hex!) };
    default:
      return { type: "UNKNOWN", frameType: f.type, flags: f.flags, streamId: f.stream_id, length: f.length };
  }
}

/**
 * The reserved top bit of a stream id: Go keeps all 32 bits when decoding, streamux masks the bit
 * off (docs/protocol.md, "Frames": "the top bit is reserved: send 0, ignore it (mask it off) on receipt"). So the hand-built
 * vector with stream id 0x80000001 decodes to stream 1 here, where Go reports 2147483649.
 */
function expectedStreamId(id: number): number {
  return id & 0x7fffffff;
}

/** What our decoder must report for a vector: its fields, in our frame shape. */
function expectedDecode(v: FrameVector): Frame {
  const f = { ...v.fields, stream_id: expectedStreamId(v.fields.stream_id) };
  // The reserved-bit vector's fields omit the payload; Go's decode has it.
  if (f.type === 1 && f.data_hex === undefined) f.data_hex = v.payload_hex;
  return frameFromFields(f);
}

describe("encodeFrame writes exactly what the Go framer wrote", () => {
  const written = vectors.frames.filter((v) => v.written_by.startsWith("go-framer"));

  it("covers every frame kind Go can write", () => {
    expect(new Set(written.map((v) => v.kind))).toEqual(new Set(["DATA", "RST", "WNDINC", "GOAWAY"]));
    expect(written.length).toBeGreaterThanOrEqual(30);
  });

  it.each(written.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    expect(toHex(encodeFrame(frameFromFields(v.fields)))).toBe(v.hex);
  });
});

describe("decodeFrames reads every recorded frame back into its fields", () => {
  it.each(vectors.frames.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    const frames = decodeFrames(fromHex(v.hex));
    expect(frames).toEqual([expectedDecode(v)]);
  });

  it("masks the reserved stream-id bit that Go keeps (the one documented difference)", () => {
    const v = vectors.frames.find((x) => x.fields.stream_id > 0x7fffffff);
    expect(v, "the reserved-bit vector").toBeDefined();
    expect(v!.go_decode.stream_id).toBe(2147483649);
    const [frame] = decodeFrames(fromHex(v!.hex));
    expect(frame).toMatchObject({ type: "DATA", streamId: 1, flags: 2 });
  });

  it("agrees with what the Go decoder reported, apart from the masked bit", () => {
    for (const v of vectors.frames) {
      const g = v.go_decode;
      expect(g.ok, v.name).toBe(true);
      const [frame] = decodeFrames(fromHex(v.hex));
      expect(frame, v.name).toEqual(expectedDecode({ ...v, fields: { ...g, data_hex: g.data_hex ?? v.fields.data_hex } }));
    }
  });

  it("carries error codes outside the table through as numbers", () => {
    const codes = vectors.frames.filter((v) => v.kind === "RST").map((v) => v.fields.error_code!);
    expect(codes).toEqual(expect.arrayContaining([0xff, 0x0badc0de, 0xffffffff]));
    for (const v of vectors.frames.filter((x) => x.kind === "RST")) {
      expect(decodeFrames(fromHex(v.hex))[0]).toMatchObject({ type: "RST", code: v.fields.error_code });
    }
  });
});

/** The code a Go session put in its GOAWAY for this input ("… GOAWAY code 8 (FrameSizeError)"). */
function goCode(errorClass: string): number {
  const m = /GOAWAY code (\d+)/.exec(errorClass);
  if (!m) throw new Error(`cannot read the code from: ${errorClass}`);
  return Number(m[1]);
}

describe("malformed frames fail like they do in Go", () => {
  it("has both error classes among the vectors", () => {
    const codes = new Set(vectors.decode_errors.map((v) => goCode(v.go_decode.error_class)));
    expect(codes).toEqual(new Set([ErrorCode.FrameSizeError, ErrorCode.ProtocolError]));
  });

  it.each(vectors.decode_errors.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    let caught: unknown;
    try {
      decodeFrames(fromHex(v.hex));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MuxError);
    const err = caught as MuxError;
    expect(err.code).toBe(goCode(v.go_decode.error_class));
    expect(err.message).toBe(v.go_decode.error);
    expect(err.remote).toBe(false);
  });
});

describe("encodeFrame refuses what Go's Pack refuses", () => {
  const data = new Uint8Array(3);
  // Each recorded Pack call, as the same call on our encoder. A vector missing here fails below.
  const calls: Record<string, () => Uint8Array> = {
    "WndInc.Pack(3, 0)": () => encodeFrame({ type: "WNDINC", streamId: 3, increment: 0 }),
    "WndInc.Pack(3, 0x80000000)": () => encodeFrame({ type: "WNDINC", streamId: 3, increment: 0x80000000 }),
    "Data.Pack(0x80000000, ...)": () => encodeFrame({ type: "DATA", streamId: 0x80000000, flags: 0, data }),
    "Data.Pack(3, 16 MiB payload)": () => encodeFrame({ type: "DATA", streamId: 3, flags: 0, data: new Uint8Array(16 * 1024 * 1024) }),
    "Data.Pack(0, ...) (stream 0 is not rejected when encoding)": () => encodeFrame({ type: "DATA", streamId: 0, flags: 0, data }),
    "GoAway.Pack(0x80000001, ...)": () => encodeFrame({ type: "GOAWAY", lastStreamId: 0x80000001, code: 0, debug: new Uint8Array(0) }),
  };

  it("has a counterpart for every recorded Pack call", () => {
    expect(Object.keys(calls).sort()).toEqual(vectors.pack_errors.map((v) => v.call).sort());
  });

  it.each(vectors.pack_errors.map((v) => [v.call, v] as const))("%s", (call, v) => {
    const run = calls[call]!;
    if (v.error === "<nil>") {
      expect(run().length).toBeGreaterThan(0);
      return;
    }
    expect(run).toThrow(RangeError);
    // Go names the offending value; so do we (the wording of the length error differs).
    const value = /(\d+)$/.exec(v.error)![1]!;
    expect(run).toThrow(value);
  });

  it("refuses a GOAWAY whose debug does not fit the 24-bit length", () => {
    const debug = new Uint8Array(0xffffff - 7);
    expect(() => encodeFrame({ type: "GOAWAY", lastStreamId: 0, code: 0, debug })).toThrow(RangeError);
  });
});

describe("the GOAWAY debug over-read vector", () => {
  // Go swallows the 8 bytes after the GOAWAY into its debug string; we are not Go: the debug is
  // exactly the frame's own bytes and the following WNDINC decodes as a frame of its own.
  it("decodes as the GOAWAY and the WNDINC that were written", () => {
    const o = vectors.goaway_debug_overread;
    expect(o.go_debug_consumed_bytes).toBe(11);
    const frames = decodeFrames(fromHex(o.input_hex));
    expect(frames).toEqual([
      { type: "GOAWAY", lastStreamId: 0, code: 5, debug: new TextEncoder().encode("abc") },
      { type: "WNDINC", streamId: 3, increment: 77 },
    ]);
  });
});
