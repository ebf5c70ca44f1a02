/**
 * The report, as aligned text (stdout) or Markdown (bench/results/latest.md): per group, a
 * contender × workload summary and a table per workload (median [min–max] over the runs, the
 * primary metric's ratio to the group's baseline and, where there are several multiplexers, to the
 * best of the others), then the goals, the streamux session snapshot, what was skipped or failed,
 * and any extra sections (the codec).
 */
import { GROUPS, type GroupId } from "../groups.js";
import { primaryMetric, workloadSpec, type MetricSpec, type WorkloadId } from "../workloads/index.js";
import { goals } from "./goals.js";
import type { Spread } from "./stats.js";
import type { Summary } from "./summary.js";
import { fmt, fmtRatio, renderTable, type Format } from "./table.js";

export interface ReportInput {
  summary: Summary;
  groups: GroupId[];
  quick: boolean;
  header: string[];
  notes: string[];
  /** Groups not run, and why. */
  skipped: Array<{ group: GroupId; reason: string }>;
  /** The session.stats() snapshot to show, and where it was taken. */
  snapshot: { where: string; stats: unknown } | null;
  extra: Array<{ title: string; render(format: Format): string }>;
}

function spreadText(s: Spread | null | undefined, failed: number): string {
  if (!s) return failed ? "failed" : "—";
  const base = s.n > 1 ? `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]` : fmt(s.median);
  return failed ? `${base} (${failed} failed)` : base;
}

const arrow = (m: MetricSpec) => (m.better === "higher" ? "↑" : "↓");

/** The best primary value among the group's contenders other than `self` and the baseline. */
function bestPeer(summary: Summary, group: GroupId, workload: WorkloadId, self: string): { c: string; v: number } | undefined {
  const metric = primaryMetric(workload);
  let best: { c: string; v: number } | undefined;
  for (const c of summary.contenders(group, workload)) {
    if (c === self || c === GROUPS[group].baseline || GROUPS[group].contenders[c]?.kept) continue;
    const v = summary.median(group, workload, c, metric.key);
    if (!Number.isFinite(v)) continue;
    if (!best || (metric.better === "higher" ? v > best.v : v < best.v)) best = { c, v };
  }
  return best;
}

function workloadTable(summary: Summary, group: GroupId, workload: WorkloadId, format: Format): string {
  const g = GROUPS[group];
  const primary = primaryMetric(workload);
  const beside = g.workloads[workload]?.beside;
  const contenders = summary.contenders(group, workload);
  // A metric nobody in the group measured (CPU in the page) gets no column.
  const metrics = workloadSpec(workload).metrics.filter((m) => contenders.some((c) => summary.cell(group, workload, c)?.stats[m.key]));
  const peers = contenders.filter((c) => c !== g.baseline && !g.contenders[c]?.kept).length > 1;
  const headers = [
    "contender",
    ...metrics.map((m) => `${m.label} ${arrow(m)}`),
    ...(beside ? [`${primary.label} in ${beside}`] : []),
    `${primary.label} ×${g.baseline}`,
    ...(peers ? [`${primary.label} ×best peer`] : []),
  ];
  const rows = contenders.map((c) => {
    const cell = summary.cell(group, workload, c)!;
    const peer = bestPeer(summary, group, workload, c);
    return [
      c,
      ...metrics.map((m) => spreadText(cell.stats[m.key], cell.failed)),
      ...(beside ? [spreadText(summary.cell(group, beside, c)?.stats[primary.key], 0)] : []),
      c === g.baseline ? "1.00×" : fmtRatio(summary.ratio(group, workload, c)),
      ...(peers ? [peer ? `${fmtRatio(summary.median(group, workload, c, primary.key) / peer.v)} (${peer.c})` : "—"] : []),
    ];
  });
  return renderTable(headers, rows, format);
}

function matrix(summary: Summary, group: GroupId, format: Format): string | null {
  const workloads = summary.workloads(group);
  const contenders = Object.keys(GROUPS[group].contenders).filter((c) => workloads.some((w) => summary.cell(group, w, c)));
  if (!workloads.length || !contenders.length) return null;
  const headers = ["contender", ...workloads.map((w) => `${w} ${primaryMetric(w).label} ${arrow(primaryMetric(w))}`)];
  const rows = contenders.map((c) => [
    c,
    ...workloads.map((w) => {
      const cell = summary.cell(group, w, c);
      return cell ? spreadText(cell.stats[primaryMetric(w).key], cell.failed) : "—";
    }),
  ]);
  return renderTable(headers, rows, format);
}

export function renderReport(input: ReportInput, format: Format): string {
  const { summary } = input;
  const out: string[] = [];
  const h = (level: number, text: string) =>
    out.push(format === "md" ? `${"#".repeat(level)} ${text}\n` : `\n${text}\n${(level <= 2 ? "=" : "-").repeat(text.length)}`);
  const block = (text: string) => out.push(format === "md" ? `${text}\n` : text);

  if (format === "md") block(`# streamux benchmark\n\n${input.header.join("  \n")}\n\n${input.notes.map((n) => `- ${n}`).join("\n")}\n`);
  else block([...input.header, ...input.notes.map((n) => `- ${n}`)].join("\n"));

  for (const group of input.groups) {
    const g = GROUPS[group];
    const workloads = summary.workloads(group);
    if (!workloads.length) continue;
    h(2, `${g.title} (baseline: ${g.baseline})`);
    block(
      Object.entries(g.contenders)
        .filter(([c]) => workloads.some((w) => summary.cell(group, w, c)))
        .map(([c, e]) => (format === "md" ? `- \`${c}\`: ${e.label}` : `- ${c}: ${e.label}`))
        .join("\n") + (format === "md" ? "\n" : ""),
    );
    const m = matrix(summary, group, format);
    if (m) {
      h(3, "Summary: contender × workload (primary metric, median [min–max])");
      block(m);
    }
    for (const w of workloads) {
      const entry = g.workloads[w]!;
      h(3, workloadSpec(w).title(input.quick ? entry.quick : entry.params));
      block(workloadTable(summary, group, w, format));
    }
  }

  h(2, "Goals (streamux, ratios of medians)");
  block(
    renderTable(
      ["goal", "measured", "target", "verdict", "beside"],
      goals(summary).map((r) => [r.goal, r.measured, r.target, r.verdict, r.note]),
      format,
    ),
  );

  if (input.snapshot) {
    h(2, `A streamux session.stats() snapshot (${input.snapshot.where})`);
    const json = JSON.stringify(input.snapshot.stats, null, 2);
    block(format === "md" ? `\`\`\`json\n${json}\n\`\`\`` : json);
  }

  if (input.skipped.length) {
    h(2, "Skipped");
    block(input.skipped.map((s) => `- ${s.group}: ${s.reason}`).join("\n"));
  }
  const failures = summary.records.filter((r) => r.error);
  if (failures.length) {
    h(2, "Failed runs");
    block(
      failures
        .map((r) => `- ${r.group}/${r.workload}/${r.contender} run ${r.round}: ${r.error!.split("\n").slice(0, 6).join(" | ")}`)
        .join("\n"),
    );
  }
  for (const section of input.extra) {
    h(2, section.title);
    block(section.render(format));
  }
  return out.join("\n");
}
