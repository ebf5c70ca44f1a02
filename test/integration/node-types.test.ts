import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// streamux/node's published declarations: toDuplex(), httpAgent() and serve() are about Node's own
// classes, and dial()/listen() take Node's TLS options, so they are typed with Node's types (its
// users have @types/node) and a strict Node project uses them without a cast; sockets stay structural.

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
  it("import Node's types only, and only from node: modules (no NodeJS namespace, no Buffer)", async () => {
    const dts = await readFile(join(dir, "dist", "adapters", "node.d.ts"), "utf8");
    // toDuplex(), httpAgent() and serve() are declared in node-duplex.d.ts, re-exported by the entry.
    const duplex = await readFile(join(dir, "dist", "adapters", "node-duplex.d.ts"), "utf8");
    expect(dts).toContain("export declare function fromSocket");
    expect(dts).toMatch(/export \{[^}]*\btoDuplex\b[^}]*\} from "\.\/node-duplex\.js";/);
    expect(duplex).toMatch(/export declare function toDuplex\([^)]*\): Duplex;/);
    for (const text of [dts, duplex]) {
      expect(text).not.toMatch(/NodeJS\.|\bBuffer\b|reference types/);
      for (const line of text.split("\n").filter((l) => l.startsWith("import"))) {
        expect(line).toMatch(/from "(node:(http|net|stream|tls)|\.\.?\/[^"]+)";$/);
      }
    }
  });

  it("type-check in a strict Node project with no casts: toDuplex is a Duplex, httpAgent an http.Agent, serve takes an http.Server", async () => {
    const consumer = `
      import * as http from "node:http";
      import * as net from "node:net";
      import type { Duplex } from "node:stream";
      import { dial, listen, fromSocket, toDuplex, httpAgent, serve, type MuxServer } from "./dist/adapters/node.js";
      export async function main(): Promise<void> {
        const server: MuxServer = await listen({ host: "127.0.0.1", port: 0, windowSize: 1 << 20 });
        const session = await dial({ port: server.address().port, tls: { ca: "pem" }, typed: true });
        const duplex: Duplex = toDuplex(await session.open(), { allowHalfOpen: true });
        duplex.pipe(net.connect(80));
        const agent: http.Agent = httpAgent(session, { keepAlive: true, maxSockets: 8 });
        http.get({ host: "mux", path: "/", agent });
        const served: Promise<void> = serve(await server.accept(), http.createServer());
        fromSocket(new net.Socket());
        await server.close({ drain: { timeout: 1000 } });
        await served;
      }
    `;
    await writeFile(join(dir, "consumer.ts"), consumer);
    const config = {
      compilerOptions: {
        target: "ES2022",
        module: "ESNext",
        moduleResolution: "Bundler",
        lib: ["ES2023", "DOM"],
        types: ["node"],
        typeRoots: [join(root, "node_modules", "@types")],
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
