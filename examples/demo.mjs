// The main demo (`npm start`): a streamux server on loopback speaking over TCP and WebSocket, a
// client over each, streams in both directions, HTTP carried over a mux stream, and a report.
import http from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { WebSocket, WebSocketServer } from "ws";
import { Session } from "streamux";
import { dial, listen, toDuplex } from "streamux/node";
import { fromWebSocket } from "streamux/websocket";

// Typed streams tell the server what each stream is for (muxado's TypedStreamSession).
const ECHO = 1;
const HTTP = 2;
const NOTE = 3;
const ECHO_STREAMS = 16;
const ECHO_BYTES = 1 << 20;

const text = new TextEncoder();
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex").slice(0, 16);
const mib = (n) => (n / 1048576).toFixed(1);

// ---- the server: one HTTP app, reached through mux streams; echo; a note opened back ----------
const app = http.createServer((req, res) => {
  let body = 0;
  req.on("data", (c) => (body += c.length));
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ method: req.method, url: req.url, bodyBytes: body, servedBy: "http.Server over a mux stream" }));
  });
});

async function serve(session, via) {
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
await new Promise((resolve) => wsHttp.listen(0, "127.0.0.1", resolve));

// ---- the clients ---------------------------------------------------------------------------------
async function echoOne(session) {
  const stream = await session.open({ type: ECHO });
  const data = randomBytes(ECHO_BYTES);
  const writing = (async () => {
    const w = stream.writable.getWriter();
    for (let at = 0; at < data.length; at += 64 * 1024) await w.write(data.subarray(at, at + 64 * 1024));
    await w.close();
  })();
  const chunks = [];
  for await (const chunk of stream.readable) chunks.push(chunk);
  await writing;
  const back = Buffer.concat(chunks);
  if (sha256(back) !== sha256(data)) throw new Error(`stream ${stream.id}: echo differs`);
  return back.length;
}

async function httpOverStream(session) {
  const stream = await session.open({ type: HTTP });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { method: "POST", path: "/hello", headers: { host: "mux" }, createConnection: () => toDuplex(stream) },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode, body: JSON.parse(body) }));
      },
    );
    req.on("error", reject);
    req.end("ping over HTTP/1.1 inside streamux");
  });
}

async function exercise(session, via) {
  const heartbeats = [];
  const noteArrived = (async () => {
    const note = await session.accept();
    let msg = "";
    for await (const chunk of note.readable) msg += new TextDecoder().decode(chunk);
    return { id: note.id, msg };
  })();
  const t0 = performance.now();
  const sizes = await Promise.all(Array.from({ length: ECHO_STREAMS }, () => echoOne(session)));
  const seconds = (performance.now() - t0) / 1000;
  const echoed = sizes.reduce((a, b) => a + b, 0);
  const web = await httpOverStream(session);
  for (let i = 0; i < 3; i++) heartbeats.push(await session.ping());
  const note = await noteArrived;
  await session.close();
  const closed = await session.closed;
  console.log(`\n${via}`);
  console.log(`  ${ECHO_STREAMS} echo streams × ${mib(ECHO_BYTES)} MiB, verified by SHA-256: ${mib(2 * echoed)} MiB moved in ${seconds.toFixed(2)} s (${mib((2 * echoed) / seconds)} MiB/s)`);
  console.log(`  HTTP over a mux stream: ${web.status} ${JSON.stringify(web.body)}`);
  console.log(`  stream ${note.id} opened by the server: "${note.msg}"`);
  console.log(`  heartbeat RTT: ${heartbeats.map((ms) => ms.toFixed(2) + " ms").join(", ")}`);
  console.log(`  closed: code ${closed.code} (${closed.reason})`);
}

const tcpAddr = tcpServer.address();
console.log(`streamux demo: server on tcp://127.0.0.1:${tcpAddr.port} and ws://127.0.0.1:${wsHttp.address().port}`);
await exercise(await dial({ host: "127.0.0.1", port: tcpAddr.port, typed: true }), "over TCP (streamux/node)");
const ws = new WebSocket(`ws://127.0.0.1:${wsHttp.address().port}`);
await exercise(Session.client(fromWebSocket(ws), { typed: true }), "over WebSocket (streamux/websocket, ws package)");

await tcpServer.close();
wss.close();
wsHttp.close();
console.log("\ndone");
