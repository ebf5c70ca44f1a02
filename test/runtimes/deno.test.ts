import { afterAll, describe, expect, it } from "vitest";
import { behaviours } from "../suite/behaviour.js";
import { listenerBehavioursFor } from "../suite/listener.js";
import { RuntimeProcess, denoArgs, denoBin, denoEnv, requireBuild, summaryCount } from "./runner.js";
import { removeTestCertDir, testCertDir } from "./test-cert.js";

/**
 * Runs test/runtimes/deno/ with the real Deno binary (`deno test`), against the built package, and
 * fails with Deno's output when anything there fails.
 */

const TIMEOUT_MS = 120_000;

async function denoTest(file: string): Promise<{ passed: number; failed: number; output: string }> {
  requireBuild();
  const env = denoEnv({ STREAMUX_TLS_DIR: await testCertDir() });
  const child = new RuntimeProcess(denoBin, await denoArgs("test", [file]), { timeoutMs: TIMEOUT_MS, env });
  const exit = await child.exited;
  const output = child.output();
  expect(exit.timedOut, `deno test timed out after ${TIMEOUT_MS} ms\n${output}`).toBe(false);
  expect(exit.code, `deno test failed\n${output}`).toBe(0);
  return {
    passed: summaryCount(output, /(\d+) passed/),
    failed: summaryCount(output, /(\d+) failed/),
    output,
  };
}

describe("Deno (deno test, real binary)", () => {
  afterAll(removeTestCertDir);

  it(
    "passes the shared behaviour suite over the memory pair, Deno TCP and Deno TLS (fromConn)",
    async () => {
      const { passed, failed, output } = await denoTest("test/runtimes/deno/behaviour.test.ts");
      expect(failed, output).toBe(0);
      expect(passed, output).toBe(behaviours.length * 3);
    },
    TIMEOUT_MS + 10_000,
  );

  it(
    "passes the shared listener suite: dial() and listen() over TCP and TLS",
    async () => {
      const { passed, failed, output } = await denoTest("test/runtimes/deno/listener.test.ts");
      expect(failed, output).toBe(0);
      expect(passed, output).toBe(listenerBehavioursFor(false).length + listenerBehavioursFor(true).length);
    },
    TIMEOUT_MS + 10_000,
  );

  it(
    "passes streamux/deno's own tests: fromConn keeps half-closes half",
    async () => {
      const { passed, failed, output } = await denoTest("test/runtimes/deno/adapter.test.ts");
      expect(failed, output).toBe(0);
      expect(passed, output).toBe(3);
    },
    TIMEOUT_MS + 10_000,
  );
});
