import { afterEach, describe, expect, it } from "vitest";
import type { RuntimeProcess } from "../runtimes/runner.js";
import { exitOf, nodeExample } from "./run-example.js";

/** examples/reverse-tunnel: an agent that dials out, a server that opens a stream per public connection. */

let example: RuntimeProcess | undefined;
afterEach(() => example?.kill());

describe("the reverse tunnel example", () => {
  it("carries public connections to services only the agent can reach, half-closes included, and drains on shutdown()", async () => {
    example = nodeExample("examples/reverse-tunnel/main.ts");
    const { code, timedOut, output } = await exitOf(example);
    expect(timedOut, output).toBe(false);
    expect(code, output).toBe(0);
    for (const path of ["/a", "/b", "/c"]) {
      expect(output).toContain(`public GET → 200 hello from behind the NAT: GET ${path} (HTTP/1.1)`);
    }
    // The client's FIN went through and the answer still came back.
    expect(output).toContain("public HTTP/1.0 request, then FIN → HTTP/1.1 200 OK: hello from behind the NAT: GET /half-closed (HTTP/1.0)");
    // The greeting came before the client wrote: the typed stream's SYN reached the agent at open().
    expect(output).toContain("public greeter → hello, this is the greeter behind the NAT; who are you? / goodbye, a public client");
    // After shutdown(): new connections refused, the one in flight finished, the session closed cleanly.
    expect(output).toMatch(/a new connection → refused \(/);
    expect(output).toContain("public GET → 200 hello from behind the NAT: GET /slow (HTTP/1.1)");
    expect(output).toMatch(/agent: session closed: code 14 \(session closed\), clean: true, streams carried: \d+/);
    expect(output).toMatch(/\ndone\n/);
  }, 40_000);
});
