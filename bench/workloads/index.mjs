/**
 * The workloads: what each measures, its sizes (full and --quick), which contender groups run it,
 * and how its metrics read in the tables. `primary` is the metric ratios are given for; `better`
 * says which way is good.
 */
import { KiB, MiB } from "../lib/app-protocol.mjs";

export const WORKLOADS = {
  W1: {
    title: (p) => `W1 bulk: one stream, ${p.bytes / MiB} MiB upload in ${p.chunk / KiB} KiB writes (at most ${p.maxMs / 1000} s), after a warm-up of ${p.warmup / MiB} MiB or ${p.warmupMs / 1000} s`,
    module: "./bulk.mjs",
    groups: ["tcp", "ws"],
    params: { bytes: 256 * MiB, chunk: 64 * KiB, maxMs: 15_000, warmup: 768 * MiB, warmupMs: 2_000 },
    quick: { bytes: 16 * MiB, chunk: 64 * KiB, maxMs: 3_000, warmup: 16 * MiB, warmupMs: 500 },
    metrics: [
      { key: "mibps", label: "MiB/s", better: "higher", primary: true },
      { key: "cpuMsPerMiB", label: "CPU ms/MiB (client+server)", better: "lower" },
    ],
  },
  W2: {
    title: (p) => `W2 rpc-seq: open, 64 B, half-close, 64 B reply; 1 in flight; ${p.ops.toLocaleString("en-US")} ops or ${p.maxMs / 1000} s`,
    module: "./rpc.mjs",
    groups: ["tcp", "ws"],
    params: { ops: 20_000, maxMs: 10_000, warmup: 1_000, warmupMs: 1_000, inflight: 1 },
    quick: { ops: 1_000, maxMs: 1_000, warmup: 100, warmupMs: 250, inflight: 1 },
    metrics: [
      { key: "opsPerSec", label: "ops/s", better: "higher", primary: true },
      { key: "p50", label: "p50 µs", better: "lower" },
      { key: "p99", label: "p99 µs", better: "lower" },
    ],
  },
  W3: {
    title: (p) => `W3 rpc-par: as W2 with ${p.inflight} in flight; ${p.ops.toLocaleString("en-US")} ops or ${p.maxMs / 1000} s`,
    module: "./rpc.mjs",
    groups: ["tcp"],
    params: { ops: 20_000, maxMs: 10_000, warmup: 1_000, warmupMs: 1_000, inflight: 100 },
    quick: { ops: 2_000, maxMs: 1_000, warmup: 200, warmupMs: 250, inflight: 100 },
    metrics: [
      { key: "opsPerSec", label: "ops/s", better: "higher", primary: true },
      { key: "p50", label: "p50 µs", better: "lower" },
      { key: "p99", label: "p99 µs", better: "lower" },
    ],
  },
  W4: {
    title: (p) => `W4 fan: ${p.streams.toLocaleString("en-US")} streams at once, ${p.size / KiB} KiB each, until the last ack`,
    module: "./fan.mjs",
    groups: ["tcp"],
    params: { streams: 1_000, size: 64 * KiB },
    quick: { streams: 200, size: 64 * KiB },
    metrics: [
      { key: "mibps", label: "MiB/s", better: "higher", primary: true },
      { key: "ms", label: "ms", better: "lower" },
    ],
  },
  W5: {
    title: (p) => `W5 latency under load: 64 B ping-pong on A (${p.pings.toLocaleString("en-US")} pings), alone and while B uploads at ${p.rate / MiB} MiB/s`,
    module: "./latency.mjs",
    groups: ["tcp"],
    params: { pings: 2_000, warmup: 300, segments: 5, rate: 100 * MiB, chunk: 64 * KiB, settleMs: 100 },
    quick: { pings: 300, warmup: 50, segments: 2, rate: 100 * MiB, chunk: 64 * KiB, settleMs: 50 },
    metrics: [
      { key: "p99Ratio", label: "p99 loaded/idle", better: "lower", primary: true },
      { key: "idleP50", label: "idle p50 µs", better: "lower" },
      { key: "idleP99", label: "idle p99 µs", better: "lower" },
      { key: "loadedP50", label: "loaded p50 µs", better: "lower" },
      { key: "loadedP99", label: "loaded p99 µs", better: "lower" },
      { key: "loadMiBps", label: "B MiB/s", better: "higher" },
    ],
  },
  W6: {
    title: (p) => `W6 memory: ${p.streams.toLocaleString("en-US")} idle open streams, heap bytes per stream after gc()`,
    module: "./idle.mjs",
    groups: ["tcp"],
    params: { streams: 10_000 },
    quick: { streams: 1_000 },
    metrics: [
      { key: "clientBytesPerStream", label: "client B/stream", better: "lower", primary: true },
      { key: "serverBytesPerStream", label: "server B/stream", better: "lower" },
    ],
  },
};

export async function loadWorkload(id) {
  const entry = WORKLOADS[id];
  if (!entry) throw new Error(`unknown workload ${id}`);
  return import(new URL(entry.module, import.meta.url));
}
