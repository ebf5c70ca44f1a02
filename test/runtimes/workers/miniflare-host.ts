import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { bundleWorker } from "./bundle.js";

/** The compatibility date the example's wrangler.toml declares. */
export const COMPATIBILITY_DATE = "2026-04-01";

export interface WorkerHost {
  /** The first Worker's address (http://127.0.0.1:<port>/). */
  url: URL;
  mf: Miniflare;
  /** What workerd printed so far, for failure messages. */
  output(): string;
  /** Stops workerd and removes the bundles. */
  dispose(): Promise<void>;
}

/**
 * Bundles each Worker entry (see bundle.ts) and runs them all in one workerd process through
 * Miniflare, on a loopback port of its choosing; the first one answers on `url`, the others are
 * reached with `mf.getWorker(name)`.
 */
export async function startWorkers(entries: Array<{ name: string; entry: string }>): Promise<WorkerHost> {
  const workers: Array<{ name: string; modules: true; scriptPath: string; compatibilityDate: string }> = [];
  for (const { name, entry } of entries) {
    workers.push({ name, modules: true, scriptPath: await bundleWorker(entry, name), compatibilityDate: COMPATIBILITY_DATE });
  }
  const removeBundles = () => Promise.all(workers.map((w) => rm(dirname(w.scriptPath), { recursive: true, force: true })));
  let output = "";
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    workers,
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.setEncoding("utf8").on("data", (text: string) => (output += text));
      stderr.setEncoding("utf8").on("data", (text: string) => (output += text));
    },
  });
  const url = await mf.ready;
  return {
    url,
    mf,
    output: () => output,
    async dispose() {
      await mf.dispose();
      await removeBundles();
    },
  };
}
