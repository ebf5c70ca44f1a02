import { describe, expect, it, onTestFinished } from "vitest";
import { ErrorCode, Session } from "../../src/index.js";
import { memoryPair } from "../support/memory-pair.js";
import { frame, is, startSession, state, within } from "../support/raw-peer.js";

// docs/protocol.md, "Heartbeat". Small real intervals; the tests await the callbacks themselves.
const INTERVAL = 20;
const TOLERANCE = 40;

/** A promise settled by the n-th call of a callback, and the callback. */
function calls<T>(n: number): { done: Promise<T[]>; callback: (v: T) => void } {
  const seen: T[] = [];
  let resolve!: (v: T[]) => void;
  const done = new Promise<T[]>((r) => (resolve = r));
  return {
    done,
    callback: (v: T) => {
      seen.push(v);
      if (seen.length === n) resolve(seen.slice());
    },
  };
}

describe("heartbeat", () => {
  it("onBeat reports the round trip of each beat the peer answers", async () => {
    const pair = memoryPair();
    const beats = calls<number>(3);
    let timeouts = 0;
    const client = Session.client(pair.a, {
      heartbeat: { interval: INTERVAL, tolerance: TOLERANCE, onBeat: beats.callback, onTimeout: () => timeouts++ },
    });
    const server = Session.server(pair.b, { typed: true });
    onTestFinished(async () => {
      await within(client.close(), "client.close()");
      await within(server.closed, "server.closed");
    });
    const rtts = await within(beats.done, "three answered beats");
    for (const rtt of rtts) {
      expect(Number.isFinite(rtt)).toBe(true);
      expect(rtt).toBeGreaterThanOrEqual(0);
    }
    expect(timeouts).toBe(0);
    // The heartbeat stream is the session's own business: the answering side never accepted it.
    expect(await state(server.accept())).toBe("pending");
  });

  it("onTimeout fires when the peer stops answering; the session stays open without closeOnTimeout", async () => {
    const timedOut = calls<void>(1);
    const { session, peer } = startSession("client", {
      heartbeat: { interval: INTERVAL, tolerance: TOLERANCE, onTimeout: () => timedOut.callback() },
    });
    // The raw peer reads the heartbeat stream and never answers.
    await peer.waitFor(is.syn(3), "the heartbeat stream's SYN");
    await within(timedOut.done, "onTimeout");
    expect(await state(session.closed)).toBe("pending");
  });

  it("closeOnTimeout ends the session (WriteTimeout) when the heartbeat times out", async () => {
    const timedOut = calls<void>(1);
    const { session, peer } = startSession("client", {
      heartbeat: { interval: INTERVAL, tolerance: TOLERANCE, closeOnTimeout: true, onTimeout: () => timedOut.callback() },
    });
    await within(timedOut.done, "onTimeout");
    const info = await within(session.closed, "the session to end");
    expect(info.code).toBe(ErrorCode.WriteTimeout);
    await peer.waitFor(is.goAway(), "the GOAWAY of the ending session");
    await peer.eof();
  });

  it("ping() on a session whose peer does not answer rejects after its timeout", async () => {
    const { session } = startSession("client", { typed: true });
    await expect(within(session.ping(50), "ping(50)")).rejects.toMatchObject({ code: ErrorCode.WriteTimeout });
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
