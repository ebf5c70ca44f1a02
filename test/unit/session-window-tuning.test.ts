import { describe, expect, it } from "vitest";
import type { Frame } from "../../src/frame/index.js";
import { frame, is, startSession, within, type SessionUnderTest } from "../support/raw-peer.js";

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

/**
 * Rounds of a reader that keeps up: it takes everything sent so far and then waits for more, while
 * the peer sends all the credit it holds. Returns the most credit the peer held after any round.
 */
async function keepUp(setup: SessionUnderTest, rounds: number, check: (offered: number) => void): Promise<number> {
  const { session, peer } = setup;
  await peer.send(...dataFrames(WINDOW, true));
  let sent = WINDOW;
  let read = 0;
  let granted = 0;
  let most = 0;
  const s = await within(session.accept(), "accept()");
  const r = s.readable.getReader();
  const nextRead = () => {
    const p = r.read();
    p.catch(() => {}); // the last one is still pending when the session closes
    return p;
  };
  let pending = nextRead();
  for (let round = 0; round < rounds; round++) {
    while (read < sent) {
      read += (await within(pending, "a read")).value!.length;
      pending = nextRead();
    }
    granted += credit(await peer.barrier(), 3);
    const offered = WINDOW + granted - sent; // credit the peer holds now
    check(offered);
    most = Math.max(most, offered);
    const more = offered - (offered % FRAME);
    await peer.send(...dataFrames(more, false));
    sent += more;
    expect((await peer.barrier()).filter(is.rst(3))).toEqual([]); // all of it was within the window
  }
  return most;
}

describe("receive-window auto-tuning", () => {
  it("a reader that keeps up grows its window by extra credit, never past maxWindowSize", async () => {
    const max = 4 * WINDOW;
    const setup = startSession("server", { windowSize: WINDOW, maxWindowSize: max });
    const most = await keepUp(setup, 8, (offered) => expect(offered).toBeLessThanOrEqual(max));
    // Windows only double (1, 2, 4 × windowSize) and the peer never holds more credit than the
    // window: more than twice the first window means the window reached maxWindowSize.
    expect(most).toBeGreaterThan(2 * WINDOW);
  });

  it("a reader that falls behind gets back exactly what it consumed: its buffer stays one window", async () => {
    const { session, peer } = startSession("server", { windowSize: WINDOW, maxWindowSize: 4 * WINDOW });
    await peer.send(...dataFrames(WINDOW, true));
    const s = await within(session.accept(), "accept()");
    const r = s.readable.getReader();
    let consumed = 0;
    // Half a window read while the rest still waits unread: credit is due, growth is not.
    while (consumed < WINDOW / 2) consumed += (await within(r.read(), "a read")).value!.length;
    expect(credit(await peer.barrier(), 3)).toBe(consumed);
  });

  it("maxWindowSize equal to windowSize keeps every window fixed, as Go does", async () => {
    const setup = startSession("server", { windowSize: WINDOW, maxWindowSize: WINDOW });
    // Credit is batched: the peer holds at least half a window and never more than one.
    const most = await keepUp(setup, 6, (offered) => {
      expect(offered).toBeLessThanOrEqual(WINDOW);
      expect(offered).toBeGreaterThanOrEqual(WINDOW / 2);
    });
    expect(most).toBeLessThanOrEqual(WINDOW);
  });
});
