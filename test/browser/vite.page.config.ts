import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type UserConfig } from "vite";

/**
 * Builds the browser test's page (test/browser/page) as an application would: `streamux` and
 * `streamux/websocket` resolve through package.json's exports to the published build in dist/.
 * When dist/ is missing or older than src/ (vitest run without `npm run build`), they resolve to
 * the sources those entry points are built from instead, so the test never runs stale code.
 *
 * Standalone: `npx vite build -c test/browser/vite.page.config.ts` (output in test/.cache).
 */

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export type PageSource = "dist" | "src";

interface ExportEntry {
  types: string;
  default: string;
}

/** The page imports these two entry points. */
const ENTRY_POINTS = [".", "./websocket"] as const;

function exportsMap(): Record<string, ExportEntry> {
  const pkg = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { exports: Record<string, ExportEntry> };
  return pkg.exports;
}

/** The source file an entry point is built from: its .d.ts path mirrors src/ (dist/adapters/x.d.ts ← src/adapters/x.ts). */
function sourceOf(entry: ExportEntry): string {
  return join(packageRoot, entry.types.replace(/^\.\/dist\//, "src/").replace(/\.d\.ts$/, ".ts"));
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, name.name);
    newest = Math.max(newest, name.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** dist/ when it holds a build at least as new as every source file; else src/. STREAMUX_PAGE_SOURCE overrides. */
export function pageSource(): PageSource {
  const forced = process.env.STREAMUX_PAGE_SOURCE;
  if (forced === "dist" || forced === "src") return forced;
  const exports = exportsMap();
  try {
    const built = Math.min(...ENTRY_POINTS.map((e) => statSync(join(packageRoot, exports[e]!.default)).mtimeMs));
    return built >= newestMtime(join(packageRoot, "src")) ? "dist" : "src";
  } catch {
    return "src"; // not built
  }
}

export function pageConfig(outDir: string, source: PageSource = pageSource()): UserConfig {
  const exports = exportsMap();
  const target = (e: (typeof ENTRY_POINTS)[number]) => (source === "dist" ? join(packageRoot, exports[e]!.default) : sourceOf(exports[e]!));
  return {
    root: join(packageRoot, "test/browser/page"),
    logLevel: "warn",
    resolve: {
      alias: [
        { find: /^streamux$/, replacement: target(".") },
        { find: /^streamux\/websocket$/, replacement: target("./websocket") },
      ],
    },
    build: { outDir, emptyOutDir: true, target: "es2022", minify: false, sourcemap: true },
  };
}

export default defineConfig(pageConfig(join(packageRoot, "test/.cache/browser-page")));
