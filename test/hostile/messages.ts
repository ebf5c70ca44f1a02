import type { SessionOptions } from "../../src/index.js";

/**
 * What the test process and the victim process (victim.ts) say to each other over the IPC channel.
 * Everything here is plain JSON.
 */

/** What the victim's application does with each session (or connection) it gets. */
export type Behaviour =
  /** Accepts every stream, reads it to its end (discarding), then half-closes it. */
  | { app: "accept-loop" }
  /** Accepts every stream and never reads from it. */
  | { app: "accept-no-read" }
  /** Accepts every stream; reads those with an id below `below` to their end, never the others. */
  | { app: "read-low-ids"; below: number }
  /**
   * Never accepts. With `echoStream`, the application opens one stream of its own on each session,
   * writes "hello" on it (which sends its SYN) and echoes whatever comes back on it.
   */
  | { app: "no-accept"; echoStream?: boolean }
  /** Accepts the first `limit` streams of each session (never reading them), then never again. */
  | { app: "accept-then-stop"; limit: number }
  /** A typed session (so it answers heartbeat streams itself) with an accept loop as accept-loop's. */
  | { app: "typed" }
  /**
   * Accepts one stream and writes `total` bytes (default 1 GiB) to it in 64 KiB chunks, awaiting
   * each write; `bytesWritten` counts the writes that completed.
   */
  | { app: "write-1gib"; total?: number }
  /** No streamux at all: a plain node:net server that holds every connection (a baseline). */
  | { app: "net-hold" };

export interface VictimSetup {
  behaviour: Behaviour;
  /** Options of every server session (JSON-able ones only). */
  options?: SessionOptions;
}

/** Counters `until` can wait for. */
export type Counter =
  | "sessions"
  | "sessionsEnded"
  | "connections"
  | "accepted"
  | "streamsFinished"
  | "streamErrors"
  | "bytesRead"
  | "bytesWritten";

export interface MemoryFigures {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
  /** heapUsed + external: what a hostile peer can make the victim keep alive. */
  retained: number;
}

/** What the victim's sessions, streams and application went through so far. */
export interface VictimCounts {
  /** Streamux sessions started, and ended (with their close codes and reasons). */
  sessions: number;
  sessionsEnded: number;
  closeCodes: Record<string, number>;
  closes: Array<{ code: number; reason: string }>;
  /** Plain connections the net-hold server holds (opened, minus closed). */
  connections: number;
  accepted: number;
  /** Accepted streams read to their end and half-closed (accept-loop, typed). */
  streamsFinished: number;
  /** Accepted streams whose reads or writes failed, by MuxError code. */
  streamErrors: Record<string, number>;
  streamErrorCount: number;
  bytesRead: number;
  bytesWritten: number;
  /** A write of the write-1gib loop is waiting. */
  writePending: boolean;
  /** Unhandled promise rejections and uncaught exceptions seen in the victim. */
  unhandled: string[];
}

export interface VictimReport extends VictimCounts {
  /** Measured after forced garbage collection. */
  memory: MemoryFigures;
  /** The longest event-loop stall since the previous report, in ms. */
  maxStallMs: number;
}

export type Request =
  | { id: number; op: "report" }
  /** Replies with the counts once `counter` has reached `atLeast`, or fails after `timeoutMs`. */
  | { id: number; op: "until"; counter: Counter; atLeast: number; timeoutMs: number }
  | { id: number; op: "exit" };

export type Reply = { id: number; ok: true; report?: VictimReport | VictimCounts } | { id: number; ok: false; error: string };

/** The victim's first message: its server listens on 127.0.0.1 at `port`. */
export interface Ready {
  ready: true;
  port: number;
}
