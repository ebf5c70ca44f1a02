/** What the benchmark page offers the runner (window.streamuxBench), shared so both sides agree. */
import type { RunResult } from "../../lib/messages.js";

export interface PageRun {
  workload: string;
  /** The page's side of a contender of the chromium group (groups.ts). */
  contender: string;
  params: unknown;
  kept: boolean;
}

export interface PageApi {
  /** Connects to the server that served the page, runs one workload, and reports. */
  run(run: PageRun): Promise<RunResult>;
}

declare global {
  interface Window {
    streamuxBench?: PageApi;
  }
}
