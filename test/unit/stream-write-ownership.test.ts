import { describe, expect, it, onTestFinished } from "vitest";
import { Session, type Transport } from "../../src/index.js";
import { memoryPair } from "../support/memory-pair.js";
import { is, RawPeer, within } from "../support/raw-peer.js";

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
});
