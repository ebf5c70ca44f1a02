/**
 * W1d bulk download: one stream asks the server for `bytes` (a 9-byte request, then half-close);
 * the server sends them in 64 KiB writes honouring backpressure and ends. Throughput, after a
 * warm-up download of its own (as W1).
 */
import type { BenchConnection } from "../lib/bench-stream.js";
import { countAll, downloadRequest, MiB } from "../lib/app-protocol.js";
import type { Metrics } from "./workload.js";

export interface DownloadParams {
  bytes: number;
  warmup: number;
}

export async function run(conn: BenchConnection, p: DownloadParams): Promise<Metrics> {
  if (p.warmup > 0) await download(conn, p.warmup);
  const t0 = performance.now();
  await download(conn, p.bytes);
  const ms = performance.now() - t0;
  return { mibps: p.bytes / MiB / (ms / 1000), ms };
}

async function download(conn: BenchConnection, bytes: number): Promise<void> {
  const stream = await conn.open();
  const received = countAll(stream);
  stream.write(downloadRequest(bytes));
  stream.end();
  const count = await received;
  if (count !== bytes) throw new Error(`received ${count} bytes, asked for ${bytes}`);
  stream.dispose?.();
}
