/**
 * One run: a fresh server process and a fresh client process (both `node --expose-gc`, started
 * together), the server's port and the client's questions relayed, the result returned. Bounded: past `timeoutMs` both
 * processes are killed and the run counts as failed.
 */
import { fork } from "node:child_process";

const SERVER = new URL("../proc/server.mjs", import.meta.url);
const CLIENT = new URL("../proc/client.mjs", import.meta.url);
/** Child output kept for the error message of a failed run. */
const TAIL = 4000;

function start(file, config) {
  const child = fork(file, [JSON.stringify(config)], {
    execArgv: ["--expose-gc"],
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  // A send racing the child's exit fails with EPIPE: the exit itself is what gets reported.
  child.on("error", () => {});
  let output = "";
  const keep = (chunk) => (output = (output + chunk).slice(-TAIL));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  child.output = () => output.trim();
  child.exited = new Promise((resolve) => child.once("close", (code, signal) => resolve(signal ?? code)));
  return child;
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  if (child.connected) child.send({ type: "stop" }, () => {});
  const kill = setTimeout(() => child.kill("SIGKILL"), 2000);
  return child.exited.finally(() => clearTimeout(kill));
}

/** Resolves with the client's result; rejects with what went wrong (and the children's output). */
export async function runPair({ contender, workload, params, timeoutMs }) {
  const config = { contender, workload, params, timeoutMs: timeoutMs + 5000 };
  const server = start(SERVER, config);
  const client = start(CLIENT, config);
  let timer;
  try {
    return await new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      const died = (who, child) => (code) => reject(new Error(`${who} exited (${code}) ${child.output()}`));
      server.exited.then(died("server", server));
      client.exited.then(died("client", client));
      // The port goes to the client once the server listens and the client can hear it.
      let port = null;
      let listening = false;
      const sendPort = () => port !== null && listening && client.send({ type: "port", port }, () => {});
      server.on("message", (msg) => {
        if (msg.type === "ready") {
          port = msg.port;
          sendPort();
        } else if (msg.type === "answer") client.send(msg, () => {});
      });
      client.on("message", (msg) => {
        if (msg.type === "listening") {
          listening = true;
          sendPort();
        } else if (msg.type === "result") resolve(msg.result);
        else if (msg.type === "error") reject(new Error(`client: ${msg.error}\n${client.output()}`));
        else if (msg.type === "ask") server.send(msg, () => {});
      });
    });
  } finally {
    clearTimeout(timer);
    await Promise.all([stop(server), stop(client)]);
  }
}
