/**
 * node:http2 in cleartext (h2c): every stream is a POST whose request body is the upload and whose
 * response body is the reply. `tuned` raises the flow-control windows to 1 MiB per stream and
 * 16 MiB per connection (the defaults are 64 KiB each); everything else stays at Node's defaults.
 */
import http2 from "node:http2";
import net from "node:net";
import type { Duplex } from "node:stream";
import type { BenchConnection, BenchStream, ContenderOptions } from "../lib/bench-stream.js";
import { duplexStream } from "../lib/duplex-bench-stream.js";
import { HOST, listenTcp } from "../lib/tcp.js";

const STREAM_WINDOW = 1024 * 1024;
const CONNECTION_WINDOW = 16 * 1024 * 1024;

function settings(tuned: boolean): http2.Settings {
  return tuned ? { initialWindowSize: STREAM_WINDOW } : {};
}

/** The response headers go out with the first byte of the reply, as a real server's would. */
function respond(d: Duplex): void {
  const stream = d as http2.ServerHttp2Stream;
  if (!stream.headersSent && !stream.destroyed) stream.respond({ ":status": 200 });
}

export async function listen(onStream: (stream: BenchStream) => void, { tuned = false }: ContenderOptions): Promise<{ port: number }> {
  const server = http2.createServer({ settings: settings(tuned) });
  server.on("connection", (socket: net.Socket) => socket.setNoDelay(true));
  server.on("session", (session) => {
    session.on("error", () => {});
    if (tuned) session.setLocalWindowSize(CONNECTION_WINDOW);
  });
  server.on("stream", (stream) => onStream(duplexStream(stream, respond)));
  return { port: await listenTcp(server as unknown as net.Server) };
}

export async function connect(port: number, { tuned = false }: ContenderOptions): Promise<BenchConnection> {
  const session = http2.connect(`http://${HOST}:${port}`, {
    settings: settings(tuned),
    createConnection: () => net.connect({ host: HOST, port, noDelay: true }),
  });
  session.on("error", () => {});
  // Streams are opened only once the server's SETTINGS are known (its stream limit among them).
  await new Promise((resolve, reject) => {
    session.once("remoteSettings", resolve);
    session.once("error", reject);
  });
  if (tuned) session.setLocalWindowSize(CONNECTION_WINDOW);
  return {
    async open() {
      return duplexStream(session.request({ ":method": "POST", ":path": "/" }, { endStream: false }));
    },
    close() {
      session.close();
    },
  };
}
