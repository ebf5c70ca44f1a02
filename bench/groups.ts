/**
 * What runs where: each group is one runtime (and transport) with its baseline, its contenders and
 * the workloads it runs, with their sizes (full and --quick). Every ratio in a group is taken
 * against the group's baseline. The client of a group runs in `client`; its server is always a
 * process of `server`.
 */
import type { ContenderModule, ContenderOptions } from "./lib/bench-stream.js";
import { KiB, MiB } from "./lib/app-protocol.js";
import type { BulkParams } from "./workloads/bulk.js";
import type { DownloadParams } from "./workloads/download.js";
import type { EchoParams } from "./workloads/echo.js";
import type { FanParams } from "./workloads/fan.js";
import type { IdleParams } from "./workloads/idle.js";
import type { WorkloadId } from "./workloads/index.js";
import type { LatencyParams } from "./workloads/latency.js";
import type { RpcParams } from "./workloads/rpc.js";

export type Runtime = "node" | "deno" | "bun" | "chromium";
export type GroupId = "node-tcp" | "node-ws" | "deno" | "bun" | "chromium";

export interface ContenderEntry {
  label: string;
  load(): Promise<ContenderModule>;
  options?: ContenderOptions;
  /** Request/response on a connection kept open, not a stream per request (workload.ts). */
  kept?: boolean;
  /** The workloads it runs, if not all of the group's. */
  only?: WorkloadId[];
  /** Left out of --quick (a reference no goal depends on). */
  notInQuick?: boolean;
}

export interface WorkloadEntry<P = unknown> {
  params: P;
  quick: P;
  /** The contenders that run it, if not all. */
  contenders?: string[];
  /** Shown beside this workload's primary metric: the same contender's value in that workload. */
  beside?: WorkloadId;
}

export interface Group {
  title: string;
  client: Runtime;
  server: Exclude<Runtime, "chromium">;
  baseline: string;
  contenders: Record<string, ContenderEntry>;
  workloads: Partial<Record<WorkloadId, WorkloadEntry>>;
}

const raw = () => import("./contenders/raw.js");
const streamux = () => import("./contenders/streamux.js");
const web: ContenderOptions = { api: "web" };

const w1 = (bytes: number, warmup: number): WorkloadEntry<BulkParams> => ({
  params: { bytes, chunk: 64 * KiB, maxMs: 3_000, warmup, warmupMs: 1_000 },
  quick: { bytes: 32 * MiB, chunk: 64 * KiB, maxMs: 2_000, warmup: 32 * MiB, warmupMs: 300 },
});
const w2: WorkloadEntry<RpcParams> = {
  params: { ops: 20_000, maxMs: 1_000, warmup: 1_000, warmupMs: 300, inflight: 1 },
  quick: { ops: 1_000, maxMs: 400, warmup: 100, warmupMs: 150, inflight: 1 },
};
const w3: WorkloadEntry<RpcParams> = {
  params: { ops: 20_000, maxMs: 1_000, warmup: 1_000, warmupMs: 300, inflight: 100 },
  quick: { ops: 2_000, maxMs: 400, warmup: 200, warmupMs: 150, inflight: 100 },
};
const w4: WorkloadEntry<FanParams> = {
  params: { streams: 1_000, size: 64 * KiB },
  quick: { streams: 200, size: 64 * KiB },
};
const w5 = (rate: number, order: number, extra: Pick<WorkloadEntry, "contenders" | "beside"> = {}): WorkloadEntry<LatencyParams> => ({
  params: { pings: 2_000, warmup: 300, segments: 5, segmentMs: 1_000, rate, chunk: 64 * KiB, order },
  quick: { pings: 300, warmup: 50, segments: 2, segmentMs: 300, rate, chunk: 64 * KiB, order },
  ...extra,
});
const w6: WorkloadEntry<IdleParams> = { params: { streams: 5_000 }, quick: { streams: 1_000 } };

/** The contenders of Deno and Bun: streamux over the runtime's adapter, and the runtime's raw TCP. */
function runtimeContenders(
  name: string,
  rawModule: () => Promise<ContenderModule>,
  muxModule: () => Promise<ContenderModule>,
  api: string,
) {
  return {
    raw: { label: `raw ${name} TCP (${api}), 1 connection per stream`, load: rawModule },
    "raw-kept": { label: `raw ${name} TCP, W2 as 64 B round trips on one kept connection`, load: rawModule, kept: true, only: ["W2"] },
    streamux: { label: `streamux (streamux/${name.toLowerCase()} dial/listen, read()/write())`, load: muxModule },
  } satisfies Record<string, ContenderEntry>;
}

