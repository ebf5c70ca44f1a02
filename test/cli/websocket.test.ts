import { createHash, randomBytes } from "node:crypto";
import * as http from "node:http";
import type * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket as WsClient, WebSocketServer } from "ws";
import { Session } from "../../src/index.js";
import { fromWebSocket } from "../../src/adapters/websocket.js";
import { acceptUpgrade, ClientWebSocket, SUBPROTOCOL, type NodeWebSocket } from "../../tools/tunnel/websocket.js";

/**
 * The command's own RFC 6455 implementation against the `ws` package (a dev dependency, used here
 * only as the reference peer) in both roles, and as a streamux transport end to end.
 */

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Payload sizes around every length encoding boundary, and a large one. */
const SIZES = [0, 1, 125, 126, 127, 65535, 65536, 65537, 1 << 20];

function bytesOf(data: unknown): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data as Uint8Array);
}

/** Our server on an HTTP server; resolves with its port and each accepted socket. */
async function ourServer(onSocket: (ws: NodeWebSocket) => void): Promise<number> {
  const server = http.createServer();
  server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const ws = acceptUpgrade(req, socket, head);
    if (ws) onSocket(ws);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

/** Collects a peer's data messages as one byte string per data frame run, until `n` bytes came. */
function gather(ws: { addEventListener(t: string, l: (e: { data: unknown }) => void): void }, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let have = 0;
    if (n === 0) return resolve(Buffer.alloc(0));
    ws.addEventListener("message", (e: { data: unknown }) => {
      const b = bytesOf(e.data);
      parts.push(Buffer.from(b));
      have += b.length;
      if (have >= n) resolve(Buffer.concat(parts));
    });
  });
}

