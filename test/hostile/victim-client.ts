import { fork, type ChildProcess } from "node:child_process";
import { onTestFinished } from "vitest";
import { victimBundle } from "./bundle.js";
import type { Counter, Ready, Reply, Request, VictimCounts, VictimReport, VictimSetup } from "./messages.js";

/**
 * The test's handle on a victim process: start it, ask it for reports, wait for its counters, stop
 * it. Every request is bounded in time and fails with what the victim printed; the victim is
 * stopped when the test finishes, pass or fail.
 */

/** A report request runs several forced collections: generous, for a busy machine. */
const REQUEST_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 15_000;
const EXIT_TIMEOUT_MS = 3_000;

type RequestBody = Request extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

export class Victim {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: unknown) => void }>();
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly log: { stderr: string },
  ) {
    this.exit = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
    });
    child.on("message", (message: Reply) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      waiter.resolve(message);
    });
    child.once("exit", (code, signal) => {
      this.exited = true;
      const err = new Error(`the victim exited (${code ?? signal}) with requests pending\n${this.log.stderr}`);
      for (const w of this.pending.values()) w.reject(err);
      this.pending.clear();
    });
  }

  /** Forks a victim and waits until its server listens. */
  static async start(setup: VictimSetup): Promise<Victim> {
    const bundle = await victimBundle();
    const child = fork(bundle, [JSON.stringify(setup)], {
      execArgv: ["--expose-gc"],
      stdio: ["ignore", "inherit", "pipe", "ipc"],
      serialization: "json",
    });
    const log = { stderr: "" };
    child.stderr!.setEncoding("utf8").on("data", (text: string) => (log.stderr += text));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`the victim did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      const fail = (err: Error) => {
        clearTimeout(timer);
        child.kill("SIGKILL");
        reject(new Error(`${err.message}\n${log.stderr}`));
      };
      child.once("error", fail);
      child.once("exit", (code, signal) => fail(new Error(`the victim exited (${code ?? signal}) before it was ready`)));
      child.once("message", (message: Ready) => {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        child.removeAllListeners("error");
        resolve(message.port);
      });
    });
    child.on("error", () => {});
    const victim = new Victim(child, port, log);
    onTestFinished(() => victim.stop());
    return victim;
  }

  /** Memory after forced GC, the longest stall since the last report, and the counters. */
  report(): Promise<VictimReport> {
    return this.request({ op: "report" }, REQUEST_TIMEOUT_MS) as Promise<VictimReport>;
  }

  /** The counts (no memory figures), once `counter` has reached `atLeast`; fails after `timeoutMs`. */
  until(counter: Counter, atLeast: number, timeoutMs: number): Promise<VictimCounts> {
    return this.request({ op: "until", counter, atLeast, timeoutMs }, timeoutMs + REQUEST_TIMEOUT_MS);
  }

  /**
   * Asks the victim to exit and waits for it (killing it if it does not). Throws if the victim saw
   * unhandled rejections or uncaught exceptions meanwhile.
   */
  async stop(): Promise<void> {
    if (this.exited) return;
    let unhandled: string[] = [];
    try {
      unhandled = (await this.report()).unhandled;
      await this.request({ op: "exit" }, EXIT_TIMEOUT_MS).catch(() => {});
    } finally {
      if (!this.exited) {
        const timer = setTimeout(() => this.child.kill("SIGKILL"), EXIT_TIMEOUT_MS);
        await this.exit;
        clearTimeout(timer);
      }
    }
    if (unhandled.length > 0) throw new Error(`the victim saw:\n${unhandled.join("\n")}`);
  }

  private request(body: RequestBody, timeoutMs: number): Promise<VictimCounts> {
    if (this.exited) return Promise.reject(new Error(`the victim has exited\n${this.log.stderr}`));
    const id = this.nextId++;
    return new Promise<VictimCounts>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the victim did not answer ${body.op} within ${timeoutMs} ms\n${this.log.stderr}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          if (r.ok) resolve(r.report!);
          else reject(new Error(`victim: ${r.error}`));
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ ...body, id } as Request);
    });
  }
}

export function startVictim(setup: VictimSetup): Promise<Victim> {
  return Victim.start(setup);
}
