import { describe, expect, it } from "vitest";
import type { Link, LinkSink } from "../../src/link/link.js";
import { fromSocket, socketHandlers, type BunSocketLike } from "../../src/adapters/bun.js";
import { join, pattern } from "../support/bytes.js";

// streamux/bun's link over a fake socket with Bun's write contract: write() takes what it can now
// and returns that count, keeping nothing of the rest; `drain` says it takes writes again.

class FakeSocket implements BunSocketLike {
  data: unknown = undefined;
  /** Each write() call's bytes, as Bun took them (copied, as Bun copies what it takes). */
  readonly writes: Uint8Array[] = [];
  /** How many bytes the next write() calls take, in order; unlimited once empty. */
  readonly takes: number[] = [];

  write(data: Uint8Array): number {
    const n = Math.min(data.length, this.takes.shift() ?? data.length);
    this.writes.push(data.slice(0, n));
    return n;
  }

  finSent = false;

  end(): void {}
  shutdown(): void {
    this.finSent = true;
  }
  terminate(): void {}
  reload(): void {}

  sent(): Uint8Array {
    return join(this.writes);
  }
}

function linkOver(socket: FakeSocket): { link: Link; drains: () => number } {
  const link = fromSocket(socket).link!;
  let drains = 0;
  const sink: LinkSink = { data() {}, end() {}, error() {}, drain: () => drains++ };
  link.start(sink);
  return { link, drains: () => drains };
}

const header = () => pattern(8, 7);

/** Byte equality without a per-element diff (large buffers). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

describe("streamux/bun link writes", () => {
  it("sends a DATA frame's header and its 64 KiB payload in one socket.write", () => {
    const socket = new FakeSocket();
    const { link } = linkOver(socket);
    const payload = pattern(64 * 1024, 1);
    let done = false;
    expect(link.write([header(), payload], () => (done = true))).toBe(true);
    expect(done).toBe(true);
    expect(socket.writes.length).toBe(1);
    expect(same(socket.sent(), join([header(), payload]))).toBe(true);
  });

  it("sends a whole flush of several frames in one socket.write", () => {
    const socket = new FakeSocket();
    const { link } = linkOver(socket);
    const parts = [header(), pattern(64 * 1024, 1), header(), pattern(64 * 1024, 2), header(), pattern(64 * 1024, 3)];
    link.write(parts, () => {});
    expect(socket.writes.length).toBe(1);
    expect(same(socket.sent(), join(parts))).toBe(true);
  });

  it("keeps the rest of a joined write Bun took only in part, frees the parts at once, and sends the rest on drain", () => {
    const socket = new FakeSocket();
    const { link, drains } = linkOver(socket);
    const first = [header(), pattern(100_000, 1)];
    socket.takes.push(30_000, 50_000);
    let done = false;
    expect(link.write(first, () => (done = true))).toBe(false);
    // The parts were copied before the write: the session may reuse them while the rest waits.
    expect(done).toBe(true);
    socketHandlers.drain(socket);
    expect(drains()).toBe(0);
    socketHandlers.drain(socket);
    expect(drains()).toBe(1);
    // The join buffer serves the next write only now, and what was sent before is intact.
    const second = [header(), pattern(100_000, 2)];
    expect(link.write(second, () => {})).toBe(true);
    expect(same(socket.sent(), join([...first, ...second]))).toBe(true);
  });

  it("writes a gather larger than the join limit part by part, done once all of it is taken", () => {
    const socket = new FakeSocket();
    const { link, drains } = linkOver(socket);
    const parts = [pattern(1024 * 1024, 1), pattern(1024 * 1024, 2)];
    socket.takes.push(1024 * 1024, 1000);
    let done = false;
    expect(link.write(parts, () => (done = true))).toBe(false);
    expect(done).toBe(false);
    socketHandlers.drain(socket);
    expect(done).toBe(true);
    expect(drains()).toBe(1);
    expect(socket.writes.length).toBe(3);
    expect(same(socket.sent(), join(parts))).toBe(true);
  });

  it("queues a write behind a backlog and sends FIN only once all of it is taken", async () => {
    const socket = new FakeSocket();
    const { link, drains } = linkOver(socket);
    const first = [header(), pattern(100_000, 1)];
    const second = [header(), pattern(1000, 2)];
    socket.takes.push(30_000, 0);
    expect(link.write(first, () => {})).toBe(false);
    let done = false;
    expect(link.write(second, () => (done = true))).toBe(false);
    expect(socket.writes.length).toBe(1);
    const fin = link.closeWrite!();
    socketHandlers.drain(socket);
    await Promise.resolve();
    expect([socket.finSent, done, drains()]).toEqual([false, false, 0]);
    socketHandlers.drain(socket);
    await fin;
    expect([socket.finSent, done, drains()]).toEqual([true, true, 1]);
    expect(same(socket.sent(), join([...first, ...second]))).toBe(true);
  });
});

describe("streamux/bun link reads", () => {
  it("asks Bun for ArrayBuffers and hands them to the session as plain Uint8Arrays", () => {
    expect(socketHandlers.binaryType).toBe("arraybuffer");
    const socket = new FakeSocket();
    const link = fromSocket(socket).link!;
    const got: Uint8Array[] = [];
    link.start({ data: (c) => got.push(c), end() {}, error() {}, drain() {} });
    const bytes = pattern(1000, 3);
    socketHandlers.data(socket, bytes.slice().buffer);
    socketHandlers.data(socket, Buffer.from(bytes));
    expect(got.map((c) => c.constructor)).toEqual([Uint8Array, Uint8Array]);
    expect(got.map((c) => same(c, bytes))).toEqual([true, true]);
  });
});
