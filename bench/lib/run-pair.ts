/**
 * One run: a fresh server process and a fresh client (a process of the group's runtime, or for
 * the browser group a page in a fresh Chromium context), started together; the server's port and
 * the client's questions relayed; the client's result returned. Bounded: past `timeoutMs` the run
 * fails and its processes are stopped (killed if they do not go).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { GROUPS, type GroupId } from "../groups.js";
import type { WorkloadId } from "../workloads/index.js";
import type { BrowserHost } from "./browser-host.js";
import { Child } from "./child.js";
import type { RunConfig, RunResult } from "./messages.js";
import { procDir } from "./paths.js";
import { commandFor } from "./runtimes.js";
import { withTimeout } from "./timeout.js";

export interface RunSpec {
  group: GroupId;
  contender: string;
  workload: WorkloadId;
  params: unknown;
  timeoutMs: number;
  /** CPU profiles of this run go here (server/, client/, page.cpuprofile). */
  profileDir?: string;
  /** The browser group: the built page, and the browser to open it in. */
  pageDir?: string;
  browser?: BrowserHost;
}

export async function runPair(spec: RunSpec): Promise<RunResult> {
  const g = GROUPS[spec.group];
  // The processes outlive the run's timeout a little, so that the runner reports the timeout.
  const config: RunConfig = {
    group: spec.group,
    contender: spec.contender,
    workload: spec.workload,
    params: spec.params,
    timeoutMs: spec.timeoutMs + 5000,
  };
  const profile = (side: string) => {
    if (!spec.profileDir) return {};
    const dir = join(spec.profileDir, side);
    mkdirSync(dir, { recursive: true });
    return { profileDir: dir };
  };
  const serverProfile = profile("server");
  const serverConfig = { ...config, ...serverProfile, options: spec.pageDir ? { pageDir: spec.pageDir } : undefined };
  const server = new Child(commandFor(g.server, join(procDir, "server.js"), JSON.stringify(serverConfig), serverProfile));
  const clientProfile = g.client === "chromium" ? {} : profile("client");
  const client =
    g.client === "chromium"
      ? null
      : new Child(commandFor(g.client, join(procDir, "client.js"), JSON.stringify({ ...config, ...clientProfile }), clientProfile));
  let page: Promise<unknown> = Promise.resolve();
  try {
    return await withTimeout(
      new Promise<RunResult>((resolve, reject) => {
        const died = (who: string, child: Child) => (code: string) => reject(new Error(`${who} exited (${code}) ${child.output()}`));
        void server.exited.then(died("server", server));
        void client?.exited.then(died("client", client));
        server.onMessage((msg) => {
          if (msg.type === "ready") {
            if (client) return client.send({ type: "port", port: msg.port });
            page = openPage(spec, msg.port).then(resolve, reject);
          } else if (msg.type === "answer") client?.send(msg);
        });
        client?.onMessage((msg) => {
          if (msg.type === "result") resolve(msg.result);
          else if (msg.type === "error") reject(new Error(`client: ${msg.error}\n${client.output()}`));
          else if (msg.type === "ask") server.send(msg);
        });
      }),
      spec.timeoutMs,
      "the run",
    );
  } finally {
    // The page's run is bounded by its own timeout; the next run starts after it has let go.
    await Promise.all([server.stop(), client?.stop(), page.catch(() => {})]);
  }
}

async function openPage(spec: RunSpec, port: number): Promise<RunResult> {
  if (!spec.browser) throw new Error("the browser group needs a browser");
  const entry = GROUPS[spec.group].contenders[spec.contender]!;
  if (spec.profileDir) mkdirSync(spec.profileDir, { recursive: true });
  const profilePath = spec.profileDir ? join(spec.profileDir, "page.cpuprofile") : undefined;
  return spec.browser.run(
    `http://127.0.0.1:${port}/`,
    { workload: spec.workload, contender: spec.contender, params: spec.params, kept: entry.kept ?? false },
    spec.timeoutMs,
    profilePath,
  );
}
