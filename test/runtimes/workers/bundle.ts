import { join } from "node:path";
import { build } from "vite";
import { cacheDir, root } from "../runner.js";

/**
 * Bundles a Worker entry into one ES module for workerd, the way a Workers build would: "streamux"
 * and its subpaths resolve by the package's own name through package.json "exports" (so the built
 * dist/ files are what runs), with the conditions Workers bundlers use. Returns the bundle's path.
 */
export async function bundleWorker(entry: string, name: string): Promise<string> {
  const outDir = join(cacheDir, "workers", `${name}-${process.pid}`);
  await build({
    configFile: false,
    root,
    logLevel: "warn",
    resolve: { conditions: ["workerd", "worker", "browser", "module", "import"] },
    build: {
      outDir,
      emptyOutDir: true,
      target: "es2022",
      minify: false,
      sourcemap: false,
      copyPublicDir: false,
      lib: { entry: join(root, entry), formats: ["es"], fileName: () => "worker.js" },
    },
  });
  return join(outDir, "worker.js");
}
