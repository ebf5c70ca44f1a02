/**
 * The command line of run.ts:
 *   --quick                 smaller sizes, 1 run (under two minutes)
 *   --runs N                runs per contender and workload (default 3; 1 with --quick)
 *   --groups a,b            groups to run: node-tcp, node-ws, deno, bun, chromium, or a runtime's
 *                           name for all its groups (node, deno, bun, chromium); default all
 *   --only W1,W2,codec      workloads to run (default: every workload of the groups, and codec)
 *   --contenders a,b        contenders to run (default: all; see groups.ts)
 *   --profile               write CPU profiles of every run to bench/results/profiles/
 *   --out FILE              the Markdown report (default bench/results/latest.md)
 */
import { parseArgs } from "node:util";
import { GROUP_IDS, GROUPS, type GroupId } from "../groups.js";
import { WORKLOADS } from "../workloads/index.js";

export interface Plan {
  quick: boolean;
  runs: number;
  groups: GroupId[];
  /** Workload ids (and "codec"). */
  workloads: string[];
  /** Null: every contender. */
  contenders: string[] | null;
  profile: boolean;
  out: string | undefined;
  help: boolean;
  /** Nothing was narrowed down: every group, workload and contender (and not --quick). */
  complete: boolean;
}

export const USAGE =
  "usage: npm run bench -- [--quick] [--runs N] [--groups node-tcp,node-ws,deno,bun,chromium] [--only W1,W1d,W2,W3,W4,W5,W5s,W5o,W6,W7,codec] [--contenders raw,streamux,...] [--profile] [--out FILE]";

export function parseCommandLine(argv: string[]): Plan {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      runs: { type: "string" },
      groups: { type: "string" },
      only: { type: "string" },
      contenders: { type: "string" },
      profile: { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  const list = (s: string) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);

  const groups: GroupId[] = [];
  for (const name of values.groups ? list(values.groups) : GROUP_IDS) {
    const matching = GROUP_IDS.filter((g) => g === name || GROUPS[g].client === name);
    if (!matching.length) throw new Error(`unknown group ${name} (known: ${GROUP_IDS.join(", ")}, or node, deno, bun, chromium)`);
    for (const g of matching) if (!groups.includes(g)) groups.push(g);
  }

  const workloads = values.only ? list(values.only) : [...Object.keys(WORKLOADS), "codec"];
  for (const w of workloads) {
    if (w !== "codec" && !(w in WORKLOADS)) throw new Error(`unknown workload ${w} (known: ${Object.keys(WORKLOADS).join(", ")}, codec)`);
  }

  const contenders = values.contenders ? list(values.contenders) : null;
  const known = new Set(GROUP_IDS.flatMap((g) => Object.keys(GROUPS[g].contenders)));
  for (const c of contenders ?? []) {
    if (!known.has(c)) throw new Error(`unknown contender ${c} (known: ${[...known].join(", ")})`);
  }

  const runs = values.runs ? Number(values.runs) : values.quick ? 1 : 3;
  if (!(Number.isInteger(runs) && runs > 0)) throw new Error("--runs must be a positive integer");
  return {
    quick: values.quick!,
    runs,
    groups,
    workloads,
    contenders,
    profile: values.profile!,
    out: values.out,
    help: values.help!,
    complete: !values.quick && !values.groups && !values.only && !values.contenders && !values.runs,
  };
}
