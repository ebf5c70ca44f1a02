/**
 * The incremental decoder: chunks may cut frames anywhere and may hold many frames; what comes out
 * must not depend on where the cuts fall. DATA payloads must be views of the transport's chunk.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode, MuxError } from "../../src/errors.js";
import { decodeFrames, encodeFrame, FrameDecoder, type Frame, type FrameHandler } from "../../src/frame/index.js";
import { framesVectors, fromHex } from "../support/vectors.js";
import { concat } from "../../src/util/bytes.js";

const vectors = framesVectors();

/** Records frames (DATA pieces joined) and checks every piece is a view of the chunk being pushed. */
class Recorder implements FrameHandler {
  frames: Frame[] = [];
  /** Every onData call: the piece as delivered and the chunk that was being pushed. */
  pieces: { payload: Uint8Array; chunk: Uint8Array; offset: number; length: number }[] = [];
  current: Uint8Array = new Uint8Array(0);
  private parts: Uint8Array[] = [];

  onData(streamId: number, flags: number, payload: Uint8Array, offset: number, length: number): void {
    this.pieces.push({ payload, chunk: this.current, offset, length });
    this.parts.push(payload.slice());
    if (offset + payload.length < length) return;
    const data = new Uint8Array(length);
    let at = 0;
    for (const p of this.parts) {
      data.set(p, at);
      at += p.length;
    }
    this.parts = [];
    this.frames.push({ type: "DATA", streamId, flags, data });
  }
  onRst(streamId: number, code: number): void {
    this.frames.push({ type: "RST", streamId, code });
  }
  onWndInc(streamId: number, increment: number): void {
    this.frames.push({ type: "WNDINC", streamId, increment });
  }
  onGoAway(lastStreamId: number, code: number, debug: Uint8Array): void {
    this.frames.push({ type: "GOAWAY", lastStreamId, code, debug: debug.slice() });
  }
  onUnknown(frameType: number, flags: number, streamId: number, length: number): void {
    this.frames.push({ type: "UNKNOWN", frameType, flags, streamId, length });
  }
}

/** Feeds `chunks` (each copied into its own ArrayBuffer, as a transport would hand them over). */
function feed(chunks: Uint8Array[]): { rec: Recorder; decoder: FrameDecoder } {
  const rec = new Recorder();
  const decoder = new FrameDecoder(rec);
  for (const c of chunks) {
    rec.current = c.slice();
    decoder.push(rec.current);
  }
  return { rec, decoder };
}

/** A small deterministic PRNG (mulberry32), so random chunkings are reproducible. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Frames with their bytes as hex: deep equality over large Uint8Arrays is element by element and
 * far too slow for megabyte payloads; hex strings compare in one step.
 */
function norm(frames: Frame[]): unknown[] {
  const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
  return frames.map((f) => (f.type === "DATA" ? { ...f, data: hex(f.data) } : f.type === "GOAWAY" ? { ...f, debug: hex(f.debug) } : f));
}

/** Bytes that differ from their neighbours, so a misplaced piece shows. */
function patterned(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + (i >>> 8)) & 0xff;
  return out;
}

function expectViews(rec: Recorder): void {
  for (const { payload, chunk } of rec.pieces) {
    expect(payload.buffer).toBe(chunk.buffer);
  }
}

const all = concat(vectors.frames.map((v) => fromHex(v.hex)));
const allFrames = decodeFrames(all);

