import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concat } from "../../src/util/bytes.js";
import { ENTRY_OVERHEAD, ReceiveBuffer } from "../../src/receive-buffer.js";

// src/receive-buffer.ts: what a stream holds for its reader costs memory in proportion to the bytes,
// whatever the peer's framing, and hands the bytes out in order.
const KiB = 1024;

/** A payload of `n` bytes cut from a transport chunk of `chunk` bytes (the rest: other frames). */
function cut(n: number, chunk: number, fill = 1): Uint8Array {
  const buffer = new Uint8Array(Math.max(n, chunk));
  buffer.fill(fill, 0, n);
  return buffer.subarray(0, n);
}

function drain(buffer: ReceiveBuffer): Uint8Array[] {
  const out: Uint8Array[] = [];
  while (buffer.length > 0) out.push(buffer.shift());
  return out;
}

describe("the receive buffer", () => {
  it("queues a large payload that fills its chunk as the view itself: bulk data is not copied", () => {
    const b = new ReceiveBuffer();
    const payload = cut(60 * KiB, 64 * KiB);
    b.push(payload);
    const out = b.shift();
    expect(out.buffer).toBe(payload.buffer);
    expect(out.length).toBe(60 * KiB);
  });

  it("copies a small payload cut from a large chunk, so the chunk is not kept alive", () => {
    const b = new ReceiveBuffer();
    const chunks = Array.from({ length: 100 }, () => cut(1, 64 * KiB));
    for (const c of chunks) b.push(c);
    expect(b.bytes).toBe(100);
    // 100 single bytes packed together, not 100 chunks of 64 KiB kept alive.
    expect(b.held).toBeLessThan(1 * KiB);
    const out = drain(b);
    for (const piece of out) expect(chunks.some((c) => c.buffer === piece.buffer)).toBe(false);
    expect(concat(out).length).toBe(100);
  });

  it("packs a run of small payloads into a few blocks: one read returns many frames' bytes", () => {
    const b = new ReceiveBuffer();
    for (let i = 0; i < 1000; i++) b.push(cut(100, 100));
    expect(b.length).toBeLessThan(20);
    expect(b.held / b.bytes).toBeLessThan(1.5);
  });

  it("holds less than two bytes of memory per byte buffered, in any framing (64 KiB and more buffered)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ n: fc.integer({ min: 1, max: 20 * KiB }), chunk: fc.integer({ min: 1, max: 256 * KiB }) }), {
          minLength: 1,
          maxLength: 400,
        }),
        (framing) => {
          const b = new ReceiveBuffer();
          let most = 0;
          for (const { n, chunk } of framing) {
            b.push(cut(n, chunk));
            if (b.bytes >= 64 * KiB) most = Math.max(most, b.held / b.bytes);
          }
          expect(most).toBeLessThan(2);
        },
      ),
      { seed: 20261202, numRuns: 300 },
    );
  });

  it("the worst framings by design: 1-byte payloads from 64 KiB chunks, and small ones between views", () => {
    const ones = new ReceiveBuffer();
    const chunk = new Uint8Array(64 * KiB);
    for (let i = 0; i < 256 * KiB; i++) ones.push(chunk.subarray(i % chunk.length, (i % chunk.length) + 1));
    expect(ones.held / ones.bytes).toBeLessThan(1.1);

    const mixed = new ReceiveBuffer();
    for (let i = 0; i < 1000; i++) {
      mixed.push(cut(1, 64 * KiB));
      mixed.push(cut(4 * KiB, (4 * KiB) / 0.75)); // just large enough to stay a view
    }
    expect(mixed.held / mixed.bytes).toBeLessThan(2);
  });

  it("hands out every byte in order, whatever was copied, packed or kept as a view", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 24 * KiB }), fc.integer({ min: 0, max: 64 * KiB })), { maxLength: 40 }),
        (sizes) => {
          const b = new ReceiveBuffer();
          const sent: Uint8Array[] = [];
          let seed = 1;
          for (const [n, extra] of sizes) {
            const payload = cut(n, n + extra);
            payload[0] = seed++;
            payload[n - 1] = seed++;
            sent.push(payload.slice());
            b.push(payload);
          }
          expect(Buffer.compare(concat(drain(b)), concat(sent))).toBe(0);
          expect(b.bytes).toBe(0);
          expect(b.held).toBe(0);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it("never writes into a chunk it has handed out", () => {
    const b = new ReceiveBuffer();
    b.push(Uint8Array.of(1, 2, 3));
    const first = b.shift();
    b.push(Uint8Array.of(4, 5, 6));
    b.push(Uint8Array.of(7, 8, 9));
    expect(Array.from(first)).toEqual([1, 2, 3]);
    expect(Array.from(new Uint8Array(first.buffer, first.byteOffset, 3))).toEqual([1, 2, 3]);
    expect(Array.from(concat(drain(b)))).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it("reports what it holds and what clear() releases", () => {
    const b = new ReceiveBuffer();
    const view = b.push(cut(10 * KiB, 10 * KiB));
    expect(view).toBe(10 * KiB + ENTRY_OVERHEAD);
    const copy = b.push(cut(1, 64 * KiB));
    expect(copy).toBeGreaterThan(1);
    expect(copy).toBeLessThan(1 * KiB);
    expect(b.held).toBe(view + copy);
    expect(b.clear()).toBe(view + copy);
    expect([b.bytes, b.held, b.length]).toEqual([0, 0, 0]);
  });
});
