import { afterEach, describe, expect, it, vi } from "vitest";
import { GRACE_MS } from "../../src/admission.js";
import { ErrorCode } from "../../src/index.js";
import { frame, is, readText, startSession, state, within } from "../support/raw-peer.js";

// docs/protocol.md, "Opening a stream": the accept queue, and SYNs after our GOAWAY.
describe("accepting streams", () => {
  it("a full accept backlog answers RST AcceptQueueFull and forgets the stream", async () => {
    const { session, peer } = startSession("server", { acceptBacklog: 2 });
    await peer.send(frame.syn(3, "a"), frame.syn(5, "b"), frame.syn(7, "c"));
    await peer.expectFrame(is.rst(7, ErrorCode.AcceptQueueFull), "RST(7, AcceptQueueFull)");
    // Forgotten (Go leaks it; we must not): its later DATA is for an unknown stream.
    await peer.send(frame.data(7, "still there?"));
    await peer.expectFrame(is.rst(7, ErrorCode.StreamClosed), "RST(7, StreamClosed)");

    const first = await within(session.accept(), "accept()");
    const second = await within(session.accept(), "accept()");
    expect([first.id, second.id]).toEqual([3, 5]);
    expect(await readText(first.readable.getReader(), 1)).toBe("a");
    // The backlog has room again.
    await peer.send(frame.syn(9, "d"));
    const third = await within(session.accept(), "accept() after the backlog drained");
    expect(third.id).toBe(9);
    expect(await peer.barrier()).toEqual([]);
  });

  it("a SYN after our GOAWAY is answered with RST StreamRefused and never reaches accept()", async () => {
    const { session, peer } = startSession("server");
    await peer.send(frame.syn(3, "before"));
    const before = await within(session.accept(), "accept() before the GOAWAY");
    await within(session.goAway(), "goAway()");
    await peer.waitFor(is.goAway(ErrorCode.NoError), "GOAWAY");
    const accepting = session.accept();
    await peer.send(frame.syn(5, "after"));
    await peer.waitFor(is.rst(5, ErrorCode.StreamRefused), "RST(5, StreamRefused)");
    await peer.barrier();
    expect(await state(accepting)).toBe("pending");
    // The stream from before the GOAWAY carries on.
    await peer.send(frame.data(3, "+more"));
    expect(await readText(before.readable.getReader(), 11)).toBe("before+more");
    await session.close();
    await expect(accepting).rejects.toThrow();
  });
});

// src/admission.ts: a stream that finds the accept queue full waits a moment (reading pauses) for a
// running accept loop; an application that does not accept gets AcceptQueueFull for the rest.
describe("admission under bursts", () => {
  const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + 2 * i);

  /** Until the session has armed its admission timer (on the fake clock): it has decoded up to the wait. */
  async function untilWaiting(): Promise<void> {
    while (vi.getTimerCount() === 0) await new Promise((resolve) => setImmediate(resolve));
  }

  it("a burst of 10,000 new streams is accepted in full by an application accepting in a loop (default options)", async () => {
    const { session, peer } = startSession("server");
    const count = 10_000;
    let accepted = 0;
    const loop = (async () => {
      for await (const _ of session) if (++accepted === count) return;
    })();
    await peer.send(...ids(3, count).map((id) => frame.syn(id, "x")));
    await within(loop, "accepting 10,000 streams", 20_000);
    expect(accepted).toBe(count);
    expect((await peer.barrier()).filter(is.rst())).toEqual([]);
  });

  it("holds a stream that finds the queue full until the application takes one, then hands it over", async () => {
    const { session, peer } = startSession("server", { acceptBacklog: 1 });
    await peer.send(frame.syn(3, "a"), frame.syn(5, "b"), frame.syn(7, "c"));
    const first = await within(session.accept(), "accept()");
    const second = await within(session.accept(), "accept()");
    const third = await within(session.accept(), "accept()");
    expect([first.id, second.id, third.id]).toEqual([3, 5, 7]);
    expect(await readText(third.readable.getReader(), 1)).toBe("c");
    expect((await peer.barrier()).filter(is.rst())).toEqual([]);
  });

  describe("with an application that does not accept", () => {
    afterEach(() => void vi.useRealTimers());

    it(`refuses streams beyond the backlog with AcceptQueueFull after at most ${GRACE_MS} ms, while other streams' data flows on`, async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const { session, peer } = startSession("server", { acceptBacklog: 4 });
      await peer.send(frame.syn(3, "A"));
      const a = await within(session.accept(), "accept() of stream A");
      const reader = a.readable.getReader();
      expect(await readText(reader, 1)).toBe("A");
      // A burst the application will not take, with more data for A behind it.
      const burst = ids(5, 10);
      await peer.send(...burst.map((id) => frame.syn(id, "x")), frame.data(3, "fter the burst"));
      await untilWaiting();
      // Four fill the queue; the fifth waits for room, and reading waits with it.
      const reading = reader.read();
      expect(await state(reading)).toBe("pending");
      expect(peer.pending().filter(is.rst())).toEqual([]);
      await vi.advanceTimersByTimeAsync(GRACE_MS);
      // The application took nothing: the fifth and every later one are refused, A's data arrives.
      expect(new TextDecoder().decode((await within(reading, "A's data")).value)).toBe("fter the burst");
      const refused = (await peer.barrier()).filter(is.rst());
      expect(refused.map((f) => (f.type === "RST" ? f.streamId : -1))).toEqual(burst.slice(4));
      expect(refused.every(is.rst(undefined, ErrorCode.AcceptQueueFull))).toBe(true);
      // Until the application takes a stream again, the next is refused at once: no second wait.
      await peer.send(frame.syn(99, "y"));
      expect((await peer.barrier()).filter(is.rst())).toEqual([frame.rst(99, ErrorCode.AcceptQueueFull)]);
      // Taking one makes room, and the application counts as accepting again.
      expect((await within(session.accept(), "accept()")).id).toBe(5);
      await peer.send(frame.syn(101, "z"), frame.syn(103, "w"));
      await untilWaiting();
      expect(peer.pending().filter(is.rst())).toEqual([]);
      await vi.advanceTimersByTimeAsync(GRACE_MS);
      expect((await peer.barrier()).filter(is.rst())).toEqual([frame.rst(103, ErrorCode.AcceptQueueFull)]);
    });

    it("answers a burst after the queue drained with AcceptQueueFull, never StreamRefused: refused streams do not count as open", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      // Two accepted and two queued leave room for one more open stream: the one waiting for room.
      const { session, peer } = startSession("server", { acceptBacklog: 2, maxIncomingStreams: 5 });
      await peer.send(frame.syn(3), frame.syn(5));
      await within(session.accept(), "accept()");
      await within(session.accept(), "accept()");
      const burst = ids(7, 12);
      await peer.send(...burst.map((id) => frame.syn(id, "x")));
      await untilWaiting();
      await vi.advanceTimersByTimeAsync(GRACE_MS);
      const refused = (await peer.barrier()).filter(is.rst());
      expect(refused.map((f) => (f.type === "RST" ? f.streamId : -1))).toEqual(burst.slice(2));
      expect(refused.filter((f) => !is.rst(undefined, ErrorCode.AcceptQueueFull)(f))).toEqual([]);
    });
  });
});
