/**
 * The side-by-side benchmark (`npm run bench`: build the package, compile this with `tsc -p
 * bench`, run bench/.build/bench/run.js): every selected group × workload × contender × run, each
 * run in fresh processes on 127.0.0.1 (for the browser group, a fresh Chromium context against a
 * fresh Node server), then the tables (stdout and bench/results/latest.md), the raw runs
 * (bench/results/latest.json), a chart per workload (bench/results/*.svg; a complete full run
 * also copies them to docs/bench/) and the goals. Options: lib/args.ts.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { renderCodec, runCodec } from "./codec.js";
import { GROUPS, type GroupId } from "./groups.js";
import { parseCommandLine, USAGE, type Plan } from "./lib/args.js";
import { BrowserHost } from "./lib/browser-host.js";
import { writeCharts } from "./lib/charts.js";
import { buildPage } from "./lib/page-build.js";
import { docsChartsDir, resultsDir } from "./lib/paths.js";
import { renderReport } from "./lib/report.js";
import { runPair } from "./lib/run-pair.js";
import { unavailable } from "./lib/runtimes.js";
import { plannedContenders, Summary, type RunRecord } from "./lib/summary.js";
import { versions } from "./lib/versions.js";
import { primaryMetric, type WorkloadId } from "./workloads/index.js";

const argv = process.argv.slice(2);
let plan: Plan;
try {
  plan = parseCommandLine(argv);
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (plan.help) {
  console.log(USAGE);
  process.exit(0);
}

const log = (...args: unknown[]) => console.error(...args);
const started = Date.now();
const loadAtStart = os.loadavg()[0]!;

/** A run that takes longer than this is killed and counts as failed (generous: the machine may be shared). */
const RUN_TIMEOUT_MS = plan.quick ? 30_000 : 60_000;
/**
 * The runs stay within this budget: a later round's run is skipped when the same run took longer
 * than the time left, and once the budget is spent nothing new starts (a machine busy with other
 * work can make a round alone take longer). With the build, the page and the codec around it, the
 * whole command stays under 10 minutes (2 with --quick).
 */
const BUDGET_MS = (plan.quick ? 90 : 500) * 1000;
const wantsCodec = plan.workloads.includes("codec");

// Which groups can run here at all.
const skipped: Array<{ group: GroupId; reason: string }> = [];
const groups: GroupId[] = [];
for (const group of plan.groups) {
  const g = GROUPS[group];
  const reason = (await unavailable(g.client)) ?? (await unavailable(g.server));
  if (reason) {
    skipped.push({ group, reason });
    log(`${group}: skipped (${reason})`);
  } else groups.push(group);
}

// The browser group: its page, and a browser that starts.
let pageDir: string | undefined;
let browser: BrowserHost | undefined;
if (groups.includes("chromium")) {
  try {
    pageDir = await buildPage();
    browser = new BrowserHost();
    await browser.start();
  } catch (err) {
    groups.splice(groups.indexOf("chromium"), 1);
    skipped.push({ group: "chromium", reason: (err as Error).message.split("\n")[0]! });
    log(`chromium: skipped (${(err as Error).message.split("\n")[0]})`);
  }
}

interface Job {
  group: GroupId;
  workload: WorkloadId;
  contender: string;
}
const jobs: Job[] = [];
for (const group of groups) {
  for (const workload of Object.keys(GROUPS[group].workloads) as WorkloadId[]) {
    if (!plan.workloads.includes(workload)) continue;
    for (const contender of plannedContenders(group, workload, plan.contenders, plan.quick)) jobs.push({ group, workload, contender });
  }
}

const profileRoot = join(resultsDir, "profiles");
if (plan.profile) rmSync(profileRoot, { recursive: true, force: true });

const records: RunRecord[] = [];
const lastDuration = new Map<string, number>();
let skippedRuns = 0;
// Rounds: run 1 of every job, then run 2, … so that a slow spell of the machine does not land on
// one contender only, and a cut for time takes the same from everyone.
for (let round = 1; round <= plan.runs; round++) {
  for (const { group, workload, contender } of jobs) {
    const key = `${group}/${workload}/${contender}`;
    const left = BUDGET_MS - (Date.now() - started);
    if (left <= 0 || (round > 1 && (lastDuration.get(key) ?? 0) > left)) {
      skippedRuns++;
      log(`${key} run ${round}/${plan.runs}: skipped (time budget)`);
      continue;
    }
    const entry = GROUPS[group].workloads[workload]!;
    const t0 = Date.now();
    const record: RunRecord = { group, workload, contender, round, ms: 0 };
    try {
      record.result = await runPair({
        group,
        contender,
        workload,
        params: plan.quick ? entry.quick : entry.params,
        timeoutMs: RUN_TIMEOUT_MS,
        profileDir: plan.profile ? join(profileRoot, `${group}-${workload}-${contender}-${round}`) : undefined,
        pageDir,
        browser,
      });
      const p = primaryMetric(workload);
      log(`${key} run ${round}/${plan.runs}: ${p.label} ${record.result.metrics[p.key]?.toFixed(2)} (${Date.now() - t0} ms)`);
    } catch (err) {
      record.error = String((err as Error)?.message ?? err);
      log(`${key} run ${round}/${plan.runs}: FAILED ${record.error.split("\n")[0]}`);
    }
    record.ms = Date.now() - t0;
    lastDuration.set(key, record.ms);
    records.push(record);
  }
}
await browser?.close();

