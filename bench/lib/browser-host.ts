/**
 * Chromium for the browser group: Debian's Chromium (or $CHROMIUM_PATH), headless, nothing that
 * reaches the network or a GPU, launched by playwright-core. One browser serves the whole command;
 * every run gets a page in a fresh browser context, so it runs in a fresh renderer process. Pages
 * are driven over CDP without Playwright's page instrumentation (see page-target.ts). Every step
 * is bounded: a run that overruns has its context disposed, and a browser that does not answer is
 * abandoned (and killed when the command exits) for a new one.
 */
import { writeFile } from "node:fs/promises";
import { chromium, type Browser, type CDPSession } from "playwright-core";
import type { PageRun } from "../browser/page/api.js";
import type { RunResult } from "./messages.js";
import { PageTarget } from "./page-target.js";
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
  private cdp: CDPSession | null = null;

  private async ensure(): Promise<CDPSession> {
    if (this.browser?.isConnected() && this.cdp) return this.cdp;
    const executablePath = await chromiumPath();
    if (!executablePath) throw new Error("no Chromium found ($CHROMIUM_PATH or /usr/bin/chromium)");
    const browser = await withTimeout(
      chromium.launch({ executablePath, headless: true, args: ARGS, timeout: LAUNCH_TIMEOUT_MS }),
      LAUNCH_TIMEOUT_MS + 5_000,
      "launching Chromium",
    );
    this.browser = browser;
    this.cdp = await withTimeout(browser.newBrowserCDPSession(), CLOSE_TIMEOUT_MS, "opening Chromium's CDP session");
    return this.cdp;
  }

  /** Starts the browser now, so that one that cannot start is found before any run. */
  async start(): Promise<void> {
    await this.ensure();
  }

  /**
   * Opens `url` in a fresh context, runs one workload on the page and disposes of the context.
   * With `profilePath`, the page's CPU profile over the run (CDP Profiler) is written there.
   */
  async run(url: string, run: PageRun, timeoutMs: number, profilePath?: string): Promise<RunResult> {
    const cdp = await this.ensure();
    let page: PageTarget | null = null;
    const problems: string[] = [];
    let stage = "opening a page";
    try {
      return await withTimeout(
        (async () => {
          page = await PageTarget.open(cdp);
          stage = "loading the page";
          page.on("Runtime.exceptionThrown", (e: { exceptionDetails: { text: string; exception?: { description?: string } } }) =>
            problems.push(`page error: ${e.exceptionDetails.exception?.description ?? e.exceptionDetails.text}`),
          );
          await page.send("Runtime.enable");
          await page.load(url);
          stage = "running the workload";
          if (profilePath) {
            await page.send("Profiler.enable");
            await page.send("Profiler.start");
          }
          const result = await page.evaluate<RunResult>(`window.streamuxBench.run(${JSON.stringify(run)})`);
          if (profilePath) {
            const { profile } = await page.send<{ profile: unknown }>("Profiler.stop");
            await writeFile(profilePath, JSON.stringify(profile));
          }
          return result;
        })(),
        timeoutMs,
        "the page's run",
      );
    } catch (err) {
      const detail = problems.length ? `\n${problems.join("\n")}` : "";
      throw new Error(`${(err as Error).message} (while ${stage})${detail}`);
    } finally {
      await this.closePage(page);
    }
  }

  private async closePage(page: PageTarget | null): Promise<void> {
    if (!page) return;
    try {
      await withTimeout(page.close(), CLOSE_TIMEOUT_MS, "closing the page");
    } catch {
      // The browser does not answer: start a new one for the next run.
      this.abandon();
    }
  }

  private abandon(): void {
    const browser = this.browser;
    this.browser = null;
    this.cdp = null;
    void browser?.close().catch(() => {});
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = null;
    this.cdp = null;
    if (browser) await withTimeout(browser.close(), CLOSE_TIMEOUT_MS, "closing Chromium").catch(() => {});
  }
}
