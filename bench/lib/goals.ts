/**
 * The goals streamux is held to, as ratios of medians (or absolute values) from one run of the
 * command. Each says what it compares; a goal whose runs did not happen reads "not measured".
 */
import type { GroupId } from "../groups.js";
import type { WorkloadId } from "../workloads/index.js";
import type { Summary } from "./summary.js";
import { fmt } from "./table.js";

export interface GoalRow {
  goal: string;
  measured: string;
  target: string;
  verdict: "met" | "MISSED" | "—";
  /** Extra context (the value it is compared with). */
  note: string;
}

interface Goal {
  goal: string;
  value(s: Summary): number;
  op: ">=" | "<=";
  target: number;
  unit: "×" | " B";
  note?(s: Summary): string;
}

const ratio = (g: GroupId, w: WorkloadId, c: string, to?: string) => (s: Summary) => s.ratio(g, w, c, to);
const metric = (g: GroupId, w: WorkloadId, c: string, key: string) => (s: Summary) => s.median(g, w, c, key);
const show = (unit: string, x: number) => (unit === "×" ? `${x.toFixed(2)}×` : `${fmt(x)}${unit}`);

/** The browser goals, for each face of streamux the page can drive. */
function chromiumGoals(face: "streamux" | "streamux-web", what: string): Goal[] {
  return [
    {
      goal: `Chromium W1 bulk upload, ${what} vs raw WebSocket messages`,
      value: ratio("chromium", "W1", face),
      op: ">=",
      target: 0.95,
      unit: "×",
    },
    {
      goal: `Chromium W1d bulk download, ${what} vs raw WebSocket messages`,
      value: ratio("chromium", "W1d", face),
      op: ">=",
      target: 0.95,
      unit: "×",
    },
    {
      goal: `Chromium W2 a stream per request/response, ${what} vs a raw message round trip`,
      value: ratio("chromium", "W2", face),
      op: ">=",
      target: 0.8,
      unit: "×",
    },
    {
      goal: `Chromium W7 100 concurrent 256 KiB echoes, ${what} vs 100 sequential raw message echoes`,
      value: ratio("chromium", "W7", face),
      op: ">=",
      target: 1,
      unit: "×",
    },
  ];
}

function runtimeGoals(group: "deno" | "bun", name: string): Goal[] {
  return [
    {
      goal: `${name} W1 bulk, streamux vs a raw ${name} connection`,
      value: ratio(group, "W1", "streamux"),
      op: ">=",
      target: 0.9,
      unit: "×",
    },
    {
      goal: `${name} W2 rpc-seq, streamux vs a new raw connection per request`,
      value: ratio(group, "W2", "streamux"),
      op: ">=",
      target: 2,
      unit: "×",
    },
  ];
}

const GOALS: Goal[] = [
  ...chromiumGoals("streamux", "read()/write()"),
  ...chromiumGoals("streamux-web", "readable/writable"),
  {
    goal: "Node W1 bulk, streamux read()/write() vs raw TCP",
    value: ratio("node-tcp", "W1", "streamux"),
    op: ">=",
    target: 0.95,
    unit: "×",
  },
  {
    goal: "Node W1 bulk, streamux readable/writable vs raw TCP",
    value: ratio("node-tcp", "W1", "streamux-web"),
    op: ">=",
    target: 0.85,
    unit: "×",
  },
  {
    goal: "Node W2 rpc-seq, streamux readable/writable vs yamux",
    value: ratio("node-tcp", "W2", "streamux-web", "yamux"),
    op: ">=",
    target: 1.5,
    unit: "×",
  },
  {
    goal: "Node W3 rpc-par, streamux readable/writable vs yamux",
    value: ratio("node-tcp", "W3", "streamux-web", "yamux"),
    op: ">=",
    target: 1.5,
    unit: "×",
  },
  {
    goal: "Node W6 heap per idle stream, readable/writable, client",
    value: metric("node-tcp", "W6", "streamux-web", "clientBytesPerStream"),
    op: "<=",
    target: 4096,
    unit: " B",
  },
  {
    goal: "Node W6 heap per idle stream, readable/writable, server",
    value: metric("node-tcp", "W6", "streamux-web", "serverBytesPerStream"),
    op: "<=",
    target: 4096,
    unit: " B",
  },
  {
    goal: "Node W2 rpc-seq, streamux read()/write() vs yamux",
    value: ratio("node-tcp", "W2", "streamux", "yamux"),
    op: ">=",
    target: 1.2,
    unit: "×",
  },
  {
    goal: "Node W3 rpc-par, streamux read()/write() vs yamux",
    value: ratio("node-tcp", "W3", "streamux", "yamux"),
    op: ">=",
    target: 1.5,
    unit: "×",
  },
  { goal: "Node W4 fan, streamux read()/write() vs raw TCP", value: ratio("node-tcp", "W4", "streamux"), op: ">=", target: 0.9, unit: "×" },
  {
    goal: "Node W5 p99 loaded/idle, B paced at 100 MiB/s, equal sendOrder",
    value: metric("node-tcp", "W5", "streamux", "p99Ratio"),
    op: "<=",
    target: 1.5,
    unit: "×",
  },
  {
    goal: "Node W5o p99 loaded/idle, saturating B, A at the higher sendOrder",
    value: metric("node-tcp", "W5o", "streamux", "p99Ratio"),
    op: "<=",
    target: 1.5,
    unit: "×",
    note: (s) => `equal sendOrder (W5s): ${show("×", s.median("node-tcp", "W5s", "streamux", "p99Ratio"))}`,
  },
  {
    goal: "Node W6 heap per idle stream, read()/write(), client",
    value: metric("node-tcp", "W6", "streamux", "clientBytesPerStream"),
    op: "<=",
    target: 2000,
    unit: " B",
  },
  {
    goal: "Node W6 heap per idle stream, read()/write(), server",
    value: metric("node-tcp", "W6", "streamux", "serverBytesPerStream"),
    op: "<=",
    target: 2000,
    unit: " B",
  },
  { goal: "Node WebSocket W1 bulk, streamux vs raw ws", value: ratio("node-ws", "W1", "streamux-ws"), op: ">=", target: 0.85, unit: "×" },
  ...runtimeGoals("deno", "Deno"),
  ...runtimeGoals("bun", "Bun"),
];

export function goals(summary: Summary): GoalRow[] {
  return GOALS.map((g) => {
    const value = g.value(summary);
    const measured = Number.isFinite(value);
    const met = measured && (g.op === ">=" ? value >= g.target : value <= g.target);
    return {
      goal: g.goal,
      measured: measured ? show(g.unit, value) : "not measured",
      target: `${g.op === ">=" ? "≥" : "≤"} ${show(g.unit, g.target)}`,
      verdict: measured ? (met ? "met" : "MISSED") : "—",
      note: g.note?.(summary) ?? "",
    };
  });
}
