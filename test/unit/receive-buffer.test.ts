import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concat } from "../../src/util/bytes.js";
import { FrameDecoder } from "../../src/frame/decode.js";
import { encodeFrame } from "../../src/frame/encode.js";
import { ENTRY_OVERHEAD, Pins, ReceiveBuffer, VIEW_MIN } from "../../src/receive-buffer.js";
import { ReceiveBudget } from "../../src/receive-budget.js";

// src/receive-buffer.ts: what a stream holds for its reader costs memory in proportion to the bytes,
// whatever the peer's framing, and hands the bytes out in order.
const KiB = 1024;

/** A payload of `n` bytes cut from a transport chunk of `chunk` bytes (the rest: other frames). */
function cut(n: number, chunk: number, fill = 1): Uint8Array {
  const buffer = new Uint8Array(Math.max(n, chunk));
  buffer.fill(fill, 0, n);
  return buffer.subarray(0, n);
}

/** A buffer on a budget of its own: `held` counts its copies, the budget also its pinned chunks. */
function fresh(limit = 1 << 30): ReceiveBuffer & { budget: ReceiveBudget } {
  const budget = new ReceiveBudget(limit);
  return Object.assign(new ReceiveBuffer(new Pins(budget)), { budget });
}

/** All the memory a buffer keeps alive: its copies and the chunks its views pin. */
function memory(b: ReturnType<typeof fresh>): number {
  return b.held + b.budget.used;
}

function drain(buffer: ReceiveBuffer): Uint8Array[] {
  const out: Uint8Array[] = [];
  while (buffer.length > 0) out.push(buffer.shift());
  return out;
}

