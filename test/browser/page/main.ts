/**
 * The browser side of the browser test: streamux and streamux/websocket as an application would
 * import them, over the browser's own WebSocket. Driven from Node through window.streamuxTest.
 */
import { Session, type MuxStream } from "streamux";
import { fromWebSocket } from "streamux/websocket";
import type { ClosedReport, IncomingReport, PageApi } from "./api.js";

const CHUNK = 64 * 1024;

function report(message: string): void {
  void window.reportProblem?.(message);
}

window.addEventListener("error", (event) => report(`uncaught error: ${event.message}`));
window.addEventListener("unhandledrejection", (event) => report(`unhandled rejection: ${describe(event.reason)}`));

function describe(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}

function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  // getRandomValues fills at most 64 KiB per call.
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(out.subarray(at, at + 65536));
  return out;
}

async function sha256(data: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads a stream to its end into one buffer; fails if it brings more than `limit` bytes. */
async function readAll(stream: MuxStream, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(limit);
  let length = 0;
  const reader = stream.readable.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out.subarray(0, length);
    if (length + value.length > limit) throw new Error(`stream ${stream.id} brought more than ${limit} bytes`);
    out.set(value, length);
    length += value.length;
  }
}

async function writeAll(stream: MuxStream, data: Uint8Array): Promise<void> {
  const writer = stream.writable.getWriter();
  for (let at = 0; at < data.length; at += CHUNK) await writer.write(data.subarray(at, at + CHUNK));
  await writer.close();
}

let session: Session | null = null;
let socketClosed: Promise<{ code: number; wasClean: boolean }> | null = null;
const incomingReports: IncomingReport[] = [];
let incomingChanged: () => void = () => {};
let acceptFailure: unknown = null;

/** Every stream the server opens: read it whole, remember its hash, send it back. */
async function serveIncoming(s: Session): Promise<void> {
  for (;;) {
    let stream: MuxStream;
    try {
      stream = await s.accept();
    } catch (err) {
      acceptFailure = err; // the session ended: expected at the close
      incomingChanged();
      return;
    }
    void (async () => {
      const data = await readAll(stream, 64 * 1024 * 1024);
      const hash = await sha256(data);
      await writeAll(stream, data);
      incomingReports.push({ id: stream.id, bytes: data.length, sha256: hash });
      incomingChanged();
    })().catch((err) => report(`incoming stream ${stream.id}: ${describe(err)}`));
  }
}

async function echoOne(s: Session, size: number): Promise<string | null> {
  const sent = randomBytes(size);
  const stream = await s.open();
  const [, received] = await Promise.all([writeAll(stream, sent), readAll(stream, size)]);
  if (received.length !== size) return `stream ${stream.id}: ${received.length} of ${size} bytes came back`;
  const [a, b] = await Promise.all([sha256(sent), sha256(received)]);
  return a === b ? null : `stream ${stream.id}: echo hashes ${b}, sent ${a}`;
}

const api: PageApi = {
  async connect(url) {
    const ws = new WebSocket(url);
    socketClosed = new Promise((resolve) => ws.addEventListener("close", (e) => resolve({ code: e.code, wasClean: e.wasClean })));
    // Handed over while CONNECTING: the adapter waits for `open`.
    session = Session.client(fromWebSocket(ws));
    void serveIncoming(session);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve(), { once: true });
      ws.addEventListener("close", () => reject(new Error("the WebSocket closed before it opened")), { once: true });
    });
  },

  async echo(streams, size) {
    const s = session!;
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: streams }, () => echoOne(s, size)));
    return {
      streams,
      size,
      mismatches: results.filter((r): r is string => r !== null),
      ms: Math.round(performance.now() - started),
    };
  },

  async incoming(count) {
    while (incomingReports.length < count) {
      if (acceptFailure)
        throw new Error(`the session ended after ${incomingReports.length} of ${count} streams: ${describe(acceptFailure)}`);
      await new Promise<void>((resolve) => (incomingChanged = resolve));
    }
    return incomingReports.slice(0, count);
  },

  async closed() {
    const info = await session!.closed;
    const socket = await socketClosed!;
    const result: ClosedReport = {
      code: info.code,
      reason: info.reason,
      remote: info.remote ? { code: info.remote.code, debug: new TextDecoder().decode(info.remote.debug) } : null,
      socket,
    };
    return result;
  },
};

window.streamuxTest = api;
