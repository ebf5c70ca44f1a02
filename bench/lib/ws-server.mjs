/** Loopback WebSocket plumbing (the `ws` package at both ends, no compression). */
import { WebSocket, WebSocketServer } from "ws";
import { HOST } from "./tcp.mjs";

export function listenWs(onSocket) {
  return new Promise((resolve, reject) => {
    const wss = new WebSocketServer({ host: HOST, port: 0, backlog: 4096, perMessageDeflate: false });
    wss.once("error", reject);
    wss.once("listening", () => resolve(wss.address().port));
    wss.on("connection", (ws) => {
      ws.on("error", () => {});
      onSocket(ws);
    });
  });
}

export function connectWs(port) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${HOST}:${port}/`, { perMessageDeflate: false });
    ws.once("error", reject);
    ws.once("open", () => {
      ws.off("error", reject);
      ws.on("error", () => {});
      resolve(ws);
    });
  });
}
