/**
 * raw ws: plain WebSocket binary messages, one connection per stream (a single socket for W1's one
 * stream). A stream's EOF is an empty message; the server closes the connection after its reply.
 * Backpressure as on a Node socket: a write reports "full" once 16 KiB wait to reach the kernel,
 * and drain() waits until they have.
 */
import { connectWs, listenWs } from "../lib/ws-server.mjs";

const HIGH_WATER = 16 * 1024;
const EMPTY = new Uint8Array(0);

export async function listen(onStream) {
  return { port: await listenWs((ws) => onStream(wsStream(ws, true))) };
}

export async function connect(port) {
  return {
    // The connect and upgrade round trips are part of what an operation costs.
    async open() {
      return wsStream(await connectWs(port), false);
    },
    close() {},
  };
}

function wsStream(ws, closeAfterEnd) {
  let waiting = null;
  let ended = false;
  let sink = null;
  const sent = () => {
    if (waiting && ws.bufferedAmount < HIGH_WATER) {
      const resolve = waiting;
      waiting = null;
      resolve();
    }
  };
  const finish = () => {
    if (ended) return;
    ended = true;
    sink?.end();
  };
  ws.once("close", () => {
    sent();
    waiting?.();
    waiting = null;
  });
  return {
    write(chunk) {
      ws.send(chunk, sent);
      return ws.bufferedAmount < HIGH_WATER;
    },
    drain() {
      if (ws.readyState !== 1 || ws.bufferedAmount < HIGH_WATER) return Promise.resolve();
      return new Promise((resolve) => (waiting = resolve));
    },
    end() {
      ws.send(EMPTY);
      if (closeAfterEnd) ws.close();
    },
    start(s) {
      sink = s;
      ws.on("message", (data) => (data.length === 0 ? finish() : s.data(data)));
      ws.once("close", finish);
    },
    dispose() {
      // Usually the server's close is already under way; this only covers a stream cut short.
      if (ws.readyState === 1) ws.close();
    },
  };
}
