/**
 * W6 memory: `streams` idle streams, each opened by the client with 1 byte written (so the server
 * knows it) and accepted by the server. Heap bytes per stream on each side, after full GCs, over a
 * baseline taken once the connection is up and one stream has come and gone (code warmed, session
 * state allocated). Node processes only (it needs gc()).
 */
import type { BenchConnection } from "../lib/bench-stream.js";
import { Mode, payload, readAll, RPC_SIZE } from "../lib/app-protocol.js";
import type { Metrics, WorkloadContext } from "./workload.js";

export interface IdleParams {
  streams: number;
}

const HELLO = payload(Mode.Idle, 1);

export async function run(conn: BenchConnection, { streams }: IdleParams, ctx: WorkloadContext): Promise<Metrics> {
  const { settledHeap, ask } = ctx;
  if (!settledHeap || !ask) throw new Error("W6 needs a Node process (gc() and the server's heap)");
  const warm = await conn.open();
  const reply = readAll(warm);
  warm.write(payload(Mode.Rpc, RPC_SIZE));
  warm.end();
  await reply;
  warm.dispose?.();

  const clientBase = await settledHeap("before");
  const serverBase = ((await ask("heap", { snapshot: "before" })) as { heapUsed: number }).heapUsed;
  // The streams are not kept in an array here: each contender keeps its open streams reachable
  // itself (that is part of what is measured), and the benchmark's wrappers should not count.
  const sink = { data() {}, end() {}, error() {} };
  for (let i = 0; i < streams; i++) {
    const s = await conn.open();
    s.start(sink);
    s.write(HELLO);
  }
  const server = (await ask("heap", { idle: streams, snapshot: "after" })) as { heapUsed: number };
  const clientHeap = await settledHeap("after");
  return {
    clientBytesPerStream: (clientHeap - clientBase) / streams,
    serverBytesPerStream: (server.heapUsed - serverBase) / streams,
  };
}
