import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, readFile, rm, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheDir, root } from "../runtimes/runner.js";

/**
 * The `streamux` command as the published package carries it: `npm pack` in a clean copy of the
 * repository (no dist/: the prepare script builds it), then `npx streamux tunnel --help` in an empty
 * folder, from the tarball, offline, with an npm cache of its own.
 */

const run = promisify(execFile);

let scratch: string;
let copy: string;
let tarball: string;
let packedFiles: string[];

beforeAll(async () => {
  scratch = join(cacheDir, `cli-package-${process.pid}`);
  await rm(scratch, { recursive: true, force: true });
  copy = join(scratch, "clone");
  const { stdout: files } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const file of files.split("\0").filter(Boolean)) {
    if (!existsSync(join(root, file))) continue;
    await mkdir(dirname(join(copy, file)), { recursive: true });
    await cp(join(root, file), join(copy, file));
  }
  await symlink(join(root, "node_modules"), join(copy, "node_modules"), "dir");
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", scratch], {
    cwd: copy,
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(scratch, packed!.filename);
  packedFiles = packed!.files.map((f) => f.path);
}, 150_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("the packed package's streamux command", () => {
  it("is declared as the bin and carried as dist/cli.js, which starts with a node shebang", async () => {
    const pkg = JSON.parse(await readFile(join(copy, "package.json"), "utf8")) as { bin?: Record<string, string> };
    expect(pkg.bin).toEqual({ streamux: "./dist/cli.js" });
    expect(packedFiles).toContain("dist/cli.js");
    const code = await readFile(join(copy, "dist", "cli.js"), "utf8");
    expect(code.startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("imports only Node's built-ins and the package's own built entries (no second copy of the engine)", async () => {
    const code = await readFile(join(copy, "dist", "cli.js"), "utf8");
    const specifiers = [...code.matchAll(/^\s*import\s[^;]*?from\s*["']([^"']+)["']/gm)].map((m) => m[1]!);
    expect(specifiers.length).toBeGreaterThan(0);
    for (const specifier of specifiers) expect(specifier).toMatch(/^node:|^\.\/(index|node|websocket)\.js$/);
    expect(code).not.toMatch(/\bimport\(\s*["'](?!node:)/);
  });

  it("runs as `npx streamux tunnel --help` in an empty folder", async () => {
    const fresh = join(scratch, "fresh");
    await mkdir(fresh, { recursive: true });
    const env = { ...process.env, npm_config_cache: join(scratch, "npm-cache"), npm_config_update_notifier: "false" };
    const { stdout } = await run("npx", ["--yes", "--offline", `--package=${tarball}`, "--", "streamux", "tunnel", "--help"], {
      cwd: fresh,
      env,
      timeout: 60_000,
    });
    expect(stdout).toContain("Usage: streamux tunnel <serve|expose>");
    const expose = await run("npx", ["--yes", "--offline", `--package=${tarball}`, "--", "streamux", "tunnel", "expose", "--help"], {
      cwd: fresh,
      env,
      timeout: 60_000,
    });
    expect(expose.stdout).toContain("Exit codes:");
  }, 70_000);
});
