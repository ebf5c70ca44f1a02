/**
 * The side-by-side benchmark (`npm run bench`, after `npm run build`): every selected workload ×
 * contender × run in fresh server and client processes on 127.0.0.1, then the tables (stdout and
 * bench/results/latest.md) and the goals. Options: see lib/args.mjs
 * (`npm run bench -- --quick`, `npm run bench -- --only W1,W2 --contenders raw,streamux`).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { renderCodec } from "./codec.mjs";
import { CONTENDERS } from "./contenders/index.mjs";
import { parseCommandLine } from "./lib/args.mjs";
import { renderReport, summarize } from "./lib/report.mjs";
import { runPair } from "./lib/run-pair.mjs";
import { WORKLOADS } from "./workloads/index.mjs";

const argv = process.argv.slice(2);
let plan;
try {
  plan = parseCommandLine(argv);
} catch (err) {
  console.error(`${err.message}\nusage: see npm run bench -- --help`);
  process.exit(2);
}
if (plan.help) {
  console.log("usage: npm run bench -- [--quick] [--runs N] [--only W1,...,W6,codec] [--contenders raw,http2,http2-tuned,yamux,streamux,streamux-web,ws,streamux-ws] [--out FILE]");
  process.exit(0);
}
const outFile = plan.out ?? fileURLToPath(new URL("./results/latest.md", import.meta.url));
const log = (...args) => console.error(...args);
const started = Date.now();

/** Per run: the time a run may take before it is killed (generous: the machine may be shared). */
const RUN_TIMEOUT_MS = plan.quick ? 30_000 : 60_000;
/**
 * The whole command stays within this budget: a later round's run is skipped when the same run took
 * longer than the time left in the previous round. The first round always runs in full.
 */
const BUDGET_MS = (plan.quick ? 50 : 500) * 1000;
const CODEC_RESERVE_MS = plan.workloads.includes("codec") ? (plan.quick ? 5_000 : 15_000) : 0;

const results = new Map();
const lastDuration = new Map();
let skipped = 0;
// Rounds: run 1 of every workload and contender, then run 2, … so that a slow spell of the machine
// does not land on one contender only, and a cut for time takes the same from everyone.
for (let run = 1; run <= plan.runs; run++) {
  for (const workload of plan.workloads.filter((w) => WORKLOADS[w])) {
    const w = WORKLOADS[workload];
    for (const contender of plan.contenders.filter((c) => w.groups.includes(CONTENDERS[c].group))) {
      const key = `${workload}/${contender}`;
      if (!results.has(key)) results.set(key, []);
      const left = BUDGET_MS - CODEC_RESERVE_MS - (Date.now() - started);
      if (run > 1 && (lastDuration.get(key) ?? 0) > left) {
        skipped++;
        log(`${key} run ${run}/${plan.runs}: skipped (time budget)`);
        continue;
      }
      const t0 = Date.now();
      try {
        const metrics = await runPair({
          contender,
          workload,
          params: plan.quick ? w.quick : w.params,
          timeoutMs: RUN_TIMEOUT_MS,
        });
        results.get(key).push({ metrics });
        const p = w.metrics.find((m) => m.primary);
        log(`${key} run ${run}/${plan.runs}: ${p.label} ${metrics[p.key].toFixed(2)} (${Date.now() - t0} ms)`);
      } catch (err) {
        results.get(key).push({ error: String(err?.message ?? err) });
        log(`${key} run ${run}/${plan.runs}: FAILED ${String(err?.message ?? err).split("\n")[0]}`);
      }
      lastDuration.set(key, Date.now() - t0);
    }
  }
}

const extra = [];
if (plan.workloads.includes("codec")) {
  log("codec micro-benchmark");
  const codecArgs = [fileURLToPath(new URL("./codec.mjs", import.meta.url)), "--json", ...(plan.quick ? ["--quick"] : [])];
  const rows = JSON.parse(execFileSync(process.execPath, codecArgs, { encoding: "utf8", timeout: 120_000 }));
  extra.push({
    title: "Codec micro-benchmark (src/frame; large DATA through Output and the decoder is passed as views, not copied)",
    render: (format) => renderCodec(rows, format),
  });
}

/** The command as it was typed: through npm, or node directly. */
function command() {
  const args = argv.join(" ");
  if (process.env.npm_lifecycle_event === "bench") return `npm run bench${args ? ` -- ${args}` : ""}`;
  return `node bench/run.mjs${args ? ` ${args}` : ""}`;
}

const summary = summarize(results, plan);
const cpus = os.cpus();
const header = [
  `Command: ${command()}`,
  `Date: ${new Date(started).toISOString()}`,
  `Node ${process.version}, ${os.platform()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model?.trim() ?? "cpu"}`,
  `Mode: ${plan.quick ? "quick (smaller sizes)" : "full"}, ${plan.runs} run(s) per contender and workload, fresh processes per run; cells are median [min–max]`,
  `Duration: ${((Date.now() - started) / 1000).toFixed(0)} s${skipped ? ` (${skipped} run(s) skipped to stay within ${BUDGET_MS / 1000} s)` : ""}`,
];
const notes = [
  "Server and client are separate Node processes on 127.0.0.1; TCP_NODELAY on every TCP socket.",
  "raw opens one TCP connection per stream; raw ws one WebSocket per stream (W1: one socket).",
  "streamux: driven through read()/write()/closeWrite(); streamux-web through its WHATWG readable/writable; acceptBacklog 65536 (bursts of up to 10,000 new streams); yamux: stream limits raised above its 1,000 default (W6) and a silent logger; otherwise defaults.",
  "W5 alternates idle and loaded segments on the same session (stream B open throughout, quiet while idle).",
  "W6 counts heapUsed after gc() over a baseline taken after one warm-up stream; it includes the benchmark's small per-stream reading state (one object and its read callback) on both sides.",
];
console.log(renderReport(summary, { format: "text", header, notes, extra }));
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, renderReport(summary, { format: "md", header, notes, extra }) + "\n");
log(`written ${outFile}`);
