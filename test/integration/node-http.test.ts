import { once } from "node:events";
import * as http from "node:http";
import type * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { toDuplex } from "../../src/adapters/node.js";
import type { Session } from "../../src/index.js";
import { tcpSessions, type TcpSessions } from "../support/tcp-pair.js";

// Real HTTP/1.1 over mux streams, both ways round: Node's http.Server fed with toDuplex streams,
// http.request and a keep-alive http.Agent whose connections are new mux streams.

let open: TcpSessions[] = [];

afterEach(async () => {
  await Promise.all(open.map((s) => s.dispose()));
  open = [];
});

async function sessions(): Promise<TcpSessions> {
  const s = await tcpSessions();
  open.push(s);
  return s;
}

type CreateConnection = NonNullable<http.ClientRequestArgs["createConnection"]>;

/** What http.request and http.Agent call for a connection: a new mux stream, as a Duplex. */
function streamConnector(session: Session, opened?: { count: number }): CreateConnection {
  const connect = (_options: unknown, callback: (err: Error | null, socket?: net.Socket) => void) => {
    session.open().then((stream) => {
      if (opened) opened.count++;
      callback(null, toDuplex(stream) as unknown as net.Socket);
    }, callback);
  };
  return connect as unknown as CreateConnection;
}

/** Serves every stream the session accepts with `server`, as if each were a TCP connection. */
function serveHttp(session: Session, server: http.Server): void {
  void (async () => {
    for await (const stream of session) server.emit("connection", toDuplex(stream));
  })();
}

/** The test server: /upload answers with what it received, /stream sends parts as told. */
function testServer(parts: { next: Promise<void>[] }) {
  return http.createServer(async (req, res) => {
    if (req.url === "/upload") {
      let bytes = 0;
      let sum = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        for (const b of chunk) sum = (sum + b) % 65521;
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ method: req.method, bytes, sum }));
    } else if (req.url === "/stream") {
      res.writeHead(200, { "content-type": "text/plain" });
      // Each part goes out only once the client has read the one before: a streamed response,
      // not one buffered until the end.
      for (let i = 0; i < parts.next.length; i++) {
        res.write(`part ${i};`);
        await parts.next[i];
      }
      res.end("done");
    } else {
      res.writeHead(404).end();
    }
  });
}

function request(options: http.RequestOptions, body?: Uint8Array): Promise<{ res: http.IncomingMessage; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "mux", ...options }, async (res) => {
      try {
        let text = "";
        for await (const chunk of res) text += chunk;
        resolve({ res, text });
      } catch (err) {
        reject(err);
      }
    });
    req.on("error", reject);
    if (body) {
      // In pieces, so the body really streams over the mux stream.
      for (let i = 0; i < body.length; i += 50_000) req.write(body.subarray(i, i + 50_000));
    }
    req.end();
  });
}

function uploadBody(): { body: Uint8Array; sum: number } {
  const body = new Uint8Array(1024 * 1024 + 123).map((_, i) => (i * 13) & 0xff);
  let sum = 0;
  for (const b of body) sum = (sum + b) % 65521;
  return { body, sum };
}

/** Gates the streamed response: `next[i]` opens once the client has read part i. */
function gates(count: number) {
  const open: (() => void)[] = [];
  const next = Array.from({ length: count }, (_, i) => new Promise<void>((r) => (open[i] = r)));
  return { next, open };
}

describe.each([
  ["the session client sends, the session server serves", false],
  ["the session server sends, the session client serves (a reverse tunnel)", true],
])("HTTP over mux streams: %s", (_title, reversed) => {
  async function setup() {
    const { client, server } = await sessions();
    const [caller, callee] = reversed ? [server, client] : [client, server];
    const parts = gates(5);
    const httpServer = testServer(parts);
    serveHttp(callee, httpServer);
    return { caller, parts, httpServer };
  }

  it("a POST with a 1 MiB body arrives whole and its answer comes back", async () => {
    const { caller } = await setup();
    const { body, sum } = uploadBody();
    const { res, text } = await request({ method: "POST", path: "/upload", createConnection: streamConnector(caller) }, body);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(text)).toEqual({ method: "POST", bytes: body.length, sum });
  });

  it("a streamed response arrives part by part, while the server is still writing it", async () => {
    const { caller, parts } = await setup();
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: "mux", path: "/stream", createConnection: streamConnector(caller) }, resolve).on("error", reject);
    });
    expect(res.headers["transfer-encoding"]).toBe("chunked");
    let text = "";
    let part = 0;
    for await (const chunk of res) {
      text += chunk;
      // The server holds back part i+1 until we have seen part i.
      while (part < parts.next.length && text.includes(`part ${part};`)) parts.open[part++]!();
    }
    expect(text).toBe("part 0;part 1;part 2;part 3;part 4;done");
  });

  it("a keep-alive Agent sends several requests over one reused stream", async () => {
    const { caller } = await setup();
    const opened = { count: 0 };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agent.createConnection = streamConnector(caller, opened) as typeof agent.createConnection;
    try {
      const { body, sum } = uploadBody();
      for (let i = 0; i < 3; i++) {
        const { res, text } = await request({ method: "PUT", path: "/upload", agent }, body);
        expect(res.statusCode).toBe(200);
        expect(JSON.parse(text)).toEqual({ method: "PUT", bytes: body.length, sum });
      }
      expect((await request({ path: "/nothing", agent })).res.statusCode).toBe(404);
      expect(opened.count).toBe(1);
    } finally {
      agent.destroy();
    }
  });
});

describe("HTTP server timeouts on mux streams", () => {
  it("the server's idle timeout closes a kept-alive stream, and the client's end closes with it", async () => {
    const { client, server } = await sessions();
    const httpServer = testServer(gates(0));
    // http.Server arms the idle timer with the Duplex's setTimeout() and destroys it on 'timeout'.
    httpServer.timeout = 100;
    httpServer.keepAliveTimeout = 0;
    serveHttp(server, httpServer);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const connect = streamConnector(client) as unknown as typeof agent.createConnection;
    let clientClosed: Promise<unknown> | undefined;
    agent.createConnection = ((options, callback) =>
      connect(options, (err, socket) => {
        clientClosed = once(socket, "close");
        callback!(err, socket);
      })) as typeof agent.createConnection;
    try {
      const { res } = await request({ path: "/nothing", agent });
      expect(res.statusCode).toBe(404);
      expect(res.headers.connection).toBe("keep-alive");
      // Idle now: the server closes the stream; the client sees the end and closes its side.
      await clientClosed;
    } finally {
      agent.destroy();
    }
  });
});
