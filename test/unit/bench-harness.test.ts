/**
 * The benchmark harness's own consistency: what groups.ts plans can run (every baseline is a
 * contender that runs every workload of its group, every workload is known), the goals name runs
 * that exist, and a chart is well-formed SVG with its labels escaped.
 */
import { describe, expect, it } from "vitest";
import { contendersFor, GROUP_IDS, GROUPS } from "../../bench/groups.js";
import { renderChart } from "../../bench/lib/chart.js";
import { goals } from "../../bench/lib/goals.js";
import { spread } from "../../bench/lib/stats.js";
import { Summary, type RunRecord } from "../../bench/lib/summary.js";
import { WORKLOADS, type WorkloadId } from "../../bench/workloads/index.js";

describe("bench/groups.ts", () => {
  for (const group of GROUP_IDS) {
    const g = GROUPS[group];
    it(`${group}: every workload is known, has contenders and (but for W5o) the baseline among them`, () => {
      for (const w of Object.keys(g.workloads) as WorkloadId[]) {
        expect(WORKLOADS[w], w).toBeDefined();
        const names = contendersFor(group, w, false);
        expect(names.length, w).toBeGreaterThan(0);
        for (const c of names) expect(g.contenders[c], `${w}/${c}`).toBeDefined();
        if (!g.workloads[w]!.beside) expect(names, w).toContain(g.baseline);
        expect(contendersFor(group, w, true).length, `${w} in --quick`).toBeGreaterThan(0);
      }
    });
  }
});

describe("bench goals", () => {
  it("measures every goal from a summary that has every planned run", () => {
    const records: RunRecord[] = [];
    for (const group of GROUP_IDS) {
      for (const workload of Object.keys(GROUPS[group].workloads) as WorkloadId[]) {
        for (const contender of contendersFor(group, workload, false)) {
          const metrics = Object.fromEntries(WORKLOADS[workload].metrics.map((m) => [m.key, 1]));
          records.push({ group, workload, contender, round: 1, ms: 1, result: { metrics } });
        }
      }
    }
    const summary = new Summary(records, (group, workload) => contendersFor(group, workload, false));
    for (const row of goals(summary)) expect(row.measured, row.goal).not.toBe("not measured");
  });
});

describe("bench charts", () => {
  it("draws well-formed SVG with escaped labels, a whisker and the baseline", () => {
    const svg = renderChart({
      title: "A <title> & more",
      subtitle: "MiB/s, higher is better",
      unit: "MiB/s",
      ratioHeader: "× raw",
      bars: [
        { label: "raw", value: 100, min: 90, max: 110, kind: "baseline", ratio: "1.00×" },
        { label: 'streamux "direct"', value: 95, min: 95, max: 95, kind: "streamux", ratio: "0.95×" },
      ],
      baseline: { value: 100, label: "raw" },
      footer: "test",
    });
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg).toContain("A &lt;title&gt; &amp; more");
    expect(svg).toContain("streamux &quot;direct&quot;");
    expect(svg).toContain("stroke-dasharray");
    // Tags balance: every opened element is closed.
    const opened = (svg.match(/<(svg|text|title)\b/g) ?? []).length;
    const closed = (svg.match(/<\/(svg|text|title)>/g) ?? []).length;
    expect(closed).toBe(opened);
  });

  it("takes medians and ranges of finite values only", () => {
    expect(spread([3, 1, NaN, 2, "x"])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([])).toBeNull();
  });
});
