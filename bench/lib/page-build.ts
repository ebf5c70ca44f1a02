/**
 * Builds the benchmark page (browser/page) with Vite, as an application would bundle streamux:
 * `streamux` and `streamux/websocket` resolve through package.json's exports to the built
 * package in dist/ (`npm run bench` builds it first).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "vite";
import { buildDir, repoRoot } from "./paths.js";

interface ExportEntry {
  types: string;
  default: string;
}

/** The entry points the page imports. */
const ENTRY_POINTS = { streamux: ".", "streamux/websocket": "./websocket" } as const;

/** Builds the page into bench/.build/page and returns that directory. */
export async function buildPage(): Promise<string> {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { exports: Record<string, ExportEntry> };
  const alias = Object.entries(ENTRY_POINTS).map(([name, subpath]) => {
    const file = join(repoRoot, pkg.exports[subpath]!.default);
    if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first (npm run bench does)`);
    return { find: new RegExp(`^${name.replace("/", "\\/")}$`), replacement: file };
  });
  const outDir = join(buildDir, "page");
  const distDir = join(repoRoot, "dist");
  await build({
    configFile: false,
    root: join(repoRoot, "bench", "browser", "page"),
    logLevel: "warn",
    resolve: { alias },
    build: {
      outDir,
      emptyOutDir: true,
      target: "es2022",
      minify: false,
      sourcemap: true,
      // streamux in a chunk of its own, so that a profile of the page tells its time from the benchmark's.
      rollupOptions: { output: { manualChunks: (id: string) => (id.startsWith(distDir) ? "streamux" : undefined) } },
    },
  });
  return outDir;
}
