/**
 * Chromium for the browser group, driven by playwright-core: Debian's Chromium (or
 * $CHROMIUM_PATH), headless, nothing that reaches the network or a GPU. One browser serves the
 * whole command; every run gets a fresh browser context, so its page runs in a fresh renderer
 * process. Every step is bounded: a run that overruns has its context closed, and a browser that
 * does not answer is abandoned (and killed when the command exits) for a new one.
 */
import { writeFile } from "node:fs/promises";
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import type { PageRun } from "../browser/page/api.js";
import type { RunResult } from "./messages.js";
import { chromiumPath } from "./runtimes.js";
import { withTimeout } from "./timeout.js";

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const LAUNCH_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 5_000;

export class BrowserHost {
  private browser: Browser | null = null;

  private async ensure(): Promise<Browser> {
    if (this.browser?.isConnected()) return this.browser;
    const executablePath = await chromiumPath();
    if (!executablePath) throw new Error("no Chromium found ($CHROMIUM_PATH or /usr/bin/chromium)");
    this.browser = await withTimeout(
      chromium.launch({ executablePath, headless: true, args: ARGS, timeout: LAUNCH_TIMEOUT_MS }),
      LAUNCH_TIMEOUT_MS + 5_000,
      "launching Chromium",
    );
    return this.browser;
  }

  /** Starts the browser now, so that one that cannot start is found before any run. */
  async start(): Promise<void> {
    await this.ensure();
  }

  /**
   * Opens `url` in a fresh context, runs one workload on the page and closes the context. With
   * `profilePath`, the page's CPU profile over the run (CDP Profiler) is written there.
   */
  async run(url: string, run: PageRun, timeoutMs: number, profilePath?: string): Promise<RunResult> {
    const browser = await this.ensure();
    let context: BrowserContext | null = null;
    const problems: string[] = [];
    try {
      return await withTimeout(
        (async () => {
          context = await browser.newContext();
          const page = await context.newPage();
          page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
          page.on("console", (msg) => {
            if (msg.type() === "error") problems.push(`console.error: ${msg.text()}`);
          });
          await page.goto(url);
          await page.waitForFunction(() => window.streamuxBench !== undefined);
          const cdp = profilePath ? await context.newCDPSession(page) : null;
          if (cdp) {
            await cdp.send("Profiler.enable");
            await cdp.send("Profiler.start");
          }
          const result = await page.evaluate((r) => window.streamuxBench!.run(r), run);
          if (cdp && profilePath) {
            const { profile } = await cdp.send("Profiler.stop");
            await writeFile(profilePath, JSON.stringify(profile));
          }
          return result;
        })(),
        timeoutMs,
        "the page's run",
      );
    } catch (err) {
      const detail = problems.length ? `\n${problems.join("\n")}` : "";
      throw new Error(`${(err as Error).message}${detail}`);
    } finally {
      await this.closeContext(context);
    }
  }

  private async closeContext(context: BrowserContext | null): Promise<void> {
    if (!context) return;
    try {
      await withTimeout(context.close(), CLOSE_TIMEOUT_MS, "closing the page");
    } catch {
      // The browser does not answer: start a new one for the next run.
      this.abandon();
    }
  }

  private abandon(): void {
    const browser = this.browser;
    this.browser = null;
    void browser?.close().catch(() => {});
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = null;
    if (browser) await withTimeout(browser.close(), CLOSE_TIMEOUT_MS, "closing Chromium").catch(() => {});
  }
}
