/**
 * A browser reaching a TCP service through a Node server, over one WebSocket: the page opens a mux
 * stream per request, the server bridges each stream to a TCP connection to the service.
 *
 *   npm run example examples/browser/main.ts [port]      (default 8080), then open the printed address
 *
 * Ctrl-C drains: open pages are told to open no more streams, running ones finish, then it exits.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { TcpBridge } from "./bridge.js";
import { buildSite } from "./site.js";
import { startSortService } from "./sort-service.js";

const HOST = "127.0.0.1";
const port = Number(process.argv[2] ?? 8080);

const service = await startSortService(HOST);
console.log(`sort service (plain TCP) on ${HOST}:${service.address.port}`);
const site = await buildSite();
const bridge = new TcpBridge(service.address, (line) => console.log(line));

const server = http.createServer((req, res) => site.handle(req, res));
const wss = new WebSocketServer({ server, path: "/mux" });
wss.on("connection", (ws) => {
  console.log("bridge: a page connected");
  void bridge.accept(ws);
});
await new Promise<void>((resolve) => server.listen(port, HOST, resolve));
console.log(`open http://${HOST}:${(server.address() as AddressInfo).port}/`);

async function stop(): Promise<void> {
  console.log("stopping: draining the pages' sessions");
  await bridge.shutdown();
  wss.close();
  server.closeAllConnections();
  server.close();
  await service.close();
  await site.remove();
  console.log("stopped");
}
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());
