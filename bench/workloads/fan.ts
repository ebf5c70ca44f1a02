/**
 * W4 fan: `streams` streams opened at once, each uploading `size` bytes and half-closing; done
 * when the last ack is in. Total time and throughput.
 */
import type { BenchConnection } from "../lib/bench-stream.js";
import { decodeCount, MiB, Mode, payload, readAll } from "../lib/app-protocol.js";
import type { Metrics } from "./workload.js";

export interface FanParams {
  streams: number;
  size: number;
}

export async function run(conn: BenchConnection, { streams, size }: FanParams): Promise<Metrics> {
  const body = payload(Mode.Ack, size);
  const one = async () => {
    const stream = await conn.open();
    const ack = readAll(stream);
    if (!stream.write(body)) await stream.drain();
    stream.end();
    const count = decodeCount(await ack);
    if (count !== size) throw new Error(`server counted ${count} bytes, sent ${size}`);
    stream.dispose?.();
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: streams }, one));
  const ms = performance.now() - t0;
  return { ms, mibps: (streams * size) / MiB / (ms / 1000) };
}
