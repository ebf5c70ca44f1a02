/**
 * The report: per workload, a table of contenders (median [min–max] over the runs, ratios of the
 * primary metric to the group's baseline and to the best peer), a contender × workload summary, and
 * the goals streamux is held to.
 */
import { BASELINE, CONTENDERS } from "../contenders/index.mjs";
import { WORKLOADS } from "../workloads/index.mjs";
import { spread } from "./stats.mjs";
import { fmt, fmtRatio, renderTable } from "./table.mjs";

const GROUP_TITLES = { tcp: "over TCP (baseline: raw)", ws: "over WebSocket (baseline: raw ws)" };

/** results: Map "workload/contender" -> [{ metrics } | { error }] */
export function summarize(results, plan) {
  const cells = {};
  for (const [key, runs] of results) {
    const [workload, contender] = key.split("/");
    const ok = runs.filter((r) => r.metrics);
    const stats = {};
    for (const m of WORKLOADS[workload].metrics) stats[m.key] = spread(ok.map((r) => r.metrics[m.key]));
    cells[key] = { workload, contender, stats, failed: runs.length - ok.length, errors: runs.filter((r) => r.error).map((r) => r.error) };
  }
  return { cells, plan };
}

function cellOf(summary, workload, contender) {
  return summary.cells[`${workload}/${contender}`];
}

function median(summary, workload, contender, key) {
  return cellOf(summary, workload, contender)?.stats[key]?.median;
}

function spreadText(s, failed) {
  if (!s) return failed ? "failed" : "—";
  const base = s.n > 1 ? `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]` : fmt(s.median);
  return failed ? `${base} (${failed} failed)` : base;
}

function contendersOf(summary, group) {
  return summary.plan.contenders.filter((c) => CONTENDERS[c].group === group);
}

/** The best value of `key` among the group's multiplexers other than `self` and the baseline. */
function bestPeer(summary, workload, group, self, metric) {
  let best;
  for (const c of contendersOf(summary, group)) {
    if (c === self || c === BASELINE[group]) continue;
    const v = median(summary, workload, c, metric.key);
    if (!Number.isFinite(v)) continue;
    if (best === undefined || (metric.better === "higher" ? v > best.v : v < best.v)) best = { c, v };
  }
  return best;
}

function workloadTable(summary, workload, group, format) {
  const w = WORKLOADS[workload];
  const primary = w.metrics.find((m) => m.primary);
  const headers = [
    "contender",
    ...w.metrics.map((m) => `${m.label} ${m.better === "higher" ? "↑" : "↓"}`),
    `${primary.label} ×${BASELINE[group]}`,
    `${primary.label} ×best peer`,
  ];
  const rows = [];
  for (const c of contendersOf(summary, group)) {
    const cell = cellOf(summary, workload, c);
    if (!cell) continue;
    const v = cell.stats[primary.key]?.median;
    const base = median(summary, workload, BASELINE[group], primary.key);
    const peer = bestPeer(summary, workload, group, c, primary);
    rows.push([
      c,
      ...w.metrics.map((m) => spreadText(cell.stats[m.key], cell.failed)),
      c === BASELINE[group] ? "1.00×" : fmtRatio(v / base),
      peer ? `${fmtRatio(v / peer.v)} (${peer.c})` : "—",
    ]);
  }
  return rows.length ? renderTable(headers, rows, format) : null;
}

function matrix(summary, group, format) {
  const workloads = summary.plan.workloads.filter((w) => WORKLOADS[w]?.groups.includes(group));
  const headers = [
    "contender",
    ...workloads.map((w) => {
      const p = WORKLOADS[w].metrics.find((m) => m.primary);
      return `${w} ${p.label} ${p.better === "higher" ? "↑" : "↓"}`;
    }),
  ];
  const rows = contendersOf(summary, group).map((c) => [
    c,
    ...workloads.map((w) => {
      const p = WORKLOADS[w].metrics.find((m) => m.primary);
      const cell = cellOf(summary, w, c);
      return cell ? spreadText(cell.stats[p.key], cell.failed) : "—";
    }),
  ]);
  return workloads.length && rows.length ? renderTable(headers, rows, format) : null;
}

