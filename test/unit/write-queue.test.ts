import { describe, expect, it } from "vitest";
import { WriteQueue } from "../../src/link/write-queue.js";
import { join, pattern } from "../support/bytes.js";

// src/link/write-queue.ts: the writes a runtime that takes one buffer per call (and maybe only part
// of it) has not taken yet. Each test plays the runtime: next(), then taken() with what it took.

const header = () => pattern(8, 7);

/** Byte equality without a per-element diff (large buffers). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** Plays a runtime that takes at most `takes[i]` bytes on its i-th call (all once `takes` is empty). */
function drain(queue: WriteQueue, takes: number[] = []): Uint8Array[] {
  const calls: Uint8Array[] = [];
  for (let chunk = queue.next(); chunk !== null; chunk = queue.next()) {
    const n = Math.min(chunk.length, takes.shift() ?? chunk.length);
    calls.push(chunk.slice(0, n));
    queue.taken(n);
  }
  return calls;
}

describe("WriteQueue", () => {
  it("joins a write's parts into one buffer and calls done once they are copied", () => {
    const queue = new WriteQueue();
    const parts = [header(), pattern(64 * 1024, 1)];
    let done = false;
    queue.push(parts, () => (done = true));
    expect(queue.size).toBe(64 * 1024 + 8);
    const chunk = queue.next()!;
    expect(done).toBe(true);
    expect(same(chunk, join(parts))).toBe(true);
    expect(queue.taken(chunk.length)).toBe(true);
    expect([queue.size, queue.empty, queue.next()]).toEqual([0, true, null]);
  });

  it("hands out a single part alone as it is, done once all of it is taken", () => {
    const queue = new WriteQueue();
    const part = pattern(1000, 1);
    let done = false;
    queue.push([part], () => (done = true));
    expect(queue.next()).toBe(part);
    expect(queue.taken(400)).toBe(false);
    expect([done, queue.size]).toEqual([false, 600]);
    expect(same(queue.next()!, part.subarray(400))).toBe(true);
    queue.taken(600);
    expect(done).toBe(true);
    expect(queue.empty).toBe(true);
  });

  it("joins the writes queued behind one under way into the next buffer, up to 512 KiB", () => {
    const queue = new WriteQueue();
    const first = pattern(100, 1);
    queue.push([first], () => {});
    expect(queue.next()).toBe(first);
    const later = [0, 1, 2, 3, 4].map((i) => [header(), pattern(128 * 1024, i + 2)]);
    for (const parts of later) queue.push(parts, () => {});
    queue.taken(100);
    const calls = drain(queue);
    // Three writes of 128 KiB and 8 bytes fit in 512 KiB, the other two are the next join.
    expect(calls.map((c) => c.length)).toEqual([3 * (128 * 1024 + 8), 2 * (128 * 1024 + 8)]);
    expect(same(join(calls), join(later.flat()))).toBe(true);
  });

  it("hands out a write larger than 512 KiB part by part, done after its last part, in order with the others", () => {
    const queue = new WriteQueue();
    const order: string[] = [];
    const big = [pattern(600 * 1024, 1), pattern(100, 2)];
    queue.push(big, () => order.push("big"));
    queue.push([header(), pattern(100, 3)], () => order.push("small"));
    const calls = drain(queue, [1000]);
    expect(calls.map((c) => c.length)).toEqual([1000, 600 * 1024 - 1000, 100, 108]);
    expect(order).toEqual(["big", "small"]);
    expect(same(join(calls), join([...big, header(), pattern(100, 3)]))).toBe(true);
  });

  it("reuses its join buffer only once the previous join is all taken", () => {
    const queue = new WriteQueue();
    const first = [header(), pattern(100_000, 1)];
    queue.push(first, () => {});
    const a = queue.next()!;
    queue.taken(30_000);
    queue.push([header(), pattern(100_000, 2)], () => {});
    // The rest of the first join comes first, untouched by the second write.
    const rest = queue.next()!;
    expect(same(rest, join(first).subarray(30_000))).toBe(true);
    queue.taken(rest.length);
    const b = queue.next()!;
    expect(b.buffer).toBe(a.buffer);
    expect(same(b, join([header(), pattern(100_000, 2)]))).toBe(true);
  });

  it("is consistent when done() runs: a write made from inside it goes behind", () => {
    const queue = new WriteQueue();
    const second = [header(), pattern(50, 2)];
    queue.push([header(), pattern(50, 1)], () => queue.push(second, () => {}));
    const calls = drain(queue);
    expect(calls.length).toBe(2);
    expect(same(calls[1]!, join(second))).toBe(true);
  });

  it("settles whenFlushed() once next() finds nothing left, and on clear()", async () => {
    const queue = new WriteQueue();
    queue.push([pattern(10, 1)], () => {});
    let flushed = false;
    void queue.whenFlushed().then(() => (flushed = true));
    queue.taken(queue.next()!.length);
    await Promise.resolve();
    expect(flushed).toBe(false);
    expect(queue.next()).toBe(null);
    await Promise.resolve();
    expect(flushed).toBe(true);

    let done = false;
    queue.push([header(), pattern(10, 2)], () => (done = true));
    queue.push([pattern(10, 3)], () => (done = true));
    queue.next();
    queue.taken(3);
    let cleared = false;
    void queue.whenFlushed().then(() => (cleared = true));
    done = false;
    queue.clear();
    await Promise.resolve();
    expect([cleared, done, queue.empty, queue.size, queue.next()]).toEqual([true, false, true, 0, null]);
  });

  it("keeps no join buffer once its join is all taken: the next connection's join reuses it", () => {
    const quiet = new WriteQueue();
    quiet.push([header(), pattern(100_000, 1)], () => {});
    const a = quiet.next()!;
    quiet.taken(a.length);
    expect(quiet.next()).toBe(null);
    const busy = new WriteQueue();
    const parts = [header(), pattern(90_000, 2)];
    busy.push(parts, () => {});
    const b = busy.next()!;
    expect(b.buffer).toBe(a.buffer);
    expect(same(b, join(parts))).toBe(true);
    busy.taken(b.length);
  });

  it("never lends a join's buffer while the runtime may still read it: under way, or dropped by clear()", () => {
    const underWay = new WriteQueue();
    underWay.push([header(), pattern(100_000, 1)], () => {});
    const a = underWay.next()!;
    underWay.taken(1000);
    const other = new WriteQueue();
    other.push([header(), pattern(100_000, 2)], () => {});
    const b = other.next()!;
    expect(b.buffer).not.toBe(a.buffer);
    // Dropped while the runtime still holds it: never lent again, even once others come back.
    underWay.clear();
    other.taken(b.length);
    const later = [new WriteQueue(), new WriteQueue()].map((q) => {
      q.push([header(), pattern(100_000, 3)], () => {});
      return q.next()!.buffer;
    });
    expect(later).not.toContain(a.buffer);
    expect(later).toContain(b.buffer);
    expect(same(a, join([header(), pattern(100_000, 1)]))).toBe(true);
  });
});
