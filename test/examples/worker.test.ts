import { afterEach, describe, expect, it } from "vitest";
import type { RuntimeProcess } from "../runtimes/runner.js";
import { exitOf, nodeExample } from "./run-example.js";

/**
 * examples/worker: main.ts runs the Worker under workerd (Miniflare) and its Node client against it.
 * (test/runtimes/workers.test.ts type-checks src/ and runs the behaviour suite next to it.)
 */

let example: RuntimeProcess | undefined;
afterEach(() => example?.kill());

describe("the Worker example, run locally under workerd", () => {
  it("echoes 20 streams a Node client opens over one WebSocket, then closes cleanly", async () => {
    example = nodeExample("examples/worker/main.ts", [], 90_000);
    const { code, timedOut, output } = await exitOf(example);
    expect(timedOut, output).toBe(false);
    expect(code, output).toBe(0);
    expect(output).toMatch(/the Worker runs under workerd at http:\/\/127\.0\.0\.1:\d+\//);
    expect(output).toMatch(/20 streams echoed by the Worker over one WebSocket: 20 of 20 intact, \d+ ms/);
    expect(output).toContain("closed: code 14 (session closed), clean: true");
  }, 100_000);
});
