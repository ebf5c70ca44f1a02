import { expect } from "vitest";
import type { Session, SessionCloseInfo } from "../../src/index.js";
import { dial, listen } from "../../src/adapters/node.js";
import { echoBothWays, type LoadOptions, type LoadResult } from "./echo-load.js";
import type { PeerReport } from "./echo-peer.js";
import type { Exit, RuntimeProcess } from "./runner.js";

/**
 * The Node half of a cross-runtime matrix pair (the other half is ../runtimes/<runtime>/echo-peer.ts
 * in its own process). Both halves run the same load both ways; the outcome of each is returned
 * for the test to assert on, and the child's output goes with every failure.
 */

/** 50 streams × 256 KiB each way, from each side: 12.5 MiB opened by either peer. */
export const MATRIX_LOAD = { streams: 50, bytes: 256 * 1024 } as const;

/** Arguments of echo-peer.ts for the other side. */
export function peerArgs(role: "client" | "server", port: number): string[] {
  return [role, String(port), String(MATRIX_LOAD.streams), String(MATRIX_LOAD.bytes)];
}

export interface MatrixOutcome {
  /** What the Node side measured. */
  node: { load: LoadResult; closed: SessionCloseInfo };
  /** What the other runtime printed. */
  peer: PeerReport;
  exit: Exit;
}

/** The Node side's load: seed 2 as a server, 1 as a client, as echo-peer.ts does. */
function nodeLoad(role: "client" | "server"): LoadOptions {
  return { ...MATRIX_LOAD, seed: role === "client" ? 1 : 2 };
}

/** How long this side may still take once the peer finished and exited cleanly (its last bytes are in flight). */
const AFTER_PEER_EXIT_MS = 10_000;

/**
 * `promise`, unless the child fails first: a failed child fails at once, with its output. A child
 * that finished its part and exited cleanly may well be gone before this side has read the last
 * bytes, so then `promise` still gets AFTER_PEER_EXIT_MS.
 */
async function orChildExit<T>(child: RuntimeProcess, promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let settled = false;
  const failed = child.exited.then(async (exit) => {
    if (settled) return new Promise<never>(() => {});
    const clean = exit.code === 0 && !exit.timedOut;
    if (clean) await new Promise((resolve) => (timer = setTimeout(resolve, AFTER_PEER_EXIT_MS)));
    const how = exit.timedOut ? "timed out" : `code ${exit.code}`;
    throw new Error(`the peer process ended (${how}) before ${what}${clean ? ` and ${AFTER_PEER_EXIT_MS} ms passed` : ""}\n${child.output()}`);
  });
  failed.catch(() => {});
  try {
    return await Promise.race([promise, failed]);
  } finally {
    settled = true;
    clearTimeout(timer);
  }
}

/** A Node server (streamux/node listen()); the child is the client, started with the port. */
export async function nodeServer(startClient: (port: number) => Promise<RuntimeProcess>): Promise<MatrixOutcome> {
  const server = await listen({ host: "127.0.0.1", port: 0 });
  let child: RuntimeProcess | undefined;
  try {
    child = await startClient(server.address().port);
    const session = await orChildExit(child, server.accept(), "connecting");
    const load = await orChildExit(child, echoBothWays(session, nodeLoad("server")), "the load finished");
    const closed = await orChildExit(child, session.closed, "closing the session");
    const peer = await child.json<PeerReport>("result");
    return { node: { load, closed }, peer, exit: await child.exited };
  } finally {
    child?.kill();
    await server.close();
  }
}

/** The child is the server (it prints its port); a Node client (streamux/node dial()) connects. */
export async function nodeClient(child: RuntimeProcess): Promise<MatrixOutcome> {
  let session: Session | undefined;
  try {
    const { port } = await child.json<{ port: number }>("ready");
    session = await dial({ host: "127.0.0.1", port });
    const load = await orChildExit(child, echoBothWays(session, nodeLoad("client")), "the load finished");
    await session.close();
    const closed = await session.closed;
    const peer = await child.json<PeerReport>("result");
    return { node: { load, closed }, peer, exit: await child.exited };
  } finally {
    child.kill();
    await session?.close();
  }
}

/** Both ends echoed every stream in full, and the runtime's process exited cleanly. */
export function expectFullEcho(outcome: MatrixOutcome): void {
  const bytes = MATRIX_LOAD.streams * MATRIX_LOAD.bytes;
  expect(outcome.exit.code).toBe(0);
  expect(outcome.node.load.bytesEachWay).toBe(bytes);
  expect(outcome.peer.load.bytesEachWay).toBe(bytes);
}
