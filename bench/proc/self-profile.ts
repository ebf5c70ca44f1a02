/**
 * A CPU profile of this process taken from the inside, through node:inspector, for the runtimes
 * whose command line cannot ask for one (Deno has no --cpu-prof). Node and Bun are profiled with
 * --cpu-prof instead (lib/runtimes.ts).
 */
import { join } from "node:path";
import { atExit } from "./exit.js";

export function needsSelfProfile(): boolean {
  return "Deno" in globalThis;
}

/** Starts profiling; the profile is written into `dir` when the process exits (proc/exit.ts). */
export async function profileSelf(dir: string, name: string): Promise<void> {
  const { Session } = await import("node:inspector");
  const { writeFile } = await import("node:fs/promises");
  const session = new Session();
  session.connect();
  const post = (method: string) =>
    new Promise<any>((resolve, reject) => session.post(method, (err, result) => (err ? reject(err) : resolve(result))));
  await post("Profiler.enable");
  await post("Profiler.start");
  atExit(async () => {
    const { profile } = await post("Profiler.stop");
    await writeFile(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
  });
}
