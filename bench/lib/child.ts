/**
 * A child process of a run (a server or client in Node, Deno or Bun), seen from the runner: the
 * message channel of lib/messages.ts over its stdio, its other output kept for error messages, and
 * a bounded end. It runs in a process group of its own, so that killing it takes whatever it
 * started too.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { MESSAGE_PREFIX, type FromChild, type ToChild } from "./messages.js";

/** Output kept for the error message of a failed run. */
const TAIL = 4000;
/** How long a stopped child may take to exit (and write a CPU profile) before it is killed. */
const STOP_GRACE_MS = 5000;

export interface ChildCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export class Child {
  readonly exited: Promise<string>;
  private readonly proc: ChildProcess;
  private tail = "";
  private handlers: Array<(message: FromChild) => void> = [];
  private done = false;

  constructor({ command, args, env }: ChildCommand) {
    this.proc = spawn(command, args, {
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    // A write racing the child's exit fails with EPIPE: the exit itself is what gets reported.
    this.proc.stdin!.on("error", () => {});
    this.proc.on("error", (err) => this.keep(`spawn failed: ${err.message}\n`));
    createInterface({ input: this.proc.stdout! }).on("line", (line) => {
      if (!line.startsWith(MESSAGE_PREFIX)) return this.keep(`${line}\n`);
      const message = JSON.parse(line.slice(MESSAGE_PREFIX.length)) as FromChild;
      for (const h of this.handlers) h(message);
    });
    this.proc.stderr!.setEncoding("utf8").on("data", (text: string) => this.keep(text));
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        this.done = true;
        resolve(String(signal ?? code));
      };
      this.proc.once("close", finish);
      this.proc.once("error", () => finish(null, null));
    });
  }

  private keep(text: string): void {
    this.tail = (this.tail + text).slice(-TAIL);
  }

  onMessage(handler: (message: FromChild) => void): void {
    this.handlers.push(handler);
  }

  send(message: ToChild): void {
    if (!this.done) this.proc.stdin!.write(`${MESSAGE_PREFIX}${JSON.stringify(message)}\n`);
  }

  /** What the child printed besides messages (the end of it). */
  output(): string {
    return this.tail.trim();
  }

  /** Asks the child to exit (its stdin ends); kills its process group if it has not within the grace period. */
  async stop(): Promise<void> {
    if (this.done) return;
    this.send({ type: "stop" });
    this.proc.stdin!.end();
    const timer = setTimeout(() => this.kill(), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.done || this.proc.pid === undefined) return;
    try {
      process.kill(-this.proc.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
