/**
 * The client process of one run: `node --expose-gc client.mjs <json config>`, forked by run.mjs
 * together with the server (both load their code at once). Says {type: "listening"} once it can
 * take messages (IPC messages that come before a listener are lost), waits for {type: "port"},
 * connects, runs one workload, reports {type: "result", result} and exits.
 * `ask(what, args)` puts a question to the server process (relayed by run.mjs).
 */
const config = JSON.parse(process.argv[2]);
setTimeout(() => process.exit(3), config.timeoutMs).unref();
process.on("disconnect", () => process.exit(0));

let nextId = 0;
const pending = new Map();
let gotPort;
const port = new Promise((resolve) => (gotPort = resolve));
process.on("message", (msg) => {
  if (msg.type === "port") gotPort(msg.port);
  if (msg.type !== "answer") return;
  const p = pending.get(msg.id);
  pending.delete(msg.id);
  if (msg.error) p?.reject(new Error(`server: ${msg.error}`));
  else p?.resolve(msg.value);
});

process.send({ type: "listening" });

function ask(what, args) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    process.send({ type: "ask", id, what, args });
  });
}

try {
  const { loadContender } = await import("../contenders/index.mjs");
  const { loadWorkload } = await import("../workloads/index.mjs");
  const contender = await loadContender(config.contender);
  const workload = await loadWorkload(config.workload);
  const conn = await contender.connect(await port);
  const result = await workload.run(conn, config.params, { ask });
  process.send({ type: "result", result }, () => process.exit(0));
} catch (err) {
  process.send({ type: "error", error: String(err?.stack ?? err) }, () => process.exit(1));
}
