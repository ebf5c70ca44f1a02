import { describe, expect, it, onTestFinished } from "vitest";
import { ErrorCode, Session } from "../../src/index.js";
import { memoryPair } from "../support/memory-pair.js";
import { is, startSession, state, within } from "../support/raw-peer.js";

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