const extra = [];
if (wantsCodec) {
  log("codec micro-benchmark");
  const rows = runCodec({ quick: plan.quick });
  extra.push({
    title: "Codec micro-benchmark (src/frame; large DATA through Output and the decoder is passed as views, not copied)",
    render: (format: "text" | "md") => renderCodec(rows, format),
  });
}

/** The command as it was typed: through npm, or node directly. */
function command(): string {
  const args = argv.join(" ");
  if (process.env.npm_lifecycle_event === "bench") return `npm run bench${args ? ` -- ${args}` : ""}`;
  return `node bench/.build/bench/run.js${args ? ` ${args}` : ""}`;
}

const summary = new Summary(records, (group, workload) => plannedContenders(group, workload, plan.contenders, plan.quick));
const snapshotCell = summary.cell("node-tcp", "W3", "streamux");
const cpus = os.cpus();
const date = new Date(started).toISOString();
const header = [
  `Command: ${command()}`,
  `Date: ${date}`,
  `Machine: ${os.platform()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model?.trim() ?? "cpu"}; load average ${loadAtStart.toFixed(2)} at the start, ${os.loadavg()[0]!.toFixed(2)} at the end`,
  `Runtimes: ${await versions(groups)}`,
  `Mode: ${plan.quick ? "quick (smaller sizes)" : "full"}, ${plan.runs} run(s) per contender and workload, fresh processes per run; cells are median [min–max]`,
  `Duration: ${((Date.now() - started) / 1000).toFixed(0)} s${skippedRuns ? ` (${skippedRuns} run(s) skipped to stay within ${BUDGET_MS / 1000} s)` : ""}`,
];
const notes = [
  "Server and client are separate processes on 127.0.0.1 (Node, Deno or Bun as the group says); TCP_NODELAY on every TCP socket. The browser group's client is a page in a fresh Chromium context (a fresh renderer process) per run, against a fresh Node server process that also serves the page.",
  "raw opens one connection per stream (a new connection per request in W2 and W3); raw-kept does W2 as 64-byte round trips on one connection kept open. The browser's raw WebSocket does W1/W1d on a socket per transfer and W2/W7 on one kept socket (a 64-byte message round trip; 100 sequential 256 KiB message echoes).",
  "streamux: driven through read()/write()/closeWrite(); streamux-web through its WHATWG readable/writable (the Node server of the browser group always uses read()/write()); acceptBacklog 65536; otherwise defaults. yamux: stream limits raised above its 1,000 default (W6) and a silent logger.",
  "W5 alternates idle and loaded segments on the same session; W5s loads it with a saturating upload at equal sendOrder, W5o gives the ping stream the higher sendOrder.",
  "W6 counts heapUsed after gc() over a baseline taken after one warm-up stream; it includes the benchmark's small per-stream reading state on both sides.",
];
const input = {
  summary,
  groups,
  quick: plan.quick,
  header,
  notes,
  skipped,
  snapshot: snapshotCell?.sessionStats
    ? { where: "node-tcp, the client's session at the end of W3 rpc-par", stats: snapshotCell.sessionStats }
    : null,
  extra,
};
console.log(renderReport(input, "text"));

const outFile = plan.out ?? join(resultsDir, "latest.md");
mkdirSync(dirname(outFile), { recursive: true });
mkdirSync(resultsDir, { recursive: true });
writeFileSync(outFile, `${renderReport(input, "md")}\n`);
writeFileSync(join(resultsDir, "latest.json"), `${JSON.stringify({ command: command(), date, quick: plan.quick, records }, null, 1)}\n`);
// Charts of earlier commands would mix with these: the results directory holds one command's.
for (const name of readdirSync(resultsDir)) if (name.endsWith(".svg")) rmSync(join(resultsDir, name));
const charts = writeCharts(
  summary,
  groups,
  resultsDir,
  `${command()} · ${date.slice(0, 10)} · median of up to ${plan.runs} runs, whiskers min–max`,
);
log(`written ${outFile}, bench/results/latest.json and ${charts.length} charts in bench/results/`);
if (plan.complete && skipped.length === 0) {
  mkdirSync(docsChartsDir, { recursive: true });
  for (const name of readdirSync(docsChartsDir)) if (name.endsWith(".svg")) rmSync(join(docsChartsDir, name));
  for (const name of charts) copyFileSync(join(resultsDir, name), join(docsChartsDir, name));
  log(`copied the charts to docs/bench/`);
}
process.exit(0);
