import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { vi } from "vitest";
import { ErrorCode } from "../../src/index.js";
import type { Frame } from "../../src/frame/index.js";
import { frame, is, startSession, state, within, type SessionUnderTest } from "../support/raw-peer.js";

// docs/protocol.md, "Heartbeat". The heartbeat's timers and clock are faked: the tests move time
// by hand, so every interval, tolerance and round trip is exact.
const INTERVAL = 1000;
const TOLERANCE = 500;
const HEARTBEAT = Uint8Array.of(0xff, 0xff, 0xff, 0xff);

/** Until the session has written a frame the peer can see (the fake clock moved, the I/O did not). */
async function nextBeat(peer: SessionUnderTest["peer"]): Promise<Uint8Array> {
  const f = (await peer.waitFor(
    (x: Frame) => x.type === "DATA" && x.streamId === 3 && x.data.length === 4 && !x.data.every((b) => b === 0xff),
    "a beat's id",
  )) as Extract<Frame, { type: "DATA" }>;
  return f.data;
}

describe("heartbeat", () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] }));
  afterEach(() => void vi.useRealTimers());

  it("beats every interval on a stream of type 0xFFFFFFFF, and onBeat reports each round trip", async () => {
    const rtts: number[] = [];
    const { peer } = startSession("client", { heartbeat: { interval: INTERVAL, tolerance: TOLERANCE, onBeat: (rtt) => rtts.push(rtt) } });
    let late = 0;
    for (const delay of [7, 30, 0]) {
      // Beats go out every INTERVAL, answered or not.
      await vi.advanceTimersByTimeAsync(INTERVAL - late);
      late = delay;
      const id = await nextBeat(peer);
      // The peer takes `delay` ms to answer.
      await vi.advanceTimersByTimeAsync(delay);
      await peer.send(frame.data(3, id));
      await peer.barrier();
    }
    expect(rtts).toEqual([7, 30, 0]);
    // The stream was opened with the heartbeat's type in its SYN frame.
    expect(peer.received.find(is.syn(3))).toMatchObject({ data: HEARTBEAT });
  });

  it("onTimeout fires once interval + tolerance pass without an answer; without closeOnTimeout the session stays open", async () => {
    let timeouts = 0;
    const { session } = startSession("client", { heartbeat: { interval: INTERVAL, tolerance: TOLERANCE, onTimeout: () => timeouts++ } });
    await vi.advanceTimersByTimeAsync(INTERVAL + TOLERANCE - 1);
    expect(timeouts).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(timeouts).toBe(1);
    expect(await state(session.closed)).toBe("pending");
  });

  it("an answered beat rearms the watchdog: a peer that answers never times out", async () => {
    let timeouts = 0;
    const { peer } = startSession("client", { heartbeat: { interval: INTERVAL, tolerance: TOLERANCE, onTimeout: () => timeouts++ } });
    for (let beat = 0; beat < 5; beat++) {
      await vi.advanceTimersByTimeAsync(INTERVAL);
      await peer.send(frame.data(3, await nextBeat(peer)));
      await peer.barrier();
    }
    expect(timeouts).toBe(0);
  });

  it("closeOnTimeout ends the session with WriteTimeout and a reason that says so", async () => {
    const { session, peer } = startSession("client", { heartbeat: { interval: INTERVAL, tolerance: TOLERANCE, closeOnTimeout: true } });
    await vi.advanceTimersByTimeAsync(INTERVAL + TOLERANCE);
    await peer.waitFor(is.goAway(ErrorCode.WriteTimeout), "the GOAWAY of the ending session");
    vi.useRealTimers();
    const info = await within(session.closed, "the session to end");
    expect(info.code).toBe(ErrorCode.WriteTimeout);
    expect(info.reason).toContain("heartbeat");
  });

  it("ping() resolves with the round trip, and rejects with WriteTimeout when no answer comes within interval + tolerance", async () => {
    const { session, peer } = startSession("client", { typed: true });
    const answered = session.ping();
    const id = await nextBeat(peer);
    await vi.advanceTimersByTimeAsync(12);
    await peer.send(frame.data(3, id));
    expect(await answered).toBe(12);
    expect(session.stats().rttMs).toBe(12);
    const unanswered = session.ping();
    unanswered.catch(() => {});
    await nextBeat(peer);
    // muxado's defaults: 10 s interval, 15 s tolerance.
    await vi.advanceTimersByTimeAsync(25_000 - 1);
    expect(await state(unanswered)).toBe("pending");
    await vi.advanceTimersByTimeAsync(1);
    await expect(unanswered).rejects.toMatchObject({ code: ErrorCode.WriteTimeout });
  });

  it("ping({ signal }) rejects with the signal's reason when it aborts first; a late answer is ignored", async () => {
    const { session, peer } = startSession("client", { typed: true });
    const controller = new AbortController();
    const pinging = session.ping({ signal: controller.signal });
    const id = await nextBeat(peer);
    controller.abort(new Error("gave up"));
    await expect(pinging).rejects.toThrow("gave up");
    await peer.send(frame.data(3, id));
    await peer.barrier();
    expect(session.stats().rttMs).toBeUndefined();
  });

  it("the answering side answers the peer's beats itself: the heartbeat stream never reaches accept()", async () => {
    const { session, peer } = startSession("server", { typed: true });
    await peer.send(frame.syn(3, HEARTBEAT), frame.data(3, Uint8Array.of(1, 2, 3, 4)));
    expect(await peer.waitFor(is.data(3), "the answer")).toMatchObject({ data: Uint8Array.of(1, 2, 3, 4) });
    expect(await state(session.accept())).toBe("pending");
  });
});

