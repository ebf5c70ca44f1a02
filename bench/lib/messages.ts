/**
 * What the runner and the processes of a run say to each other: one JSON object per line, on the
 * child's stdin (to it) and stdout (from it), each line starting with MESSAGE_PREFIX so that
 * anything else a runtime prints is kept as output and not taken for a message. Plain stdio works
 * the same in Node, Deno and Bun, which an IPC channel does not.
 */

export const MESSAGE_PREFIX = "@bench ";

/** A run's configuration, the child's one argument (JSON). */
export interface RunConfig {
  group: string;
  contender: string;
  workload: string;
  params: unknown;
  /** The child exits by itself after this long, whatever happens to the runner. */
  timeoutMs: number;
  /** --profile: where this process may write what it profiles itself (W6's heap snapshots). */
  profileDir?: string;
}

export type ToChild =
  | { type: "port"; port: number }
  | { type: "ask"; id: number; what: string; args?: unknown }
  | { type: "answer"; id: number; value?: unknown; error?: string }
  | { type: "stop" };

export type FromChild =
  | { type: "ready"; port: number }
  | { type: "ask"; id: number; what: string; args?: unknown }
  | { type: "answer"; id: number; value?: unknown; error?: string }
  | { type: "result"; result: RunResult }
  | { type: "error"; error: string };

/** What a client reports at the end of its run. */
export interface RunResult {
  metrics: Record<string, number>;
  /** streamux contenders: session.stats() of the client's session once the workload is done. */
  sessionStats?: unknown;
}

/** `value` as it will arrive through the channel, with undefined fields kept as null (JSON drops them). */
export function keepUndefined(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value, (_key, v: unknown) => (v === undefined ? null : v)));
}
