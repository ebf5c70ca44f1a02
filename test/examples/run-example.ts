import { pathToFileURL } from "node:url";
import { join } from "node:path";
import { RuntimeProcess, requireBuild, root } from "../runtimes/runner.js";

/**
 * Runs an example the way its guide says to: Node with the TypeScript hooks the `start` and
 * `example` scripts use, against the built package (dist/), from the repository's root. Each child
 * is bounded by `timeoutMs` (its process group is killed then) and keeps its output for failures.
 */

const register = pathToFileURL(join(root, "examples", "support", "register.mjs")).href;

export function nodeExample(file: string, args: string[] = [], timeoutMs = 30_000): RuntimeProcess {
  requireBuild();
  return new RuntimeProcess(process.execPath, ["--import", register, file, ...args], { timeoutMs });
}

/** Waits for the child to end and says how it ended, with its output, for an assertion message. */
export async function exitOf(child: RuntimeProcess): Promise<{ code: number | null; timedOut: boolean; output: string }> {
  const exit = await child.exited;
  return { code: exit.code, timedOut: exit.timedOut, output: child.output() };
}
