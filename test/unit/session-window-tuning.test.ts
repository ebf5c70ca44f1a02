import { describe, expect, it } from "vitest";
import type { Frame } from "../../src/frame/index.js";
import { frame, is, startSession, within } from "../support/raw-peer.js";

// Receive-window auto-tuning (src/flow.ts): a stream whose reader keeps up gets its window doubled
// through extra credit, up to maxWindowSize; a reader that falls behind never buffers more than
// its window. A small window keeps the numbers readable.
const WINDOW = 1024;
const FRAME = 128;

const credit = (frames: Frame[], streamId: number) =>
  frames.reduce((n, f) => n + (f.type === "WNDINC" && f.streamId === streamId ? f.increment : 0), 0);

/** Sends `bytes` of DATA on stream 3 in FRAME-sized frames (the first with SYN). */
function dataFrames(bytes: number, syn: boolean): Frame[] {
  return Array.from({ length: bytes / FRAME }, (_, i) =>
    i === 0 && syn ? frame.syn(3, new Uint8Array(FRAME)) : frame.data(3, new Uint8Array(FRAME)),
  );
}

describe("receive-window auto-tuning", () => {
  it("a reader that keeps up grows its window by extra credit, never past maxWindowSize", async () => {
    const max = 4 * WINDOW;
    const { session, peer } = startSession("server", { windowSize: WINDOW, maxWindowSize: max });
    let sent = 0;
    let granted = 0;
    let window = WINDOW;
    await peer.send(...dataFrames(WINDOW, true));
    sent += WINDOW;
    const s = await within(session.accept(), "accept()");
    const r = s.readable.getReader();
    // Each round the peer fills whatever credit it has; the reader drains it all.
    for (let round = 0; round < 6; round++) {
      let consumed = 0;
      while (consumed < window) consumed += (await within(r.read(), "a read")).value!.length;
      granted += credit(await peer.barrier(), 3);
      const offered = WINDOW + granted - sent; // credit the peer holds now
      expect(offered).toBeGreaterThanOrEqual(window); // never less than a full window again
      expect(offered).toBeLessThanOrEqual(max);
      window = offered;
      await peer.send(...dataFrames(window, false));
      sent += window;
      expect((await peer.barrier()).filter(is.rst(3))).toEqual([]); // all of it was within the window
    }
    expect(window).toBe(max);
  });

  it("a reader that falls behind gets back exactly what it consumed: its buffer stays one window", async () => {
    const { session, peer } = startSession("server", { windowSize: WINDOW, maxWindowSize: 4 * WINDOW });
    await peer.send(...dataFrames(WINDOW, true));
    const s = await within(session.accept(), "accept()");
    const r = s.readable.getReader();
    let consumed = 0;
    // Half a window read while the other half still waits unread: credit is due, growth is not.
    while (consumed < WINDOW / 2) consumed += (await within(r.read(), "a read")).value!.length;
    expect(credit(await peer.barrier(), 3)).toBe(consumed);
  });

  it("maxWindowSize equal to windowSize keeps every window fixed, as Go does", async () => {
    const { session, peer } = startSession("server", { windowSize: WINDOW, maxWindowSize: WINDOW });
    await peer.send(...dataFrames(WINDOW, true));
    const s = await within(session.accept(), "accept()");
    const r = s.readable.getReader();
    let consumed = 0;
    while (consumed < WINDOW) consumed += (await within(r.read(), "a read")).value!.length;
    expect(credit(await peer.barrier(), 3)).toBe(consumed);
  });
});
