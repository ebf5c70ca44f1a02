import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/index.js";
import type { Frame } from "../../src/frame/index.js";
import { bytes, frame, is, startSession, within } from "../support/raw-peer.js";

// The writer must be fair (control frames first, DATA round-robin in bounded
// quanta) and coalesce writes (frames produced in one tick leave in one transport write).
const KiB = 1024;
const BIG = 1024 * KiB;

/** A macrotask: every microtask queued so far (the writer's flush among them) has run. */
const macrotask = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Payload bytes of `streamId` in `frames` before and after the frame at `index`. */
function split(frames: Frame[], streamId: number, index: number): { before: number; after: number } {
  let before = 0;
  let after = 0;
  frames.forEach((f, i) => {
    if (f.type !== "DATA" || f.streamId !== streamId) return;
    if (i < index) before += f.data.length;
    else if (i > index) after += f.data.length;
  });
  return { before, after };
}

/**
 * A client whose connection is backed up: the peer stops reading, stream A (id 3) writes a
 * megabyte, the writer fills the transport and waits for it to drain.
 */
async function backedUp() {
  // The peer grants a window far larger than the write, so only the transport holds A back.
  const setup = startSession("client", { windowSize: 16 * BIG }, { highWaterMark: 64 * KiB, timeoutMs: 5000 });
  const { session, pair } = setup;
  setup.pair.pause("b");
  const a = await session.open();
  const bulk = a.writable.getWriter().write(new Uint8Array(BIG).fill(0xaa));
  await macrotask();
  // Precondition: the writer has put part of A on the wire and is now waiting for it to drain.
  expect(pair.stats.a.bytes).toBeGreaterThan(0);
  expect(pair.stats.a.bytes).toBeLessThan(BIG / 2);
  return { ...setup, bulk };
}

async function collect(peer: ReturnType<typeof startSession>["peer"], until: (f: Frame) => boolean): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (;;) {
    const f = await peer.nextFrame();
    frames.push(f);
    if (until(f)) return frames;
  }
}

const isLastOfA = (total: { n: number }) => (f: Frame) => {
  if (f.type === "DATA" && f.streamId === 3) total.n += f.data.length;
  return total.n === BIG;
};

describe("the writer", () => {
  it("sends control frames before queued DATA", async () => {
    const { peer, pair, bulk } = await backedUp();
    // The session must answer this with an RST while a's megabyte is still queued.
    await peer.send(frame.data(2, "unknown stream"));
    await macrotask();
    pair.resume("b");
    const frames = await collect(peer, isLastOfA({ n: 0 }));
    await within(bulk, "the bulk write");
    const at = frames.findIndex(is.rst(2, ErrorCode.StreamClosed));
    expect(at).toBeGreaterThanOrEqual(0);
    // Only what was written to the transport before the RST existed may precede it.
    const { before, after } = split(frames, 3, at);
    expect(after).toBeGreaterThan(BIG / 2);
    expect(before).toBeLessThan(BIG / 2);
  });

  it("interleaves DATA from two streams: a small write on B does not wait for a bulk write on A", async () => {
    const { session, peer, pair, bulk } = await backedUp();
    const b = await session.open();
    const small = b.writable.getWriter().write(bytes("small"));
    await macrotask();
    pair.resume("b");
    const frames = await collect(peer, isLastOfA({ n: 0 }));
    await within(Promise.all([bulk, small]), "both writes");
    const at = frames.findIndex(is.data(5));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(split(frames, 3, at).after).toBeGreaterThan(BIG / 2);
    // Bounded quanta: no DATA frame of A's is anywhere near the whole megabyte.
    const largest = Math.max(...frames.map((f) => (f.type === "DATA" ? f.data.length : 0)));
    expect(largest).toBeLessThanOrEqual(256 * KiB);
  });

  it("frames produced in one tick leave in one transport write", async () => {
    const { session, peer, pair } = startSession("client");
    const writers = [];
    for (let i = 0; i < 10; i++) writers.push((await session.open()).writable.getWriter());
    await Promise.all(writers.map((w) => w.ready));
    const before = pair.stats.a.writes;
    // Ten small writes on ten streams, all within one tick.
    await Promise.all(writers.map((w, i) => w.write(bytes(`#${i}`))));
    for (let i = 0; i < 10; i++) await peer.expectFrame(is.syn(3 + 2 * i), `the SYN of stream ${3 + 2 * i}`);
    expect(pair.stats.a.writes - before).toBe(1);
  });
});

// WebTransport's sendOrder: higher goes first, equal orders share round-robin.
describe("sendOrder", () => {
  const dataOf = (frames: Frame[], id: number) => frames.filter((f) => f.type === "DATA" && f.streamId === id && f.data.length > 0);

  it("a higher sendOrder sends all it has before a lower one sends anything", async () => {
    const { session, peer } = startSession("client", { windowSize: BIG, maxWindowSize: BIG });
    const low = await session.open();
    const high = await session.open({ sendOrder: 5 });
    // Both queued in the same tick: the writer sees both ready at once.
    const writes = [low.write(new Uint8Array(200 * KiB)), high.write(new Uint8Array(200 * KiB))];
    await within(Promise.all(writes), "both writes");
    const frames = await peer.barrier();
    const order = frames.filter((f) => f.type === "DATA" && f.data.length > 0).map((f) => (f.type === "DATA" ? f.streamId : 0));
    const lastHigh = order.lastIndexOf(high.id);
    const firstLow = order.indexOf(low.id);
    expect(lastHigh).toBeLessThan(firstLow);
    expect(dataOf(frames, low.id).reduce((n, f) => n + (f.type === "DATA" ? f.data.length : 0), 0)).toBe(200 * KiB);
  });

  it("equal sendOrders take turns, and a stream's order may change while it waits", async () => {
    const { session, peer } = startSession("client", { windowSize: BIG, maxWindowSize: BIG });
    const a = await session.open({ sendOrder: 1 });
    const b = await session.open({ sendOrder: 1 });
    const c = await session.open();
    c.sendOrder = 1;
    expect(c.sendOrder).toBe(1);
    await within(
      Promise.all([a.write(new Uint8Array(64 * KiB)), b.write(new Uint8Array(64 * KiB)), c.write(new Uint8Array(64 * KiB))]),
      "the writes",
    );
    const frames = await peer.barrier();
    const order = frames.filter((f) => f.type === "DATA" && f.data.length > 0).map((f) => (f.type === "DATA" ? f.streamId : 0));
    // Round-robin: the first three frames come from three different streams.
    expect(new Set(order.slice(0, 3)).size).toBe(3);
    expect(() => (c.sendOrder = Number.NaN)).toThrow(TypeError);
  });
});
