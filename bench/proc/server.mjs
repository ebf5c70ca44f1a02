/**
 * The server process of one run: `node --expose-gc server.mjs <json config>`, forked by run.mjs.
 * Listens on 127.0.0.1, reports {type: "ready", port}, answers the client's questions (relayed by
 * run.mjs) and exits on "stop", when run.mjs goes away, or at its own deadline.
 */
import { loadContender } from "../contenders/index.mjs";
import { settledHeap } from "./heap.mjs";
import { streamHandler } from "./stream-handler.mjs";

const config = JSON.parse(process.argv[2]);
setTimeout(() => process.exit(3), config.timeoutMs).unref();
process.on("disconnect", () => process.exit(0));

const stats = { idle: 0, lastAck: null, onIdle: null };
const contender = await loadContender(config.contender);
const { port } = await contender.listen(streamHandler(stats));

/** Resolves once `n` idle streams are open. */
function idleStreams(n) {
  if (stats.idle >= n) return Promise.resolve();
  return new Promise((resolve) => {
    stats.onIdle = () => {
      if (stats.idle < n) return;
      stats.onIdle = null;
      resolve();
    };
  });
}

const answers = {
  heap: async ({ idle = 0 } = {}) => {
    await idleStreams(idle);
    return { heapUsed: settledHeap(), idle: stats.idle };
  },
  lastAck: async () => stats.lastAck,
};

process.on("message", async (msg) => {
  if (msg.type === "stop") process.exit(0);
  if (msg.type === "ask") {
    try {
      const value = await answers[msg.what](msg.args);
      process.send({ type: "answer", id: msg.id, value });
    } catch (err) {
      process.send({ type: "answer", id: msg.id, error: String(err?.stack ?? err) });
    }
  }
});
process.send({ type: "ready", port });
