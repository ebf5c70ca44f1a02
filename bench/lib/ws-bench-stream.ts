/**
 * A BenchStream over one `ws` WebSocket: binary messages are the chunks, an empty message is EOF.
 * Backpressure as on a Node socket: a write reports "full" once 16 KiB wait to reach the kernel,
 * and drain() waits until they have.
 */
import type { WebSocket } from "ws";
import type { BenchStream, StreamSink } from "./bench-stream.js";

const HIGH_WATER = 16 * 1024;
const EMPTY = new Uint8Array(0);
const OPEN = 1;

/** `closeAfterEnd`: the server's side closes the connection once it has sent its EOF. */
export function wsStream(ws: WebSocket, closeAfterEnd: boolean): BenchStream {
  let waiting: (() => void) | null = null;
  let ended = false;
  let sink: StreamSink | null = null;
  const release = () => {
    const resolve = waiting;
    waiting = null;
    resolve?.();
  };
  const sent = () => {
    if (waiting && ws.bufferedAmount < HIGH_WATER) release();
  };
  const finish = () => {
    if (ended) return;
    ended = true;
    sink?.end();
  };
  ws.once("close", release);
  return {
    write(chunk) {
      ws.send(chunk, sent);
      return ws.bufferedAmount < HIGH_WATER;
    },
    drain() {
      if (ws.readyState !== OPEN || ws.bufferedAmount < HIGH_WATER) return Promise.resolve();
      return new Promise((resolve) => (waiting = resolve));
    },
    end() {
      ws.send(EMPTY);
      if (closeAfterEnd) ws.close();
    },
    start(s) {
      sink = s;
      ws.on("message", (data: Uint8Array) => (data.length === 0 ? finish() : s.data(data)));
      ws.once("close", finish);
    },
    dispose() {
      // Usually the server's close is already under way; this only covers a stream cut short.
      if (ws.readyState === OPEN) ws.close();
    },
  };
}
