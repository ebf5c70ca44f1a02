/**
 * W2 rpc-seq (inflight 1) and W3 rpc-par (inflight 100): each operation opens a stream, writes a
 * 64-byte request, half-closes and reads the 64-byte reply to EOF. Runs `warmup` operations (at
 * most `warmupMs`) unmeasured, then until `ops` operations or `maxMs` have passed, whichever first.
 */
import { Mode, payload, readAll, RPC_SIZE } from "../lib/app-protocol.mjs";
import { latencySummary } from "../lib/stats.mjs";

const REQUEST = payload(Mode.Rpc, RPC_SIZE);

async function operation(conn) {
  const stream = await conn.open();
  const reply = readAll(stream);
  stream.write(REQUEST);
  stream.end();
  const bytes = await reply;
  if (bytes.length !== RPC_SIZE) throw new Error(`reply of ${bytes.length} bytes, expected ${RPC_SIZE}`);
  stream.dispose?.();
}

/** `inflight` workers run operations back to back until `budget` says stop. */
async function drive(conn, inflight, budget, latencies) {
  const worker = async () => {
    while (budget.take()) {
      const t = performance.now();
      await operation(conn);
      latencies?.push((performance.now() - t) * 1000);
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
}

export async function run(conn, { ops, maxMs, warmup, warmupMs, inflight }) {
  let left = warmup;
  const warmEnd = performance.now() + warmupMs;
  await drive(conn, Math.min(inflight, warmup), { take: () => left-- > 0 && performance.now() < warmEnd }, null);

  const latencies = [];
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + maxMs;
  await drive(conn, inflight, { take: () => started < ops && performance.now() < deadline && ++started > 0 }, latencies);
  const seconds = (performance.now() - t0) / 1000;
  const { p50, p99 } = latencySummary(latencies);
  return { opsPerSec: latencies.length / seconds, p50, p99, ops: latencies.length };
}
