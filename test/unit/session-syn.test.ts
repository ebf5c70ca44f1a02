import { describe, expect, it } from "vitest";
import { Flag } from "../../src/frame/index.js";
import { bytes, frame, is, readText, startSession, within } from "../support/raw-peer.js";

// docs/protocol.md, "Opening a stream".
describe("opening a stream", () => {
  it("open() sends nothing; the SYN rides on the stream's first DATA frame", async () => {
    const { session, peer } = startSession("client");
    const quiet = await session.open(); // id 3, never written until later
    const loud = await session.open(); // id 5
    await loud.writable.getWriter().write(bytes("b"));
    // Had open() sent anything for stream 3, it would come first.
    const first = await peer.nextFrame();
    expect(first).toEqual(frame.data(5, "b", Flag.SYN));
    const w = quiet.writable.getWriter();
    await w.write(bytes("a"));
    expect(await peer.nextFrame()).toEqual(frame.data(3, "a", Flag.SYN));
    await w.write(bytes("c"));
    expect(await peer.nextFrame()).toEqual(frame.data(3, "c", 0));
  });

  it("never SYN and FIN in one frame: a half-close before any write sends SYN, then FIN, in separate frames", async () => {
    const { session, peer } = startSession("client");
    const s = await session.open();
    await s.writable.close();
    expect(await peer.nextFrame()).toEqual(frame.data(3, "", Flag.SYN));
    expect(await peer.nextFrame()).toEqual(frame.data(3, "", Flag.FIN));
    // Likewise when data and the half-close are queued together.
    const t = await session.open();
    const tw = t.writable.getWriter();
    void tw.write(bytes("x"));
    await tw.close();
    const frames = [await peer.nextFrame(), await peer.nextFrame()];
    for (const f of frames) expect(f.type === "DATA" && (f.flags & (Flag.SYN | Flag.FIN)) === (Flag.SYN | Flag.FIN)).toBe(false);
    expect(frames[0]).toMatchObject({ type: "DATA", streamId: 5, flags: Flag.SYN });
    expect(frames[1]).toMatchObject({ type: "DATA", streamId: 5 });
    expect(frames[1]!.type === "DATA" && frames[1]!.flags & Flag.FIN).toBeTruthy();
  });

  it("a SYN+FIN from the peer opens a stream the application can still answer on", async () => {
    const { session, peer } = startSession("server");
    await peer.send(frame.data(3, "request", Flag.SYN | Flag.FIN));
    const s = await within(session.accept(), "accept()");
    const r = s.readable.getReader();
    expect(await readText(r, 7)).toBe("request");
    expect((await within(r.read(), "the end of the stream")).done).toBe(true);
    const w = s.writable.getWriter();
    await w.write(bytes("reply"));
    await w.close();
    // The answer never carries SYN: the peer opened the stream.
    expect(await peer.nextFrame()).toEqual(frame.data(3, "reply", 0));
    await peer.expectFrame(is.fin(3), "the FIN of the answer");
    await within(s.closed, "the stream to close cleanly");
  });

  it("an empty SYN+FIN from the peer is a stream too", async () => {
    const { session, peer } = startSession("client");
    await peer.send(frame.data(2, "", Flag.SYN | Flag.FIN));
    const s = await within(session.accept(), "accept()");
    expect(s.id).toBe(2);
    const r = s.readable.getReader();
    expect((await within(r.read(), "the end of the stream")).done).toBe(true);
    await s.writable.getWriter().write(bytes("ok"));
    expect(await peer.nextFrame()).toEqual(frame.data(2, "ok", 0));
  });
});

describe("announcing a stream before its first data", () => {
  it("an empty write on a stream never written to sends an empty SYN at once; data follows without a second SYN", async () => {
    const { session, peer } = startSession("client");
    const s = await session.open();
    await s.write(new Uint8Array(0));
    expect(await peer.nextFrame()).toEqual(frame.syn(3));
    await s.write(bytes("later"));
    expect(await peer.nextFrame()).toEqual(frame.data(3, "later"));
    // Once announced (or written to), an empty write sends nothing more.
    await s.write(new Uint8Array(0));
    expect(await peer.barrier()).toEqual([]);
  });

  it("the peer can accept the announced stream and speak first on it", async () => {
    const { session, peer } = startSession("server");
    const s = await session.open();
    await s.write(new Uint8Array(0));
    await peer.expectFrame(is.syn(2), "the SYN");
    await peer.send(frame.data(2, "220 ready"));
    expect(new TextDecoder().decode((await within(s.read(), "the peer's greeting"))!)).toBe("220 ready");
  });
});
