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

  it("a half-close queued behind the last data rides on its frame: a reply is one DATA+FIN frame", async () => {
    const { session, peer } = startSession("server");
    await peer.send(frame.syn(3, "question"));
    const s = await within(session.accept(), "accept()");
    // Written and half-closed before the writer runs: the FIN goes on the reply's frame.
    const wrote = s.write(bytes("answer"));
    const finished = s.closeWrite();
    await within(Promise.all([wrote, finished]), "the reply and its FIN");
    expect(await peer.nextFrame()).toEqual(frame.data(3, "answer", Flag.FIN));
    // A stream of ours: its SYN frame never carries the FIN, so the FIN follows on its own.
    const t = await session.open();
    void t.write(bytes("ask"));
    await within(t.closeWrite(), "the FIN");
    expect(await peer.nextFrame()).toEqual(frame.data(2, "ask", Flag.SYN));
    await peer.expectFrame(is.fin(2), "the FIN on an empty frame");
    // Written in two chunks: only the last frame carries it.
    const u = await session.open();
    void u.write(bytes("one"));
    void u.write(bytes("two"));
    void u.write(bytes("three"));
    await within(u.closeWrite(), "the FIN");
    expect([await peer.nextFrame(), await peer.nextFrame(), await peer.nextFrame()]).toEqual([
      frame.data(4, "one", Flag.SYN),
      frame.data(4, "two", 0),
      frame.data(4, "three", Flag.FIN),
    ]);
    expect((await peer.barrier()).filter((f) => f.type !== "WNDINC")).toEqual([]);
  });

  it("a small write and close() through the writable leave in one flush: the reply is one DATA+FIN frame", async () => {
    const { session, peer } = startSession("server");
    await peer.send(frame.syn(3, "question"));
    const s = await within(session.accept(), "accept()");
    const w = s.writable.getWriter();
    void w.write(bytes("answer"));
    await within(w.close(), "close()");
    expect(await peer.nextFrame()).toEqual(frame.data(3, "answer", Flag.FIN));
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
