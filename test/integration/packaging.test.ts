import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeProcess, bunBin, cacheDir, denoBin, denoEnv, requireBuild, root } from "../runtimes/runner.js";

/**
 * The package as it would be published: publint, the exports map, the .d.ts files, and the tarball
 * that `npm pack` makes from a clean copy of the repository (no dist/: the prepare script builds it),
 * installed with npm into a throwaway consumer project, where Node (ESM and CommonJS), Deno (npm:
 * specifiers), Bun, tsc (the newest and the oldest TypeScript the package supports) and Vite
 * (browser and Workers conditions) must each resolve every entry by name. And the TypeScript source
 * as JSR publishes it (deno.json).
 */

const run = promisify(execFile);

type ExportTarget = string | { [condition: string]: ExportTarget };
interface PackageJson {
  name: string;
  version: string;
  exports: Record<string, ExportTarget>;
}

/** Each entry and names it must export, wherever it is imported from. */
const ENTRIES: Record<string, string[]> = {
  streamux: ["Session", "ErrorCode", "MuxError", "formatFrame"],
  "streamux/node": ["fromSocket", "dial", "listen", "toDuplex", "httpAgent", "serve"],
  "streamux/websocket": ["fromWebSocket", "connect"],
  "streamux/deno": ["fromConn", "dial", "listen"],
  "streamux/bun": ["fromSocket", "socketHandlers", "dial", "listen"],
};

let pkg: PackageJson;
/** A scratch folder: the clean copy, the tarball and the consumer project. */
let scratch: string;
/** The consumer project, with the packed package installed by npm. */
let project: string;
/** What the clean copy held before `npm pack` ran, and the files the tarball holds. */
let copyHadDist: boolean;
let packedFiles: string[];

/** The repository's files as a fresh clone has them: tracked and new, minus what git ignores. */
async function cleanCopy(into: string): Promise<void> {
  const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const file of stdout.split("\0").filter(Boolean)) {
    if (!existsSync(join(root, file))) continue; // deleted in the working tree, not yet committed
    await mkdir(dirname(join(into, file)), { recursive: true });
    await cp(join(root, file), join(into, file));
  }
  // The build tools, without a second install: the copy borrows the repository's.
  await symlink(join(root, "node_modules"), join(into, "node_modules"), "dir");
}

beforeAll(async () => {
  requireBuild();
  pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as PackageJson;
  scratch = join(cacheDir, `packaging-${process.pid}`);
  await rm(scratch, { recursive: true, force: true });
  const copy = join(scratch, "clone");
  project = join(scratch, "consumer");
  await mkdir(project, { recursive: true });
  await cleanCopy(copy);
  copyHadDist = existsSync(join(copy, "dist"));
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", scratch], {
    cwd: copy,
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [{ filename, files }] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  packedFiles = files.map((f) => f.path);
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  // The package has no dependencies: npm installs the tarball without the network.
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", join(scratch, filename!)], {
    cwd: project,
    timeout: 120_000,
  });
}, 240_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Every file path an exports target names, with the conditions that lead to it. */
function targets(target: ExportTarget, conditions: string[] = []): Array<{ file: string; conditions: string[] }> {
  if (typeof target === "string") return [{ file: target, conditions }];
  return Object.entries(target).flatMap(([condition, t]) => targets(t, [...conditions, condition]));
}

async function filesUnder(dir: string, suffix: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(suffix)).map((e) => join(e.parentPath, e.name));
}

/** A consumer module that imports every entry and prints which expected names each one has. */
function probeModule(specifier: (entry: string) => string): string {
  const lines = Object.keys(ENTRIES).map(
    (entry, i) => `import * as m${i} from ${JSON.stringify(specifier(entry))};\nreport[${JSON.stringify(entry)}] = Object.keys(m${i});`,
  );
  return `const report = {};\n${lines.join("\n")}\nconsole.log("exports " + JSON.stringify(report));\n`;
}

function expectAllNames(report: Record<string, string[]>): void {
  for (const [entry, names] of Object.entries(ENTRIES)) {
    expect(report[entry], `exports of ${entry}`).toEqual(expect.arrayContaining(names));
  }
}

async function runProbe(command: string, args: string[], env?: Record<string, string>): Promise<Record<string, string[]>> {
  const child = new RuntimeProcess(command, args, { cwd: project, timeoutMs: 60_000, env });
  const exit = await child.exited;
  expect(exit.code, child.output()).toBe(0);
  return child.json<Record<string, string[]>>("exports");
}

