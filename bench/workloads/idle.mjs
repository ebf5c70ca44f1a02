/**
 * W6 memory: `streams` idle streams, each opened by the client with 1 byte written (so the server
 * knows it) and accepted by the server. Heap bytes per stream on each side, after full GCs, over a
 * baseline taken once the connection is up and one stream has come and gone (code warmed, session
 * state allocated).
 */
import { Mode, payload, readAll, RPC_SIZE } from "../lib/app-protocol.mjs";
import { settledHeap } from "../proc/heap.mjs";

const HELLO = payload(Mode.Idle, 1);

export async function run(conn, { streams }, { ask }) {
  const warm = await conn.open();
  const reply = readAll(warm);
  warm.write(payload(Mode.Rpc, RPC_SIZE));
  warm.end();
  await reply;
  warm.dispose?.();

  const clientBase = settledHeap();
  const serverBase = (await ask("heap")).heapUsed;
  // The streams are not kept in an array here: each contender keeps its open streams reachable
  // itself (that is part of what is measured), and the benchmark's wrappers should not count.
  const sink = { data() {}, end() {}, error() {} };
  for (let i = 0; i < streams; i++) {
    const s = await conn.open();
    s.start(sink);
    s.write(HELLO);
  }
  const server = await ask("heap", { idle: streams });
  const clientHeap = settledHeap();
  return {
    clientBytesPerStream: (clientHeap - clientBase) / streams,
    serverBytesPerStream: (server.heapUsed - serverBase) / streams,
  };
}
