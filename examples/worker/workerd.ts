/**
 * Runs the Worker (src/index.ts) on this machine under workerd, Cloudflare's runtime, through
 * Miniflare: what `wrangler dev` does, without fetching anything. The Worker is bundled with Vite
 * first, the way a Workers build resolves packages ("streamux" through its "exports").
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { build } from "vite";

export interface LocalWorker {
  /** Where the Worker answers: http://127.0.0.1:<port>/. */
  url: URL;
  stop(): Promise<void>;
}

export async function startLocalWorker(): Promise<LocalWorker> {
  const dir = await mkdtemp(join(tmpdir(), "streamux-worker-example-"));
  const remove = () => rm(dir, { recursive: true, force: true });
  let mf: Miniflare | undefined;
  try {
    await build({
      configFile: false,
      logLevel: "warn",
      cacheDir: join(dir, ".vite"),
      resolve: { conditions: ["workerd", "worker", "browser", "module", "import"] },
      build: {
        outDir: dir,
        emptyOutDir: false,
        target: "es2022",
        minify: false,
        copyPublicDir: false,
        lib: { entry: fileURLToPath(new URL("./src/index.ts", import.meta.url)), formats: ["es"], fileName: () => "worker.js" },
      },
    });
    mf = new Miniflare({
      host: "127.0.0.1",
      port: 0,
      modules: true,
      // Module names are paths relative to modulesRoot; the default, the working directory, would
      // leave the temporary folder out of reach.
      modulesRoot: dir,
      scriptPath: join(dir, "worker.js"),
      compatibilityDate: "2026-04-01", // wrangler.toml's
    });
    const url = await mf.ready;
    const running = mf;
    return { url, stop: () => running.dispose().then(remove) };
  } catch (err) {
    await mf?.dispose().catch(() => {});
    await remove();
    throw err;
  }
}
