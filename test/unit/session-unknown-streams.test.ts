import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/index.js";
import { Flag } from "../../src/frame/index.js";
import { bytes, frame, is, readText, startSession, within } from "../support/raw-peer.js";

// docs/protocol.md, "Closing a stream": frames for stream ids the receiver does not know.
describe("frames for unknown streams", () => {
  it("DATA for an unknown stream is answered with RST StreamClosed, whichever parity", async () => {
    const { session, peer } = startSession("client");
    await peer.send(frame.data(2, "who?"));
    await peer.expectFrame(is.rst(2, ErrorCode.StreamClosed), "RST(2, StreamClosed)");
    await peer.send(frame.data(9, "me?"));
    await peer.expectFrame(is.rst(9, ErrorCode.StreamClosed), "RST(9, StreamClosed)");
    // A non-empty FIN is "anything else" too.
    await peer.send(frame.fin(4, "bye"));
    await peer.expectFrame(is.rst(4, ErrorCode.StreamClosed), "RST(4, StreamClosed)");
    // And the session goes on.
    const s = await session.open();
    await s.writable.getWriter().write(bytes("x"));
    await peer.expectFrame(is.syn(3), "a SYN after all that");
  });

  it("an empty DATA+FIN for an unknown stream is ignored", async () => {
    const { peer } = startSession("server");
    await peer.send(frame.fin(3), frame.data(7, "", Flag.FIN));
    expect(await peer.barrier()).toEqual([]);
  });

  it("RST and WNDINC for unknown streams are ignored", async () => {
    const { session, peer } = startSession("server");
    await peer.send(frame.rst(3, ErrorCode.StreamCancelled), frame.wndInc(5, 1000), frame.rst(2, 0x0badc0de), frame.wndInc(4, 1));
    expect(await peer.barrier()).toEqual([]);
    await peer.send(frame.syn(3, "alive"));
    const s = await within(session.accept(), "accept()");
    expect(await readText(s.readable.getReader(), 5)).toBe("alive");
  });

  it("frames of unknown types are skipped, payload and all", async () => {
    const { session, peer } = startSession("server");
    await peer.sendBytes(Uint8Array.of(0, 0, 3, 0x47, 0, 0, 0, 3, 1, 2, 3));
    await peer.send({ type: "UNKNOWN", frameType: 0xf, flags: 0, streamId: 0, length: 0 }, frame.syn(3, "ok"));
    const s = await within(session.accept(), "accept()");
    expect(await readText(s.readable.getReader(), 2)).toBe("ok");
    expect(await peer.barrier()).toEqual([]);
  });
});
