import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { root } from "../runtimes/runner.js";

/** The built command, as npm links it for `npx streamux`. */
export const cliPath = join(root, "dist", "cli.js");

export function requireCli(): void {
  if (!existsSync(cliPath)) throw new Error("dist/cli.js is missing: run `npm run build` first (npm test does)");
}

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliEvent {
  event: string;
  [field: string]: unknown;
}

/**
 * `node dist/cli.js …` as a child process run with --json: its events can be awaited as they are
 * printed, it is bounded in time (killed with its whole process group), and its output explains a
 * failure.
 */
export class CliProcess {
  readonly exited: Promise<CliExit>;
  readonly events: CliEvent[] = [];
  private readonly child: ChildProcess;
  private out = "";
  private err = "";
  private waiters: Array<{ match(e: CliEvent): boolean; resolve(e: CliEvent): void; reject(err: Error): void }> = [];
  private done = false;

  /** `script`: another Node script that prints JSON events (default: the command). */
  constructor(args: string[], options: { timeoutMs: number; env?: Record<string, string>; script?: string }) {
    this.child = spawn(process.execPath, [options.script ?? cliPath, ...args], {
      cwd: root,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let partial = "";
    this.child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      this.out += text;
      partial += text;
      let at: number;
      while ((at = partial.indexOf("\n")) >= 0) {
        this.onLine(partial.slice(0, at));
        partial = partial.slice(at + 1);
      }
    });
    this.child.stderr!.setEncoding("utf8").on("data", (text: string) => (this.err += text));
    const timer = setTimeout(() => this.kill(), options.timeoutMs);
    this.exited = new Promise<CliExit>((resolve) => {
      this.child.once("close", (code, signal) => {
        clearTimeout(timer);
        this.done = true;
        const error = new Error(`the process ended (${code ?? signal}) before the event awaited\n${this.output()}`);
        for (const w of this.waiters.splice(0)) w.reject(error);
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  private onLine(line: string): void {
    let event: CliEvent;
    try {
      event = JSON.parse(line) as CliEvent;
    } catch {
      return;
    }
    this.events.push(event);
    for (const w of [...this.waiters]) {
      if (w.match(event)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  }

  /** How many events were printed so far: pass it as `after` to wait for a later one. */
  mark(): number {
    return this.events.length;
  }

  /** The first event named `name` (and matching `where`) among those printed after `after` (default: all), or still to come. */
  next(
    name: string,
    where: (e: CliEvent) => boolean = () => true,
    options: { after?: number; timeoutMs?: number } = {},
  ): Promise<CliEvent> {
    const match = (e: CliEvent) => e.event === name && where(e);
    const found = this.events.slice(options.after ?? 0).find(match);
    if (found) return Promise.resolve(found);
    if (this.done) return Promise.reject(new Error(`the process has ended; no "${name}" event\n${this.output()}`));
    const timeoutMs = options.timeoutMs ?? 15_000;
    return new Promise<CliEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no "${name}" event within ${timeoutMs} ms\n${this.output()}`));
      }, timeoutMs);
      const done = (e: CliEvent) => {
        clearTimeout(timer);
        resolve(e);
      };
      this.waiters.push({
        match,
        resolve: done,
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.done) this.child.kill(signal);
  }

  /** SIGKILL to the process and anything it started. */
  kill(): void {
    if (this.done) return;
    try {
      process.kill(-this.child.pid!, "SIGKILL");
    } catch {
      // Gone already.
    }
  }

  output(): string {
    return `--- stdout ---\n${this.out}\n--- stderr ---\n${this.err}`;
  }

  stderr(): string {
    return this.err;
  }
}
