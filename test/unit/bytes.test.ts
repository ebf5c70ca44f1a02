import { describe, expect, it } from "vitest";
import { readU32, U32Reader, writeU32 } from "../../src/util/bytes.js";

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
