import { describe, expect, it } from "vitest";
import { ErrorCode, MuxError } from "../../src/index.js";
import type { Frame } from "../../src/frame/index.js";
import { bytes, frame, is, readText, startSession, within } from "../support/raw-peer.js";

// docs/protocol.md, "Ending a session" (GOAWAY) and "GOAWAY debug over-read".
const goAwayOf = (f: Frame) => {
  if (f.type !== "GOAWAY") throw new Error(`expected a GOAWAY, got ${f.type}`);
  return { last: f.lastStreamId, code: f.code, debug: new TextDecoder().decode(f.debug) };
};

describe("GOAWAY", () => {
  it("our GOAWAY names the most recent SYN received as the last stream, not the highest", async () => {
    const { session, peer } = startSession("server");
    // As in the two-streams transcript: the peer opens 3 and 5 but writes on 5 first.
    await peer.send(frame.syn(5, "second"), frame.syn(3, "first"));
    await within(session.accept(), "accept()");
    await within(session.accept(), "accept()");
    await session.goAway(ErrorCode.NoError);
    expect(goAwayOf(await peer.waitFor(is.goAway(), "GOAWAY")).last).toBe(3);
  });

  it("before any SYN, the last stream id is 1 on a server and 0 on a client, as Go sends", async () => {
    for (const [role, last] of [
      ["server", 1],
      ["client", 0],
    ] as const) {
      const { session, peer } = startSession(role);
      await session.goAway();
      expect(goAwayOf(await peer.expectFrame(is.goAway(), "GOAWAY")).last).toBe(last);
    }
  });

  it("a goAway() that keeps the session open is followed at once by an 8-byte frame of type 0xF", async () => {
    const { session, peer } = startSession("server");
    await session.goAway(42, "maintenance");
    expect(goAwayOf(await peer.nextFrame())).toEqual({ last: 1, code: 42, debug: "maintenance" });
    // Go reads 8 bytes too many after a GOAWAY; this frame is what it swallows.
    expect(await peer.nextFrame()).toEqual({ type: "UNKNOWN", frameType: 0xf, flags: 0, streamId: 0, length: 0 });
    // The session is still open for the streams it has.
    const s = await session.open();
    await s.writable.getWriter().write(bytes("still open"));
    await peer.expectFrame(is.syn(2), "DATA on a stream after goAway()");
  });

  it("close() sends its GOAWAY without the padding frame: the transport closes right after", async () => {
    const { session, peer } = startSession("client");
    await session.close();
    expect(goAwayOf(await peer.nextFrame())).toEqual({ last: 0, code: ErrorCode.NoError, debug: "no error" });
    expect(await peer.eof()).toEqual([]);
  });

  it("after the peer's GOAWAY, our streams above its last id fail RemoteGoneAway, the others go on", async () => {
    const { session, peer } = startSession("client");
    const open = async () => {
      const s = await session.open();
      const writer = s.writable.getWriter();
      await writer.write(bytes(`#${s.id}`));
      return { s, writer };
    };
    const { s: s3 } = await open();
    const { s: s5, writer: w5 } = await open();
    const { s: s7 } = await open();
    await peer.send(frame.goAway(5, ErrorCode.NoError, "enough"));
    const err = await within(
      s7.closed.then(
        () => null,
        (e: unknown) => e,
      ),
      "stream 7 to fail",
    );
    expect(err).toBeInstanceOf(MuxError);
    expect((err as MuxError).code).toBe(ErrorCode.RemoteGoneAway);
    await expect(s7.readable.getReader().read()).rejects.toMatchObject({ code: ErrorCode.RemoteGoneAway });

    // Streams 3 and 5 were seen by the peer: both directions still work.
    await peer.send(frame.data(3, "three"), frame.data(5, "five"));
    expect(await readText(s3.readable.getReader(), 5)).toBe("three");
    expect(await readText(s5.readable.getReader(), 4)).toBe("five");
    await w5.write(bytes("on"));
    await peer.waitFor((f) => f.type === "DATA" && f.streamId === 5 && f.data.length === 2, "DATA(5)");

    // New opens fail.
    await expect(session.open()).rejects.toMatchObject({ code: ErrorCode.RemoteGoneAway });
  });

  it("the peer's GOAWAY with last id 0 fails every stream we opened", async () => {
    const { session, peer } = startSession("client");
    const s = await session.open();
    await s.writable.getWriter().write(bytes("x"));
    await peer.send(frame.goAway(0, 0x0badc0de, "go"));
    await expect(within(s.closed, "stream 3 to fail")).rejects.toMatchObject({ code: ErrorCode.RemoteGoneAway });
    // A stream the peer opened is not ours: the GOAWAY does not touch it.
    await peer.send(frame.syn(2, "mine"));
    const theirs = await within(session.accept(), "accept()");
    expect(await readText(theirs.readable.getReader(), 4)).toBe("mine");
  });

  it("a later GOAWAY with a lower last id fails the streams between; one with a higher id revives nothing", async () => {
    const { session, peer } = startSession("client");
    const streams = [];
    for (let i = 0; i < 5; i++) {
      const s = await session.open();
      await s.writable.getWriter().write(bytes("x"));
      streams.push(s); // ids 3, 5, 7, 9, 11
    }
    const failed = streams.map((s) =>
      s.closed.then(
        () => false,
        () => true,
      ),
    );
    await peer.send(frame.goAway(9, ErrorCode.NoError));
    expect(await within(failed[4]!, "stream 11 to fail")).toBe(true);
    await peer.send(frame.goAway(11, ErrorCode.NoError), frame.goAway(5, ErrorCode.NoError));
    expect(await within(Promise.all(failed.slice(2)), "streams 7 and 9 to fail")).toEqual([true, true, true]);
    await peer.send(frame.data(3, "three"), frame.data(5, "five"));
    expect(await readText(streams[0]!.readable.getReader(), 5)).toBe("three");
    expect(await readText(streams[1]!.readable.getReader(), 4)).toBe("five");
  });

  it("a GOAWAY that does not lower the last id looks at no stream: a flood of them costs the same with 10,000 streams open", async () => {
    const { session, peer } = startSession("client");
    for (let i = 0; i < 10_000; i++) await session.open(); // never written to: ours alone, in the table
    await peer.send(frame.goAway(0x7ffffffe, ErrorCode.NoError));
    // Count the table walks by counting Map iterations over the session's stream table.
    const iterate = Map.prototype.values;
    let walks = 0;
    Map.prototype.values = function (this: Map<unknown, unknown>) {
      if (this.size >= 10_000) walks++;
      return iterate.call(this);
    };
    try {
      await peer.send(...Array.from({ length: 1000 }, () => frame.goAway(0x7ffffffe, ErrorCode.NoError)));
      await peer.barrier();
    } finally {
      Map.prototype.values = iterate;
    }
    expect(walks).toBe(0);
  });
});
