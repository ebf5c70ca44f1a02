/** The versions of the runtimes a command ran on, for the report's header. */
import { execFile } from "node:child_process";
import type { GroupId } from "../groups.js";
import { GROUPS } from "../groups.js";
import { bunBin, chromiumPath, denoBin } from "./runtimes.js";

const TIMEOUT_MS = 10_000;

function firstLine(command: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: TIMEOUT_MS, killSignal: "SIGKILL" }, (err, stdout) =>
      resolve(err ? "unknown" : (stdout.split("\n").find((l) => l.trim()) ?? "unknown").trim()),
    );
  });
}

export async function versions(groups: GroupId[]): Promise<string> {
  const runtimes = new Set(groups.flatMap((g) => [GROUPS[g].client, GROUPS[g].server]));
  const out = [`Node ${process.version}`];
  if (runtimes.has("deno")) out.push(await firstLine(denoBin, ["--version"]));
  if (runtimes.has("bun")) out.push(`Bun ${await firstLine(bunBin, ["--version"])}`);
  if (runtimes.has("chromium")) {
    const path = await chromiumPath();
    if (path) out.push(await firstLine(path, ["--version"]));
  }
  return out.join(", ");
}