describe("the receive buffer", () => {
  it("queues a large payload that fills its chunk as the view itself: bulk data is not copied", () => {
    const b = fresh();
    const payload = cut(60 * KiB, 64 * KiB);
    b.push(payload);
    const out = b.shift();
    expect(out.buffer).toBe(payload.buffer);
    expect(out.length).toBe(60 * KiB);
  });

  it("copies a small payload cut from a large chunk, so the chunk is not kept alive", () => {
    const b = fresh();
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
    const b = fresh();
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
          const b = fresh();
          let most = 0;
          for (const { n, chunk } of framing) {
            b.push(cut(n, chunk));
            if (b.bytes >= 64 * KiB) most = Math.max(most, memory(b) / b.bytes);
          }
          expect(most).toBeLessThan(2);
        },
      ),
      { seed: 20261202, numRuns: 300 },
    );
  });

  it("the worst framings by design: 1-byte payloads from 64 KiB chunks, and small ones between views", () => {
    const ones = fresh();
    const chunk = new Uint8Array(64 * KiB);
    for (let i = 0; i < 256 * KiB; i++) ones.push(chunk.subarray(i % chunk.length, (i % chunk.length) + 1));
    expect(memory(ones) / ones.bytes).toBeLessThan(1.1);

    const mixed = fresh();
    for (let i = 0; i < 1000; i++) {
      mixed.push(cut(1, 64 * KiB));
      mixed.push(cut(4 * KiB, (4 * KiB) / 0.75)); // just large enough to stay a view
    }
    expect(memory(mixed) / mixed.bytes).toBeLessThan(2);
  });

  it("hands out every byte in order, whatever was copied, packed or kept as a view", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 24 * KiB }), fc.integer({ min: 0, max: 64 * KiB })), { maxLength: 40 }),
        (sizes) => {
          const b = fresh();
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
          expect(memory(b)).toBe(0);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  it("never writes into a chunk it has handed out", () => {
    const b = fresh();
    b.push(Uint8Array.of(1, 2, 3));
    const first = b.shift();
    b.push(Uint8Array.of(4, 5, 6));
    b.push(Uint8Array.of(7, 8, 9));
    expect(Array.from(first)).toEqual([1, 2, 3]);
    expect(Array.from(new Uint8Array(first.buffer, first.byteOffset, 3))).toEqual([1, 2, 3]);
    expect(Array.from(concat(drain(b)))).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it("reports what it holds and what clear() releases", () => {
    const b = fresh();
    const view = b.push(cut(10 * KiB, 10 * KiB));
    // The view's entry is held by the buffer; its chunk is charged to the budget through its pin.
    expect(view).toBe(ENTRY_OVERHEAD);
    expect(b.budget.used).toBe(10 * KiB);
    const copy = b.push(cut(1, 64 * KiB));
    expect(copy).toBeGreaterThan(1);
    expect(copy).toBeLessThan(1 * KiB);
    expect(b.held).toBe(view + copy);
    expect(b.clear()).toBe(view + copy);
    expect(b.budget.used).toBe(0);
    expect([b.bytes, b.held, b.length]).toEqual([0, 0, 0]);
  });
});

/** DATA frames for stream 3, back to back in one transport chunk, decoded into `push`. */
function decodeInto(sizes: number[], push: (payload: Uint8Array, index: number) => void, pinsOf?: (d: FrameDecoder) => void) {
  const chunk = concat(
    sizes.map((n, i) => encodeFrame({ type: "DATA", streamId: 3 + 2 * (i % 4), flags: 0, data: new Uint8Array(n).fill(i + 1) })),
  );
  let index = 0;
  const decoder = new FrameDecoder(
    {
      onData: (_id, _flags, payload) => push(payload, index++),
      onRst() {},
      onWndInc() {},
      onGoAway() {},
    },
    VIEW_MIN,
  );
  pinsOf?.(decoder);
  decoder.push(chunk);
  return chunk;
}

describe("chunks shared by several views (a WebSocket message or a large socket read of many frames)", () => {
  it("keeps the four 64 KiB payloads of a 256 KiB chunk as views, charging the chunk once until the last is taken", () => {
    const budget = new ReceiveBudget(64 * 1024 * KiB);
    let decoder!: FrameDecoder;
    const b = new ReceiveBuffer(new Pins(budget, (p) => decoder.largeShare(p)));
    const chunk = decodeInto(
      [64 * KiB, 64 * KiB, 64 * KiB, 64 * KiB],
      (p) => b.push(p),
      (d) => (decoder = d),
    );
    expect(budget.used).toBe(chunk.buffer.byteLength);
    const out = drain(b);
    expect(out.map((c) => c.buffer === chunk.buffer)).toEqual([true, true, true, true]);
    expect(out.map((c) => c[0])).toEqual([1, 2, 3, 4]);
    expect(budget.used).toBe(0);
  });

  it("keeps the chunk charged while any stream still queues a view of it", () => {
    const budget = new ReceiveBudget(64 * 1024 * KiB);
    let decoder!: FrameDecoder;
    const pins = new Pins(budget, (p) => decoder.largeShare(p));
    const streams = [new ReceiveBuffer(pins), new ReceiveBuffer(pins)];
    const chunk = decodeInto(
      [32 * KiB, 32 * KiB, 32 * KiB, 32 * KiB],
      (p, i) => streams[i % 2]!.push(p),
      (d) => (decoder = d),
    );
    drain(streams[0]!);
    expect(budget.used).toBe(chunk.buffer.byteLength);
    streams[1]!.shift();
    expect(budget.used).toBe(chunk.buffer.byteLength);
    streams[1]!.clear();
    expect(budget.used).toBe(0);
  });

  it("copies a large payload whose chunk is mostly small frames: it alone would keep the chunk alive", () => {
    const budget = new ReceiveBudget(64 * 1024 * KiB);
    let decoder!: FrameDecoder;
    const b = new ReceiveBuffer(new Pins(budget, (p) => decoder.largeShare(p)));
    const sizes = [8 * KiB, ...Array.from({ length: 200 }, () => 200)];
    const chunk = decodeInto(
      sizes,
      (p, i) => i === 0 && b.push(p),
      (d) => (decoder = d),
    );
    expect(b.shift().buffer).not.toBe(chunk.buffer);
    expect(budget.used).toBe(0);
  });

  it("pins no new shared chunk once half the budget is used: its payloads are copied", () => {
    const budget = new ReceiveBudget(1024 * KiB);
    budget.charge(600 * KiB);
    let decoder!: FrameDecoder;
    const b = new ReceiveBuffer(new Pins(budget, (p) => decoder.largeShare(p)));
    const chunk = decodeInto(
      [64 * KiB, 64 * KiB],
      (p) => b.push(p),
      (d) => (decoder = d),
    );
    expect(drain(b).some((c) => c.buffer === chunk.buffer)).toBe(false);
  });

  it("charges exactly the distinct chunks that queued views keep alive, through any pushes, takes and clears", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant("chunk" as const),
              sizes: fc.array(fc.integer({ min: 1, max: 40 * KiB }), { minLength: 1, maxLength: 6 }),
            }),
            fc.record({ op: fc.constant("take" as const), stream: fc.integer({ min: 0, max: 3 }) }),
            fc.record({ op: fc.constant("clear" as const), stream: fc.integer({ min: 0, max: 3 }) }),
          ),
          { maxLength: 60 },
        ),
        (ops) => {
          const budget = new ReceiveBudget(1 << 30);
          let decoder!: FrameDecoder;
          const pins = new Pins(budget, (p) => decoder.largeShare(p));
          const streams = [0, 1, 2, 3].map(() => new ReceiveBuffer(pins));
          const queued: Uint8Array[][] = [[], [], [], []];
          const chunks: Uint8Array[] = [];
          for (const step of ops) {
            if (step.op === "chunk") {
              chunks.push(
                decodeInto(
                  step.sizes,
                  (p, i) => {
                    streams[i % 4]!.push(p);
                    queued[i % 4]!.push(p.slice());
                  },
                  (d) => (decoder = d),
                ),
              );
            } else if (step.op === "take" && streams[step.stream]!.length > 0) {
              const got = streams[step.stream]!.shift();
              const want = queued[step.stream]!.shift()!;
              // Packed copies may join several payloads: compare what came out with what went in.
              let rest = got.length - want.length;
              while (rest > 0) rest -= queued[step.stream]!.shift()!.length;
              expect(rest).toBe(0);
            } else if (step.op === "clear") {
              streams[step.stream]!.clear();
              queued[step.stream] = [];
            }
            // What the budget counts is what queued views really keep alive: each pinned chunk once.
            expect(budget.used).toBe(pinnedBytes(streams, chunks));
          }
        },
      ),
      { seed: 99, numRuns: 200 },
    );
  });
});

/** The bytes of the distinct transport chunks that the buffers' queued chunks are views of. */
function pinnedBytes(streams: ReceiveBuffer[], chunks: Uint8Array[]): number {
  const alive = new Set<ArrayBufferLike>();
  for (const s of streams) for (const c of peek(s)) if (chunks.some((t) => t.buffer === c.buffer)) alive.add(c.buffer);
  let total = 0;
  for (const b of alive) total += b.byteLength;
  return total;
}

/** A buffer's queued chunks, without taking them. */
function peek(b: ReceiveBuffer): Uint8Array[] {
  const inner = b as unknown as { chunks: (Uint8Array | undefined)[]; head: number };
  return inner.chunks.slice(inner.head) as Uint8Array[];
}
