/**
 * Where the time goes in CPU profiles (.cpuprofile: Node's --cpu-prof, Bun's --cpu-prof, the
 * page's CDP Profiler): self time per function and per part of the program (streamux, the
 * runtime's own code, the benchmark, other packages, GC, idle). Profiles come from
 * `npm run bench -- --profile …` (bench/results/profiles/<group>-<workload>-<contender>-<run>/).
 *
 *   node bench/.build/bench/profile-summary.js [--top N] <profile or directory>...
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { fmt, renderTable } from "./lib/table.js";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

/** The part of the program a function belongs to, from its script's URL. */
export function partOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(idle)") return "idle";
  if (functionName === "(program)" || functionName === "(root)") return "runtime (native)";
  // The built package (Node, Deno, Bun), or its chunk of the page (lib/page-build.ts).
  if (/\/dist\/(index|node|websocket|deno|bun)\.js|\/dist\/chunks\/|\/assets\/streamux-[^/]*\.js/.test(url)) return "streamux";
  // The benchmark's own code: compiled (Node, Deno, Bun) or the rest of the page's bundle.
  if (url.includes("/bench/") || /\/assets\/index-[^/]*\.js/.test(url)) return "benchmark";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith("node:") || url === "" || !url.includes("/")) return "runtime (JS)";
  return "other";
}

/** Self time in ms per node id, from the samples and their time deltas (hit counts where there are none). */
function selfTimes(p: Profile): Map<number, number> {
  const self = new Map<number, number>();
  if (p.samples?.length && p.timeDeltas?.length) {
    // A sample's time is the gap to the next one.
    for (let i = 0; i < p.samples.length; i++) {
      const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
      self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
    }
  } else {
    const total = (p.endTime - p.startTime) / 1000;
    const hits = p.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0) || 1;
    for (const n of p.nodes) self.set(n.id, ((n.hitCount ?? 0) / hits) * total);
  }
  return self;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  parts: Array<{ part: string; ms: number }>;
  functions: Array<{ name: string; part: string; ms: number }>;
}

export function summarize(file: string): ProfileSummary {
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const self = selfTimes(p);
  const byPart = new Map<string, number>();
  const byFunction = new Map<string, { name: string; part: string; ms: number }>();
  let totalMs = 0;
  for (const n of p.nodes) {
    const ms = self.get(n.id) ?? 0;
    if (!ms) continue;
    totalMs += ms;
    const part = partOf(n.callFrame);
    byPart.set(part, (byPart.get(part) ?? 0) + ms);
    const where = n.callFrame.url ? ` ${basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : "";
    const name = `${n.callFrame.functionName || "(anonymous)"}${where}`;
    const f = byFunction.get(name) ?? { name, part, ms: 0 };
    f.ms += ms;
    byFunction.set(name, f);
  }
  return {
    file,
    totalMs,
    parts: [...byPart].map(([part, ms]) => ({ part, ms })).sort((a, b) => b.ms - a.ms),
    functions: [...byFunction.values()].sort((a, b) => b.ms - a.ms),
  };
}

function profilesIn(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith(".cpuprofile"))
    .sort()
    .map((name) => join(path, name));
}

export function renderSummary(s: ProfileSummary, top: number): string {
  const pct = (ms: number) => `${((ms / s.totalMs) * 100).toFixed(1)}%`;
  const busy = s.totalMs - (s.parts.find((p) => p.part === "idle")?.ms ?? 0);
  return [
    `${s.file}: ${fmt(s.totalMs)} ms sampled, ${fmt(busy)} ms busy`,
    renderTable(
      ["part", "self ms", "share"],
      s.parts.map((p) => [p.part, fmt(p.ms), pct(p.ms)]),
      "text",
    ),
    renderTable(
      ["function", "part", "self ms", "share"],
      s.functions.slice(0, top).map((f) => [f.name, f.part, fmt(f.ms), pct(f.ms)]),
      "text",
    ),
  ].join("\n\n");
}

if (process.argv[1]?.endsWith("profile-summary.js")) {
  const { values, positionals } = parseArgs({ options: { top: { type: "string", default: "25" } }, allowPositionals: true });
  if (!positionals.length) {
    console.error("usage: node bench/.build/bench/profile-summary.js [--top N] <profile or directory>...");
    process.exit(2);
  }
  for (const file of positionals.flatMap(profilesIn)) console.log(`${renderSummary(summarize(file), Number(values.top))}\n`);
}
