import { describe, expect, it } from "vitest";
import { JoinBuffer, readU32, U32Reader, writeU32 } from "../../src/util/bytes.js";

// src/util/bytes.ts: the protocol's 4-byte big-endian values (typed streams' type, heartbeat ids).
describe("4-byte values", () => {
  it("write and read back big-endian, all 32 bits", () => {
    const b = new Uint8Array(4);
    for (const v of [0, 1, 0x01020304, 0x7fffffff, 0x80000000, 0xffffffff]) {
      writeU32(b, 0, v);
      expect(readU32(b, 0)).toBe(v);
    }
    writeU32(b, 0, 0x01020304);
    expect(Array.from(b)).toEqual([1, 2, 3, 4]);
  });

  it("are gathered whole however the bytes are split, cut at every offset", () => {
    const values = [0xffffffff, 1, 0x0badc0de];
    const bytes = new Uint8Array(12);
    for (const [i, v] of values.entries()) writeU32(bytes, i * 4, v);
    for (let a = 0; a <= bytes.length; a++) {
      for (let c = a; c <= bytes.length; c++) {
        const got: number[] = [];
        const reader = new U32Reader();
        for (const piece of [bytes.subarray(0, a), bytes.subarray(a, c), bytes.subarray(c)]) reader.read(piece, (v) => got.push(v));
        expect(got).toEqual(values);
      }
    }
  });

  it("stop after `max` values and say how many bytes they took: the rest is someone else's", () => {
    const bytes = Uint8Array.of(0, 0, 0, 7, 9, 9);
    const got: number[] = [];
    expect(new U32Reader().read(bytes, (v) => got.push(v), 1)).toBe(4);
    expect(got).toEqual([7]);
  });
});

describe("JoinBuffer", () => {
  const parts = (...sizes: number[]) => sizes.map((n, i) => new Uint8Array(n).fill(i + 1));

  it("joins the parts in order, reusing one buffer for joins up to `max`", () => {
    const joiner = new JoinBuffer(1024);
    const a = joiner.join(parts(10, 20));
    expect(Array.from(a)).toEqual([...new Array(10).fill(1), ...new Array(20).fill(2)]);
    const b = joiner.join(parts(3, 40));
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(43);
    expect(Array.from(b.subarray(0, 4))).toEqual([1, 1, 1, 2]);
  });

  it("gives joins past `max` a buffer of their own", () => {
    const joiner = new JoinBuffer(100);
    const kept = joiner.join(parts(20, 20));
    const large = joiner.join(parts(60, 60));
    expect(large.buffer).not.toBe(kept.buffer);
    expect(large.length).toBe(120);
    expect(joiner.join(parts(30, 30)).buffer).toBe(kept.buffer);
  });

  it("grows its buffer for a larger join, and lets it go on release()", () => {
    const joiner = new JoinBuffer(1 << 20);
    const first = joiner.join(parts(100));
    const larger = joiner.join(parts(20_000, 20_000));
    expect(larger.buffer).not.toBe(first.buffer);
    expect(joiner.join(parts(5, 5)).buffer).toBe(larger.buffer);
    joiner.release();
    expect(joiner.join(parts(5, 5)).buffer).not.toBe(larger.buffer);
  });
});
