import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * Runs the other runtimes (Deno, Bun) from Node tests: the binaries from the `deno` and `bun` npm
 * packages, each child bounded in time (its whole process group is killed on timeout), its output
 * kept for the failure message.
 */

export const root = fileURLToPath(new URL("../..", import.meta.url));
/** Scratch space for generated files (import maps, certificates, bundles, Deno's cache); git-ignored. */
export const cacheDir = join(root, "test", ".cache");
export const denoBin = join(root, "node_modules", ".bin", "deno");
export const bunBin = join(root, "node_modules", ".bin", "bun");

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  ms: number;
}

export interface RunOptions {
  /** The child (and everything it started) is killed after this long. */
  timeoutMs: number;
  env?: Record<string, string>;
  cwd?: string;
}

/** A child process whose stdout lines can be awaited and whose output explains a failure. */
export class RuntimeProcess {
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private out = "";
  private err = "";
  private lines: string[] = [];
  private lineWaiters: Array<{ match(line: string): boolean; resolve(line: string): void }> = [];
  private done = false;

  constructor(command: string, args: string[], options: RunOptions) {
    const started = performance.now();
    // A process group of its own, so a timeout kills whatever the runtime spawned too.
    this.child = spawn(command, args, {
      cwd: options.cwd ?? root,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
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

    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.kill();
    }, options.timeoutMs);
    this.exited = new Promise<Exit>((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        clearTimeout(timer);
        this.done = true;
        for (const w of this.lineWaiters.splice(0)) w.resolve("");
        resolve({ code, signal, timedOut, ms: Math.round(performance.now() - started) });
      };
      this.child.once("error", (err) => {
        this.err += `\nspawn failed: ${err.message}`;
        finish(null, null);
      });
      this.child.once("close", finish);
    });
  }

  private onLine(line: string): void {
    this.lines.push(line);
    for (const w of [...this.lineWaiters]) {
      if (w.match(line)) {
        this.lineWaiters.splice(this.lineWaiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  }

  /** The first stdout line starting with `prefix` (already printed or still to come). */
  async lineStartingWith(prefix: string): Promise<string> {
    const seen = this.lines.find((l) => l.startsWith(prefix));
    if (seen !== undefined) return seen;
    if (this.done) throw new Error(`the process ended without printing "${prefix}…"\n${this.output()}`);
    const line = await new Promise<string>((resolve) => this.lineWaiters.push({ match: (l) => l.startsWith(prefix), resolve }));
    if (line === "") throw new Error(`the process ended without printing "${prefix}…"\n${this.output()}`);
    return line;
  }

  /** A JSON value the child printed as `<tag> {…}` on a line of its own. */
  async json<T>(tag: string): Promise<T> {
    const line = await this.lineStartingWith(`${tag} `);
    return JSON.parse(line.slice(tag.length + 1)) as T;
  }

  /** Everything the child wrote, for an assertion message. */
  output(): string {
    return `--- stdout ---\n${this.out}\n--- stderr ---\n${this.err}`;
  }

  kill(): void {
    if (this.done || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }

  /** Sends `signal` to the child alone (say SIGINT, as Ctrl-C would), to see how it stops. */
  signal(signal: NodeJS.Signals): void {
    if (this.done || this.child.pid === undefined) return;
    try {
      process.kill(this.child.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Runs a child to its end; throws with its output unless it exits with code 0. */
export async function runToSuccess(command: string, args: string[], options: RunOptions): Promise<{ exit: Exit; stdout: string }> {
  const p = new RuntimeProcess(command, args, options);
  const exit = await p.exited;
  if (exit.code !== 0) {
    const why = exit.timedOut ? `timed out after ${options.timeoutMs} ms` : `exited with ${exit.code ?? exit.signal}`;
    throw new Error(`${command} ${args.join(" ")} ${why}\n${p.output()}`);
  }
  return { exit, stdout: p.output() };
}

// ---- Deno ---------------------------------------------------------------------------------------

/** Deno without network look-ups or a shared cache: its cache lives under test/.cache. */
export function denoEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { DENO_DIR: join(cacheDir, "deno", "dir"), DENO_NO_UPDATE_CHECK: "1", ...extra };
}

/**
 * An import map that resolves "streamux" and its subpaths the way the published package does:
 * written from package.json "exports" (the "deno" condition if present, else "default"), pointing
 * at the built files. Deno cannot resolve a package by its own name, so this stands in for that.
 */
export async function denoImportMap(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
    name: string;
    exports: Record<string, string | Record<string, string>>;
  };
  const imports: Record<string, string> = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const file = typeof target === "string" ? target : (target.deno ?? target.import ?? target.default);
    if (!file?.endsWith(".js")) continue;
    const absolute = join(root, file);
    if (!existsSync(absolute)) throw new Error(`exports["${subpath}"] → ${file} does not exist: run npm run build first`);
    imports[subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`] = pathToFileURL(absolute).href;
  }
  const dir = join(cacheDir, "deno");
  await mkdir(dir, { recursive: true });
  const path = join(dir, "import-map.json");
  await writeFile(path, JSON.stringify({ imports }, null, 2));
  return path;
}

/** Arguments for `deno test` / `deno run` with the package's import map and loopback-only connections. */
export async function denoArgs(subcommand: "test" | "run", files: string[]): Promise<string[]> {
  return [
    subcommand,
    "--no-config",
    "--no-lock",
    `--import-map=${await denoImportMap()}`,
    // The shared TypeScript is type-checked by tsc on the Node side; here it only has to run.
    "--no-check",
    // The repository's TypeScript imports "./x.js" for x.ts (what tsc and bundlers expect).
    "--sloppy-imports",
    // Connections go to loopback only; listen()'s default binds every interface ("::", "0.0.0.0").
    "--allow-net=127.0.0.1,0.0.0.0,[::]",
    "--allow-read",
    "--allow-env",
    ...files,
  ];
}

// ---- shared --------------------------------------------------------------------------------------

/** Fails early, with the fix, when the package was not built. */
export function requireBuild(): void {
  if (!existsSync(join(root, "dist", "index.js"))) {
    throw new Error("dist/ is missing: run `npm run build` first (npm test does)");
  }
}

/** Counts like "12 passed | 0 failed" in a test runner's summary. */
export function summaryCount(output: string, pattern: RegExp): number {
  const m = pattern.exec(output);
  return m ? Number(m[1]) : -1;
}
