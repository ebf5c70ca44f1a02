import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ErrorCode, Session } from "../../src/index.js";
import { fromWebSocket } from "../../src/adapters/websocket.js";
import { behaviours } from "../suite/behaviour.js";
import { RuntimeProcess, requireBuild, root } from "./runner.js";
import { startWorkers, type WorkerHost } from "./workers/miniflare-host.js";
import { readAllText as readText } from "../support/bytes.js";

/**
 * Workers, under the real workerd runtime (Miniflare): the example Worker (examples/worker, bundled
 * through the package's "exports") serving a Node client over a WebSocket, and the shared behaviour
 * suite run inside workerd itself.
 */

let host: WorkerHost;

beforeAll(async () => {
  requireBuild();
  host = await startWorkers([
    { name: "echo", entry: "examples/worker/src/index.ts" },
    { name: "behaviours", entry: "test/runtimes/workers/behaviour-worker.ts" },
  ]);
}, 60_000);

afterAll(async () => {
  await host?.dispose();
});

const encoder = new TextEncoder();

describe("the example Worker (examples/worker) under workerd", () => {
  it("type-checks against the built package's types, with Web Worker globals only", async () => {
    const tsc = new RuntimeProcess(join(root, "node_modules", ".bin", "tsc"), ["-p", "examples/worker"], { timeoutMs: 60_000 });
    const exit = await tsc.exited;
    expect(exit.code, tsc.output()).toBe(0);
  }, 70_000);

  it("answers a plain HTTP request with 426 Upgrade Required", async () => {
    const res = await fetch(host.url);
    expect(res.status).toBe(426);
    expect(await res.text()).toContain("connect with a WebSocket");
  });

  it("echoes streams a Node client (ws + fromWebSocket) opens over one WebSocket, and closes cleanly", async () => {
    const ws = new WebSocket(new URL("/", host.url.href.replace(/^http/, "ws")));
    const socketClosed = new Promise<number>((resolve) => ws.once("close", (code: number) => resolve(code)));
    const session = Session.client(fromWebSocket(ws));
    try {
      const messages = Array.from({ length: 20 }, (_, i) => `stream ${i}: ${"x".repeat(i * 997)}`);
      const echoed = await Promise.all(
        messages.map(async (message) => {
          const stream = await session.open();
          const writer = stream.writable.getWriter();
          await writer.write(encoder.encode(message));
          await writer.close();
          return readText(stream.readable);
        }),
      );
      expect(echoed).toEqual(messages);
    } finally {
      await session.close();
    }
    expect((await session.closed).code).toBe(ErrorCode.SessionClosed);
    // 1000: the Worker answered our close frame. A Worker that leaves the handshake hanging is cut
    // off by workerd as a hung request, and the client sees 1006 instead.
    expect(await socketClosed, host.output()).toBe(1000);
  });
});

describe("the behaviour suite inside workerd", () => {
  // Miniflare types its Fetcher with workerd's own typings, which this project does not install.
  type FetcherLike = { fetch(url: string): Promise<Response> };
  const run = async (path: string): Promise<Response> => {
    const worker = (await host.mf.getWorker("behaviours")) as unknown as FetcherLike;
    return worker.fetch(`http://behaviours${path}`);
  };

  it("the Worker runs the same behaviours as this process", async () => {
    const names = (await (await run("/names")).json()) as string[];
    expect(names).toEqual(behaviours.map((b) => b.name));
  });

  for (const pair of ["memory", "ws"] as const) {
    for (const b of behaviours) {
      const label = pair === "ws" ? "WebSocketPair (fromWebSocket on both ends)" : "memory pair";
      it(
        `${label}: ${b.name}`,
        async () => {
          const res = await run(`/run?pair=${pair}&name=${encodeURIComponent(b.name)}`);
          const body = (await res.json()) as { ok: boolean; error?: string };
          expect(body.ok, `${body.error ?? ""}\n${host.output()}`).toBe(true);
        },
        (b.timeoutMs ?? 10_000) + 5_000,
      );
    }
  }
});
