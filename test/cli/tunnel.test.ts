import { mkdtemp, rm, writeFile } from "node:fs/promises";
import * as http from "node:http";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testCert } from "../support/tls-cert.js";
import { CliProcess, requireCli, type CliEvent } from "./cli-process.js";
import { BULK_BYTES, download, get, hold, LocalService, startReverser } from "./local-service.js";

/**
 * `streamux tunnel` end to end: the built command (dist/cli.js) as real server and agent processes
 * on loopback, the exposed service and the public clients in this process. Every wait is on a line
 * a process prints (--json events) or on the traffic itself, each bounded in time.
 */

const TOKEN = "tunnel-test-token";
const children = new Set<CliProcess>();
const local = new LocalService();
let localPort: number;
/** The bulk download's source, a process of its own, and its body's SHA-256. */
let bulk: { proc: CliProcess; port: number; sha256: string };

function spawnCli(args: string[], timeoutMs = 60_000): CliProcess {
  const child = new CliProcess([...args, "--json"], { timeoutMs });
  children.add(child);
  return child;
}

/** A server on free loopback ports: TCP (TLS with `tls`) for agents, and WebSocket. */
async function startServer(extra: string[] = []): Promise<{ proc: CliProcess; tcp: string; ws: string }> {
  const proc = spawnCli(["tunnel", "serve", "--control", "127.0.0.1:0", "--ws", "127.0.0.1:0", "--token", TOKEN, ...extra]);
  const secure = extra.includes("--tls-cert");
  const tcp = await proc.next("listening", (e) => e.transport === (secure ? "tls" : "tcp"));
  const ws = await proc.next("listening", (e) => e.transport === (secure ? "wss" : "ws"));
  return { proc, tcp: String(tcp.address), ws: String(ws.address) };
}

function startAgent(server: string, name: string, extra: string[] = [], target = localPort): CliProcess {
  return spawnCli(["tunnel", "expose", `127.0.0.1:${target}`, "--server", server, "--token", TOKEN, "--name", name, ...extra]);
}

function publicPort(ready: CliEvent): number {
  return Number(String(ready.public).split(":").pop());
}

let directMiBs: Promise<number> | undefined;
/** The same download straight from its source, once, for comparison (after a warm-up, as through the tunnel). */
function direct(): Promise<number> {
  return (directMiBs ??= download(bulk.port, "/warm")
    .then(() => download(bulk.port))
    .then((r) => {
      expect(r.sha256).toBe(bulk.sha256);
      return r.mibPerSecond;
    }));
}

beforeAll(async () => {
  requireCli();
  localPort = await local.start();
  const proc = new CliProcess([], { timeoutMs: 120_000, script: fileURLToPath(new URL("./bulk-server.mjs", import.meta.url)) });
  children.add(proc);
  const listening = await proc.next("listening", () => true, { timeoutMs: 20_000 });
  bulk = { proc, port: Number(listening.port), sha256: String(listening.sha256) };
});

afterAll(() => {
  for (const child of children) child.kill();
  local.close();
});

