/** The runs of one command, summarised per group, workload and contender: median [min–max] of every metric over the runs. */
import { contendersFor, GROUPS, type GroupId } from "../groups.js";
import { workloadSpec, type WorkloadId } from "../workloads/index.js";
import type { RunResult } from "./messages.js";
import { spread, type Spread } from "./stats.js";

export interface RunRecord {
  group: GroupId;
  workload: WorkloadId;
  contender: string;
  round: number;
  /** Wall time of the run, processes included. */
  ms: number;
  result?: RunResult;
  error?: string;
}

export interface Cell {
  stats: Record<string, Spread | null>;
  runs: number;
  failed: number;
  errors: string[];
  /** The last run's streamux session.stats(), if the contender keeps any. */
  sessionStats?: unknown;
}

export class Summary {
  private readonly cells = new Map<string, Cell>();

  constructor(
    readonly records: RunRecord[],
    /** The contenders each group ran, per workload, in the group's order. */
    private readonly ran: (group: GroupId, workload: WorkloadId) => string[],
  ) {
    const byKey = new Map<string, RunRecord[]>();
    for (const r of records) {
      const key = `${r.group}/${r.workload}/${r.contender}`;
      byKey.set(key, [...(byKey.get(key) ?? []), r]);
    }
    for (const [key, runs] of byKey) {
      const workload = key.split("/")[1]!;
      const ok = runs.filter((r) => r.result);
      const stats: Record<string, Spread | null> = {};
      for (const m of workloadSpec(workload).metrics) stats[m.key] = spread(ok.map((r) => r.result!.metrics[m.key]));
      const withStats = ok.filter((r) => r.result!.sessionStats !== undefined);
      this.cells.set(key, {
        stats,
        runs: runs.length,
        failed: runs.length - ok.length,
        errors: runs.filter((r) => r.error).map((r) => r.error!),
        sessionStats: withStats.at(-1)?.result?.sessionStats,
      });
    }
  }

  cell(group: GroupId, workload: WorkloadId, contender: string): Cell | undefined {
    return this.cells.get(`${group}/${workload}/${contender}`);
  }

  median(group: GroupId, workload: WorkloadId, contender: string, key: string): number {
    return this.cell(group, workload, contender)?.stats[key]?.median ?? NaN;
  }

  /** The contenders that ran `workload` in `group`, in the group's order. */
  contenders(group: GroupId, workload: WorkloadId): string[] {
    return this.ran(group, workload).filter((c) => this.cell(group, workload, c));
  }

  /** The workloads `group` ran, in the order of its entry. */
  workloads(group: GroupId): WorkloadId[] {
    return (Object.keys(GROUPS[group].workloads) as WorkloadId[]).filter((w) => this.contenders(group, w).length > 0);
  }

  /** The ratio of `contender`'s primary metric to the group's baseline's, in `workload`. */
  ratio(group: GroupId, workload: WorkloadId, contender: string, to = GROUPS[group].baseline): number {
    const key = workloadSpec(workload).metrics.find((m) => m.primary)!.key;
    return this.median(group, workload, contender, key) / this.median(group, workload, to, key);
  }
}

/** Every contender of `group` that runs `workload` (in --quick or in full), narrowed to `only` if given. */
export function plannedContenders(group: GroupId, workload: WorkloadId, only: string[] | null, quick: boolean): string[] {
  return contendersFor(group, workload, quick).filter((c) => !only || only.includes(c));
}
