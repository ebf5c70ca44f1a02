/**
 * The writer's frame builder (src/frame/output.ts): small frames coalesce into one buffer, large
 * payloads leave as views of the caller's bytes, and bytes already handed out are never rewritten.
 */
import { describe, expect, it } from "vitest";
import { decodeFrames, encodeFrame, Flag, FrameType, type Frame } from "../../src/frame/index.js";
import { Output } from "../../src/frame/output.js";
import { framesVectors, fromHex, toHex } from "../support/vectors.js";
import { concat } from "../../src/util/bytes.js";

function dataFrame(out: Output, streamId: number, flags: number, data: Uint8Array): void {
  out.header(data.length, FrameType.DATA, flags, streamId);
  out.payload(data);
}

const text = (s: string) => new TextEncoder().encode(s);

describe("Output", () => {
  it("coalesces many small frames into a few parts that equal the frames encoded one by one; the slab grows for the next burst", () => {
    const out = new Output();
    const burst = () => {
      const expected: Frame[] = [];
      for (let id = 3; id < 200; id += 2) {
        out.u32Frame(FrameType.WNDINC, id, id * 10);
        expected.push({ type: "WNDINC", streamId: id, increment: id * 10 });
        dataFrame(out, id, Flag.FIN, text(`stream ${id}`));
        expected.push({ type: "DATA", streamId: id, flags: Flag.FIN, data: text(`stream ${id}`) });
        out.u32Frame(FrameType.RST, id + 1, 6);
        expected.push({ type: "RST", streamId: id + 1, code: 6 });
      }
      out.goAway(7, 0, text("no error"));
      expected.push({ type: "GOAWAY", lastStreamId: 7, code: 0, debug: text("no error") });
      const total = out.bytes;
      const parts = out.take();
      expect(concat(parts).length).toBe(total);
      expect(toHex(concat(parts))).toBe(toHex(concat(expected.map(encodeFrame))));
      expect(out.bytes).toBe(0);
      return parts.length;
    };
    // The first burst starts from a small slab and doubles it as it fills (1, 2, 4 KiB …).
    expect(burst()).toBeLessThanOrEqual(4);
    // By the next one the slab has grown: the burst is one or two parts.
    expect(burst()).toBeLessThanOrEqual(2);
  });

  it("reuses its slab from the start once the transport has let go of every flush cut from it, and never while one is held", () => {
    const out = new Output();
    const flush = (id: number) => {
      out.u32Frame(FrameType.WNDINC, id, 1);
      const [part] = out.takeHeld();
      return part!;
    };
    // Held: the next flush is cut further along, the bytes handed out stay as they were.
    const first = flush(3);
    const firstBytes = toHex(first);
    const second = flush(5);
    expect(second.buffer).toBe(first.buffer);
    expect(second.byteOffset).toBe(first.byteOffset + first.length);
    expect(toHex(first)).toBe(firstBytes);
    // Only the first let go of: still no reuse.
    out.written();
    expect(flush(7).byteOffset).toBe(second.byteOffset + second.length);
    // Everything let go of: the next flush starts at the slab's start again, in the same buffer.
    out.written();
    out.written();
    const again = flush(9);
    expect(again.buffer).toBe(first.buffer);
    expect(again.byteOffset).toBe(0);
    expect(decodeFrames(again)).toEqual([{ type: "WNDINC", streamId: 9, increment: 1 }]);
  });

  it("writes the recorded Go GOAWAY, RST and WNDINC frames byte for byte", () => {
    const vectors = framesVectors().frames.filter((v) => v.written_by.startsWith("go-framer"));
    for (const v of vectors) {
      const out = new Output();
      const f = v.fields;
      if (v.kind === "GOAWAY") out.goAway(f.last_stream_id!, f.error_code!, fromHex(f.debug_hex!));
      else if (v.kind === "RST") out.u32Frame(FrameType.RST, f.stream_id, f.error_code!);
      else if (v.kind === "WNDINC") out.u32Frame(FrameType.WNDINC, f.stream_id, f.increment!);
      else dataFrame(out, f.stream_id, f.flags, fromHex(f.data_hex!));
      expect(toHex(concat(out.take())), v.name).toBe(v.hex);
    }
  });

  it("passes a large payload on as the caller's own bytes, not a copy", () => {
    const out = new Output();
    const big = new Uint8Array(100_000).fill(0x5a);
    out.u32Frame(FrameType.WNDINC, 3, 5);
    dataFrame(out, 5, 0, big);
    out.u32Frame(FrameType.WNDINC, 7, 9);
    const parts = out.take();
    // [WNDINC + DATA header] [payload view] [WNDINC]
    expect(parts).toHaveLength(3);
    expect(parts[1]).toBe(big);
    expect(parts[0]!.length).toBe(12 + 8);
    // Compared as bytes: deep equality over 100 kB arrays is slow.
    expect(toHex(concat(parts))).toBe(
      toHex(
        concat([
          encodeFrame({ type: "WNDINC", streamId: 3, increment: 5 }),
          encodeFrame({ type: "DATA", streamId: 5, flags: 0, data: big }),
          encodeFrame({ type: "WNDINC", streamId: 7, increment: 9 }),
        ]),
      ),
    );
  });

  it("passes a view of a larger buffer through with its offset intact", () => {
    const backing = new Uint8Array(50_000).map((_, i) => i & 0xff);
    const view = backing.subarray(1000, 41_000);
    const out = new Output();
    dataFrame(out, 3, 0, view);
    const parts = out.take();
    expect(parts[1]!.buffer).toBe(backing.buffer);
    expect(parts[1]!.byteOffset).toBe(1000);
    expect(parts[1]!.length).toBe(40_000);
  });

  it("copies a small payload, so the caller may reuse its buffer at once", () => {
    const out = new Output();
    const small = text("hello");
    dataFrame(out, 3, 0, small);
    small.fill(0);
    expect(decodeFrames(concat(out.take()))).toEqual([{ type: "DATA", streamId: 3, flags: 0, data: text("hello") }]);
  });

  it("never overwrites bytes it has handed out, across flushes and new slabs", () => {
    const out = new Output();
    const handed: { part: Uint8Array; hex: string }[] = [];
    // Enough small frames over many flushes to use up several 64 KiB slabs.
    for (let flush = 0; flush < 200; flush++) {
      for (let i = 0; i < 60; i++) {
        dataFrame(out, 2 * i + 1, 0, text(`flush ${flush} frame ${i} ${"x".repeat(i)}`));
        out.u32Frame(FrameType.WNDINC, 2 * i + 1, flush + 1);
      }
      for (const part of out.take()) handed.push({ part, hex: toHex(part) });
    }
    const buffers = new Set(handed.map((h) => h.part.buffer));
    expect(buffers.size).toBeGreaterThan(2);
    for (const h of handed) expect(toHex(h.part)).toBe(h.hex);
  });

  it("keeps an earlier flush intact when the next one reuses the slab's tail", () => {
    const out = new Output();
    out.u32Frame(FrameType.WNDINC, 3, 1);
    const [first] = out.take();
    const before = toHex(first!);
    out.u32Frame(FrameType.RST, 5, 2);
    const [second] = out.take();
    expect(second!.buffer).toBe(first!.buffer);
    expect(second!.byteOffset).toBeGreaterThanOrEqual(first!.byteOffset + first!.length);
    expect(toHex(first!)).toBe(before);
    expect(decodeFrames(second!)).toEqual([{ type: "RST", streamId: 5, code: 2 }]);
  });

  it("counts the bytes gathered so far and hands out nothing when empty", () => {
    const out = new Output();
    expect(out.take()).toEqual([]);
    out.u32Frame(FrameType.WNDINC, 3, 1);
    dataFrame(out, 3, 0, new Uint8Array(5000));
    expect(out.bytes).toBe(12 + 8 + 5000);
    expect(out.take().reduce((n, p) => n + p.length, 0)).toBe(5020);
  });

  it("handles a small frame larger than the room left in the slab", () => {
    const out = new Output();
    // Leave less room in the slab than the next frame needs.
    const small = Math.floor(65_536 / 12); // 5461 frames: 4 bytes of the slab left
    for (let i = 0; i < small; i++) out.u32Frame(FrameType.WNDINC, 3, 1);
    dataFrame(out, 5, 0, new Uint8Array(2000).fill(7));
    const parts = out.take();
    const frames = decodeFrames(concat(parts));
    expect(frames.at(-1)).toEqual({ type: "DATA", streamId: 5, flags: 0, data: new Uint8Array(2000).fill(7) });
    expect(frames).toHaveLength(small + 1);
    expect(parts.length).toBeGreaterThanOrEqual(2);
  });
});
