/**
 * The Node side of the browser group: one HTTP server on 127.0.0.1 that serves the built page and
 * takes its WebSockets (the `ws` package): `/raw` is one raw stream per WebSocket (binary messages
 * are the chunks, an empty message is EOF), `/mux` one streamux session whose streams the server
 * drives through read()/write() for every page contender, so that only the page's side differs.
 * The page's own side of each contender is in browser/page/.
 */
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { Session } from "streamux";
import { fromWebSocket } from "streamux/websocket";
import type { BenchConnection, BenchStream, ContenderOptions } from "../lib/bench-stream.js";
import { muxStream } from "../lib/mux-bench-stream.js";
import { listenTcp } from "../lib/tcp.js";
import { wsStream } from "../lib/ws-bench-stream.js";
import { listenWs } from "../lib/ws-server.js";
import { acceptAll, SESSION_OPTIONS } from "./streamux-options.js";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
};

export async function listen(onStream: (stream: BenchStream) => void, { pageDir }: ContenderOptions): Promise<{ port: number }> {
  if (!pageDir) throw new Error("the browser site needs the built page's directory (pageDir)");
  const root = normalize(pageDir);
  const server = createServer(async (req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)));
    const file = path.endsWith(sep) ? join(path, "index.html") : path;
    if (!file.startsWith(root + sep)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res
        .writeHead(200, {
          "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
          // Cross-origin isolation: the page's performance.now() then ticks in 5 µs, not 100 µs.
          "cross-origin-opener-policy": "same-origin",
          "cross-origin-embedder-policy": "require-corp",
        })
        .end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await listenWs((ws, path) => {
    if (path === "/raw") return onStream(wsStream(ws, true));
    if (path === "/mux") {
      const session = Session.server(fromWebSocket(ws), SESSION_OPTIONS);
      return void acceptAll(session, (stream) => onStream(muxStream(stream)));
    }
    ws.close(1008, "unknown path");
  }, server);
  return { port: await listenTcp(server) };
}

export async function connect(): Promise<BenchConnection> {
  throw new Error("the browser group's client is the page (browser/page/), not a process");
}
