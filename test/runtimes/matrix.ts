import { expect } from "vitest";
import type { Session, SessionCloseInfo } from "../../src/index.js";
import { dial, listen } from "../../src/adapters/node.js";
import { echoBothWays, rpcBothWays, type LoadOptions, type LoadResult } from "./echo-load.js";
import type { LoadKind, PeerReport } from "./echo-peer.js";
import type { Exit, RuntimeProcess } from "./runner.js";

/**
 * The Node half of a cross-runtime matrix pair (the other half is ../runtimes/<runtime>/echo-peer.ts
 * in its own process). Both halves run the same load both ways; the outcome of each is returned
 * for the test to assert on, and the child's output goes with every failure.
 */

export interface MatrixLoad {
  kind: LoadKind;
  streams: number;
  bytes: number;
}

/** 50 streams × 256 KiB each way, from each side: 12.5 MiB opened by either peer. */
export const MATRIX_LOAD: MatrixLoad = { kind: "echo", streams: 50, bytes: 256 * 1024 };

/** 1,000 requests of 64 bytes, one stream each, one at a time, from each side. */
export const RPC_LOAD: MatrixLoad = { kind: "rpc", streams: 1000, bytes: 64 };

/** Arguments of echo-peer.ts for the other side. */
export function peerArgs(role: "client" | "server", port: number, load: MatrixLoad = MATRIX_LOAD): string[] {
  return [role, String(port), String(load.streams), String(load.bytes), load.kind];
}

export interface MatrixOutcome {
  /** What the Node side measured. */
  node: { load: LoadResult; closed: SessionCloseInfo };
  /** What the other runtime printed. */
  peer: PeerReport;
  exit: Exit;
}

/** The Node side's load: seed 2 as a server, 1 as a client, as echo-peer.ts does. */
function runLoad(session: Session, role: "client" | "server", load: MatrixLoad): Promise<LoadResult> {
  const options: LoadOptions = { streams: load.streams, bytes: load.bytes, seed: role === "client" ? 1 : 2 };
  return load.kind === "rpc" ? rpcBothWays(session, options, role === "client") : echoBothWays(session, options);
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
    throw new Error(
      `the peer process ended (${how}) before ${what}${clean ? ` and ${AFTER_PEER_EXIT_MS} ms passed` : ""}\n${child.output()}`,
    );
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
/** PEM certificate and key: the Node side serves or trusts them, the child gets them as files. */
export interface MatrixTls {
  cert: string;
  key: string;
}

export async function nodeServer(
  startClient: (port: number) => Promise<RuntimeProcess>,
  load: MatrixLoad = MATRIX_LOAD,
  tls?: MatrixTls,
): Promise<MatrixOutcome> {
  const server = await listen({ host: "127.0.0.1", port: 0, ...(tls ? { tls } : {}) });
  let child: RuntimeProcess | undefined;
  try {
    child = await startClient(server.address().port);
    const session = await orChildExit(child, server.accept(), "connecting");
    const result = await orChildExit(child, runLoad(session, "server", load), "the load finished");
    const closed = await orChildExit(child, session.closed, "closing the session");
    const peer = await child.json<PeerReport>("result");
    return { node: { load: result, closed }, peer, exit: await child.exited };
  } finally {
    child?.kill();
    await server.close();
  }
}

/** The child is the server (it prints its port); a Node client (streamux/node dial()) connects. */
export async function nodeClient(child: RuntimeProcess, load: MatrixLoad = MATRIX_LOAD, tls?: MatrixTls): Promise<MatrixOutcome> {
  let session: Session | undefined;
  try {
    const { port } = await child.json<{ port: number }>("ready");
    session = await dial({ host: "127.0.0.1", port, ...(tls ? { tls: { ca: tls.cert } } : {}) });
    const result = await orChildExit(child, runLoad(session, "client", load), "the load finished");
    await session.close();
    const closed = await session.closed;
    const peer = await child.json<PeerReport>("result");
    return { node: { load: result, closed }, peer, exit: await child.exited };
  } finally {
    child.kill();
    await session?.close();
  }
}

/** Both ends echoed every stream in full, and the runtime's process exited cleanly. */
export function expectFullEcho(outcome: MatrixOutcome, load: MatrixLoad = MATRIX_LOAD): void {
  const bytes = load.streams * load.bytes;
  expect(outcome.exit.code).toBe(0);
  expect(outcome.node.load.bytesEachWay).toBe(bytes);
  expect(outcome.peer.load.bytesEachWay).toBe(bytes);
}