/** The goals, as [goal, measured, target, verdict]. */
export function goals(summary) {
  const m = (w, c, k) => median(summary, w, c, k);
  const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) ? a / b : NaN);
  const list = [
    ["W1 bulk MiB/s vs raw", ratio(m("W1", "streamux", "mibps"), m("W1", "raw", "mibps")), ">=", 0.85, "×"],
    ["W2 rpc-seq ops/s vs yamux", ratio(m("W2", "streamux", "opsPerSec"), m("W2", "yamux", "opsPerSec")), ">=", 1.2, "×"],
    ["W3 rpc-par ops/s vs yamux", ratio(m("W3", "streamux", "opsPerSec"), m("W3", "yamux", "opsPerSec")), ">=", 1.5, "×"],
    ["W4 fan MiB/s vs raw", ratio(m("W4", "streamux", "mibps"), m("W4", "raw", "mibps")), ">=", 0.9, "×"],
    ["W5 loaded p99 / idle p99", m("W5", "streamux", "p99Ratio"), "<=", 1.5, "×"],
    ["W6 heap per idle stream, client", m("W6", "streamux", "clientBytesPerStream"), "<=", 2000, " B"],
    ["W6 heap per idle stream, server", m("W6", "streamux", "serverBytesPerStream"), "<=", 2000, " B"],
    ["WebSocket W1 MiB/s vs raw ws", ratio(m("W1", "streamux-ws", "mibps"), m("W1", "ws", "mibps")), ">=", 0.85, "×"],
  ];
  return list.map(([goal, value, op, target, unit]) => {
    const measured = Number.isFinite(value);
    const met = measured && (op === ">=" ? value >= target : value <= target);
    const show = (x) => (unit === "×" ? `${x.toFixed(2)}×` : `${fmt(x)}${unit}`);
    return [goal, measured ? show(value) : "not measured", `${op === ">=" ? "≥" : "≤"} ${show(target)}`, measured ? (met ? "met" : "MISSED") : "—"];
  });
}

/** The whole report as text or Markdown. `extra` sections (the codec) are appended as given. */
export function renderReport(summary, { format, header, notes = [], extra = [] }) {
  const out = [];
  const h = (level, text) =>
    out.push(format === "md" ? `${"#".repeat(level)} ${text}\n` : `\n${text}\n${(level === 2 ? "=" : "-").repeat(text.length)}`);
  const block = (text) => out.push(format === "md" ? `${text}\n` : text);
  const wrap = (table) => (format === "md" ? `${table}\n` : table);

  if (format === "md") block(`# streamux benchmark\n\n${header.join("  \n")}\n\n${notes.map((n) => `- ${n}`).join("\n")}\n`);
  else block([...header, ...notes.map((n) => `- ${n}`)].join("\n"));

  for (const group of ["tcp", "ws"]) {
    const tables = summary.plan.workloads
      .filter((w) => WORKLOADS[w]?.groups.includes(group))
      .map((w) => [w, workloadTable(summary, w, group, format)])
      .filter(([, t]) => t);
    if (!tables.length) continue;
    h(2, `Workloads ${GROUP_TITLES[group]}`);
    const summaryTable = matrix(summary, group, format);
    if (summaryTable) {
      h(3, "Summary: contender × workload (primary metric, median [min–max])");
      block(wrap(summaryTable));
    }
    for (const [w, t] of tables) {
      h(3, WORKLOADS[w].title(summary.plan.quick ? WORKLOADS[w].quick : WORKLOADS[w].params));
      block(wrap(t));
    }
  }

  const failures = Object.values(summary.cells).filter((c) => c.errors.length);
  if (failures.length) {
    h(2, "Failed runs");
    for (const c of failures) block(`${c.workload}/${c.contender}: ${c.errors[0].split("\n").slice(0, 6).join(" | ")}`);
  }

  h(2, "Goals (streamux, medians)");
  block(wrap(renderTable(["goal", "measured", "target", "verdict"], goals(summary), format)));
  for (const section of extra) {
    h(2, section.title);
    block(wrap(section.render(format)));
  }
  return out.join("\n");
}
