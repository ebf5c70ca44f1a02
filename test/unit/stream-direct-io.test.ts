import { describe, expect, it } from "vitest";
import { ErrorCode, MuxError, Session, type LinkSink, type Transport } from "../../src/index.js";
import { concat } from "../../src/util/bytes.js";
import { decodeFrames, encodeFrame, type Frame } from "../../src/frame/index.js";
import { memoryPair } from "../support/memory-pair.js";

// MuxStream's direct I/O: read(), write(), closeWrite() without WHATWG stream objects.

/** A transport that records each write and holds its completion until the test releases it. */
function recordingTransport() {
  const writes: { parts: Uint8Array[]; done: () => void }[] = [];
  let sink!: LinkSink;
  const transport: Transport = {
    readable: new ReadableStream(),
    writable: new WritableStream(),
    link: {
      start: (s) => void (sink = s),
      write(parts, done) {
        writes.push({ parts: parts.map((p) => p.slice()), done });
        return true;
      },
      pause() {},
      resume() {},
      end: () => Promise.resolve(),
      destroy() {},
    },
  };
  return {
    transport,
    writes,
    frames: (): Frame[] => decodeFrames(concat(writes.flatMap((w) => w.parts))),
    peerSends: (frame: Frame) => sink.data(encodeFrame(frame)),
  };
}

const settled = async (p: Promise<unknown>) => {
  let state = "pending";
  p.then(
    () => (state = "resolved"),
    () => (state = "rejected"),
  );
  // Two turns of the microtask queue are enough for an already settled promise to report.
  await Promise.resolve();
  await Promise.resolve();
  return state;
};

describe("direct I/O", () => {
  it("read(), write() and closeWrite() carry a conversation; read() returns null at the end", async () => {
    const { a, b } = memoryPair();
    const client = Session.client(a);
    const server = Session.server(b);
    const s = await client.open();
    await s.write(new TextEncoder().encode("ping"));
    await s.closeWrite();
    const t = await server.accept();
    const got: Uint8Array[] = [];
    for (let c: Uint8Array | null; (c = await t.read()) !== null; ) got.push(c);
    expect(new TextDecoder().decode(concat(got))).toBe("ping");
    await t.write(new TextEncoder().encode("pong"));
    await t.closeWrite();
    const back: Uint8Array[] = [];
    for (let c: Uint8Array | null; (c = await s.read()) !== null; ) back.push(c);
    expect(new TextDecoder().decode(concat(back))).toBe("pong");
    await Promise.all([s.closed, t.closed]);
    await client.close();
  });

  it("concurrent writes keep their order and leave in one transport write", async () => {
    const rec = recordingTransport();
    const session = Session.client(rec.transport);
    const s = await session.open();
    const chunks = [1, 2, 3].map((v) => new Uint8Array(40_000).fill(v));
    const writes = chunks.map((c) => s.write(c));
    await Promise.resolve(); // the writer flushes in a microtask
    await Promise.resolve();
    expect(rec.writes).toHaveLength(1);
    const data = rec.frames().filter((f): f is Extract<Frame, { type: "DATA" }> => f.type === "DATA");
    expect(Buffer.compare(concat(data.map((f) => f.data)), concat(chunks))).toBe(0);
    rec.writes[0]!.done();
    await Promise.all(writes);
    await session.close();
  });

  it("a write resolves only once the transport has let go of its bytes", async () => {
    const rec = recordingTransport();
    const session = Session.client(rec.transport);
    const s = await session.open();
    const buffer = new Uint8Array(64 * 1024).fill(7);
    const write = s.write(buffer);
    await Promise.resolve();
    await Promise.resolve();
    expect(rec.writes).toHaveLength(1);
    expect(await settled(write)).toBe("pending");
    rec.writes[0]!.done();
    expect(await settled(write)).toBe("resolved");
    await session.close();
  });

  it("write() after closeWrite() is refused; the FIN follows every earlier write", async () => {
    const rec = recordingTransport();
    const session = Session.client(rec.transport);
    const s = await session.open();
    const first = s.write(new Uint8Array([1]));
    const fin = s.closeWrite();
    await expect(s.write(new Uint8Array([2]))).rejects.toBeInstanceOf(TypeError);
    await Promise.resolve();
    await Promise.resolve();
    for (const w of rec.writes) w.done();
    await Promise.all([first, fin]);
    const frames = rec.frames().filter((f) => f.type === "DATA");
    expect(frames.at(-1)).toMatchObject({ type: "DATA", flags: 0x1 });
    await session.close();
  });

  it("a reset fails every write still queued or in flight with its code", async () => {
    const rec = recordingTransport();
    const session = Session.client(rec.transport, { windowSize: 1024, maxWindowSize: 1024 });
    const s = await session.open();
    const writes = [s.write(new Uint8Array(800)), s.write(new Uint8Array(800)), s.write(new Uint8Array(800))];
    await Promise.resolve();
    await Promise.resolve();
    // The first is framed and in flight (its completion held back); the rest wait for credit.
    rec.peerSends({ type: "RST", streamId: s.id, code: ErrorCode.StreamCancelled });
    for (const w of writes) {
      const err = await w.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MuxError);
      expect((err as MuxError).code).toBe(ErrorCode.StreamCancelled);
    }
    await expect(s.read()).rejects.toMatchObject({ code: ErrorCode.StreamCancelled });
    await session.close();
  });

  it("one stream is read either with read() or through readable, written either way too, not both", async () => {
    const { a } = memoryPair();
    const session = Session.client(a);
    const s = await session.open();
    void s.readable;
    void s.writable;
    await expect(s.read()).rejects.toBeInstanceOf(TypeError);
    await expect(s.write(new Uint8Array(1))).rejects.toBeInstanceOf(TypeError);
    await expect(s.closeWrite()).rejects.toBeInstanceOf(TypeError);
    await session.close();
  });
});