export const GROUPS: Record<GroupId, Group> = {
  "node-tcp": {
    title: "Node over TCP",
    client: "node",
    server: "node",
    baseline: "raw",
    contenders: {
      raw: { label: "raw node:net, 1 connection per stream", load: raw },
      "raw-kept": { label: "raw node:net, W2 as 64 B round trips on one kept connection", load: raw, kept: true, only: ["W2"] },
      http2: { label: "node:http2 h2c (defaults)", load: () => import("./contenders/http2.js"), notInQuick: true },
      "http2-tuned": {
        label: "node:http2 h2c (1 MiB/16 MiB windows)",
        load: () => import("./contenders/http2.js"),
        options: { tuned: true },
        notInQuick: true,
      },
      yamux: { label: "@chainsafe/libp2p-yamux", load: () => import("./contenders/yamux.js") },
      streamux: { label: "streamux (streamux/node, read()/write())", load: streamux },
      "streamux-web": { label: "streamux (streamux/node, WHATWG readable/writable)", load: streamux, options: web },
    },
    workloads: {
      W1: w1(256 * MiB, 512 * MiB),
      W2: w2,
      W3: w3,
      W4: w4,
      W5: w5(100 * MiB, 0),
      W5s: w5(0, 0, { contenders: ["raw", "streamux"] }),
      W5o: w5(0, 1, { contenders: ["streamux"], beside: "W5s" }),
      W6: w6,
    },
  },
  "node-ws": {
    title: "Node over WebSocket (ws at both ends)",
    client: "node",
    server: "node",
    baseline: "ws",
    contenders: {
      ws: { label: "raw ws messages, 1 WebSocket per stream", load: () => import("./contenders/ws.js") },
      "streamux-ws": { label: "streamux (streamux/websocket, read()/write())", load: () => import("./contenders/streamux-ws.js") },
    },
    workloads: { W1: w1(128 * MiB, 128 * MiB), W2: w2 },
  },
  deno: {
    title: "Deno over TCP",
    client: "deno",
    server: "deno",
    baseline: "raw",
    contenders: runtimeContenders(
      "Deno",
      () => import("./contenders/deno-raw.js"),
      () => import("./contenders/deno-streamux.js"),
      "Deno.connect/Deno.listen",
    ),
    workloads: { W1: w1(256 * MiB, 512 * MiB), W2: w2, W3: w3, W4: w4 },
  },
  bun: {
    title: "Bun over TCP",
    client: "bun",
    server: "bun",
    baseline: "raw",
    contenders: runtimeContenders(
      "Bun",
      () => import("./contenders/bun-raw.js"),
      () => import("./contenders/bun-streamux.js"),
      "Bun.connect/Bun.listen",
    ),
    workloads: { W1: w1(256 * MiB, 512 * MiB), W2: w2, W3: w3, W4: w4 },
  },
  chromium: {
    title: "Chromium page against a Node server, over WebSocket",
    client: "chromium",
    server: "node",
    baseline: "ws",
    contenders: {
      ws: {
        label:
          "raw WebSocket messages (W1/W1d: a socket per transfer; W2: a 64 B message round trip, W7: sequential echoes, on one kept socket)",
        load: () => import("./contenders/browser-site.js"),
        kept: true,
      },
      streamux: {
        label: "streamux (streamux/websocket over one WebSocket, read()/write())",
        load: () => import("./contenders/browser-site.js"),
      },
      "streamux-web": {
        label: "streamux (streamux/websocket over one WebSocket, WHATWG readable/writable)",
        load: () => import("./contenders/browser-site.js"),
        options: web,
      },
    },
    workloads: {
      W1: {
        params: { bytes: 64 * MiB, chunk: 64 * KiB, maxMs: 3_000, warmup: 16 * MiB, warmupMs: 1_000 },
        quick: { bytes: 8 * MiB, chunk: 64 * KiB, maxMs: 2_000, warmup: 8 * MiB, warmupMs: 300 },
      } satisfies WorkloadEntry<BulkParams>,
      W1d: {
        params: { bytes: 64 * MiB, warmup: 16 * MiB },
        quick: { bytes: 8 * MiB, warmup: 8 * MiB },
      } satisfies WorkloadEntry<DownloadParams>,
      W2: {
        params: { ops: 10_000, maxMs: 1_000, warmup: 1_000, warmupMs: 300, inflight: 1 },
        quick: { ops: 1_000, maxMs: 400, warmup: 100, warmupMs: 150, inflight: 1 },
      } satisfies WorkloadEntry<RpcParams>,
      W7: {
        params: { streams: 100, size: 256 * KiB, rounds: 3, warmupRounds: 1 },
        quick: { streams: 100, size: 64 * KiB, rounds: 1, warmupRounds: 1 },
      } satisfies WorkloadEntry<EchoParams>,
    },
  },
};

export const GROUP_IDS = Object.keys(GROUPS) as GroupId[];

/** The contenders of `group` that run `workload` (in --quick or in full), in the group's order. */
export function contendersFor(group: GroupId, workload: WorkloadId, quick: boolean): string[] {
  const g = GROUPS[group];
  const entry = g.workloads[workload];
  if (!entry) return [];
  return Object.entries(g.contenders)
    .filter(([name, c]) => (entry.contenders ? entry.contenders.includes(name) : !c.only || c.only.includes(workload)))
    .filter(([, c]) => !(quick && c.notInQuick))
    .map(([name]) => name);
}

export function contenderEntry(group: GroupId, name: string): ContenderEntry {
  const c = GROUPS[group]?.contenders[name];
  if (!c) throw new Error(`unknown contender ${name} in group ${group}`);
  return c;
}
