import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RuntimeProcess, bunBin, denoBin, denoEnv, requireBuild, root } from "../runtimes/runner.js";

/**
 * examples/rpc: RPC on typed streams over TCP, run as its guide says with the Deno and Bun binaries
 * from npm, against the built package (Deno through examples/rpc/deno.json's import map, Bun by the
 * package's own name).
 */

const TIMEOUT_MS = 60_000;
const started: RuntimeProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill();
});

function run(command: string, args: string[], env?: Record<string, string>): RuntimeProcess {
  requireBuild();
  const child = new RuntimeProcess(command, args, { timeoutMs: TIMEOUT_MS, env });
  started.push(child);
  return child;
}

/** What both runtimes must print: every call's outcome, then a clean close. */
async function expectCalls(child: RuntimeProcess, runtime: string): Promise<void> {
  const exit = await child.exited;
  const output = child.output();
  expect(exit.timedOut, output).toBe(false);
  expect(exit.code, output).toBe(0);
  expect(output).toMatch(new RegExp(`${runtime}: RPC server on 127\\.0\\.0\\.1:\\d+`));
  expect(output).toContain("sum([1..10]) → 55");
  expect(output).toContain('upper("typed streams") → "TYPED STREAMS"');
  // 2 calls before, 100 at once: a stream each.
  expect(output).toMatch(/100 concurrent calls → all correct, 102 streams so far, \d+ ms/);
  // The handler's failure comes back as the application's reset code.
  expect(output).toContain("divide(1, 0) → reset by the server, code CALL_FAILED");
  expect(output).toContain("work(60 s) with AbortSignal.timeout(200) → TimeoutError");
  expect(output).toContain("closed: code 14 (session closed), clean: true");
}

describe("the Deno and Bun RPC example", () => {
  it(
    "type-checks against the built package's types, with web platform globals only",
    async () => {
      const tsc = run(join(root, "node_modules", ".bin", "tsc"), ["-p", "examples/rpc"]);
      const exit = await tsc.exited;
      expect(exit.code, tsc.output()).toBe(0);
    },
    TIMEOUT_MS,
  );

  it(
    "runs on Deno (streamux/deno): typed calls, 100 at once, a failure as a reset code, a deadline",
    async () => {
      const args = ["run", "--config", "examples/rpc/deno.json", "--allow-net=127.0.0.1", "examples/rpc/deno.ts"];
      await expectCalls(run(denoBin, args, denoEnv()), "Deno");
    },
    TIMEOUT_MS,
  );

  it(
    "runs on Bun (streamux/bun): typed calls, 100 at once, a failure as a reset code, a deadline",
    async () => {
      await expectCalls(run(bunBin, ["examples/rpc/bun.ts"]), "Bun");
    },
    TIMEOUT_MS,
  );
});
