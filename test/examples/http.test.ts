import { afterEach, describe, expect, it } from "vitest";
import type { RuntimeProcess } from "../runtimes/runner.js";
import { exitOf, nodeExample } from "./run-example.js";

/** examples/http: HTTP over mux streams with httpAgent() and serve(), both ways on one connection. */

let example: RuntimeProcess | undefined;
afterEach(() => example?.kill());

describe("the Node HTTP example", () => {
  it("sends requests through httpAgent within maxSockets streams, aborts one on its deadline, is called back, and shuts down cleanly", async () => {
    example = nodeExample("examples/http/main.ts");
    const { code, timedOut, output } = await exitOf(example);
    expect(timedOut, output).toBe(false);
    expect(code, output).toBe(0);
    // 12 requests, keepAlive with maxSockets 4: every one answered, over exactly 4 streams.
    expect(output).toContain("12 requests through httpAgent({ keepAlive: true, maxSockets: 4 }): status 200, over 4 streams");
    expect(output).toContain('first answer {"path":"/items/0","served":"by the server, over a mux stream"}');
    expect(output).toContain(
      "GET /never with AbortSignal.timeout(300) → AbortError (TimeoutError); the server saw: the stream closed before an answer",
    );
    expect(output).toContain("server → client: GET /status → 200 the client answers GET /status");
    expect(output).toContain("client: shutdown() → code 14 (session closed), clean: true");
    expect(output).toMatch(/\ndone\n/);
  }, 40_000);
});
