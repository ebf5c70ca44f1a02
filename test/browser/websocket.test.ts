/**
 * streamux in a real browser: Chromium loads a page built by Vite that imports `streamux` and
 * `streamux/websocket` and connects over its own WebSocket to a Node `ws` server running a
 * streamux server session. Data is verified by SHA-256 on the side that sent it.
 */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { fromWebSocket } from "../../src/adapters/websocket.js";
import { ErrorCode, Session, type MuxStream } from "../../src/index.js";
import {
  buildPage,
  launchChromium,
  openPage,
  serveDir,
  type Browser,
  type BuiltPage,
  type StaticServer,
  type WatchedPage,
} from "./harness.js";
import "./page/api.js";
import { readAll } from "../support/bytes.js";

const MiB = 1024 * 1024;

let built: BuiltPage | undefined;
let site: StaticServer | undefined;
let wss: WebSocketServer | undefined;
let browser: Browser | undefined;
let tab: WatchedPage;
let server: Session;
/** Failures of the server's echo, which runs unattended. */
const serverProblems: string[] = [];

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** The server's half: echo every stream the page opens. */
async function echoAll(session: Session): Promise<void> {
  for (;;) {
    let stream: MuxStream;
    try {
      stream = await session.accept();
    } catch {
      return; // the session ended
    }
    stream.readable.pipeTo(stream.writable).catch((err) => serverProblems.push(`echo on stream ${stream.id}: ${String(err)}`));
  }
}

beforeAll(async () => {
  built = await buildPage();
  site = await serveDir(built.dir);
  wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss!.once("listening", resolve));
  const connected = new Promise<Session>((resolve) =>
    wss!.once("connection", (socket) => {
      const session = Session.server(fromWebSocket(socket));
      void echoAll(session);
      resolve(session);
    }),
  );
  browser = await launchChromium();
  tab = await openPage(browser.context, site.url);
  const { port } = wss.address() as { port: number };
  await tab.page.evaluate((url) => window.streamuxTest.connect(url), `ws://127.0.0.1:${port}/`);
  server = await connected;
}, 360_000); // the browser may have to be installed first (test/support/chromium.ts)

afterEach(() => {
  // Taken out before asserting, so one test's problems are not reported again by the next.
  const pageProblems = tab?.problems.splice(0) ?? [];
  const echoProblems = serverProblems.splice(0);
  expect(pageProblems).toEqual([]);
  expect(echoProblems).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  for (const socket of wss?.clients ?? []) socket.terminate();
  await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
  await site?.close();
  await built?.remove();
});

describe("streamux in Chromium over its WebSocket", () => {
  it("opens 100 streams at once and gets 1 MiB echoed on each, verified by SHA-256", async () => {
    console.info(`browser page bundles streamux from ${built!.source}/`);
    const report = await tab.page.evaluate(({ streams, size }) => window.streamuxTest.echo(streams, size), {
      streams: 100,
      size: MiB,
    });
    expect(report.mismatches).toEqual([]);
    expect(report.streams).toBe(100);
    console.info(`100 × 1 MiB echoed through the browser in ${report.ms} ms`);
  }, 90_000);

  it("accepts 20 streams the server opens and returns their bytes intact, verified by SHA-256", async () => {
    const sent = new Map<number, string>();
    const echoed = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const stream = await server.open();
        const data = randomBytes(MiB);
        sent.set(stream.id, sha256(data));
        const writer = stream.writable.getWriter();
        const [, back] = await Promise.all([
          (async () => {
            for (let at = 0; at < data.length; at += 64 * 1024) await writer.write(data.subarray(at, at + 64 * 1024));
            await writer.close();
          })(),
          readAll(stream),
        ]);
        return { id: stream.id, sha256: sha256(back) };
      }),
    );
    const seen = await tab.page.evaluate((count) => window.streamuxTest.incoming(count), 20);

    expect(seen.map((s) => s.id).sort((a, b) => a - b)).toEqual([...sent.keys()].sort((a, b) => a - b));
    for (const s of seen) {
      expect(s.bytes).toBe(MiB);
      expect(s.sha256, `what the page read on stream ${s.id}`).toBe(sent.get(s.id));
    }
    for (const e of echoed) expect(e.sha256, `the echo of stream ${e.id}`).toBe(sent.get(e.id));
  }, 60_000);

  it("sees a clean close (the server's GOAWAY NoError, socket closed with 1000) when the server closes", async () => {
    const pageClosed = tab.page.evaluate(() => window.streamuxTest.closed());
    await server.close();
    const closed = await pageClosed;
    expect(closed.remote).toEqual({ code: ErrorCode.NoError, debug: "no error" });
    expect(closed.socket).toEqual({ code: 1000, wasClean: true });
    expect((await server.closed).code).toBe(ErrorCode.SessionClosed);
  }, 30_000);
});
