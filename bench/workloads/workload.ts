/** What a workload is given and returns, in every runtime (Node, Deno and Bun processes, and the page). */
import type { BenchConnection } from "../lib/bench-stream.js";

/** A run's measurements, by metric key (see index.ts for what each means). */
export type Metrics = Record<string, number>;

export interface WorkloadContext {
  /** Puts a question to the server process (its CPU over the last upload, its heap); not in the page. */
  ask?(what: string, args?: unknown): Promise<any>;
  /** process.cpuUsage() where the runtime has it (microseconds, since `previous`); not in the page. */
  cpuUsage?(previous?: { user: number; system: number }): { user: number; system: number };
  /**
   * Heap in use after full collections; Node processes only (run with --expose-gc). Under
   * --profile it also writes a heap snapshot named `snapshot`.
   */
  settledHeap?(snapshot?: string): Promise<number>;
  /**
   * The contender answers requests on a connection kept open instead of a stream per request: W2
   * and W3 become 64-byte round trips on one echo stream per worker, W7 sequential echoes on one
   * stream. It is how raw connections and raw WebSocket messages are used for request/response.
   */
  kept: boolean;
}

export type WorkloadRun<P> = (conn: BenchConnection, params: P, ctx: WorkloadContext) => Promise<Metrics>;
