/**
 * streamux/websocket on a socket that says nothing when its send buffer empties (a browser's):
 * how a waiting write learns that bufferedAmount has come down. Timers and performance.now() are
 * fake.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fromWebSocket, type WebSocketLike } from "../../src/adapters/websocket.js";
import { RecordingSink } from "../support/ws-pair.js";

/** An open WHATWG-style socket whose bufferedAmount the test sets; it counts how often it is read. */
class FakeSocket implements WebSocketLike {
  readyState = 1;
  binaryType = "arraybuffer";
  amount = 0;
  looks = 0;
  private readonly listeners = new Map<string, (event: unknown) => void>();
  get bufferedAmount(): number {
    this.looks++;
    return this.amount;
  }
  send(data: Uint8Array): void {
    this.amount += data.length;
  }
  close(): void {}
  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.listeners.set(type, listener);
  }
  removeEventListener(): void {}
  /** The peer sends a binary message. */
  message(bytes: Uint8Array): void {
    this.listeners.get("message")?.({ data: bytes.slice().buffer });
  }
}

const HIGH = 64 * 1024;
const LOW = 16 * 1024;

async function blockedLink(): Promise<{ socket: FakeSocket; drained: () => boolean }> {
  const socket = new FakeSocket();
  const link = fromWebSocket(socket, { highWaterMark: HIGH, lowWaterMark: LOW }).link!;
  const sink = new RecordingSink();
  link.start(sink);
  let drained = false;
  void sink.nextDrain().then(() => (drained = true));
  expect(link.write([new Uint8Array(HIGH + 1)], () => {})).toBe(false);
  return { socket, drained: () => drained };
}

/** Advances the fake clock by `ms` and lets the drain's promise settle. */
async function advance(ms: number): Promise<void> {
  vi.advanceTimersByTime(ms);
  await Promise.resolve();
  await Promise.resolve();
}

describe("streamux/websocket polling bufferedAmount", () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] }));
  afterEach(() => void vi.useRealTimers());

  it("polls every millisecond while bufferedAmount moves, however slowly it has gone down so far", async () => {
    const { socket, drained } = await blockedLink();
    // A slow start would have put the next look far off, past the moment the buffer empties.
    for (const amount of [63 * 1024, 62 * 1024, 61 * 1024]) {
      socket.amount = amount;
      await advance(1);
      expect(drained()).toBe(false);
    }
    socket.amount = 0;
    await advance(1);
    expect(drained()).toBe(true);
  });

  it("backs off while bufferedAmount does not move, to a poll per 50 ms at most", async () => {
    const { socket, drained } = await blockedLink();
    await advance(20);
    const stalled = socket.looks;
    await advance(1000);
    expect(socket.looks - stalled).toBeLessThanOrEqual(1000 / 50 + 6);
    socket.amount = 0;
    await advance(50);
    expect(drained()).toBe(true);
  });

  it("takes a message that arrives while a write waits as a look at bufferedAmount: no timer needed", async () => {
    const { socket, drained } = await blockedLink();
    socket.amount = 0;
    socket.message(new Uint8Array([1, 2, 3]));
    await advance(0);
    expect(drained()).toBe(true);
  });
});