describe.each([
  ["TCP", (s: { tcp: string; ws: string }) => `tcp://${s.tcp}`],
  ["WebSocket", (s: { tcp: string; ws: string }) => `ws://${s.ws}/tunnel`],
] as const)("streamux tunnel over %s", (transport, serverUrl) => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let url: string;
  let agent: CliProcess;
  let port: number;
  const name = `agent-${transport}`;

  beforeAll(async () => {
    server = await startServer();
    url = serverUrl(server);
    agent = startAgent(url, name);
    port = publicPort(await agent.next("ready"));
  }, 20_000);

  afterAll(() => {
    agent?.kill();
    server?.proc.kill();
  });

  it("carries 200 concurrent HTTP requests through the public port", async () => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => get(port, `/hello?i=${i}`)));
    results.forEach((r, i) => {
      expect(r.status).toBe(200);
      expect(r.body).toBe(`hello ${i}`);
    });
  }, 20_000);

  it("carries a 256 MiB download intact, and reports its throughput next to a direct connection", async () => {
    const base = await direct();
    const bulkAgent = startAgent(url, `${name}-bulk`, [], bulk.port);
    const bulkPort = publicPort(await bulkAgent.next("ready"));
    // Fresh processes run slowly until their code is compiled: 32 MiB first, not measured.
    await download(bulkPort, "/warm");
    const through = await download(bulkPort);
    bulkAgent.kill();
    expect(through.bytes).toBe(BULK_BYTES);
    expect(through.sha256).toBe(bulk.sha256);
    console.log(
      `256 MiB download: direct ${base.toFixed(0)} MiB/s; through the tunnel over ${transport} ${through.mibPerSecond.toFixed(0)} MiB/s ` +
        `(${(through.mibPerSecond / base).toFixed(2)}x, ${(through.ms / 1000).toFixed(2)} s)`,
    );
  }, 45_000);

  it("passes a half-close on: the client's FIN reaches the service, whose answer still comes back", async () => {
    const reverser = await startReverser();
    const raw = startAgent(url, `${name}-raw`, [], reverser.port);
    try {
      const rawPort = publicPort(await raw.next("ready"));
      const sent = Buffer.from("half-close through the tunnel ".repeat(1000));
      const answer = await new Promise<Buffer>((resolve, reject) => {
        const socket = net.connect({ host: "127.0.0.1", port: rawPort, allowHalfOpen: true });
        const parts: Buffer[] = [];
        socket.on("data", (chunk: Buffer) => parts.push(chunk));
        socket.on("end", () => {
          resolve(Buffer.concat(parts));
          socket.end();
        });
        socket.on("error", reject);
        socket.end(sent);
      });
      expect(answer.equals(Buffer.from(sent).reverse())).toBe(true);
    } finally {
      raw.kill();
      reverser.close();
    }
  }, 15_000);

  it("fails the open public connections promptly when the agent is killed, and gives the restarted agent its port back", async () => {
    const holds = await Promise.all(Array.from({ length: 5 }, () => hold(port)));
    const killedAt = performance.now();
    agent.kill();
    const failures = await Promise.all(holds.map((h) => h.failed(() => performance.now() - killedAt)));
    for (const f of failures) {
      expect(f.complete).toBe(false);
      expect(f.ms).toBeLessThan(3000);
    }
    await server.proc.next("agent_gone", (e) => e.name === name);

    agent = startAgent(url, name);
    const ready = await agent.next("ready");
    expect(publicPort(ready)).toBe(port);
    expect(await get(port, "/hello?i=back")).toEqual({ status: 200, body: "hello back" });
  }, 20_000);

  it("refuses a wrong token with a clear message and exit code 3", async () => {
    const wrong = new CliProcess(["tunnel", "expose", `127.0.0.1:${localPort}`, "--server", url, "--token", "not-the-token"], {
      timeoutMs: 15_000,
    });
    children.add(wrong);
    const exit = await wrong.exited;
    expect(exit.code, wrong.output()).toBe(3);
    expect(wrong.stderr()).toMatch(/refused the token/);
    await server.proc.next("refused", (e) => e.code === "unauthorized");
  }, 20_000);
});

describe("streamux tunnel serve on SIGTERM", () => {
  it("drains the requests in flight before it exits", async () => {
    const server = await startServer();
    const agent = startAgent(`tcp://${server.tcp}`, "agent-drain");
    const port = publicPort(await agent.next("ready"));

    const arrived = local.slowArrived();
    const slow = get(port, "/slow");
    await arrived;
    let exited = false;
    void server.proc.exited.then(() => (exited = true));
    server.proc.signal("SIGTERM");
    const draining = await server.proc.next("draining");
    expect(draining.connections).toBe(1);
    // No new connections while draining, but the one in flight goes on.
    await expect(get(port, "/hello?i=late")).rejects.toThrow(/ECONNREFUSED|ECONNRESET/);
    expect(exited).toBe(false);
    local.releaseSlow();
    expect(await slow).toEqual({ status: 200, body: "slow done" });
    expect((await server.proc.exited).code).toBe(0);
    // The agent saw its server go and tries to come back.
    await agent.next("reconnecting");
    agent.signal("SIGINT");
    expect((await agent.exited).code).toBe(0);
  }, 20_000);
});

