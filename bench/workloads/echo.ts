/**
 * W7 echo: `streams` echoes of `size` bytes each. A multiplexer runs them at once, one stream each
 * (write, half-close, read the echo to EOF); a contender used `kept` runs them one after another
 * on one echo stream (send `size` bytes as one write, wait for them back), which is how raw
 * WebSocket messages would do it. `rounds` measured rounds after `warmupRounds`; the median
 * round's time and throughput (bytes echoed, counted once).
 */
import type { BenchConnection } from "../lib/bench-stream.js";
import { countAll, MiB, Mode, payload } from "../lib/app-protocol.js";
import { spread } from "../lib/stats.js";
import { echoer } from "./echoer.js";
import type { Metrics, WorkloadContext } from "./workload.js";

export interface EchoParams {
  streams: number;
  size: number;
  rounds: number;
  warmupRounds: number;
}

export async function run(conn: BenchConnection, p: EchoParams, ctx: WorkloadContext): Promise<Metrics> {
  const round = ctx.kept ? await sequential(conn, p) : concurrent(conn, p);
  for (let i = 0; i < p.warmupRounds; i++) await round();
  const times: number[] = [];
  for (let i = 0; i < p.rounds; i++) {
    const t0 = performance.now();
    await round();
    times.push(performance.now() - t0);
  }
  const ms = spread(times)!.median;
  return { mibps: (p.streams * p.size) / MiB / (ms / 1000), ms };
}

async function sequential(conn: BenchConnection, p: EchoParams): Promise<() => Promise<void>> {
  const stream = await echoer(conn, p.size);
  return async () => {
    for (let i = 0; i < p.streams; i++) await stream.roundTrip();
  };
}

function concurrent(conn: BenchConnection, p: EchoParams): () => Promise<void> {
  const body = payload(Mode.Echo, p.size);
  const one = async () => {
    const stream = await conn.open();
    const echoed = countAll(stream);
    if (!stream.write(body)) await stream.drain();
    stream.end();
    const count = await echoed;
    if (count !== p.size) throw new Error(`echo of ${count} bytes, sent ${p.size}`);
    stream.dispose?.();
  };
  return async () => {
    await Promise.all(Array.from({ length: p.streams }, one));
  };
}
