/**
 * The server process of one run, in Node, Deno or Bun: `<runtime> server.js <json config>`,
 * started by the runner (lib/run-pair.ts). Listens on 127.0.0.1, reports {type: "ready", port},
 * answers the client's questions (relayed by the runner) and exits on "stop", when the runner goes
 * away, or at its own deadline.
 */
import { join } from "node:path";
import { contenderEntry, type GroupId } from "../groups.js";
import type { ContenderOptions } from "../lib/bench-stream.js";
import type { RunConfig } from "../lib/messages.js";
import { onMessage, readConfig, send } from "./channel.js";
import { exit } from "./exit.js";
import { settledHeap } from "./heap.js";
import { needsSelfProfile, profileSelf } from "./self-profile.js";
import { streamHandler, type ServerStats } from "./stream-handler.js";

/** The server's config also carries options only the runner knows (the built page's directory). */
export interface ServerConfig extends RunConfig {
  options?: ContenderOptions;
}

const config = readConfig<ServerConfig>();
if (config.profileDir && needsSelfProfile()) await profileSelf(config.profileDir, "server");
const stats: ServerStats = { idle: 0, lastAck: null, onIdle: null };

/** Resolves once `n` idle streams are open. */
function idleStreams(n: number): Promise<void> {
  if (stats.idle >= n) return Promise.resolve();
  return new Promise((resolve) => {
    stats.onIdle = () => {
      if (stats.idle < n) return;
      stats.onIdle = null;
      resolve();
    };
  });
}

interface Question {
  idle?: number;
  /** --profile: also write a heap snapshot named so. */
  snapshot?: string;
}

const answers: Record<string, (args: Question | undefined) => Promise<unknown>> = {
  heap: async (args) => {
    await idleStreams(args?.idle ?? 0);
    const path = args?.snapshot && config.profileDir ? join(config.profileDir, `${args.snapshot}.heapsnapshot`) : undefined;
    return { heapUsed: await settledHeap(path), idle: stats.idle };
  },
  lastAck: async () => stats.lastAck,
};

onMessage(async (msg) => {
  if (msg.type === "stop") exit(0);
  if (msg.type !== "ask") return;
  try {
    const answer = answers[msg.what];
    if (!answer) throw new Error(`unknown question ${msg.what}`);
    send({ type: "answer", id: msg.id, value: await answer(msg.args as Question | undefined) });
  } catch (err) {
    send({ type: "answer", id: msg.id, error: String((err as Error)?.stack ?? err) });
  }
});

const entry = contenderEntry(config.group as GroupId, config.contender);
const contender = await entry.load();
const { port } = await contender.listen(streamHandler(stats), { ...entry.options, ...config.options });
send({ type: "ready", port });