describe("every split offset", () => {
  it.each(vectors.frames.map((v) => [v.name, v.hex] as const))("%s", (_name, hex) => {
    const bytes = fromHex(hex);
    const whole = decodeFrames(bytes);
    for (let i = 0; i <= bytes.length; i++) {
      const { rec, decoder } = feed([bytes.subarray(0, i), bytes.subarray(i)]);
      expect(norm(rec.frames), `split at ${i}`).toEqual(norm(whole));
      expect(decoder.idle).toBe(true);
      expectViews(rec);
    }
  });

  it("of the concatenation of all vectors, one cut at a time", () => {
    expect(allFrames).toHaveLength(vectors.frames.length);
    for (let i = 0; i <= all.length; i++) {
      const { rec } = feed([all.subarray(0, i), all.subarray(i)]);
      expect(norm(rec.frames), `split at ${i}`).toEqual(norm(allFrames));
      expectViews(rec);
    }
  });

  it("of the concatenation fed one byte at a time", () => {
    const chunks = Array.from(all, (_, i) => all.subarray(i, i + 1));
    const { rec, decoder } = feed(chunks);
    expect(norm(rec.frames)).toEqual(norm(allFrames));
    expect(decoder.idle).toBe(true);
    expectViews(rec);
  });

  it("of the concatenation in random chunk sizes (seeded)", () => {
    const next = rng(0x5eed);
    for (let round = 0; round < 200; round++) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < all.length; ) {
        const n = 1 + Math.floor(next() * 64);
        chunks.push(all.subarray(at, at + n));
        at += n;
      }
      const { rec } = feed(chunks);
      expect(norm(rec.frames), `round ${round}`).toEqual(norm(allFrames));
      expectViews(rec);
    }
  });

  it("reports a malformed frame with its code wherever the input is cut", () => {
    for (const v of vectors.decode_errors) {
      const bytes = fromHex(v.hex);
      const code = /GOAWAY code (\d+)/.exec(v.go_decode.error_class)![1];
      for (let i = 0; i <= bytes.length; i++) {
        let caught: unknown;
        try {
          feed([bytes.subarray(0, i), bytes.subarray(i)]);
        } catch (err) {
          caught = err;
        }
        expect(caught, `${v.name}, split at ${i}`).toBeInstanceOf(MuxError);
        expect((caught as MuxError).code).toBe(Number(code));
        expect((caught as MuxError).message).toBe(v.go_decode.error);
      }
    }
  });
});

describe("many frames per chunk", () => {
  it("decodes all of them from one chunk, each DATA payload a view of that chunk", () => {
    const { rec } = feed([all]);
    expect(norm(rec.frames)).toEqual(norm(allFrames));
    const dataFrames = allFrames.filter((f) => f.type === "DATA").length;
    expect(rec.pieces).toHaveLength(dataFrames);
    expectViews(rec);
  });

  it("hands out views without copying: the piece sees the chunk's bytes at the payload's offset", () => {
    const frame = fromHex("000005100000000368656c6c6f");
    const chunk = concat([frame, frame, frame]);
    const rec = new Recorder();
    rec.current = chunk;
    new FrameDecoder(rec).push(chunk);
    expect(rec.pieces.map((p) => p.payload.byteOffset)).toEqual([8, 21, 34]);
    for (const p of rec.pieces) expect(p.payload.buffer).toBe(chunk.buffer);
  });
});

describe("a large DATA frame", () => {
  const size = 1 << 20;
  const payload = patterned(size);
  const bytes = encodeFrame({ type: "DATA", streamId: 3, flags: 2, data: payload });

  it("is delivered piece by piece as the chunks arrive, never buffered whole", () => {
    const rec = new Recorder();
    const decoder = new FrameDecoder(rec);
    const step = 64 * 1024;
    let delivered = 0;
    for (let at = 0; at < bytes.length; at += step) {
      rec.current = bytes.slice(at, at + step);
      decoder.push(rec.current);
      const last = rec.pieces.at(-1)!;
      // Everything that has arrived so far has been handed on.
      expect(last.offset + last.payload.length).toBe(Math.min(at + step, bytes.length) - 8);
      expect(last.length).toBe(size);
      expect(last.payload.buffer).toBe(rec.current.buffer);
      delivered += last.payload.length;
    }
    expect(delivered).toBe(size);
    expect(rec.pieces).toHaveLength(Math.ceil(bytes.length / step));
    expect(norm(rec.frames)).toEqual(norm([{ type: "DATA", streamId: 3, flags: 2, data: payload }]));
  });

  it("reports every piece with its offset in the frame, in order", () => {
    const { rec } = feed([bytes.subarray(0, 100), bytes.subarray(100, 5000), bytes.subarray(5000)]);
    expect(rec.pieces.map((p) => [p.offset, p.payload.length])).toEqual([
      [0, 92],
      [92, 4900],
      [4992, size - 4992],
    ]);
  });

  it("reports an empty DATA frame as one call with an empty payload", () => {
    const { rec } = feed([fromHex("0000001100000003")]);
    expect(rec.pieces).toHaveLength(1);
    expect(rec.pieces[0]!.payload.length).toBe(0);
    expect(rec.pieces[0]!.length).toBe(0);
  });
});

