import { afterEach, describe, expect, it } from "vitest";
import type { RuntimeProcess } from "../runtimes/runner.js";
import { exitOf, nodeExample } from "./run-example.js";

/** `npm start`: examples/demo.ts, run as the start script runs it (after the build npm test did). */

let demo: RuntimeProcess | undefined;
afterEach(() => demo?.kill());

describe("the demo (npm start)", () => {
  it("echoes, serves HTTP, opens a stream back and measures round trips over TCP and over WebSocket, then exits", async () => {
    demo = nodeExample("examples/demo.ts", [], 60_000);
    for (const via of ["over TCP", "over WebSocket"]) {
      const heading = await demo.lineStartingWith(via);
      expect(heading).toContain(via);
    }
    const { code, timedOut, output } = await exitOf(demo);
    expect(timedOut, output).toBe(false);
    expect(code, output).toBe(0);
    const count = (needle: string) => output.split(needle).length - 1;
    expect(count("echo streams × 1.0 MiB, verified by SHA-256"), output).toBe(2);
    expect(count("HTTP over a mux stream: 200"), output).toBe(2);
    expect(output).toContain('opened by the server: "hello from the server, over TCP"');
    expect(output).toContain('opened by the server: "hello from the server, over WebSocket"');
    expect(count("closed: code 14 (session closed), clean: true"), output).toBe(2);
    expect(output).toMatch(/\ndone\n/);
  }, 70_000);
});
