/**
 * The client process of one run, in Node, Deno or Bun: `<runtime> client.js <json config>`,
 * started by the runner together with the server (both load their code at once). Waits for
 * {type: "port"}, connects, runs one workload, reports {type: "result"} and exits. `ask(what,
 * args)` puts a question to the server process (relayed by the runner).
 */
import { join } from "node:path";
import process from "node:process";
import { contenderEntry, type GroupId } from "../groups.js";
import { keepUndefined, type RunResult } from "../lib/messages.js";
import { workloadSpec } from "../workloads/index.js";
import type { WorkloadContext } from "../workloads/workload.js";
import { onMessage, readConfig, send, sendAndExit } from "./channel.js";
import { canSettleHeap, settledHeap } from "./heap.js";
import { needsSelfProfile, profileSelf } from "./self-profile.js";

const config = readConfig();
if (config.profileDir && needsSelfProfile()) await profileSelf(config.profileDir, "client");

let nextId = 0;
const pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
let gotPort!: (port: number) => void;
const port = new Promise<number>((resolve) => (gotPort = resolve));
onMessage((msg) => {
  if (msg.type === "port") gotPort(msg.port);
  if (msg.type !== "answer") return;
  const p = pending.get(msg.id);
  pending.delete(msg.id);
  if (msg.error) p?.reject(new Error(`server: ${msg.error}`));
  else p?.resolve(msg.value);
});

function ask(what: string, args?: unknown): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    send({ type: "ask", id, what, args });
  });
}

try {
  const entry = contenderEntry(config.group as GroupId, config.contender);
  const [contender, run] = await Promise.all([entry.load(), workloadSpec(config.workload).load()]);
  const conn = await contender.connect(await port, entry.options ?? {});
  const ctx: WorkloadContext = {
    ask,
    cpuUsage: (previous) => process.cpuUsage(previous),
    settledHeap: canSettleHeap()
      ? (snapshot) => settledHeap(snapshot && config.profileDir ? join(config.profileDir, `${snapshot}.heapsnapshot`) : undefined)
      : undefined,
    kept: entry.kept ?? false,
  };
  const metrics = await run(conn, config.params, ctx);
  const result: RunResult = { metrics, sessionStats: keepUndefined(conn.stats?.()) };
  sendAndExit({ type: "result", result }, 0);
} catch (err) {
  sendAndExit({ type: "error", error: String((err as Error)?.stack ?? err) }, 1);
}
