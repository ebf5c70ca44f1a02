/**
 * The main demo: a streamux server on loopback speaking over TCP and WebSocket, a client over each,
 * streams in both directions, HTTP carried over a mux stream, heartbeat round trips, and a report.
 *
 *   npm start
 *
 * (which builds the package and runs `node --import ./examples/support/register.mjs examples/demo.ts`)
 */
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import { Session, type MuxStream } from "streamux";
import { dial, listen, toDuplex } from "streamux/node";
import { connect, fromWebSocket } from "streamux/websocket";

// Typed streams tell the server what each stream is for (muxado's TypedStreamSession); both sides
// must be typed, and the heartbeat (ping()) needs it too.
const ECHO = 1;
const HTTP = 2;
const NOTE = 3;
const ECHO_STREAMS = 16;
const ECHO_BYTES = 1 << 20;

const text = new TextEncoder();
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);
const mib = (n: number) => (n / 1048576).toFixed(1);

// ---- the server: one HTTP app, reached through mux streams; echo; a note opened back ------------

const app = http.createServer((req, res) => {
  let body = 0;
  req.on("data", (chunk: Buffer) => (body += chunk.length));
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ method: req.method, url: req.url, bodyBytes: body, servedBy: "http.Server over a mux stream" }));
  });
});

async function serve(session: Session, via: string): Promise<void> {
  // Reverse direction: the server opens a stream to the client (what a reverse tunnel does).
  const note = await session.open({ type: NOTE });
  await note.write(text.encode(`hello from the server, over ${via}`));
  await note.closeWrite();
  for await (const stream of session) {
    if (stream.type === ECHO) stream.readable.pipeTo(stream.writable).catch(() => {});
    else if (stream.type === HTTP) app.emit("connection", toDuplex(stream));
    else stream.reset();
  }
}

const tcpServer = await listen({ host: "127.0.0.1", port: 0, typed: true });
void (async () => {
  for await (const session of tcpServer) void serve(session, "TCP");
})();

const wsHttp = http.createServer((_req, res) => res.writeHead(426).end());
const wss = new WebSocketServer({ server: wsHttp });
wss.on("connection", (ws) => void serve(Session.server(fromWebSocket(ws), { typed: true }), "WebSocket"));
await new Promise<void>((resolve) => wsHttp.listen(0, "127.0.0.1", resolve));

// ---- the clients ---------------------------------------------------------------------------------

async function readAll(stream: MuxStream): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream.readable) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function echoOne(session: Session): Promise<number> {
  const stream = await session.open({ type: ECHO });
  const data = randomBytes(ECHO_BYTES);
  const writing = (async () => {
    const writer = stream.writable.getWriter();
    for (let at = 0; at < data.length; at += 64 * 1024) await writer.write(data.subarray(at, at + 64 * 1024));
    await writer.close();
  })();
  const back = await readAll(stream);
  await writing;
  if (sha256(back) !== sha256(data)) throw new Error(`stream ${stream.id}: echo differs`);
  return back.length;
}

async function httpOverStream(session: Session): Promise<{ status: number | undefined; body: unknown }> {
  const stream = await session.open({ type: HTTP });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { method: "POST", path: "/hello", headers: { host: "mux" }, createConnection: () => toDuplex(stream) },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode, body: JSON.parse(body) }));
      },
    );
    req.on("error", reject);
    req.end("ping over HTTP/1.1 inside streamux");
  });
}

async function exercise(session: Session, via: string): Promise<void> {
  const noteArrived = (async () => {
    const note = await session.accept();
    return { id: note.id, msg: new TextDecoder().decode(await readAll(note)) };
  })();
  const t0 = performance.now();
  const sizes = await Promise.all(Array.from({ length: ECHO_STREAMS }, () => echoOne(session)));
  const seconds = (performance.now() - t0) / 1000;
  const echoed = sizes.reduce((a, b) => a + b, 0);
  const web = await httpOverStream(session);
  const heartbeats: number[] = [];
  for (let i = 0; i < 3; i++) heartbeats.push(await session.ping());
  const note = await noteArrived;
  await session.close();
  const closed = await session.closed;
  console.log(`\n${via}`);
  console.log(
    `  ${ECHO_STREAMS} echo streams × ${mib(ECHO_BYTES)} MiB, verified by SHA-256: ${mib(2 * echoed)} MiB moved in ${seconds.toFixed(2)} s (${mib((2 * echoed) / seconds)} MiB/s)`,
  );
  console.log(`  HTTP over a mux stream: ${web.status} ${JSON.stringify(web.body)}`);
  console.log(`  stream ${note.id} opened by the server: "${note.msg}"`);
  console.log(`  heartbeat RTT: ${heartbeats.map((ms) => `${ms.toFixed(2)} ms`).join(", ")}`);
  console.log(`  closed: code ${closed.code} (${closed.reason}), clean: ${closed.clean}`);
}

const tcpPort = tcpServer.address().port;
const wsPort = (wsHttp.address() as AddressInfo).port;
console.log(`streamux demo: server on tcp://127.0.0.1:${tcpPort} and ws://127.0.0.1:${wsPort}`);
await exercise(await dial({ host: "127.0.0.1", port: tcpPort, typed: true }), "over TCP (streamux/node)");
// Node 20 has no global WebSocket: connect() is given the ws package's.
await exercise(await connect(`ws://127.0.0.1:${wsPort}`, { WebSocket, typed: true }), "over WebSocket (streamux/websocket, ws package)");

await tcpServer.close();
wss.close();
wsHttp.close();
console.log("\ndone");
