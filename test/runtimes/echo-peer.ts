import type { Session, SessionCloseInfo } from "../../src/index.js";
import { echoBothWays, rpcBothWays, type LoadOptions, type LoadResult } from "./echo-load.js";

/**
 * One side of a cross-runtime matrix pair, written once for every runtime: the runtime's own
 * entry (deno/echo-peer.ts, bun/echo-peer.ts, or a Node test) passes in its adapter's dial() and
 * listen(), which share one shape across streamux/node, streamux/deno and streamux/bun.
 *
 * Lines it prints, for the process on the other end of the pipe:
 *   ready {"port":…}      (server) listening, the client may dial
 *   result {…}            the load went through both ways; how the session ended
 */

export interface AdapterLike {
  dial(options: { host: string; port: number }): Promise<Session>;
  listen(options: { host: string; port: number }): Promise<{
    accept(): Promise<Session>;
    address(): { port: number };
    close(): Promise<void>;
  }>;
}

export interface PeerReport {
  load: LoadResult;
  closed: { code: number; reason: string; remoteCode?: number };
}

/** `echo`: many streams at once, each bulk bytes each way; `rpc`: one small request stream at a time. */
export type LoadKind = "echo" | "rpc";

export interface PeerArgs {
  role: "client" | "server";
  kind: LoadKind;
  /** The server's port (client only). */
  port: number;
  load: LoadOptions;
}

/** Parses `client <port> <streams> <bytes> [echo|rpc]` or `server 0 <streams> <bytes> [echo|rpc]`. */
export function parsePeerArgs(args: string[]): PeerArgs {
  const [role, port, streams, bytes, kind = "echo"] = args;
  if ((role !== "client" && role !== "server") || (kind !== "echo" && kind !== "rpc")) {
    throw new Error(`usage: client|server <port> <streams> <bytes> [echo|rpc], got ${args.join(" ")}`);
  }
  return {
    role,
    kind,
    port: Number(port),
    // The two sides' data differ: the server's seed is 2, the client's 1.
    load: { streams: Number(streams), bytes: Number(bytes), seed: role === "client" ? 1 : 2 },
  };
}

function summary(info: SessionCloseInfo): PeerReport["closed"] {
  return { code: info.code, reason: info.reason, ...(info.remote ? { remoteCode: info.remote.code } : {}) };
}

/**
 * Client: dials, runs the load (echo or rpc) both ways, closes. Server: listens, takes one session, runs the load
 * both ways, waits for the client to close.
 */
export async function runPeer(adapter: AdapterLike, args: PeerArgs, print: (line: string) => void): Promise<PeerReport> {
  const run = (session: Session, load: LoadOptions) =>
    args.kind === "rpc" ? rpcBothWays(session, load, args.role === "client") : echoBothWays(session, load);
  if (args.role === "client") {
    const session = await adapter.dial({ host: "127.0.0.1", port: args.port });
    const load = await run(session, args.load);
    await session.close();
    const report = { load, closed: summary(await session.closed) };
    print(`result ${JSON.stringify(report)}`);
    return report;
  }
  const server = await adapter.listen({ host: "127.0.0.1", port: 0 });
  print(`ready ${JSON.stringify({ port: server.address().port })}`);
  const session = await server.accept();
  const load = await run(session, args.load);
  const report = { load, closed: summary(await session.closed) };
  await server.close();
  print(`result ${JSON.stringify(report)}`);
  return report;
}