describe("the heartbeat responder", () => {
  const ids = (count: number) => {
    const out = new Uint8Array(count * 4);
    for (let i = 0; i < out.length; i++) out[i] = i * 7;
    return out;
  };

  it("answers one read's ids at a time: a peer that never takes the answers is no longer read", async () => {
    const WINDOW = 1024;
    const { peer } = startSession("server", { typed: true, windowSize: WINDOW, maxWindowSize: WINDOW });
    // The heartbeat stream: its type in the SYN frame, then a window's worth of ids, three times
    // over as credit allows; the peer grants no credit for the answers.
    await peer.send(frame.syn(3, Uint8Array.of(0xff, 0xff, 0xff, 0xff)), frame.data(3, ids((WINDOW - 4) / 4)));
    let granted = 0;
    for (let round = 0; round < 3; round++) {
      const frames = await peer.barrier();
      const credit = frames.reduce((n, f) => n + (f.type === "WNDINC" && f.streamId === 3 ? f.increment : 0), 0);
      granted += credit;
      if (credit > 0) await peer.send(frame.data(3, ids(credit / 4)));
    }
    const answered = peer.received.reduce((n, f) => n + (f.type === "DATA" && f.streamId === 3 ? f.data.length : 0), 0);
    // One window of answers (all the credit there is) and then nothing: the responder waits for
    // the peer, so it stops reading, so the peer gets no credit beyond the ids it already sent.
    expect(answered).toBe(WINDOW);
    expect(granted).toBeLessThanOrEqual(2 * WINDOW);
    expect(peer.received.filter(is.rst(3))).toEqual([]);
  });

  it("echoes each id back whole, however the ids are split across frames", async () => {
    const { peer } = startSession("server", { typed: true });
    const sent = ids(5);
    await peer.send(frame.syn(3, Uint8Array.of(0xff, 0xff, 0xff, 0xff, ...sent.subarray(0, 3))));
    await peer.send(frame.data(3, sent.subarray(3, 11)), frame.data(3, sent.subarray(11)));
    const echoed: number[] = [];
    while (echoed.length < sent.length) {
      const f = await peer.waitFor(is.data(3), "an answer");
      if (f.type === "DATA") {
        expect(f.data.length % 4).toBe(0);
        echoed.push(...f.data);
      }
    }
    expect(echoed).toEqual(Array.from(sent));
  });
});
