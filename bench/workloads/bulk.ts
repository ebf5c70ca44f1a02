/**
 * W1 bulk: one stream, `bytes` uploaded in `chunk`-sized writes honouring backpressure; the server
 * acks its byte count at EOF. Throughput, and where the runtime can tell, CPU per MiB of both
 * processes over the transfer. A slow contender stops at `maxMs` (the run must end by itself):
 * throughput is over what was sent. A warm-up transfer on a stream of its own comes first,
 * unmeasured (the same bytes or time for every contender): a run of a few hundred milliseconds
 * would otherwise measure the JIT compiling each contender's code rather than its steady state.
 */
import type { BenchConnection } from "../lib/bench-stream.js";
import { decodeCount, MiB, Mode, payload, readAll } from "../lib/app-protocol.js";
import type { Metrics, WorkloadContext } from "./workload.js";

export interface BulkParams {
  bytes: number;
  chunk: number;
  maxMs: number;
  warmup: number;
  warmupMs: number;
}

export async function run(conn: BenchConnection, p: BulkParams, ctx: WorkloadContext): Promise<Metrics> {
  if (p.warmup > 0) await transfer(conn, p.warmup, p.chunk, performance.now() + p.warmupMs);
  const cpu0 = ctx.cpuUsage?.();
  const t0 = performance.now();
  const bytes = await transfer(conn, p.bytes, p.chunk, t0 + p.maxMs);
  const ms = performance.now() - t0;
  const mib = bytes / MiB;
  const metrics: Metrics = { mibps: mib / (ms / 1000), ms, bytes };
  if (cpu0 && ctx.cpuUsage && ctx.ask) {
    const cpu = ctx.cpuUsage(cpu0);
    const server = (await ctx.ask("lastAck")) as { cpuMs: number };
    metrics.clientCpuMs = (cpu.user + cpu.system) / 1000;
    metrics.serverCpuMs = server.cpuMs;
    metrics.cpuMsPerMiB = (metrics.clientCpuMs + server.cpuMs) / mib;
  }
  return metrics;
}

/** Uploads `target` bytes on a new stream (or what fits before `deadline`); resolves once acked. */
export async function transfer(conn: BenchConnection, target: number, chunk: number, deadline: number): Promise<number> {
  const first = payload(Mode.Ack, chunk);
  // The same bytes every write: none of the contenders may modify what it is given.
  const rest = payload(0x78, chunk);
  const stream = await conn.open();
  const ack = readAll(stream);
  let bytes = 0;
  while (bytes < target) {
    const n = Math.min(chunk, target - bytes);
    const c = bytes === 0 ? first : rest;
    bytes += n;
    if (!stream.write(n === chunk ? c : c.subarray(0, n))) await stream.drain();
    if ((bytes & 0xfffff) === 0 && performance.now() > deadline) break;
  }
  stream.end();
  const count = decodeCount(await ack);
  if (count !== bytes) throw new Error(`server counted ${count} bytes, sent ${bytes}`);
  stream.dispose?.();
  return bytes;
}
