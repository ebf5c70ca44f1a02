import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectFullEcho, nodeClient, nodeServer, peerArgs, RPC_LOAD, type MatrixOutcome, type MatrixTls } from "../runtimes/matrix.js";
import { RuntimeProcess, bunBin, denoArgs, denoBin, denoEnv, requireBuild } from "../runtimes/runner.js";
import { removeTestCertDir, testCertDir } from "../runtimes/test-cert.js";

// Latency-bound RPC between Node and the other runtimes: 1,000 sequential request/response streams
// from each side in turn, over TCP and TLS, with each runtime as client and as server. A request is
// a few small frames each way; a connection that leaves Nagle's algorithm on holds a small write
// back until the previous one is acknowledged, which the peer delays by up to ~40 ms, so such a run
// stalls at ~25 requests per second. Every connection either adapter makes or accepts must turn it off.
// The floor sits eight times above that stall and well below what a loaded 2-core machine reaches
// (800-2,500 requests/s while the rest of the suite runs): this proves the stall is gone, it does
// not measure speed (that is `npm run bench`, W2 in Deno and Bun).
const MIN_OPS_PER_SECOND = 200;

afterAll(removeTestCertDir);

async function certificate(): Promise<{ dir: string; tls: MatrixTls }> {
  const dir = await testCertDir();
  const [cert, key] = await Promise.all([readFile(join(dir, "cert.pem"), "utf8"), readFile(join(dir, "key.pem"), "utf8")]);
  return { dir, tls: { cert, key } };
}

const runtimes = {
  Deno: async (args: string[], env: Record<string, string>) =>
    new RuntimeProcess(denoBin, await denoArgs("run", ["test/runtimes/deno/echo-peer.ts", ...args]), {
      timeoutMs: 60_000,
      env: denoEnv(env),
    }),
  Bun: async (args: string[], env: Record<string, string>) =>
    new RuntimeProcess(bunBin, ["test/runtimes/bun/echo-peer.ts", ...args], { timeoutMs: 60_000, env }),
};

function expectNoStall(outcome: MatrixOutcome, peer: string): void {
  expectFullEcho(outcome, RPC_LOAD);
  const rate = (ms: number) => Math.round((RPC_LOAD.streams * 1000) / Math.max(ms, 1));
  const rates = { node: rate(outcome.node.load.ms), [peer]: rate(outcome.peer.load.ms) };
  expect(rates.node, `requests/s ${JSON.stringify(rates)}`).toBeGreaterThan(MIN_OPS_PER_SECOND);
  expect(rates[peer], `requests/s ${JSON.stringify(rates)}`).toBeGreaterThan(MIN_OPS_PER_SECOND);
}

for (const [name, start] of Object.entries(runtimes)) {
  describe(`RPC between Node and ${name}: 1,000 sequential request/response streams from each side`, () => {
    for (const transport of ["TCP", "TLS"] as const) {
      it(`over ${transport}, ${name} client and Node server: no small write held back (over ${MIN_OPS_PER_SECOND} requests/s each way)`, async () => {
        requireBuild();
        const cert = transport === "TLS" ? await certificate() : null;
        const env: Record<string, string> = cert ? { STREAMUX_TLS_DIR: cert.dir } : {};
        const outcome = await nodeServer((port) => start(peerArgs("client", port, RPC_LOAD), env), RPC_LOAD, cert?.tls);
        expectNoStall(outcome, name);
      }, 90_000);

      it(`over ${transport}, ${name} server and Node client: no small write held back (over ${MIN_OPS_PER_SECOND} requests/s each way)`, async () => {
        requireBuild();
        const cert = transport === "TLS" ? await certificate() : null;
        const env: Record<string, string> = cert ? { STREAMUX_TLS_DIR: cert.dir } : {};
        const outcome = await nodeClient(await start(peerArgs("server", 0, RPC_LOAD), env), RPC_LOAD, cert?.tls);
        expectNoStall(outcome, name);
      }, 90_000);
    }
  });
}
