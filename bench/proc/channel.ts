/**
 * The child's end of the runner's channel (lib/messages.ts): messages in on stdin, out on stdout.
 * The child exits when the runner goes away (stdin ends) or at its own deadline, so no run
 * outlives the benchmark.
 */
import process from "node:process";
import { createInterface } from "node:readline";
import { MESSAGE_PREFIX, type FromChild, type RunConfig, type ToChild } from "../lib/messages.js";
import { exit } from "./exit.js";

export function readConfig<C extends RunConfig = RunConfig>(): C {
  const config = JSON.parse(process.argv[2] ?? "{}") as C;
  setTimeout(() => exit(3), config.timeoutMs).unref?.();
  return config;
}

export function send(message: FromChild): void {
  process.stdout.write(`${MESSAGE_PREFIX}${JSON.stringify(message)}\n`);
}

/** Sends a last message, then exits once it is written. */
export function sendAndExit(message: FromChild, code: number): void {
  process.stdout.write(`${MESSAGE_PREFIX}${JSON.stringify(message)}\n`, () => exit(code));
}

export function onMessage(handler: (message: ToChild) => void): void {
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.startsWith(MESSAGE_PREFIX)) handler(JSON.parse(line.slice(MESSAGE_PREFIX.length)) as ToChild);
  });
  lines.on("close", () => exit(0));
}