describe("unknown frame types", () => {
  it("are skipped with their payload, wherever the chunks are cut", () => {
    const unknown = new Uint8Array(8 + 300);
    unknown.set([0x00, 0x01, 0x2c, 0x9a, 0x00, 0x00, 0x00, 0x07]); // length 300, type 9, flags 0xa, stream 7
    unknown.fill(0x31, 8); // a payload that would decode as garbage frames if it were not skipped
    const after = fromHex("000005100000000368656c6c6f");
    const bytes = concat([unknown, after]);
    const expected: Frame[] = [
      { type: "UNKNOWN", frameType: 9, flags: 0xa, streamId: 7, length: 300 },
      { type: "DATA", streamId: 3, flags: 0, data: new TextEncoder().encode("hello") },
    ];
    for (let i = 0; i <= bytes.length; i++) {
      expect(feed([bytes.subarray(0, i), bytes.subarray(i)]).rec.frames, `split at ${i}`).toEqual(expected);
    }
  });
});

describe("GOAWAY debug data", () => {
  const limit = 1 << 20;
  const debug = patterned(limit + 1000);
  const goAway = encodeFrame({ type: "GOAWAY", lastStreamId: 5, code: 2, debug });
  const after = fromHex("000004200000000300000005");
  const bytes = concat([goAway, after]);
  const expected: Frame[] = [
    { type: "GOAWAY", lastStreamId: 5, code: 2, debug: debug.subarray(0, limit) },
    { type: "WNDINC", streamId: 3, increment: 5 },
  ];

  it("is cut to 1 MiB and the rest of the frame skipped", () => {
    const { rec } = feed([bytes]);
    expect(norm(rec.frames)).toEqual(norm(expected));
  });

  it("is cut to 1 MiB when the frame arrives in pieces", () => {
    const cuts = [3, 8, 12, 16 + limit - 1, 16 + limit, 16 + limit + 1, goAway.length - 1, goAway.length + 2];
    for (const cut of cuts) {
      const { rec } = feed([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(norm(rec.frames), `split at ${cut}`).toEqual(norm(expected));
    }
  });

  it("of exactly 1 MiB is kept whole", () => {
    const exact = debug.subarray(0, limit);
    const frames = decodeFrames(encodeFrame({ type: "GOAWAY", lastStreamId: 0, code: 0, debug: exact }));
    expect(norm(frames)).toEqual(norm([{ type: "GOAWAY", lastStreamId: 0, code: 0, debug: exact }]));
  });
});

describe("decoder state", () => {
  it("is idle only between frames", () => {
    const bytes = fromHex("000005100000000368656c6c6f");
    const decoder = new FrameDecoder(new Recorder());
    expect(decoder.idle).toBe(true);
    decoder.push(bytes.subarray(0, 3));
    expect(decoder.idle).toBe(false);
    decoder.push(bytes.subarray(3, 10));
    expect(decoder.idle).toBe(false);
    decoder.push(bytes.subarray(10));
    expect(decoder.idle).toBe(true);
  });

  it("stays failed after a malformed frame", () => {
    const decoder = new FrameDecoder(new Recorder());
    expect(() => decoder.push(fromHex("000004000000000000000001"))).toThrow(MuxError);
    expect(() => decoder.push(fromHex("000005100000000368656c6c6f"))).toThrow(MuxError);
  });

  it("rejects input that ends inside a frame when decoding a whole buffer", () => {
    let caught: unknown;
    try {
      decodeFrames(fromHex("0000051000000003686565"));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MuxError);
    expect((caught as MuxError).code).toBe(ErrorCode.FrameSizeError);
  });
});
