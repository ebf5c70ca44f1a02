/**
 * An import map that resolves "streamux" and its subpaths the way the published package does:
 * written from package.json "exports", pointing at the built files. Deno does not resolve a package
 * by its own name (Node and Bun do), so this stands in for that.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildDir, repoRoot } from "./paths.js";

export function denoImportMap(): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
    name: string;
    exports: Record<string, string | Record<string, string>>;
  };
  const imports: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const file = typeof target === "string" ? target : (target.deno ?? target.import ?? target.default);
    if (!file?.endsWith(".js")) continue;
    const absolute = join(repoRoot, file);
    if (!existsSync(absolute)) throw new Error(`exports["${subpath}"] → ${file} does not exist: run npm run build first`);
    imports[subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`] = pathToFileURL(absolute).href;
  }
  mkdirSync(buildDir, { recursive: true });
  const path = join(buildDir, "deno-import-map.json");
  writeFileSync(path, JSON.stringify({ imports }, null, 2));
  return path;
}
