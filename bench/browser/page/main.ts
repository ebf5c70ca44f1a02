/**
 * The page side of the browser group: streamux and streamux/websocket as an application would
 * import them (Vite bundles the built package), over the browser's own WebSocket, against the
 * Node server that served this page (contenders/browser-site.ts). The workloads are the same code
 * the Node, Deno and Bun clients run. Driven by the runner through window.streamuxBench.
 */
import { Session } from "streamux";
import { fromWebSocket } from "streamux/websocket";
import { sessionConnection } from "../../contenders/streamux-options.js";
import type { BenchConnection } from "../../lib/bench-stream.js";
import { keepUndefined } from "../../lib/messages.js";
import { run as bulk } from "../../workloads/bulk.js";
import { run as download } from "../../workloads/download.js";
import { run as echo } from "../../workloads/echo.js";
import { run as rpc } from "../../workloads/rpc.js";
import type { WorkloadRun } from "../../workloads/workload.js";
import type { PageApi } from "./api.js";
import { openSocketStream } from "./socket-stream.js";

const RUNS: Record<string, WorkloadRun<any>> = { W1: bulk, W1d: download, W2: rpc, W7: echo };

function url(path: string): string {
  return `ws://${location.host}${path}`;
}

async function connect(contender: string): Promise<BenchConnection> {
  if (contender === "ws") {
    // A raw stream is a WebSocket of its own.
    return { open: () => openSocketStream(url("/raw")), close() {} };
  }
  const ws = new WebSocket(url("/mux"));
  const opened = new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("close", () => reject(new Error("the WebSocket closed before it opened")), { once: true });
  });
  // Handed over while CONNECTING: the adapter holds writes until `open`.
  const session = Session.client(fromWebSocket(ws));
  await opened;
  return sessionConnection(session, { api: contender === "streamux-web" ? "web" : "direct" });
}

const api: PageApi = {
  async run({ workload, contender, params, kept }) {
    const run = RUNS[workload];
    if (!run) throw new Error(`the page does not run ${workload}`);
    const conn = await connect(contender);
    const metrics = await run(conn, params, { kept });
    const sessionStats = keepUndefined(conn.stats?.());
    conn.close();
    return { metrics, sessionStats };
  },
};

window.streamuxBench = api;
