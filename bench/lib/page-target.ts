/**
 * A page of our own in Chromium, driven through the browser-level CDP session playwright-core
 * gives (`browser.newBrowserCDPSession()`), not through a Playwright Page.
 *
 * Why not a Playwright Page: Playwright enables the DevTools Network domain on every page it
 * manages, and with it Chromium reports every WebSocket frame, payload included (base64), to the
 * driver. On this benchmark that costs the page about four fifths of its WebSocket throughput and
 * would be measured as if it were the contenders'. A browser context created here over CDP is one
 * Playwright does not know, so it leaves its pages alone (it detaches from targets of contexts it
 * did not create), and the session attached here enables nothing but Page (load events), Runtime
 * (evaluation, uncaught errors) and, for a profile, Profiler.
 *
 * The session is attached in non-flat mode (messages wrapped in Target.sendMessageToTarget),
 * because Playwright's CDPSession can only talk to the target it was made for.
 */
import type { CDPSession } from "playwright-core";

interface Reply {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

export class PageTarget {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve(result: any): void; reject(err: Error): void }>();
  private readonly listeners = new Map<string, Array<(params: any) => void>>();
  private readonly onMessage = (event: { sessionId: string; message: string }) => {
    if (event.sessionId !== this.sessionId) return;
    const m = JSON.parse(event.message) as Reply;
    if (m.id !== undefined) {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error) w?.reject(new Error(m.error.message));
      else w?.resolve(m.result ?? {});
    } else if (m.method) {
      for (const l of this.listeners.get(m.method) ?? []) l(m.params ?? {});
    }
  };

  private constructor(
    private readonly browser: CDPSession,
    private readonly contextId: string,
    private readonly sessionId: string,
  ) {
    browser.on("Target.receivedMessageFromTarget", this.onMessage);
  }

  /** A blank page in a fresh browser context (so a fresh renderer process), attached. */
  static async open(browser: CDPSession): Promise<PageTarget> {
    const { browserContextId } = await browser.send("Target.createBrowserContext", { disposeOnDetach: true });
    try {
      const { targetId } = await browser.send("Target.createTarget", { url: "about:blank", browserContextId });
      const { sessionId } = await browser.send("Target.attachToTarget", { targetId, flatten: false });
      return new PageTarget(browser, browserContextId, sessionId);
    } catch (err) {
      await browser.send("Target.disposeBrowserContext", { browserContextId }).catch(() => {});
      throw err;
    }
  }

  send<T = any>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.browser
        .send("Target.sendMessageToTarget", { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) })
        .catch(reject);
    });
  }

  on(method: string, listener: (params: any) => void): void {
    this.listeners.set(method, [...(this.listeners.get(method) ?? []), listener]);
  }

  /** Navigates and resolves once the page's load event has fired (its module scripts have run). */
  async load(url: string): Promise<void> {
    await this.send("Page.enable");
    const loaded = new Promise<void>((resolve) => this.on("Page.loadEventFired", () => resolve()));
    const { errorText } = await this.send<{ errorText?: string }>("Page.navigate", { url });
    if (errorText) throw new Error(`loading ${url}: ${errorText}`);
    await loaded;
  }

  /** Evaluates an expression in the page, awaiting the promise it gives; returns its value. */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send<{
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    }>("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
    if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
    return result.value as T;
  }

  /** Closes the page with its browser context. */
  async close(): Promise<void> {
    this.browser.off("Target.receivedMessageFromTarget", this.onMessage);
    for (const w of this.waiting.values()) w.reject(new Error("the page was closed"));
    this.waiting.clear();
    await this.browser.send("Target.disposeBrowserContext", { browserContextId: this.contextId });
  }
}
