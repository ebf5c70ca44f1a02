/** Builds the page (page/) with Vite into a temporary folder and serves it. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8" };

export interface Site {
  handle(req: IncomingMessage, res: ServerResponse): void;
  remove(): Promise<void>;
}

export async function buildSite(): Promise<Site> {
  const dir = await mkdtemp(join(tmpdir(), "streamux-browser-example-"));
  // `streamux/websocket` in the page resolves through the package's "exports" to the build in dist/.
  await build({
    configFile: false,
    root: fileURLToPath(new URL("./page", import.meta.url)),
    cacheDir: join(dir, ".vite"),
    logLevel: "warn",
    build: { outDir: join(dir, "site"), emptyOutDir: true, target: "es2022" },
  });
  const site = join(dir, "site");
  return {
    async handle(req, res) {
      const path = normalize(join(site, new URL(req.url ?? "/", "http://x").pathname));
      const file = path.endsWith(sep) ? join(path, "index.html") : path;
      const body = file.startsWith(site + sep) ? await readFile(file).catch(() => null) : null;
      if (body === null) res.writeHead(404).end();
      else res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
