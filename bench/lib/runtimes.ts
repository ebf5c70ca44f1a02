/**
 * The runtimes a run's processes execute in: how to start a compiled entry point in each, and
 * whether the runtime is here at all. Deno and Bun are the npm packages' binaries ($DENO_PATH,
 * $BUN_PATH and $CHROMIUM_PATH point elsewhere); a runtime that is missing or does not start is
 * reported and its group skipped, never waited for.
 */
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { join } from "node:path";
import type { Runtime } from "../groups.js";
import type { ChildCommand } from "./child.js";
import { denoImportMap } from "./deno-import-map.js";
import { buildDir, repoRoot } from "./paths.js";

/** The npm packages' binaries, unless $DENO_PATH / $BUN_PATH name others. */
export const denoBin = process.env.DENO_PATH || join(repoRoot, "node_modules", ".bin", "deno");
export const bunBin = process.env.BUN_PATH || join(repoRoot, "node_modules", ".bin", "bun");
/** Written once per command, on the first Deno run. */
let importMap: string | undefined;
/** How long `<runtime> --version` may take. */
const PROBE_TIMEOUT_MS = 15_000;

export interface CommandOptions {
  /** Write a CPU profile of the process into this directory (Node and Bun by flag; Deno profiles itself, proc/self-profile.ts). */
  profileDir?: string;
}

/** The command that runs `entry` (a compiled .js file) with `arg` as its one argument. */
export function commandFor(runtime: Exclude<Runtime, "chromium">, entry: string, arg: string, options: CommandOptions = {}): ChildCommand {
  const { profileDir } = options;
  switch (runtime) {
    case "node":
      return {
        command: process.execPath,
        args: ["--expose-gc", ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []), entry, arg],
      };
    case "deno":
      return {
        command: denoBin,
        args: [
          "run",
          "--no-config",
          "--no-lock",
          `--import-map=${(importMap ??= denoImportMap())}`,
          // Connections go to loopback only.
          "--allow-net=127.0.0.1",
          // A profile is taken through node:inspector and written into its directory.
          ...(profileDir ? ["--allow-sys", `--allow-write=${profileDir}`] : []),
          entry,
          arg,
        ],
        env: { DENO_DIR: join(buildDir, "deno-dir"), DENO_NO_UPDATE_CHECK: "1" },
      };
    case "bun":
      return {
        command: bunBin,
        args: [...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []), entry, arg],
      };
  }
}

/** Null if `runtime` can run here, else why not. */
export async function unavailable(runtime: Runtime): Promise<string | null> {
  switch (runtime) {
    case "node":
      return null;
    case "deno":
      return probe(denoBin, ["--version"]);
    case "bun":
      return probe(bunBin, ["--version"]);
    case "chromium":
      return (await chromiumPath()) ? null : "no Chromium at $CHROMIUM_PATH or /usr/bin/chromium";
  }
}

/** $CHROMIUM_PATH, else Debian's /usr/bin/chromium, if executable. */
export async function chromiumPath(): Promise<string | null> {
  const path = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  try {
    await access(path, constants.X_OK);
    return path;
  } catch {
    return null;
  }
}

function probe(command: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: PROBE_TIMEOUT_MS, killSignal: "SIGKILL" }, (err) =>
      resolve(err ? `${command} ${args.join(" ")} failed: ${err.message.split("\n")[0]}` : null),
    );
  });
}
