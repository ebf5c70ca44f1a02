/**
 * streamux/websocket hands send() bytes the session will not rewrite: the session reuses its
 * output buffer once a write is done, and the adapter calls done() as soon as send() returns.
 */
import { describe, expect, it } from "vitest";
import { fromWebSocket, type WebSocketLike } from "../../src/adapters/websocket.js";
import { RecordingSink } from "../support/ws-pair.js";

/** An open socket that keeps what send() was given, as a socket reading it later would see it. */
class KeepingSocket implements WebSocketLike {
  readyState = 1;
  binaryType = "arraybuffer";
  bufferedAmount = 0;
  readonly sent: Uint8Array[] = [];
  send(data: Uint8Array): void {
    this.sent.push(data);
  }
  close(): void {}
  addEventListener(): void {}
  removeEventListener(): void {}
}

function write(sendCopies: boolean, parts: Uint8Array[]): { socket: KeepingSocket; done: boolean } {
  const socket = new KeepingSocket();
  const link = fromWebSocket(socket, { sendCopies }).link!;
  link.start(new RecordingSink());
  let done = false;
  link.write(parts, () => (done = true));
  return { socket, done };
}

describe("streamux/websocket send ownership", () => {
  for (const parts of [1, 2]) {
    it(`a socket not known to copy inside send() (a Workers socket) gets bytes of its own: a ${parts}-part write rewritten after done() is sent as it was`, () => {
      const written = Array.from({ length: parts }, (_, i) => new Uint8Array([i + 1, i + 2, i + 3]));
      const { socket, done } = write(false, written);
      expect(done).toBe(true);
      const before = [...socket.sent[0]!];
      for (const p of written) p.fill(0xee);
      expect([...socket.sent[0]!]).toEqual(before);
    });
  }

  it("a socket that copies inside send() (a browser's) gets a single part as it is, without a copy", () => {
    const part = new Uint8Array([1, 2, 3]);
    const { socket } = write(true, [part]);
    expect(socket.sent[0]).toBe(part);
  });
});
