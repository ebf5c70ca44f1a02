/**
 * A reverse tunnel, all on loopback: two services that only their host can reach, an agent on that
 * host that dials out to a tunnel server, and clients that reach the services through the server's
 * public ports. The tunnel itself is agent.ts, tunnel-server.ts and splice.ts.
 *
 *   npm run example examples/reverse-tunnel/main.ts
 */
import net from "node:net";
import http from "node:http";
import { runAgent } from "./agent.js";
import { startGreeter, startWebService } from "./local-services.js";
import { startTunnelServer } from "./tunnel-server.js";

const HOST = "127.0.0.1";
// The stream type of each service: the tunnel server opens streams of this type, the agent
// connects them to the service of that type.
const WEB = 1;
const GREETER = 2;

const web = await startWebService(HOST);
const greeter = await startGreeter(HOST);
const server = await startTunnelServer(HOST, [WEB, GREETER]);
const [webPort, greeterPort] = server.publicPorts as [number, number];
console.log(`tunnel server: agents dial ${HOST}:${server.agentPort}; public ports ${webPort} (web), ${greeterPort} (greeter)`);

const agent = await runAgent(
  { host: HOST, port: server.agentPort },
  new Map([
    [WEB, web.address],
    [GREETER, greeter.address],
  ]),
);
await server.agentReady();
console.log(`agent: dialled out; forwards to web on port ${web.address.port} and greeter on port ${greeter.address.port}`);

/** One HTTP request through the public port, on a connection of its own. */
function get(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: HOST, port: webPort, path, agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve(`${res.statusCode} ${body}`));
      })
      .on("error", reject);
  });
}

/** A raw TCP exchange: connect, wait for `first` bytes if the service speaks first, send, half-close, read to the end. */
function exchange(port: number, send: string, { waitForGreeting = false } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: HOST, port, allowHalfOpen: true });
    let received = "";
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      if (waitForGreeting && received === "") socket.end(send);
      received += chunk;
    });
    socket.on("end", () => resolve(received)).on("error", reject);
    if (!waitForGreeting) socket.end(send);
  });
}

// Several public connections at once: each is a stream of the one agent connection.
for (const answer of await Promise.all(["/a", "/b", "/c"].map(get))) console.log(`public GET → ${answer}`);

// A client that half-closes after its request still gets the whole answer (allowHalfOpen).
const raw = await exchange(webPort, "GET /half-closed HTTP/1.0\r\nHost: tunnel\r\n\r\n");
console.log(`public HTTP/1.0 request, then FIN → ${raw.split("\r\n")[0]}: ${raw.split("\r\n\r\n")[1]}`);

// A service that speaks first: its greeting arrives before the client has sent anything.
const talk = await exchange(greeterPort, "a public client\n", { waitForGreeting: true });
console.log(`public greeter → ${talk.trim().split("\n").join(" / ")}`);

// Graceful drain: the agent shuts down while a request is in flight. New connections are
// refused at once; the one in flight finishes, then the session closes.
const slow = get("/slow");
await web.slowArrived;
const closing = agent.shutdown({ timeout: 10_000 });
const refused = await get("/after-shutdown").then(
  (answer) => `answered (${answer})`,
  (err: NodeJS.ErrnoException) => `refused (${err.code ?? err.message})`,
);
console.log(`agent: shutdown() with GET /slow in flight; a new connection → ${refused}`);
web.finishSlow();
console.log(`public GET → ${await slow}`);
const closed = await closing;
const { streamsAccepted } = agent.stats();
console.log(`agent: session closed: code ${closed.code} (${closed.reason}), clean: ${closed.clean}, streams carried: ${streamsAccepted}`);

await server.close();
await Promise.all([web.close(), greeter.close()]);
console.log("done");
