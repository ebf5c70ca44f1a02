import { createHash } from "node:crypto";
import * as http from "node:http";
import * as net from "node:net";

/** Size of the bulk download (test/cli/bulk-server.mjs serves it). */
export const BULK_BYTES = 256 * 1024 * 1024;

/**
 * The service the agents expose, on loopback: GET /hello?i=N answers "hello N"; /hold sends its
 * headers and a first line and never ends; /slow waits for `releaseSlow()` (its arrival is
 * `slowArrived`).
 */
export class LocalService {
  readonly server: http.Server;
  private slowWaiters: Array<() => void> = [];
  private arrived: Array<() => void> = [];

  constructor() {
    this.server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://local");
      if (url.pathname === "/hello") {
        res.end(`hello ${url.searchParams.get("i")}`);
      } else if (url.pathname === "/hold") {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("started\n");
      } else if (url.pathname === "/slow") {
        for (const notify of this.arrived.splice(0)) notify();
        this.slowWaiters.push(() => res.end("slow done"));
      } else {
        res.writeHead(404).end();
      }
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Resolves when the next /slow request has reached the service. */
  slowArrived(): Promise<void> {
    return new Promise((resolve) => this.arrived.push(resolve));
  }

  releaseSlow(): void {
    for (const release of this.slowWaiters.splice(0)) release();
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}

/**
 * A raw TCP service that shows half-close working: it reads until the client's FIN, then sends
 * back what it read, reversed, and ends.
 */
export async function startReverser(): Promise<{ port: number; close(): void }> {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const parts: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => parts.push(chunk));
    socket.on("end", () => socket.end(Buffer.concat(parts).reverse()));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

/** GET on loopback: status and body. */
export function get(port: number, path: string, agent: http.Agent | false = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (text: string) => (body += text));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/** Downloads /bulk (or /warm): its SHA-256, its size and the MiB/s from request to last byte. */
export function download(port: number, path = "/bulk"): Promise<{ sha256: string; bytes: number; ms: number; mibPerSecond: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const hash = createHash("sha256");
    let bytes = 0;
    const req = http.get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        hash.update(chunk);
      });
      res.on("end", () => {
        const ms = performance.now() - started;
        resolve({ sha256: hash.digest("hex"), bytes, ms, mibPerSecond: bytes / 1048576 / (ms / 1000) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/**
 * Starts a /hold request: resolves once its first line has arrived, with a promise of how long
 * after `since()` the connection then failed (its socket closed without the response completing).
 */
export function hold(port: number): Promise<{ failed(since: () => number): Promise<{ ms: number; complete: boolean }> }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/hold", agent: false }, (res) => {
      res.once("data", () => {
        let complete = false;
        res.on("end", () => (complete = true));
        res.on("error", () => {});
        const closed = new Promise<void>((done) => req.socket!.once("close", () => done()));
        resolve({ failed: (since) => closed.then(() => ({ ms: since(), complete })) });
      });
    });
    req.on("error", () => {});
    req.once("error", reject);
  });
}
