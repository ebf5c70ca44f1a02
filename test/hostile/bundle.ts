import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { build } from "vite";
import { cacheDir, root } from "../runtimes/runner.js";

/**
 * Bundles the victim (victim.ts, with the repository's src/ it imports) into one ES module for
 * Node, `node:` modules left external. The bundle is named after a hash of its sources, so test
 * files share one build and a change to src/ or the victim makes a new one; a build goes to a
 * directory of its own and is renamed into place, so workers building at once do not collide.
 */

const outRoot = join(cacheDir, "hostile");
let pending: Promise<string> | undefined;

export function victimBundle(): Promise<string> {
  return (pending ??= buildVictim());
}

async function buildVictim(): Promise<string> {
  const hash = await sourceHash([join(root, "src"), join(root, "test", "hostile")]);
  const file = join(outRoot, `victim-${hash}.mjs`);
  if (existsSync(file)) return file;
  const scratch = join(outRoot, `build-${process.pid}-${Date.now()}`);
  try {
    await build({
      configFile: false,
      root,
      logLevel: "warn",
      build: {
        ssr: join(root, "test", "hostile", "victim.ts"),
        outDir: scratch,
        emptyOutDir: true,
        target: "node20",
        minify: false,
        sourcemap: false,
        copyPublicDir: false,
        rollupOptions: { external: [/^node:/], output: { format: "es", entryFileNames: "victim.mjs" } },
      },
    });
    await mkdir(outRoot, { recursive: true });
    await rename(join(scratch, "victim.mjs"), file);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  // Bundles of earlier sources are of no more use.
  for (const name of await readdir(outRoot)) {
    if (/^victim-[0-9a-f]+\.mjs$/.test(name) && join(outRoot, name) !== file) await rm(join(outRoot, name), { force: true });
  }
  return file;
}

async function sourceHash(dirs: string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const dir of dirs) {
    const entries = (await readdir(dir, { recursive: true }))
      .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
      .map((name) => join(dir, name))
      .sort();
    for (const path of entries) {
      hash
        .update(relative(root, path))
        .update("\0")
        .update(await readFile(path))
        .update("\0");
    }
  }
  return hash.digest("hex").slice(0, 16);
}
