import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { connect, fromWebSocket, type WebSocketConstructorLike } from "../../src/adapters/websocket.js";
import { ErrorCode, MuxError, Session } from "../../src/index.js";
import { within } from "../support/raw-peer.js";

// streamux/websocket connect(): a session once the socket is open, a rejection when it cannot open,
// and the WebSocket's close code and reason in the session's close report. Node 20 has no global
// WebSocket: the `ws` package's constructor is passed in, as such code would.
const Ws = WebSocket as unknown as WebSocketConstructorLike;

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A ws server on loopback whose connections become server sessions, handed to `onSession`. */
async function server(onSocket: (ws: WebSocket) => void): Promise<{ url: string; connections: () => number }> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await once(wss, "listening");
  let connections = 0;
  wss.on("connection", (ws) => {
    connections++;
    onSocket(ws);
  });
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  );
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/mux`, connections: () => connections };
}

describe("connect()", () => {
  it("resolves once the socket is open, with a client session that works", async () => {
    const { url } = await server((ws) => {
      const s = Session.server(fromWebSocket(ws));
      void (async () => {
        for await (const stream of s) await stream.readable.pipeTo(stream.writable).catch(() => {});
      })();
    });
    const session = await within(connect(url, { WebSocket: Ws }), "connect()");
    cleanup.push(() => session.close());
    const stream = await session.open();
    await stream.write(new TextEncoder().encode("over a WebSocket"));
    await stream.closeWrite();
    let text = "";
    for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) text += new TextDecoder().decode(chunk);
    expect(text).toBe("over a WebSocket");
  });

  it("rejects with a MuxError carrying the cause when nothing listens", async () => {
    const { url } = await server(() => {});
    const port = new URL(url).port;
    cleanup.pop()!(); // close that server: its port now refuses
    const err = await connect(`ws://127.0.0.1:${port}`, { WebSocket: Ws }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MuxError);
    expect((err as MuxError).code).toBe(ErrorCode.PeerEOF);
    expect((err as MuxError).message).toMatch(/ECONNREFUSED|failed to open/);
  });

  it("checks the session options before connecting: a misspelt one rejects and no connection is made", async () => {
    const { url, connections } = await server(() => {});
    await expect(connect(url, { WebSocket: Ws, windowsize: 1 } as never)).rejects.toThrow(/windowsize/);
    await expect(connect(url, { WebSocket: Ws, windowSize: -1 })).rejects.toThrow(RangeError);
    // A good connection after them proves the server was listening all along.
    const session = await connect(url, { WebSocket: Ws });
    cleanup.push(() => session.close());
    expect(connections()).toBe(1);
  });

  it("rejects with the signal's reason when aborted before the socket opens", async () => {
    const { url } = await server(() => {});
    const controller = new AbortController();
    const connecting = connect(url, { WebSocket: Ws, signal: controller.signal });
    controller.abort(new Error("gave up"));
    await expect(connecting).rejects.toThrow("gave up");
  });

  it("reports the peer's close code and reason in closed.transport, and a close without GOAWAY is not clean", async () => {
    const { url } = await server((ws) => ws.close(1011, "server exploded"));
    const session = await connect(url, { WebSocket: Ws });
    const info = await within(session.closed, "the session to end");
    expect(info.code).toBe(ErrorCode.PeerEOF);
    expect(info.transport).toEqual({ code: 1011, reason: "server exploded" });
    expect(info.clean).toBe(false);
  });

  it("a peer that closes its session gracefully ends ours cleanly", async () => {
    const { url } = await server((ws) => void Session.server(fromWebSocket(ws)).close());
    const session = await connect(url, { WebSocket: Ws });
    const info = await within(session.closed, "the session to end");
    expect(info.remote?.code).toBe(ErrorCode.NoError);
    expect(info.clean).toBe(true);
    expect(info.transport?.code).toBe(1000);
  });
});
