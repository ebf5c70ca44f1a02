import type { Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { launchChromium, type Browser } from "../browser/harness.js";
import type { RuntimeProcess } from "../runtimes/runner.js";
import { nodeExample } from "./run-example.js";

/**
 * examples/browser: the page, built by the example's own server, driven in Chromium headless as a
 * user would (type, click, read), reaching the example's TCP service over one WebSocket.
 */

const WAIT_MS = 15_000;
let example: RuntimeProcess | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  example?.kill();
});

/** Waits until the element's text starts with `prefix`; returns the whole text. */
async function textStartingWith(page: Page, selector: string, prefix: string): Promise<string> {
  await page.waitForFunction(([sel, want]) => document.querySelector(sel!)?.textContent?.startsWith(want!) === true, [selector, prefix], {
    timeout: WAIT_MS,
  });
  return (await page.textContent(selector)) ?? "";
}

describe("the browser example in Chromium", () => {
  it("sorts through the TCP service, 20 streams at once, and sees a clean close when the server drains on SIGTERM", async () => {
    example = nodeExample("examples/browser/main.ts", ["0"], 120_000);
    const url = (await example.lineStartingWith("open ")).slice("open ".length);
    browser = await launchChromium();
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("console", (msg) => msg.type() === "error" && problems.push(`console.error: ${msg.text()}`));
    await page.goto(url);
    await textStartingWith(page, "#status", "connected");
    expect(await example.lineStartingWith("bridge: a page connected")).toBeTruthy();

    await page.fill("#input", "pear\napple\nfig\nbanana");
    await page.click("#sort");
    expect(await textStartingWith(page, "#status", "sorted by the TCP service")).toBe("sorted by the TCP service (1 streams so far)");
    expect(await page.textContent("#output")).toBe("apple\nbanana\nfig\npear");
    // The server bridged that stream to one TCP connection, and back.
    expect(await example.lineStartingWith("bridge: stream 3 done:")).toBe("bridge: stream 3 done: 21 bytes to the service, 21 back");

    await page.click("#many");
    expect(await textStartingWith(page, "#status", "20 streams at once:")).toMatch(/^20 streams at once: all sorted in \d+ ms$/);

    // Ctrl-C on the server: GOAWAY, running streams finish, then the session closes cleanly.
    example.signal("SIGTERM");
    expect(await textStartingWith(page, "#status", "session closed:")).toMatch(/clean: true$/);
    expect(await example.lineStartingWith("bridge: a page's session ended:")).toMatch(/clean: true$/);
    expect(await example.lineStartingWith("stopped")).toBe("stopped");
    const exit = await example.exited;
    expect(exit.code, example.output()).toBe(0);
    expect(problems).toEqual([]);
  }, 360_000); // the first run may have to install Chromium (test/support/chromium.ts)
});
