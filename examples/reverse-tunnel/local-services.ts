/**
 * Two services on the agent's host, reachable only from there: a small web app and a greeter that
 * speaks first (as SMTP, SSH and database servers do). They know nothing of the tunnel.
 */
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { Endpoint } from "./agent.js";

export interface LocalService {
  address: Endpoint;
  close(): Promise<void>;
}

export interface WebService extends LocalService {
  /** Resolves when a GET /slow has arrived; its answer waits for finishSlow(). */
  slowArrived: Promise<void>;
  finishSlow(): void;
}

async function listenOn(server: net.Server, host: string): Promise<LocalService> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    address: { host, port: (server.address() as AddressInfo).port },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function startWebService(host: string): Promise<WebService> {
  let arrived!: () => void;
  const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
  let finish!: () => void;
  const slowMayFinish = new Promise<void>((resolve) => (finish = resolve));
  const server = http.createServer(async (req, res) => {
    if (req.url === "/slow") {
      arrived();
      await slowMayFinish;
    }
    res.end(`hello from behind the NAT: ${req.method} ${req.url} (HTTP/${req.httpVersion})`);
  });
  return { ...(await listenOn(server, host)), slowArrived, finishSlow: finish };
}

export async function startGreeter(host: string): Promise<LocalService> {
  const server = net.createServer((socket) => {
    socket.write("hello, this is the greeter behind the NAT; who are you?\n");
    socket.once("data", (name) => socket.end(`goodbye, ${String(name).trim()}\n`));
  });
  return listenOn(server, host);
}
