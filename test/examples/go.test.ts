import { afterEach, describe, expect, it } from "vitest";
import type { RuntimeProcess } from "../runtimes/runner.js";
import { exitOf, nodeExample } from "./run-example.js";

/**
 * examples/go: the JavaScript client of a Go muxado program (main.go, not built here), run against
 * the streamux stand-in that behaves as main.go does.
 */

const started: RuntimeProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill();
});

describe("the Go interop example, against the stand-in", () => {
  it("accepts the stream the server opens, echoes and hashes 4 MiB on typed streams, pings, and closes cleanly", async () => {
    const standIn = nodeExample("examples/go/stand-in.ts", ["127.0.0.1:0"]);
    started.push(standIn);
    const address = (await standIn.lineStartingWith("listening on ")).slice("listening on ".length);

    const client = nodeExample("examples/go/client.ts", [address]);
    started.push(client);
    const { code, timedOut, output } = await exitOf(client);
    expect(timedOut, output).toBe(false);
    expect(code, output).toBe(0);
    expect(output).toContain(`connected to ${address} (typed streams, 512 KiB window)`);
    expect(output).toContain('stream 2 of type 3, opened by the server: "hello from Go\'s muxado"');
    expect(output).toContain('ECHO → "hello, muxado"');
    expect(output).toContain("ECHO of 4 MiB → identical (4194304 bytes)");
    expect(output).toMatch(/HASH of 4 MiB → matches \([0-9a-f]{16}…, 4194304 bytes\)/);
    expect(output).toMatch(/ping → \d+\.\d\d ms/);
    expect(output).toContain("closed: code 14 (session closed), clean: true");

    // The server saw the client's goodbye (GOAWAY NoError, then EOF) as a clean end.
    expect(await standIn.lineStartingWith("session ended: ")).toMatch(/clean: true$/);
  }, 40_000);
});
