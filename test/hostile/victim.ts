/**
 * The victim: a child process (forked with --expose-gc by victim-client.ts, bundled for Node by
 * bundle.ts) that runs a streamux server on 127.0.0.1 with the options and application behaviour
 * given in argv[2], and answers the test's requests over the IPC channel: memory after forced GC,
 * the longest event-loop stall, and what its sessions and streams went through.
 */
import * as net from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { listen } from "../../src/adapters/node.js";
import { isMuxError, type MuxStream, type Session } from "../../src/index.js";
import type { Counter, MemoryFigures, Ready, Reply, Request, VictimCounts, VictimReport, VictimSetup } from "./messages.js";

const CHUNK = 64 * 1024;
const GIB = 1024 * 1024 * 1024;

const setup = JSON.parse(process.argv[2] ?? "{}") as VictimSetup;
const { behaviour } = setup;

const counters: Record<Counter, number> = {
  sessions: 0,
  sessionsEnded: 0,
  connections: 0,
  accepted: 0,
  streamsFinished: 0,
  streamErrors: 0,
  bytesRead: 0,
  bytesWritten: 0,
};
const closeCodes: Record<string, number> = {};
const closes: Array<{ code: number; reason: string }> = [];
const streamErrors: Record<string, number> = {};
const unhandled: string[] = [];
let writePending = false;
/** What the application keeps alive on purpose (streams it accepted and never reads). */
const held: MuxStream[] = [];
const netSockets = new Set<net.Socket>();

process.on("unhandledRejection", (reason) => void unhandled.push(`unhandled rejection: ${describe(reason)}`));
process.on("uncaughtException", (err) => void unhandled.push(`uncaught exception: ${describe(err)}`));
// The test process went away (or closed the channel): nothing is left to serve.
process.on("disconnect", () => process.exit(0));

const stalls = monitorEventLoopDelay({ resolution: 1 });
stalls.enable();

// ---- counters and the requests that wait for them ---------------------------------------------

const waiters = new Set<{ counter: Counter; atLeast: number; done: () => void }>();

function bump(counter: Counter, by = 1): void {
  counters[counter] += by;
  if (waiters.size === 0) return;
  for (const w of waiters) {
    if (counters[w.counter] >= w.atLeast) {
      waiters.delete(w);
      w.done();
    }
  }
}

function streamFailed(err: unknown): void {
  const key = isMuxError(err) ? String(err.code) : `other: ${describe(err)}`;
  streamErrors[key] = (streamErrors[key] ?? 0) + 1;
  bump("streamErrors");
}

function describe(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}

// ---- the applications ---------------------------------------------------------------------------

async function readToEnd(stream: MuxStream): Promise<void> {
  try {
    for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) bump("bytesRead", chunk.length);
    await stream.closeWrite();
    bump("streamsFinished");
  } catch (err) {
    streamFailed(err);
  }
}

async function acceptLoop(session: Session, each: (stream: MuxStream) => void, limit = Infinity): Promise<void> {
  try {
    for (let n = 0; n < limit; n++) {
      const stream = await session.accept();
      bump("accepted");
      each(stream);
    }
  } catch {
    // The session ended: accept() rejects from then on.
  }
}

async function echo(session: Session): Promise<void> {
  try {
    const stream = await session.open();
    await stream.write(new TextEncoder().encode("hello"));
    for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) await stream.write(chunk);
    await stream.closeWrite();
  } catch (err) {
    streamFailed(err);
  }
}

async function writeMuch(session: Session, total: number): Promise<void> {
  let stream: MuxStream;
  try {
    stream = await session.accept();
  } catch {
    return;
  }
  bump("accepted");
  // One chunk, reused: a write resolves once the transport has taken its bytes.
  const chunk = new Uint8Array(CHUNK).fill(0x5a);
  try {
    for (let sent = 0; sent < total; sent += CHUNK) {
      writePending = true;
      await stream.write(chunk);
      writePending = false;
      bump("bytesWritten", CHUNK);
    }
    await stream.closeWrite();
  } catch (err) {
    writePending = false;
    streamFailed(err);
  }
}

