import { describe, expect, it } from "vitest";
import { ErrorCode, MuxError } from "../../src/index.js";
import { Flag } from "../../src/frame/index.js";
import { bytes, frame, is, readText, startSession, state, within } from "../support/raw-peer.js";

// docs/protocol.md, "Closing a stream": half-close (FIN).
describe("half-close", () => {
  it("writable.close() sends FIN after the data; the other direction stays open", async () => {
    const { session, peer } = startSession("client");
    const s = await session.open();
    const w = s.writable.getWriter();
    await w.write(bytes("req"));
    await w.close();
    expect(await peer.nextFrame()).toEqual(frame.data(3, "req", Flag.SYN));
    await peer.expectFrame(is.fin(3), "the FIN");
    // Our FIN does not end the stream: the peer still answers and we still read.
    await peer.send(frame.data(3, "resp"));
    const r = s.readable.getReader();
    expect(await readText(r, 4)).toBe("resp");
    expect(await state(s.closed)).toBe("pending");
    await peer.send(frame.fin(3));
    expect((await within(r.read(), "the end of the stream")).done).toBe(true);
    await within(s.closed, "closed once both directions ended");
    // Nothing more goes out on the stream.
    expect((await peer.barrier()).filter((f) => f.type !== "WNDINC")).toEqual([]);
  });

  it("the peer's FIN ends our reads after the buffered data; we keep writing", async () => {
    const { session, peer } = startSession("server");
    await peer.send(frame.syn(3, "abc"), frame.fin(3, "def"));
    const s = await within(session.accept(), "accept()");
    const r = s.readable.getReader();
    expect(await readText(r, 6)).toBe("abcdef");
    expect((await within(r.read(), "the end of the stream")).done).toBe(true);
    const w = s.writable.getWriter();
    await w.write(bytes("still here"));
    expect(await peer.nextFrame()).toEqual(frame.data(3, "still here", 0));
    expect(await state(s.closed)).toBe("pending");
    await w.close();
    await peer.expectFrame(is.fin(3), "our FIN");
    await within(s.closed, "closed once both directions ended");
  });

  it("DATA from the peer after its FIN is refused with RST StreamClosed", async () => {
    const { session, peer } = startSession("server");
    await peer.send(frame.syn(3, "a"), frame.fin(3));
    const s = await within(session.accept(), "accept()");
    await peer.send(frame.data(3, "late"));
    await peer.expectFrame(is.rst(3, ErrorCode.StreamClosed), "RST(3, StreamClosed)");
    await expect(s.closed).rejects.toBeInstanceOf(MuxError);
  });
});
