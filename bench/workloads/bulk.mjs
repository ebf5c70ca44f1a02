/**
 * W1 bulk: one stream, `bytes` uploaded in `chunk`-sized writes honouring backpressure; the server
 * acks its byte count at EOF. Throughput, and CPU per MiB of both processes over the transfer.
 * A slow contender stops at `maxMs` (the run must end by itself): throughput is over what was sent.
 * A warm-up transfer on a stream of its own comes first, unmeasured, as W2 and W3 have (the same
 * bytes or time for every contender): a run of a few hundred milliseconds would otherwise measure
 * the JIT compiling each contender's code rather than its steady state.
 */
import { decodeCount, MiB, Mode, payload, readAll } from "../lib/app-protocol.mjs";

export async function run(conn, { bytes: target, chunk, maxMs, warmup = 0, warmupMs = 0 }, { ask }) {
  if (warmup > 0) await transfer(conn, warmup, chunk, performance.now() + warmupMs);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const bytes = await transfer(conn, target, chunk, t0 + maxMs);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const server = await ask("lastAck");
  const clientCpuMs = (cpu.user + cpu.system) / 1000;
  const mib = bytes / MiB;
  return {
    mibps: mib / (ms / 1000),
    cpuMsPerMiB: (clientCpuMs + server.cpuMs) / mib,
    clientCpuMs,
    serverCpuMs: server.cpuMs,
    ms,
    bytes,
  };
}

/** Uploads `target` bytes on a new stream (or what fits before `deadline`); resolves once acked. */
async function transfer(conn, target, chunk, deadline) {
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
