import { describe, expect, it, onTestFinished } from "vitest";
import { Session, type Transport } from "../../src/index.js";
import { memoryPair } from "../support/memory-pair.js";
import { is, RawPeer, startSession, within } from "../support/raw-peer.js";

// WHATWG streams: a write's promise resolves once the sink has taken the chunk, and applications
// reuse their buffers after that (read into a buffer, write it, read into it again).

/**
 * A connection with a deep send queue that drains only when told to: a WritableStream whose sink
 * takes (copies) each chunk once `open()` was called. It never signals backpressure before then.
 */
function gated(inner: Transport): { transport: Transport; open(): void } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const writer = inner.writable.getWriter();
  const writable = new WritableStream<Uint8Array>(
    {
      async write(chunk) {
        await gate;
        await writer.write(chunk.slice());
      },
      close: () => writer.close(),
      abort: (reason) => writer.abort(reason),
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 4 << 20 }),
  );
  return { transport: { readable: inner.readable, writable, close: inner.close }, open };
}

describe("write ownership", () => {
  it("bytes are taken when a write resolves: refilling the buffer afterwards does not change what was sent", async () => {
    const pair = memoryPair({ highWaterMark: 1 << 20 });
    const { transport, open } = gated(pair.a);
    const session = Session.client(transport, { windowSize: 1 << 20, closeTimeout: 500 });
    onTestFinished(async () => {
      open();
      await within(session.close(), "session.close()");
    });
    const peer = new RawPeer(pair.b);
    const s = await session.open();
    const w = s.writable.getWriter();
    const buffer = new Uint8Array(64 * 1024);
    for (const value of [1, 2, 3]) {
      buffer.fill(value);
      await within(w.write(buffer), `write #${value}`);
    }
    open();
    const received: number[] = [];
    while (received.length < 3 * buffer.length) {
      const f = await peer.expectFrame(is.data(3), "DATA on stream 3");
      if (f.type === "DATA") for (const b of f.data) received.push(b);
    }
    for (const value of [1, 2, 3]) {
      const part = received.slice((value - 1) * buffer.length, value * buffer.length);
      const wrong = part.findIndex((b) => b !== value);
      expect(wrong, `write #${value}: byte ${wrong} is ${part[wrong]}`).toBe(-1);
    }
  });

  it("a small write through the writable resolves at once and is a copy: refilling the buffer does not change what was sent", async () => {
    const KiB = 1024;
    const { session, pair, peer } = startSession("client", { windowSize: 16 << 20 }, { highWaterMark: 64 * KiB, timeoutMs: 5000 });
    // The connection is backed up by another stream's bulk write: what stream 5 writes waits in it.
    pair.pause("b");
    const bulk = await session.open();
    void bulk.write(new Uint8Array(1 << 20)).catch(() => {});
    await macrotask();
    const s = await session.open();
    const w = s.writable.getWriter();
    const buffer = new Uint8Array(KiB);
    for (const value of [1, 2, 3]) {
      buffer.fill(value);
      await within(w.write(buffer), `write #${value}`);
    }
    expect(s.stats().queuedBytes, "the writes wait in the stream").toBe(3 * KiB);
    pair.resume("b");
    const received: number[] = [];
    while (received.length < 3 * KiB) {
      const f = await peer.nextFrame();
      if (f.type === "DATA" && f.streamId === 5) for (const b of f.data) received.push(b);
    }
    expect(received).toEqual([...new Array(KiB).fill(1), ...new Array(KiB).fill(2), ...new Array(KiB).fill(3)]);
  });

  it("small writes stop resolving at once once 64 KiB wait behind a backed-up connection", async () => {
    const KiB = 1024;
    // A window far larger than what is written: only the connection holds the stream back.
    const { session, pair } = startSession("client", { windowSize: 16 << 20 }, { highWaterMark: 64 * KiB, timeoutMs: 5000 });
    pair.pause("b");
    const s = await session.open();
    const w = s.writable.getWriter();
    const chunk = new Uint8Array(KiB);
    let taken = 0;
    for (; taken < 1000; taken++) {
      const write = w.write(chunk);
      // A write taken at once has resolved by the next macrotask; one that waits for the connection has not.
      const atOnce = await Promise.race([write.then(() => true), macrotask().then(() => false)]);
      if (!atOnce) break;
    }
    expect(taken, "writes taken before one waited").toBeLessThan(1000);
    expect(s.stats().queuedBytes).toBeLessThanOrEqual(64 * KiB + KiB);
    pair.resume("b");
  });
});

/** A macrotask: every microtask queued so far has run. */
const macrotask = () => new Promise((resolve) => setTimeout(resolve, 0));
