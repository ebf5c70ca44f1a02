/**
 * The command line of run.mjs:
 *   --quick                 smaller sizes, 1 run (under a minute)
 *   --runs N                runs per contender and workload (default 3; 1 with --quick)
 *   --only W1,W2,codec      workloads to run (default: W1..W6 and codec)
 *   --contenders a,b        contenders to run (default: all; see contenders/index.mjs)
 *   --out FILE              the Markdown report (default bench/results/latest.md)
 */
import { parseArgs } from "node:util";
import { CONTENDERS } from "../contenders/index.mjs";
import { WORKLOADS } from "../workloads/index.mjs";

export function parseCommandLine(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      runs: { type: "string" },
      only: { type: "string" },
      contenders: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  const list = (s) => s.split(",").map((x) => x.trim()).filter(Boolean);
  const workloads = values.only ? list(values.only) : [...Object.keys(WORKLOADS), "codec"];
  for (const w of workloads) {
    if (w !== "codec" && !WORKLOADS[w]) throw new Error(`unknown workload ${w} (known: ${Object.keys(WORKLOADS)}, codec)`);
  }
  const contenders = values.contenders ? list(values.contenders) : Object.keys(CONTENDERS);
  for (const c of contenders) {
    if (!CONTENDERS[c]) throw new Error(`unknown contender ${c} (known: ${Object.keys(CONTENDERS)})`);
  }
  const runs = values.runs ? Number(values.runs) : values.quick ? 1 : 3;
  if (!(Number.isInteger(runs) && runs > 0)) throw new Error(`--runs must be a positive integer`);
  return { quick: values.quick, runs, workloads, contenders, out: values.out, help: values.help };
}
