/** Loopback WebSocket plumbing (the `ws` package at both ends, no compression). */
import type { Server } from "node:http";
import { WebSocket, WebSocketServer } from "ws";
import { HOST } from "./tcp.js";

/** A WebSocket server of its own on 127.0.0.1, a free port; `onSocket` gets every connection and its path. */
export function listenWs(onSocket: (ws: WebSocket, path: string) => void, server?: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    const wss = server
      ? new WebSocketServer({ server, perMessageDeflate: false })
      : new WebSocketServer({ host: HOST, port: 0, backlog: 4096, perMessageDeflate: false });
    wss.on("connection", (ws, req) => {
      ws.on("error", () => {});
      onSocket(ws, new URL(req.url ?? "/", "http://x").pathname);
    });
    if (server) return resolve(0);
    wss.once("error", reject);
    wss.once("listening", () => resolve((wss.address() as { port: number }).port));
  });
}

export function connectWs(port: number): Promise<WebSocket> {
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
