/**
 * The workloads: what each measures, how its metrics read in the tables and charts, and the code
 * that runs it. Sizes live with the groups that run them (groups.ts). `primary` is the metric
 * ratios are given for; `better` says which way is good.
 */
import { KiB, MiB } from "../lib/app-protocol.js";
import type { BulkParams } from "./bulk.js";
import type { DownloadParams } from "./download.js";
import type { EchoParams } from "./echo.js";
import type { FanParams } from "./fan.js";
import type { IdleParams } from "./idle.js";
import type { LatencyParams } from "./latency.js";
import type { RpcParams } from "./rpc.js";
import type { WorkloadRun } from "./workload.js";

export interface MetricSpec {
  key: string;
  label: string;
  better: "higher" | "lower";
  primary?: boolean;
}

export interface WorkloadSpec<P = any> {
  /** A short name for charts and summaries. */
  name: string;
  title(p: P): string;
  metrics: MetricSpec[];
  load(): Promise<WorkloadRun<P>>;
}

const n = (x: number) => x.toLocaleString("en-US");
const size = (bytes: number) => (bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`);

const rpcMetrics: MetricSpec[] = [
  { key: "opsPerSec", label: "ops/s", better: "higher", primary: true },
  { key: "p50", label: "p50 µs", better: "lower" },
  { key: "p99", label: "p99 µs", better: "lower" },
];

const latencyMetrics: MetricSpec[] = [
  { key: "p99Ratio", label: "p99 loaded/idle", better: "lower", primary: true },
  { key: "idleP50", label: "idle p50 µs", better: "lower" },
  { key: "idleP99", label: "idle p99 µs", better: "lower" },
  { key: "loadedP50", label: "loaded p50 µs", better: "lower" },
  { key: "loadedP99", label: "loaded p99 µs", better: "lower" },
  { key: "loadMiBps", label: "B MiB/s", better: "higher" },
];

const latencyTitle = (id: string, what: string) => (p: LatencyParams) =>
  `${id} latency under load: 64 B ping-pong on A (${n(p.pings)} pings or ${(p.segments * 2 * p.segmentMs) / 1000} s${p.order ? `, sendOrder ${p.order}` : ""}), alone and while B (sendOrder 0) uploads ${what}`;

export const WORKLOADS = {
  W1: {
    name: "W1 bulk upload",
    title: (p: BulkParams) =>
      `W1 bulk: one stream, ${size(p.bytes)} upload in ${size(p.chunk)} writes (at most ${p.maxMs / 1000} s), after a warm-up of ${size(p.warmup)} or ${p.warmupMs / 1000} s`,
    metrics: [
      { key: "mibps", label: "MiB/s", better: "higher", primary: true },
      { key: "cpuMsPerMiB", label: "CPU ms/MiB (client+server)", better: "lower" },
    ],
    load: async () => (await import("./bulk.js")).run,
  } satisfies WorkloadSpec<BulkParams>,
  W1d: {
    name: "W1d bulk download",
    title: (p: DownloadParams) =>
      `W1d bulk download: one stream, ${size(p.bytes)} sent by the server in 64 KiB writes, after a warm-up of ${size(p.warmup)}`,
    metrics: [{ key: "mibps", label: "MiB/s", better: "higher", primary: true }],
    load: async () => (await import("./download.js")).run,
  } satisfies WorkloadSpec<DownloadParams>,
  W2: {
    name: "W2 rpc-seq",
    title: (p: RpcParams) => `W2 rpc-seq: open, 64 B, half-close, 64 B reply; 1 in flight; ${n(p.ops)} ops or ${p.maxMs / 1000} s`,
    metrics: rpcMetrics,
    load: async () => (await import("./rpc.js")).run,
  } satisfies WorkloadSpec<RpcParams>,
  W3: {
    name: "W3 rpc-par",
    title: (p: RpcParams) => `W3 rpc-par: as W2 with ${p.inflight} in flight; ${n(p.ops)} ops or ${p.maxMs / 1000} s`,
    metrics: rpcMetrics,
    load: async () => (await import("./rpc.js")).run,
  } satisfies WorkloadSpec<RpcParams>,
  W4: {
    name: "W4 fan",
    title: (p: FanParams) => `W4 fan: ${n(p.streams)} streams at once, ${size(p.size)} each, until the last ack`,
    metrics: [
      { key: "mibps", label: "MiB/s", better: "higher", primary: true },
      { key: "ms", label: "ms", better: "lower" },
    ],
    load: async () => (await import("./fan.js")).run,
  } satisfies WorkloadSpec<FanParams>,
  W5: {
    name: "W5 latency, paced load",
    title: (p: LatencyParams) => latencyTitle("W5", `paced at ${p.rate / MiB} MiB/s`)(p),
    metrics: latencyMetrics,
    load: async () => (await import("./latency.js")).run,
  } satisfies WorkloadSpec<LatencyParams>,
  W5s: {
    name: "W5s latency, saturating load, equal sendOrder",
    title: latencyTitle("W5s", "as fast as it can (saturating), same sendOrder"),
    metrics: latencyMetrics,
    load: async () => (await import("./latency.js")).run,
  } satisfies WorkloadSpec<LatencyParams>,
  W5o: {
    name: "W5o latency, saturating load, A at higher sendOrder",
    title: latencyTitle("W5o", "as fast as it can (saturating)"),
    metrics: latencyMetrics,
    load: async () => (await import("./latency.js")).run,
  } satisfies WorkloadSpec<LatencyParams>,
  W6: {
    name: "W6 idle streams",
    title: (p: IdleParams) => `W6 memory: ${n(p.streams)} idle open streams, heap bytes per stream after gc()`,
    metrics: [
      { key: "clientBytesPerStream", label: "client B/stream", better: "lower", primary: true },
      { key: "serverBytesPerStream", label: "server B/stream", better: "lower" },
    ],
    load: async () => (await import("./idle.js")).run,
  } satisfies WorkloadSpec<IdleParams>,
  W7: {
    name: "W7 echo",
    title: (p: EchoParams) =>
      `W7 echo: ${p.streams} echoes of ${size(p.size)} (multiplexers: all at once, a stream each; raw: one after another on one connection), median of ${p.rounds} rounds`,
    metrics: [
      { key: "mibps", label: "MiB/s", better: "higher", primary: true },
      { key: "ms", label: "ms per round", better: "lower" },
    ],
    load: async () => (await import("./echo.js")).run,
  } satisfies WorkloadSpec<EchoParams>,
};

export type WorkloadId = keyof typeof WORKLOADS;

export function workloadSpec(id: string): WorkloadSpec {
  const spec = (WORKLOADS as Record<string, WorkloadSpec>)[id];
  if (!spec) throw new Error(`unknown workload ${id}`);
  return spec;
}

export function primaryMetric(id: string): MetricSpec {
  return workloadSpec(id).metrics.find((m) => m.primary)!;
}
