import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/index.js";
import { nodeClient, peerArgs, expectFullEcho } from "../runtimes/matrix.js";
import { RuntimeProcess, denoArgs, denoBin, denoEnv, requireBuild } from "../runtimes/runner.js";

describe("matrix: Deno server, Node client, over TCP", () => {
  it("echoes 50 streams × 256 KiB opened by each side, verified by SHA-256, and closes cleanly", async () => {
    requireBuild();
    const child = new RuntimeProcess(denoBin, await denoArgs("run", ["test/runtimes/deno/echo-peer.ts", ...peerArgs("server", 0)]), {
      timeoutMs: 60_000,
      env: denoEnv(),
    });
    const outcome = await nodeClient(child);
    expectFullEcho(outcome);
    // The Node client closed: the Deno server saw its GOAWAY(NoError).
    expect(outcome.node.closed.code).toBe(ErrorCode.SessionClosed);
    expect(outcome.peer.closed.remoteCode).toBe(ErrorCode.NoError);
  }, 90_000);
});