describe("the package as built", () => {
  it("publint reports nothing, down to suggestions (strict)", async () => {
    const { messages } = await publint({ pkgDir: root, level: "suggestion", strict: true });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`)).toEqual([]);
  }, 60_000);

  it("every exports target exists; every entry has types and code", () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      for (const { file, conditions } of targets(target)) {
        expect(existsSync(join(root, file)), `exports["${subpath}"] (${conditions.join(" → ") || "plain"}) → ${file}`).toBe(true);
      }
      if (subpath === "./package.json") continue;
      const found = targets(target);
      expect(
        found.some((t) => t.conditions.includes("types") && t.file.endsWith(".d.ts")),
        `types of ${subpath}`,
      ).toBe(true);
      expect(
        found.some((t) => t.conditions.at(-1) === "default" && t.file.endsWith(".js")),
        `code of ${subpath}`,
      ).toBe(true);
    }
  });

  it("the .d.ts files reference no Node, Deno or Bun typings (streamux/node: Node's, from node: modules only)", async () => {
    const offenders: string[] = [];
    // Doc comments may name Deno.Conn and the like; only code counts.
    const stripComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/(?!\/).*$/gm, "");
    const forbidden = [
      /\/\/\/\s*<reference\s+types=["'](node|bun|bun-types|deno[^"']*)["']/,
      /from\s+["'](node:[^"']+|bun|bun:[^"']+)["']/,
      /import\(\s*["'](node:[^"']+|bun|bun:[^"']+)["']\s*\)/,
      /\b(NodeJS|Deno|Bun)\.[A-Za-z]/,
      /\bBuffer\b/,
    ];
    for (const file of await filesUnder(join(root, "dist"), ".d.ts")) {
      const code = stripComments(await readFile(file, "utf8"));
      // streamux/node types Node's own classes (Duplex, http.Agent, net.Server) with Node's types:
      // its entry and the Node-stream interop it re-exports.
      const isNodeEntry = [join("dist", "adapters", "node.d.ts"), join("dist", "adapters", "node-duplex.d.ts")].includes(
        relative(root, file),
      );
      for (const pattern of isNodeEntry ? forbidden.slice(2) : forbidden) {
        const m = pattern.exec(code);
        if (m) offenders.push(`${relative(root, file)}: ${m[0]}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

/** The repository's TypeScript and the oldest the package supports (test/typescript-oldest). */
const TYPESCRIPTS = [
  ["the repository's TypeScript", join(root, "node_modules", "typescript", "bin", "tsc")],
  ["TypeScript 5.0, the oldest supported", join(root, "test", "typescript-oldest", "node_modules", "typescript", "bin", "tsc")],
] as const;

/** Type-checks `source` in the consumer project with `tscPath`, strict, NodeNext, with the given typings. */
async function typeCheck(name: string, tscPath: string, source: string, typings: { types: string[]; typeRoots?: string[] }): Promise<void> {
  await writeFile(join(project, `consumer-${name}.ts`), source);
  const tsconfig = {
    compilerOptions: {
      strict: true,
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      lib: ["ES2022", "DOM", "DOM.Iterable"],
      ...typings,
      noEmit: true,
      skipLibCheck: false,
    },
    files: [`consumer-${name}.ts`],
  };
  await writeFile(join(project, `tsconfig.${name}.json`), JSON.stringify(tsconfig));
  const tsc = new RuntimeProcess(process.execPath, [tscPath, "-p", `tsconfig.${name}.json`], { cwd: project, timeoutMs: 60_000 });
  const exit = await tsc.exited;
  expect(exit.code, tsc.output()).toBe(0);
}

describe("the packed package (npm pack), installed into a consumer project", () => {
  it("is built by npm pack itself from a clean copy with no dist/, and carries code, types and sources", () => {
    expect(copyHadDist).toBe(false);
    for (const file of [
      "dist/index.js",
      "dist/index.d.ts",
      "dist/node.js",
      "dist/websocket.js",
      "dist/adapters/websocket.d.ts",
      "src/index.ts",
    ]) {
      expect(packedFiles, file).toContain(file);
    }
    expect(packedFiles.filter((f) => f.startsWith("test/") || f.startsWith("bench/"))).toEqual([]);
  });

  // The consumer imports every entry but streamux/node (which needs @types/node, see below), uses the
  // types and calls a reader of the README meets, and hands a DOM WebSocket to fromWebSocket (whose
  // parameter type must fit the DOM's on old and new lib.dom).
  const neutral = Object.keys(ENTRIES).filter((e) => e !== "streamux/node");
  const consumer = `${neutral.map((entry, i) => `import * as m${i} from ${JSON.stringify(entry)};`).join("\n")}
import { connect } from "streamux/websocket";
import { formatFrame } from "streamux";
import type { Transport, MuxStream, SessionCloseInfo, SessionOptions, SessionStats, StreamStats } from "streamux";
export const used = [${neutral.map((_, i) => `m${i}`).join(", ")}];
export async function echo(transport: Transport, options: SessionOptions): Promise<SessionCloseInfo> {
  const session = m0.Session.server(transport, options);
  for await (const stream of session as AsyncIterable<MuxStream>) await stream.readable.pipeTo(stream.writable);
  return session.closed;
}
export function overWebSocket(url: string): m0.Session {
  return m0.Session.client(m1.fromWebSocket(new WebSocket(url)));
}
export function failure(err: unknown): number | undefined {
  return err instanceof m0.MuxError ? err.code : undefined;
}
export async function api(session: m0.Session, signal: AbortSignal): Promise<[SessionStats, StreamStats, SessionCloseInfo]> {
  const stream = await session.open({ sendOrder: 1, signal });
  stream.sendOrder = 2;
  await stream.write(new Uint8Array(1), { signal });
  const chunk: Uint8Array | null = await stream.read({ signal });
  if (chunk) await stream.write(chunk);
  const byob = stream.readable.getReader({ mode: "byob" });
  await byob.read(new Uint8Array(16));
  await session.accept({ signal });
  await session.ping({ signal });
  const info = await session.shutdown({ timeout: 1000 });
  return [session.stats(), stream.stats(), info];
}
export const tracing: SessionOptions = { onFrame: (direction, frame) => console.log(formatFrame(direction, frame)) };
export const dialled: Promise<m0.Session> = connect("wss://example.test/mux", { windowSize: 1 << 20 });
`;

  for (const [version, tscPath] of TYPESCRIPTS) {
    it(`type-checks for a consumer without any runtime's typings (types: [], NodeNext) with ${version}`, async () => {
      await typeCheck(version.startsWith("TypeScript 5.0") ? "oldest" : "newest", tscPath, consumer, { types: [] });
      if (version.startsWith("TypeScript 5.0")) {
        const { stdout } = await run(process.execPath, [tscPath, "--version"]);
        expect(stdout).toContain("Version 5.0.");
      }
    }, 70_000);
  }

  // streamux/node types Node's own classes and TLS options with Node's types: a Node project (with
  // @types/node, here the repository's) uses toDuplex, httpAgent, serve and any tls option without a cast.
  const nodeConsumer = `import * as http from "node:http";
import type { Duplex } from "node:stream";
import { dial, listen, toDuplex, httpAgent, serve, type DialOptions, type ListenOptions } from "streamux/node";
export const tlsClient: DialOptions = { port: 1, tls: { ca: "", checkServerIdentity: () => undefined, ciphers: "HIGH" } };
export const tlsServer: ListenOptions = { tls: { pfx: Buffer.alloc(0), SNICallback: (_name, done) => done(null) } };
export async function main(): Promise<void> {
  const server = await listen({ port: 0 });
  const session = await dial({ port: server.address().port });
  const duplex: Duplex = toDuplex(await session.open(), { allowHalfOpen: true });
  duplex.end();
  const agent: http.Agent = httpAgent(session, { keepAlive: true });
  http.get({ host: "mux", agent });
  await serve(await server.accept(), http.createServer());
  await server.close({ drain: true });
}
`;
  for (const [version, tscPath] of TYPESCRIPTS) {
    it(`type-checks a Node consumer of streamux/node (types: ["node"]) with ${version}`, async () => {
      const types = { types: ["node"], typeRoots: [join(root, "node_modules", "@types")] };
      await typeCheck(version.startsWith("TypeScript 5.0") ? "node-oldest" : "node-newest", tscPath, nodeConsumer, types);
    }, 70_000);
  }

  it("CommonJS code can require() every entry (Node's require of ES modules)", async () => {
    const lines = Object.keys(ENTRIES).map((entry) => `report[${JSON.stringify(entry)}] = Object.keys(require(${JSON.stringify(entry)}));`);
    await writeFile(
      join(project, "probe-cjs.cjs"),
      `const report = {};\n${lines.join("\n")}\nconsole.log("exports " + JSON.stringify(report));\n`,
    );
    expectAllNames(await runProbe(process.execPath, ["probe-cjs.cjs"]));
  }, 70_000);

  it("Node imports every entry by name", async () => {
    await writeFile(
      join(project, "probe-node.mjs"),
      probeModule((entry) => entry),
    );
    expectAllNames(await runProbe(process.execPath, ["probe-node.mjs"]));
  }, 70_000);

  it("Deno imports every entry as npm:streamux… from node_modules", async () => {
    await writeFile(
      join(project, "probe-deno.js"),
      probeModule((entry) => `npm:${entry}`),
    );
    // "manual": Deno uses the node_modules folder as it is and fetches nothing.
    await writeFile(join(project, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }));
    const args = ["run", "--no-lock", "--allow-read", "--allow-env", "probe-deno.js"];
    expectAllNames(await runProbe(denoBin, args, denoEnv()));
  }, 70_000);

  it("Bun imports every entry by name", async () => {
    await writeFile(
      join(project, "probe-bun.mjs"),
      probeModule((entry) => entry),
    );
    expectAllNames(await runProbe(bunBin, ["probe-bun.mjs"]));
  }, 70_000);

  for (const [target, conditions] of [
    ["a browser (Vite's defaults)", undefined],
    ["Workers (workerd, worker, browser conditions)", ["workerd", "worker", "browser", "module", "import"]],
  ] as const) {
    it(`Vite bundles streamux and streamux/websocket for ${target} with no Node built-in`, async () => {
      await writeFile(
        join(project, "browser-entry.js"),
        `export { Session, ErrorCode } from "streamux";\nexport { fromWebSocket } from "streamux/websocket";\n`,
      );
      const output = await build({
        configFile: false,
        root: project,
        logLevel: "silent",
        ...(conditions ? { resolve: { conditions: [...conditions] } } : {}),
        build: {
          write: false,
          minify: false,
          lib: { entry: join(project, "browser-entry.js"), formats: ["es"], fileName: () => "bundle.js" },
        },
      });
      const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) => ("output" in o ? o.output : []));
      const code = chunks.map((c) => ("code" in c ? c.code : "")).join("\n");
      expect(code).toContain("fromWebSocket");
      expect(code).not.toMatch(/from\s*["']node:|require\(["']node:|import\(["']node:/);
      // Bundled from the installed package's dist/, not from this repository's sources.
      const modules = chunks.flatMap((c) => ("moduleIds" in c ? c.moduleIds : []));
      expect(modules.some((id) => id.includes(join("node_modules", "streamux", "dist")))).toBe(true);
      expect(modules.some((id) => id.includes(join(root, "src")))).toBe(false);
    }, 60_000);
  }
});

describe("the TypeScript source for Deno and JSR (deno.json)", () => {
  it("deno.json exports the source of every package.json entry, at the same version", async () => {
    const deno = JSON.parse(await readFile(join(root, "deno.json"), "utf8")) as PackageJson & { unstable?: string[] };
    expect(deno.version).toBe(pkg.version);
    const subpaths = Object.keys(pkg.exports).filter((s) => s !== "./package.json");
    expect(Object.keys(deno.exports).sort()).toEqual(subpaths.sort());
    for (const [subpath, source] of Object.entries(deno.exports)) {
      expect(typeof source === "string" && existsSync(join(root, source)), `${subpath} → ${String(source)}`).toBe(true);
      // The source file an entry is built from has the built entry's name (src/adapters/deno.ts → dist/deno.js).
      const built = targets(pkg.exports[subpath]!).find((t) => t.conditions.at(-1) === "default")!.file;
      expect(String(source).replace(/^.*\//, "").replace(/\.ts$/, ""), subpath).toBe(
        subpath === "." ? "index" : built.replace(/^.*\//, "").replace(/\.js$/, ""),
      );
    }
    // The source imports "./x.js" for x.ts (tsc's convention); Deno resolves that with sloppy imports.
    expect(deno.unstable).toContain("sloppy-imports");
  });

  it("deno publish --dry-run accepts the source: it type-checks, has no slow types, resolves every import", async () => {
    const child = new RuntimeProcess(denoBin, ["publish", "--dry-run", "--allow-dirty"], { timeoutMs: 120_000, env: denoEnv() });
    const exit = await child.exited;
    expect(exit.code, child.output()).toBe(0);
    expect(child.output()).toContain("Success Dry run complete");
  }, 130_000);
});
