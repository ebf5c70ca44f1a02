import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { build } from "vite";
import { findChromium } from "../support/chromium.js";
import { pageConfig, pageSource, type PageSource } from "./vite.page.config.js";

/**
 * The browser test's machinery: build the page with Vite, serve it on loopback, drive Chromium
 * with playwright-core, and collect every error the page reports.
 */

/** Chromium's flags: nothing that could reach the network or touch a GPU. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const LAUNCH_TIMEOUT_MS = 30_000;

export interface BuiltPage {
  dir: string;
  /** Whether the page bundles the published dist/ or the sources. */
  source: PageSource;
  remove(): Promise<void>;
}

/** Builds test/browser/page into a fresh temp directory. */
export async function buildPage(): Promise<BuiltPage> {
  const dir = await mkdtemp(join(tmpdir(), "streamux-page-"));
  const source = pageSource();
  await build({ ...pageConfig(dir, source), configFile: false });
  return { dir, source, remove: () => rm(dir, { recursive: true, force: true }) };
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serves a directory on 127.0.0.1 (port 0); nothing outside it. */
export async function serveDir(dir: string): Promise<StaticServer> {
  const server: Server = createServer(async (req, res) => {
    const path = normalize(join(dir, decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)));
    const file = path.endsWith(sep) ? join(path, "index.html") : path;
    if (!file.startsWith(dir + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium headless on a fresh, temporary profile. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await findChromium();
  const userDataDir = await mkdtemp(join(tmpdir(), "streamux-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: LAUNCH_TIMEOUT_MS,
    });
    return {
      context,
      close: async () => {
        await context.close();
        await rm(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(userDataDir, { recursive: true, force: true });
    throw err;
  }
}

export interface WatchedPage {
  page: Page;
  /** Console errors, uncaught errors and unhandled rejections seen so far. */
  problems: string[];
}

/** Opens `url` in a new tab, recording every error the page shows or reports. */
export async function openPage(context: BrowserContext, url: string): Promise<WatchedPage> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console.error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  await page.exposeFunction("reportProblem", (message: string) => void problems.push(message));
  await page.goto(url);
  await page.waitForFunction(() => window.streamuxTest !== undefined);
  return { page, problems };
}
