/** The charts of a command: one per group and workload, from its summary (see chart.ts). */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GROUPS, type GroupId } from "../groups.js";
import { primaryMetric, workloadSpec, type WorkloadId } from "../workloads/index.js";
import { renderChart, type ChartBar } from "./chart.js";
import type { Summary } from "./summary.js";
import { fmtRatio } from "./table.js";

function kindOf(group: GroupId, contender: string): ChartBar["kind"] {
  if (contender === GROUPS[group].baseline) return "baseline";
  if (contender === "streamux" || contender === "streamux-ws") return "streamux";
  if (contender.startsWith("streamux")) return "streamux-alt";
  return "other";
}

/** Writes `<group>-<workload>.svg` into `dir` for every workload that ran; returns the file names. */
export function writeCharts(summary: Summary, groups: GroupId[], dir: string, footer: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const group of groups) {
    const g = GROUPS[group];
    for (const workload of summary.workloads(group)) {
      const spec = workloadSpec(workload);
      const metric = primaryMetric(workload);
      const beside = g.workloads[workload]?.beside;
      // A workload the baseline does not run (W5o) is drawn against the baseline's run of the
      // workload it is shown beside (W5s).
      const baseWorkload = summary.cell(group, workload, g.baseline) ? workload : beside;
      const baseValue = baseWorkload ? summary.median(group, baseWorkload, g.baseline, metric.key) : NaN;
      const bar = (w: WorkloadId, contender: string, label: string): ChartBar => {
        const s = summary.cell(group, w, contender)?.stats[metric.key];
        return {
          label,
          value: s?.median ?? NaN,
          min: s?.min,
          max: s?.max,
          kind: kindOf(group, contender),
          ratio: contender === g.baseline ? "1.00×" : fmtRatio((s?.median ?? NaN) / baseValue),
        };
      };
      const bars = summary
        .contenders(group, workload)
        .flatMap((c) => (beside ? [bar(beside, c, `${c} (${beside})`), bar(workload, c, `${c} (${workload})`)] : [bar(workload, c, c)]));
      if (baseWorkload && baseWorkload !== workload) bars.unshift(bar(baseWorkload, g.baseline, `${g.baseline} (${baseWorkload})`));
      const svg = renderChart({
        title: `${g.title}: ${spec.name}`,
        subtitle: `${metric.label}, ${metric.better} is better${Number.isFinite(baseValue) ? `; ratios to ${g.baseline} (dashed line)` : ""}`,
        unit: metric.label,
        ratioHeader: Number.isFinite(baseValue) ? `× ${g.baseline}` : "ratio",
        bars,
        baseline: Number.isFinite(baseValue) ? { value: baseValue, label: g.baseline } : undefined,
        footer,
      });
      const name = `${group}-${workload}.svg`;
      writeFileSync(join(dir, name), svg);
      written.push(name);
    }
  }
  return written;
}
