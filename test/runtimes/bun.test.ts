import { afterAll, describe, expect, it } from "vitest";
import { behaviours } from "../suite/behaviour.js";
import { listenerBehavioursFor } from "../suite/listener.js";
import { RuntimeProcess, bunBin, requireBuild, summaryCount } from "./runner.js";
import { removeTestCertDir, testCertDir } from "./test-cert.js";

/**
 * Runs test/runtimes/bun/ with the real Bun binary (`bun test`), against the built package (Bun
 * resolves "streamux" by the package's own name through package.json "exports"), and fails with
 * Bun's output when anything there fails.
 */

const TIMEOUT_MS = 120_000;

async function bunTest(file: string): Promise<{ passed: number; failed: number; output: string }> {
  requireBuild();
  const env = { STREAMUX_TLS_DIR: await testCertDir() };
  const child = new RuntimeProcess(bunBin, ["test", `--timeout=${TIMEOUT_MS}`, `./${file}`], { timeoutMs: TIMEOUT_MS, env });
  const exit = await child.exited;
  const output = child.output();
  expect(exit.timedOut, `bun test timed out after ${TIMEOUT_MS} ms\n${output}`).toBe(false);
  expect(exit.code, `bun test failed\n${output}`).toBe(0);
  return { passed: summaryCount(output, /(\d+) pass\b/), failed: summaryCount(output, /(\d+) fail\b/), output };
}

describe("Bun (bun test, real binary)", () => {
  afterAll(removeTestCertDir);

  it(
    "passes the shared behaviour suite over the memory pair, Bun TCP and Bun TLS (fromSocket)",
    async () => {
      const { passed, failed, output } = await bunTest("test/runtimes/bun/behaviour.test.ts");
      expect(failed, output).toBe(0);
      expect(passed, output).toBe(behaviours.length * 3);
    },
    TIMEOUT_MS + 10_000,
  );

  it(
    "passes the shared listener suite: dial() and listen() over TCP and TLS",
    async () => {
      const { passed, failed, output } = await bunTest("test/runtimes/bun/listener.test.ts");
      expect(failed, output).toBe(0);
      expect(passed, output).toBe(listenerBehavioursFor(false).length + listenerBehavioursFor(true).length);
    },
    TIMEOUT_MS + 10_000,
  );

  it(
    "passes streamux/bun's own tests: partial writes and drain, pause, half-close, taking over a socket, TLS errors",
    async () => {
      const { passed, failed, output } = await bunTest("test/runtimes/bun/adapter.test.ts");
      expect(failed, output).toBe(0);
      expect(passed, output).toBe(5);
    },
    TIMEOUT_MS + 10_000,
  );
});
