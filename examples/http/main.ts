/**
 * HTTP over mux streams, both ways round on one connection: the client sends requests through an
 * http.Agent whose connections are new streams (httpAgent), the server serves an http.Server on
 * the streams the client opens (serve), and the server calls the client back the same way.
 *
 *   npm run example examples/http/main.ts
 */
import http from "node:http";
import type { Session } from "streamux";
import { dial, httpAgent, listen, serve } from "streamux/node";

const HOST = "127.0.0.1";

/** A GET through `agent`; resolves with the status and body. */
function get(agent: http.Agent, path: string, signal?: AbortSignal): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // `host` only fills the Host header: the agent decides where the request goes (a new stream).
    http
      .get({ host: "mux", path, agent, signal }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      })
      .on("error", reject);
  });
}

// ---- the server: an http.Server on every session's streams --------------------------------------

let neverAnswered!: (how: string) => void;
const serverSawAbort = new Promise<string>((resolve) => (neverAnswered = resolve));
const api = http.createServer((req, res) => {
  if (req.url === "/never") {
    // Never answers; the client's deadline ends the request, and its stream with it.
    res.on("close", () => neverAnswered(res.writableFinished ? "answered" : "the stream closed before an answer"));
    return;
  }
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ path: req.url, served: "by the server, over a mux stream" }));
});

const server = await listen({ host: HOST, port: 0 });
let serverSession!: Session;
const clientConnected = (async () => {
  serverSession = await server.accept();
  // serve() hands every stream the client opens to the http.Server, as a connection.
  void serve(serverSession, api);
})();
console.log(`server: listening on ${HOST}:${server.address().port}; HTTP on the streams each client opens`);

// ---- the client ----------------------------------------------------------------------------------

const session = await dial({ host: HOST, port: server.address().port });
await clientConnected;
// The client serves HTTP too, on the streams the server opens: the server can call it back.
const callbacks = http.createServer((req, res) => res.end(`the client answers ${req.method} ${req.url}`));
void serve(session, callbacks);

// keepAlive reuses a stream for the next request; maxSockets bounds the streams open at once.
const agent = httpAgent(session, { keepAlive: true, maxSockets: 4 });
const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => get(agent, `/items/${i}`)));
const statuses = [...new Set(answers.map((a) => a.status))].join(", ");
console.log(
  `client → server: 12 requests through httpAgent({ keepAlive: true, maxSockets: 4 }): status ${statuses}, over ${session.stats().streamsOpened} streams`,
);
console.log(`client → server: first answer ${answers[0]!.body}`);

// A deadline: the request is given up after 300 ms, which resets its stream.
const late = await get(agent, "/never", AbortSignal.timeout(300)).then(
  () => "answered",
  (err: Error) => `${err.name}${err.cause instanceof Error ? ` (${err.cause.name})` : ""}`,
);
console.log(`client → server: GET /never with AbortSignal.timeout(300) → ${late}; the server saw: ${await serverSawAbort}`);

// The other way round: an http.Agent on the server's session opens streams to the client.
const back = await get(httpAgent(serverSession), "/status");
console.log(`server → client: GET /status → ${back.status} ${back.body}`);

// A keepAlive agent holds idle streams open; destroy it first, or shutdown() would wait for them.
agent.destroy();
const closed = await session.shutdown({ timeout: 5_000 });
console.log(`client: shutdown() → code ${closed.code} (${closed.reason}), clean: ${closed.clean}`);
await server.close();
console.log("done");
