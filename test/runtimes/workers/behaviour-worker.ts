/**
 * The shared behaviour suite inside workerd: a Worker that runs one behaviour per request, over the
 * in-memory pair or over a WebSocketPair whose two ends both live in this Worker (fromWebSocket on
 * Workers' own sockets). It imports the library's source, like the Node tests (the example Worker,
 * examples/worker, is the one that goes through the package's "exports"), so it type-checks before
 * any build. test/runtimes/workers.test.ts bundles it, runs it under Miniflare and asks for each
 * behaviour by name:
 *   GET /names                         → ["…", …]
 *   GET /run?pair=memory|ws&name=…     → { ok: true } | { ok: false, error }
 */
import { ErrorCode, MuxError, Session } from "../../../src/index.js";
import { fromWebSocket, type WebSocketLike } from "../../../src/adapters/websocket.js";
import { behaviours, type SuiteContext } from "../../suite/behaviour.js";
import { memoryPair } from "../../support/memory-pair.js";

interface ServerWebSocket extends WebSocketLike {
  accept(): void;
}
declare const WebSocketPair: { new (): { 0: ServerWebSocket; 1: ServerWebSocket } };

type Pair = Awaited<ReturnType<SuiteContext["makePair"]>>;

const lib = { Session, ErrorCode, MuxError };

const pairs: Record<string, () => Promise<Pair>> = {
  async memory() {
    const pair = memoryPair();
    return { client: pair.a, server: pair.b };
  },
  async ws() {
    const { 0: a, 1: b } = new WebSocketPair();
    a.accept();
    b.accept();
    return { client: fromWebSocket(a), server: fromWebSocket(b) };
  },
};

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/names") return Response.json(behaviours.map((b) => b.name));
    const name = url.searchParams.get("name");
    const behaviour = behaviours.find((b) => b.name === name);
    const makePair = pairs[url.searchParams.get("pair") ?? ""];
    if (url.pathname !== "/run" || !behaviour || !makePair) {
      return Response.json({ ok: false, error: `unknown request ${url.pathname}${url.search}` }, { status: 404 });
    }
    try {
      await behaviour.run({ lib, makePair });
      return Response.json({ ok: true });
    } catch (err) {
      return Response.json({ ok: false, error: err instanceof Error ? `${err.stack ?? err.message}` : String(err) });
    }
  },
};
