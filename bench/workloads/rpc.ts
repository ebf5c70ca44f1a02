/**
 * W2 rpc-seq (inflight 1) and W3 rpc-par (inflight 100): each operation opens a stream, writes a
 * 64-byte request, half-closes and reads the 64-byte reply to EOF. A contender used `kept` does a
 * 64-byte round trip on an echo stream each of its workers keeps open instead (see workload.ts).
 * Runs `warmup` operations (at most `warmupMs`) unmeasured, then until `ops` operations or `maxMs`
 * have passed, whichever first.
 */
import type { BenchConnection } from "../lib/bench-stream.js";
import { Mode, payload, readAll, RPC_SIZE } from "../lib/app-protocol.js";
import { latencySummary } from "../lib/stats.js";
import { echoer } from "./echoer.js";
import type { Metrics, WorkloadContext } from "./workload.js";

export interface RpcParams {
  ops: number;
  maxMs: number;
  warmup: number;
  warmupMs: number;
  inflight: number;
}

const REQUEST = payload(Mode.Rpc, RPC_SIZE);

async function operation(conn: BenchConnection): Promise<void> {
  const stream = await conn.open();
  const reply = readAll(stream);
  stream.write(REQUEST);
  stream.end();
  const bytes = await reply;
  if (bytes.length !== RPC_SIZE) throw new Error(`reply of ${bytes.length} bytes, expected ${RPC_SIZE}`);
  stream.dispose?.();
}

interface Budget {
  take(): boolean;
}

/** `inflight` workers run operations back to back until `budget` says stop. */
async function drive(workers: Array<() => Promise<void>>, budget: Budget, latencies: number[] | null): Promise<void> {
  const loop = async (op: () => Promise<void>) => {
    while (budget.take()) {
      const t = performance.now();
      await op();
      latencies?.push((performance.now() - t) * 1000);
    }
  };
  await Promise.all(workers.map(loop));
}

export async function run(conn: BenchConnection, p: RpcParams, ctx: WorkloadContext): Promise<Metrics> {
  const ops = ctx.kept
    ? await Promise.all(Array.from({ length: p.inflight }, async () => (await echoer(conn, RPC_SIZE)).roundTrip))
    : Array.from({ length: p.inflight }, () => () => operation(conn));

  let left = p.warmup;
  const warmEnd = performance.now() + p.warmupMs;
  await drive(ops.slice(0, Math.max(1, Math.min(p.inflight, p.warmup))), { take: () => left-- > 0 && performance.now() < warmEnd }, null);

  const latencies: number[] = [];
  let started = 0;
  const t0 = performance.now();
  const deadline = t0 + p.maxMs;
  await drive(ops, { take: () => started < p.ops && performance.now() < deadline && ++started > 0 }, latencies);
  const seconds = (performance.now() - t0) / 1000;
  const { p50, p99 } = latencySummary(latencies);
  return { opsPerSec: latencies.length / seconds, p50, p99, ops: latencies.length };
}