function serve(session: Session): void {
  bump("sessions");
  void session.closed.then((info) => {
    closeCodes[info.code] = (closeCodes[info.code] ?? 0) + 1;
    closes.push({ code: info.code, reason: info.reason });
    if (closes.length > 20) closes.shift();
    bump("sessionsEnded");
  });
  switch (behaviour.app) {
    case "accept-loop":
    case "typed":
      void acceptLoop(session, (s) => void readToEnd(s));
      return;
    case "accept-no-read":
      void acceptLoop(session, (s) => held.push(s));
      return;
    case "read-low-ids": {
      const { below } = behaviour;
      void acceptLoop(session, (s) => (s.id < below ? void readToEnd(s) : held.push(s)));
      return;
    }
    case "accept-then-stop":
      void acceptLoop(session, (s) => held.push(s), behaviour.limit);
      return;
    case "no-accept":
      if (behaviour.echoStream) void echo(session);
      return;
    case "write-1gib":
      void writeMuch(session, behaviour.total ?? GIB);
      return;
    case "net-hold":
      throw new Error("net-hold has no sessions");
  }
}

async function start(): Promise<number> {
  if (behaviour.app === "net-hold") {
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      netSockets.add(socket);
      bump("connections");
      socket.on("error", () => {});
      socket.on("data", () => {});
      socket.on("close", () => {
        netSockets.delete(socket);
        counters.connections--;
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return (server.address() as net.AddressInfo).port;
  }
  const options = { ...setup.options, ...(behaviour.app === "typed" ? { typed: true } : {}) };
  const server = await listen({ host: "127.0.0.1", port: 0, ...options });
  void (async () => {
    for await (const session of server) serve(session);
  })();
  return server.address().port;
}

// ---- reports -----------------------------------------------------------------------------------

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("the victim needs --expose-gc");

async function memory(): Promise<MemoryFigures> {
  // Several rounds with a turn of the event loop between them: buffers freed by one collection
  // are swept after it, and finalizers may release more.
  for (let i = 0; i < 4; i++) {
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  gc!();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss, retained: m.heapUsed + m.external };
}

function counts(): VictimCounts {
  return {
    sessions: counters.sessions,
    sessionsEnded: counters.sessionsEnded,
    closeCodes: { ...closeCodes },
    closes: closes.slice(),
    connections: counters.connections,
    accepted: counters.accepted,
    streamsFinished: counters.streamsFinished,
    streamErrors: { ...streamErrors },
    streamErrorCount: counters.streamErrors,
    bytesRead: counters.bytesRead,
    bytesWritten: counters.bytesWritten,
    writePending,
    unhandled: unhandled.slice(),
  };
}

async function report(): Promise<VictimReport> {
  // The stall is read before the collections below, which stall the loop themselves.
  const maxStallMs = stalls.max / 1e6;
  const mem = await memory();
  stalls.reset();
  return { ...counts(), memory: mem, maxStallMs: Math.round(maxStallMs * 10) / 10 };
}

function reply(message: Reply): void {
  process.send!(message);
}

async function handle(request: Request): Promise<void> {
  try {
    switch (request.op) {
      case "report":
        return reply({ id: request.id, ok: true, report: await report() });
      case "until": {
        const { counter, atLeast, timeoutMs } = request;
        if (counters[counter] < atLeast) {
          await new Promise<void>((resolve, reject) => {
            const waiter = {
              counter,
              atLeast,
              done: () => {
                clearTimeout(timer);
                resolve();
              },
            };
            const timer = setTimeout(() => {
              waiters.delete(waiter);
              reject(new Error(`${counter} reached ${counters[counter]}, not ${atLeast}, within ${timeoutMs} ms`));
            }, timeoutMs);
            waiters.add(waiter);
          });
        }
        return reply({ id: request.id, ok: true, report: counts() });
      }
      case "exit":
        stalls.disable();
        for (const socket of netSockets) socket.destroy();
        process.send!({ id: request.id, ok: true } satisfies Reply, () => process.exit(0));
        return;
    }
  } catch (err) {
    reply({ id: request.id, ok: false, error: describe(err) });
  }
}

process.on("message", (request: Request) => void handle(request));

start().then(
  (port) => process.send!({ ready: true, port } satisfies Ready),
  (err) => {
    process.stderr.write(`victim failed to start: ${describe(err)}\n`);
    process.exit(1);
  },
);
