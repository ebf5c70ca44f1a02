/**
 * The core (src/ outside src/adapters/) runs in every runtime: it imports nothing but itself,
 * touches no runtime's globals, and type-checks with the web platform's lib alone and no ambient
 * runtime typings (tsconfig.core.json).
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/vectors.js";

const src = join(repoRoot, "src");

function coreFiles(dir = src): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== join(src, "adapters")) out.push(...coreFiles(path));
    } else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

/** Source without comments, so a comment that mentions `node:net` or `Deno.` is not a finding. */
function code(path: string): string {
  return readFileSync(path, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** Every module specifier: static imports and re-exports, side-effect imports, dynamic import(). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["'`]([^"'`]+)["'`]\s*\)/g];
  for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[1]!);
  return found;
}

describe("the core is runtime-neutral", () => {
  const files = coreFiles();

  it("finds the core's files", () => {
    const names = files.map((f) => relative(src, f));
    expect(names).toEqual(
      expect.arrayContaining([
        "index.ts",
        "session.ts",
        "stream.ts",
        "errors.ts",
        join("frame", "decode.ts"),
        join("listen", "mux-server.ts"),
      ]),
    );
  });

  it("imports only its own modules (no node:*, no ws, no packages)", () => {
    const offending: string[] = [];
    for (const f of files) {
      for (const spec of specifiers(code(f))) {
        if (!spec.startsWith("./") && !spec.startsWith("../")) offending.push(`${relative(src, f)}: ${spec}`);
        else if (spec.includes("/adapters/")) offending.push(`${relative(src, f)}: ${spec} (an adapter)`);
      }
    }
    expect(offending).toEqual([]);
  });

  it("uses no runtime-specific global (Deno, Bun, process, Buffer, require)", () => {
    const offending: string[] = [];
    const globals = /(?<![\w$.])(Deno|Bun|process|Buffer|require|__dirname|__filename)\s*[.(]/g;
    for (const f of files) {
      for (const m of code(f).matchAll(globals)) offending.push(`${relative(src, f)}: ${m[0]}`);
    }
    expect(offending).toEqual([]);
  });

  it("catches a forbidden import when there is one (the scan itself works)", () => {
    const sample = `import { connect } from "node:net";\nexport * from "ws";\nconst x = await import("node:fs");\nimport "./ok.js";`;
    expect(specifiers(sample)).toEqual(["node:net", "ws", "./ok.js", "node:fs"]);
  });

  it("type-checks with the DOM lib only and no ambient types (tsconfig.core.json)", async () => {
    const tsc = join(repoRoot, "node_modules", ".bin", "tsc");
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile(tsc, ["-p", "tsconfig.core.json", "--noEmit"], { cwd: repoRoot, timeout: 120_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
      });
      child.stdin?.end();
    });
    expect(result.output).toBe("");
    expect(result.code).toBe(0);
  }, 130_000);
});
