import { describe, expect, it } from "vitest";
import { ErrorCode, MuxError } from "../../src/index.js";
import { Flag } from "../../src/frame/index.js";
import { bytes, frame, is, startSession, within } from "../support/raw-peer.js";

// docs/protocol.md, "Closing a stream": Close in muxado = close the read side locally, half-close the
// write side, forget the stream; DATA that arrives afterwards is answered with RST StreamClosed.
describe("stream.close() (muxado's Close)", () => {
  it("half-closes after what was written, stops reading, and refuses the peer's later DATA", async () => {
    const { session, peer } = startSession("server");
    await peer.send(frame.syn(3, "unread"));
    const s = await within(session.accept(), "accept()");
    const w = s.writable.getWriter();
    void w.write(bytes("bye"));
    w.releaseLock();
    await within(s.close(), "close()");
    // The half-close is queued behind the data, so the FIN rides on its frame.
    expect(await peer.nextFrame()).toEqual(frame.data(3, "bye", Flag.FIN));
    // Reads fail: the application said it is done reading.
    const err = await s.readable
      .getReader()
      .read()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MuxError);
    // The stream is forgotten: more DATA for it is answered with RST StreamClosed.
    await peer.send(frame.data(3, "more"));
    await peer.expectFrame(is.rst(3, ErrorCode.StreamClosed), "RST(3, StreamClosed)");
  });

  it("a repeated empty FIN after close() (as Go sends) is ignored", async () => {
    const { session, peer } = startSession("server");
    await peer.send(frame.syn(3, "x"));
    const s = await within(session.accept(), "accept()");
    await within(s.close(), "close()");
    await peer.waitFor(is.fin(3), "our FIN");
    await peer.send(frame.fin(3), frame.fin(3));
    expect(await peer.barrier()).toEqual([]);
  });
});
