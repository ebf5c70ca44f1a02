import { describe, expect, it } from "vitest";
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
