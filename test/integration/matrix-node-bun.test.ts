import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/index.js";
import { nodeServer, peerArgs, expectFullEcho } from "../runtimes/matrix.js";
import { RuntimeProcess, bunBin, requireBuild } from "../runtimes/runner.js";

describe("matrix: Node server, Bun client, over TCP", () => {
  it("echoes 50 streams × 256 KiB opened by each side, verified by SHA-256, and closes cleanly", async () => {
    requireBuild();
    const outcome = await nodeServer(
      async (port) => new RuntimeProcess(bunBin, ["test/runtimes/bun/echo-peer.ts", ...peerArgs("client", port)], { timeoutMs: 60_000 }),
    );
    expectFullEcho(outcome);
    // The Bun client closed: it reports its own close, the Node server saw its GOAWAY(NoError).
    expect(outcome.peer.closed.code).toBe(ErrorCode.SessionClosed);
    expect(outcome.node.closed.remote?.code).toBe(ErrorCode.NoError);
  }, 90_000);
});
