import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The published declarations of streamux/node must not need @types/node: a browser-only or Deno
// project that type-checks against the package sees only the adapter's own "…Like" types.

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..", "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "streamux-dts-"));
  await run(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", join(dir, "dist")], { cwd: root });
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("streamux/node's published types", () => {
  it("mention no Node types: no node: imports, no NodeJS or Buffer, no reference to @types/node", async () => {
    const dts = await readFile(join(dir, "dist", "adapters", "node.d.ts"), "utf8");
    expect(dts).toContain("export declare function fromSocket");
    expect(dts).not.toMatch(/node:|NodeJS\.|\bBuffer\b|reference types/);
  });

  it("type-check in a project without @types/node", async () => {
    const consumer = `
      import { dial, listen, fromSocket, toDuplex, type SocketLike, type MuxServer } from "./dist/adapters/node.js";
      declare const socket: SocketLike;
      export async function main(): Promise<void> {
        const server: MuxServer = await listen({ host: "127.0.0.1", port: 0, windowSize: 1 << 20 });
        const session = await dial({ port: server.address().port, tls: { ca: "pem" }, typed: true });
        const duplex = toDuplex(await session.open());
        duplex.write(new Uint8Array(1));
        fromSocket(socket);
        await server.close();
      }
    `;
    await writeFile(join(dir, "consumer.ts"), consumer);
    const config = {
      compilerOptions: {
        target: "ES2022",
        module: "ESNext",
        moduleResolution: "Bundler",
        lib: ["ES2023", "DOM"],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      },
      files: ["consumer.ts"],
    };
    await writeFile(join(dir, "tsconfig.json"), JSON.stringify(config));
    const result = await run(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { cwd: dir }).then(
      () => "",
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
    expect(result).toBe("");
  });
});