describe("streamux tunnel expose when its server fails", () => {
  it("notices a frozen server by its heartbeat, and comes back once a server runs again on that port", async () => {
    const control = await freePort();
    const first = spawnCli(["tunnel", "serve", "--control", `127.0.0.1:${control}`, "--token", TOKEN]);
    await first.next("listening");
    const agent = startAgent(`tcp://127.0.0.1:${control}`, "agent-heartbeat", ["--heartbeat", "0.5"]);
    await agent.next("ready");

    first.signal("SIGSTOP");
    const lost = await agent.next("disconnected", () => true, { timeoutMs: 5000 });
    expect(lost.reason).toMatch(/heartbeat timed out/);
    await agent.next("reconnecting");
    first.kill();
    await first.exited;

    const second = spawnCli(["tunnel", "serve", "--control", `127.0.0.1:${control}`, "--token", TOKEN]);
    const mark = agent.mark();
    const ready = await agent.next("ready", () => true, { after: mark, timeoutMs: 15_000 });
    expect(await get(publicPort(ready), "/hello?i=again")).toEqual({ status: 200, body: "hello again" });
    agent.kill();
    second.kill();
  }, 30_000);

  it("drains on SIGINT (new connections refused, open ones go on), and a second SIGINT ends it at once", async () => {
    const server = await startServer();
    const agent = startAgent(`tcp://${server.tcp}`, "agent-sigint");
    const port = publicPort(await agent.next("ready"));
    const arrived = local.slowArrived();
    const slow = get(port, "/slow");
    await arrived;

    let slowSettled = false;
    slow.then(
      () => (slowSettled = true),
      () => (slowSettled = true),
    );
    agent.signal("SIGINT");
    expect((await agent.next("draining")).connections).toBe(1);
    // The agent sent GOAWAY: the server cannot open a stream for a new connection and resets it.
    await expect(get(port, "/hello?i=refused")).rejects.toThrow(/ECONNRESET|socket hang up/);
    expect(slowSettled).toBe(false);
    agent.signal("SIGINT");
    expect(await agent.exited).toEqual({ code: 130, signal: null });
    // Ended at once: the request in flight fails rather than waiting.
    await expect(slow).rejects.toThrow();
    local.releaseSlow();
    server.proc.kill();
  }, 20_000);
});

describe("streamux tunnel over TLS and WSS, with a port policy", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "streamux-tunnel-"));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("takes agents over tls:// and wss://, grants ports only from --ports, and refuses others with exit code 4", async () => {
    const { key, cert } = await testCert();
    await writeFile(join(dir, "key.pem"), key);
    await writeFile(join(dir, "cert.pem"), cert);
    // Two ports free a moment ago make the allowed range.
    const free = await Promise.all([freePort(), freePort()]);
    const server = await startServer(["--tls-cert", join(dir, "cert.pem"), "--tls-key", join(dir, "key.pem"), "--ports", free.join(",")]);
    const ca = ["--ca", join(dir, "cert.pem")];

    const overTls = startAgent(`tls://localhost:${server.tcp.split(":").pop()}`, "agent-tls", [...ca, "--remote-port", String(free[0])]);
    expect(publicPort(await overTls.next("ready"))).toBe(free[0]);
    const overWss = startAgent(`wss://localhost:${server.ws.split(":").pop()}/tunnel`, "agent-wss", ca);
    expect(publicPort(await overWss.next("ready"))).toBe(free[1]);
    for (const p of free) expect(await get(p, `/hello?i=${p}`)).toEqual({ status: 200, body: `hello ${p}` });

    const outside = startAgent(`tls://localhost:${server.tcp.split(":").pop()}`, "agent-outside", [...ca, "--remote-port", "1"]);
    expect((await outside.exited).code).toBe(4);
    expect(outside.events.find((e) => e.event === "error")).toMatchObject({ code: "port_not_allowed" });
    overTls.kill();
    overWss.kill();
    server.proc.kill();
  }, 20_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = http.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
