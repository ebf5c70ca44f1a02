import { once } from "node:events";
import * as http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { httpAgent, serve, toDuplex } from "../../src/adapters/node.js";
import type { Session } from "../../src/index.js";
import { tcpSessions, type TcpSessions } from "../support/tcp-pair.js";

// Real HTTP/1.1 over mux streams, both ways round: an http.Server served on a session (serve()),
// http.request with toDuplex streams, and httpAgent(): an http.Agent whose connections are new
// mux streams, with keepAlive and maxSockets honoured.

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

/** For a single http.request: a new mux stream as its connection, through toDuplex(). */
function streamConnector(session: Session): CreateConnection {
  return (_options, callback) => {
    session.open().then(
      (stream) => void callback!(null, toDuplex(stream)),
      (err: Error) => void callback!(err, undefined as never),
    );
    return undefined;
  };
}

/** An agent over the session that counts the streams it opens. */
function countingAgent(session: Session, options: http.AgentOptions): { agent: http.Agent; opened: () => number } {
  const agent = httpAgent(session, options);
  let opened = 0;
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (opts, callback) => {
    opened++;
    return create(opts, callback);
  };
  return { agent, opened: () => opened };
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
    void serve(callee, httpServer);
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

  it("httpAgent() with keepAlive sends several requests over one reused stream", async () => {
    const { caller } = await setup();
    const { agent, opened } = countingAgent(caller, { keepAlive: true, maxSockets: 1 });
    try {
      const { body, sum } = uploadBody();
      for (let i = 0; i < 3; i++) {
        const { res, text } = await request({ method: "PUT", path: "/upload", agent }, body);
        expect(res.statusCode).toBe(200);
        expect(JSON.parse(text)).toEqual({ method: "PUT", bytes: body.length, sum });
      }
      expect((await request({ path: "/nothing", agent })).res.statusCode).toBe(404);
      expect(opened()).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it("httpAgent() honours maxSockets: 20 concurrent requests use at most 4 streams", async () => {
    const { caller } = await setup();
    const { agent, opened } = countingAgent(caller, { keepAlive: true, maxSockets: 4 });
    try {
      const results = await Promise.all(Array.from({ length: 20 }, () => request({ path: "/nothing", agent })));
      expect(results.map((r) => r.res.statusCode)).toEqual(Array(20).fill(404));
      expect(opened()).toBeLessThanOrEqual(4);
      expect(opened()).toBeGreaterThan(0);
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
    void serve(server, httpServer);
    const agent = httpAgent(client, { keepAlive: true, maxSockets: 1 });
    const create = agent.createConnection.bind(agent);
    let clientClosed: Promise<unknown> | undefined;
    agent.createConnection = (options, callback) => {
      const socket = create(options, callback)!;
      clientClosed = once(socket, "close");
      return socket;
    };
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

describe("toDuplex", () => {
  it("is destroyed with the MuxError when the peer resets the stream, even with no read pending", async () => {
    const { client, server } = await sessions();
    const stream = await client.open();
    await stream.write(new TextEncoder().encode("x"));
    const peer = await server.accept();
    const duplex = toDuplex(stream);
    duplex.pause(); // a client that stopped reading: no read is pending
    const closed = new Promise((resolve) => duplex.once("close", resolve));
    const errored = once(duplex, "error");
    peer.reset(42);
    const [err] = (await errored) as [Error & { code?: number }];
    await closed;
    expect(err.code).toBe(42);
    expect(duplex.destroyed).toBe(true);
  });
});