describe("the command's WebSocket server, with the ws package as client", () => {
  it("echoes binary messages of every length encoding, answers ping, and closes cleanly", async () => {
    const closed = deferred<{ code: number; wasClean: boolean }>();
    const port = await ourServer((ws) => {
      ws.addEventListener("message", (e: { data: Uint8Array }) => ws.send(new Uint8Array(e.data)));
      ws.addEventListener("close", (e: { code: number; wasClean: boolean }) => closed.resolve(e));
    });
    const client = new WsClient(`ws://127.0.0.1:${port}/any/path`, SUBPROTOCOL);
    await new Promise((resolve, reject) => {
      client.once("open", resolve);
      client.once("error", reject);
    });
    expect(client.protocol).toBe(SUBPROTOCOL);
    for (const size of SIZES) {
      const sent = randomBytes(size);
      // The server passes a message on in pieces as its bytes arrive: the echo may come in several.
      const echoed = new Promise<Buffer>((resolve) => {
        const parts: Buffer[] = [];
        let have = 0;
        const onMessage = (data: unknown) => {
          const b = bytesOf(data);
          parts.push(b);
          have += b.length;
          if (have < size) return;
          client.off("message", onMessage);
          resolve(Buffer.concat(parts));
        };
        client.on("message", onMessage);
      });
      client.send(sent);
      // An empty message is echoed as an empty one.
      expect((await echoed).equals(sent), `size ${size}`).toBe(true);
    }
    const pong = new Promise<Buffer>((resolve) => client.once("pong", resolve));
    client.ping(Buffer.from("are you there"));
    expect((await pong).toString()).toBe("are you there");
    client.close(1000, "bye");
    expect(await closed.promise).toMatchObject({ code: 1000, wasClean: true });
  });

  it("joins a fragmented message's frames in order", async () => {
    const got = deferred<Buffer>();
    const port = await ourServer((ws) => void gather(ws, 3000).then(got.resolve));
    const client = new WsClient(`ws://127.0.0.1:${port}/`);
    await new Promise((resolve) => client.once("open", resolve));
    const whole = randomBytes(3000);
    client.send(whole.subarray(0, 1000), { fin: false, binary: true });
    client.send(whole.subarray(1000, 2000), { fin: false, binary: true });
    client.send(whole.subarray(2000), { fin: true, binary: true });
    expect((await got.promise).equals(whole)).toBe(true);
    client.terminate();
  });

  it("refuses a request that is not a WebSocket handshake", async () => {
    const port = await ourServer(() => {});
    const status = await new Promise<number>((resolve) => {
      http.get({ host: "127.0.0.1", port, headers: { connection: "upgrade", upgrade: "websocket" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
    });
    expect(status).toBe(400);
  });
});

describe("the command's WebSocket client, with the ws package as server", () => {
  async function wsServer(onConnection: (ws: import("ws").WebSocket) => void): Promise<number> {
    const server = new WebSocketServer({
      host: "127.0.0.1",
      port: 0,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    server.on("connection", onConnection);
    await new Promise((resolve) => server.once("listening", resolve));
    cleanup.push(() => {
      for (const c of server.clients) c.terminate();
      server.close();
    });
    return (server.address() as net.AddressInfo).port;
  }

  it("sends masked binary messages of every length encoding, answers ping, and closes cleanly", async () => {
    const serverClosed = deferred<number>();
    const pinged = deferred<Buffer>();
    const port = await wsServer((ws) => {
      ws.on("message", (data) => ws.send(bytesOf(data)));
      ws.on("close", (code) => serverClosed.resolve(code));
      ws.ping(Buffer.from("ping from ws"));
      ws.on("pong", (data) => pinged.resolve(data));
    });
    const client = new ClientWebSocket(`ws://127.0.0.1:${port}/tunnel`, SUBPROTOCOL);
    await new Promise((resolve) => client.addEventListener("open", resolve));
    expect(client.protocol).toBe(SUBPROTOCOL);
    expect((await pinged.promise).toString()).toBe("ping from ws");
    for (const size of SIZES) {
      const sent = randomBytes(size);
      const echoed = gather(client, size);
      client.send(new Uint8Array(sent));
      expect((await echoed).equals(sent), `size ${size}`).toBe(true);
    }
    const closed = new Promise<{ code: number; wasClean: boolean }>((resolve) => client.addEventListener("close", resolve));
    client.close(1000);
    expect(await serverClosed.promise).toBe(1000);
    expect(await closed).toMatchObject({ code: 1000, wasClean: true });
  });

  it("fails to open, with the cause, when the server answers plain HTTP", async () => {
    const server = http.createServer((_req, res) => res.writeHead(401).end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanup.push(() => server.close());
    const client = new ClientWebSocket(`ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`);
    const error = await new Promise<{ message: string }>((resolve) => client.addEventListener("error", resolve));
    expect(error.message).toMatch(/HTTP 401/);
    expect(client.readyState).toBe(3);
  });
});

describe("a streamux session over the command's WebSocket, both ends", () => {
  it("carries 8 MiB each way on 4 streams, intact", async () => {
    const sessions = deferred<Session>();
    const port = await ourServer((ws) => sessions.resolve(Session.server(fromWebSocket(ws))));
    const client = Session.client(fromWebSocket(new ClientWebSocket(`ws://127.0.0.1:${port}/`)));
    const server = await sessions.promise;
    cleanup.push(() => void client.close());
    void (async () => {
      for await (const stream of server) void stream.readable.pipeTo(stream.writable).catch(() => {});
    })();
    const results = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const data = randomBytes(2 << 20);
        const stream = await client.open();
        const writing = (async () => {
          for (let at = 0; at < data.length; at += 100_003) await stream.write(data.subarray(at, at + 100_003));
          await stream.closeWrite();
        })();
        const hash = createHash("sha256");
        for (let chunk = await stream.read(); chunk; chunk = await stream.read()) hash.update(chunk);
        await writing;
        return hash.digest("hex") === createHash("sha256").update(data).digest("hex");
      }),
    );
    expect(results).toEqual([true, true, true, true]);
    await client.close();
    expect((await server.closed).clean).toBe(true);
  });
});
