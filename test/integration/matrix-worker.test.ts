import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ErrorCode, Session } from "../../src/index.js";
import { fromWebSocket } from "../../src/adapters/websocket.js";
import { driveEcho } from "../runtimes/echo-load.js";
import { MATRIX_LOAD } from "../runtimes/matrix.js";
import { requireBuild } from "../runtimes/runner.js";
import { startWorkers, type WorkerHost } from "../runtimes/workers/miniflare-host.js";

let host: WorkerHost;

beforeAll(async () => {
  requireBuild();
  host = await startWorkers([{ name: "echo", entry: "examples/worker/src/index.ts" }]);
}, 60_000);

afterAll(async () => {
  await host?.dispose();
});

describe("matrix: the example Worker (workerd), Node client, over WebSocket", () => {
  it("echoes 50 streams × 256 KiB, verified by SHA-256, and closes cleanly", async () => {
    const ws = new WebSocket(new URL("/", host.url.href.replace(/^http/, "ws")));
    const socketClosed = new Promise<number>((resolve) => ws.once("close", (code: number) => resolve(code)));
    const session = Session.client(fromWebSocket(ws));
    try {
      const load = await driveEcho(session, { ...MATRIX_LOAD, seed: 1 });
      expect(load.bytesEachWay).toBe(MATRIX_LOAD.streams * MATRIX_LOAD.bytes);
    } finally {
      await session.close();
    }
    expect((await session.closed).code).toBe(ErrorCode.SessionClosed);
    expect(await socketClosed, host.output()).toBe(1000);
  }, 60_000);
});
