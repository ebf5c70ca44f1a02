import { afterEach, describe, expect, it, vi } from "vitest";
import { ErrorCode, MuxError } from "../../src/index.js";
import { bytes, frame, is, startSession, state, within, type SessionUnderTest } from "../support/raw-peer.js";

// docs/protocol.md, "Ending a session".
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("ending a session", () => {
  it('close() sends GOAWAY(last, NoError, "no error") and then closes the transport', async () => {
    const { session, peer } = startSession("client");
    await peer.send(frame.syn(2, "hi"));
    await within(session.accept(), "accept()");
    await within(session.close(), "close()");
    const g = await peer.nextFrame();
    expect(g).toMatchObject({ type: "GOAWAY", lastStreamId: 2, code: ErrorCode.NoError });
    expect(g.type === "GOAWAY" && text(g.debug)).toBe("no error");
    expect(await peer.eof()).toEqual([]);
    const info = await within(session.closed, "closed");
    expect(info.code).toBe(ErrorCode.SessionClosed);
    expect(info.remote).toBeUndefined();
  });

  it('EOF from the transport ends the session with PeerEOF, after GOAWAY(last, PeerEOF, "read EOF from remote peer")', async () => {
    const { session, peer } = startSession("server");
    await peer.send(frame.syn(3, "x"));
    await within(session.accept(), "accept()");
    await peer.end();
    const g = await peer.nextFrame();
    expect(g).toMatchObject({ type: "GOAWAY", lastStreamId: 3, code: ErrorCode.PeerEOF });
    expect(g.type === "GOAWAY" && text(g.debug)).toBe("read EOF from remote peer");
    expect(await peer.eof()).toEqual([]);
    expect((await within(session.closed, "closed")).code).toBe(ErrorCode.PeerEOF);
  });

  it("what arrived before a stream's FIN stays readable after the session ends, through read() and `readable` alike", async () => {
    const { session, peer } = startSession("server");
    await peer.send(frame.syn(3, "ab"), frame.fin(3, "cd"), frame.syn(5, "ef"), frame.fin(5, "gh"));
    const direct = await within(session.accept(), "accept()");
    const web = await within(session.accept(), "accept()");
    // The readable exists (and waits on its source) before the session ends.
    const reader = web.readable.getReader();
    await peer.end();
    await within(session.closed, "closed");
    const chunks: string[] = [];
    for (let c = await direct.read(); c !== null; c = await direct.read()) chunks.push(text(c));
    expect(chunks.join("")).toBe("abcd");
    chunks.length = 0;
    for (let r = await within(reader.read(), "a read"); !r.done; r = await within(reader.read(), "a read")) chunks.push(text(r.value));
    expect(chunks.join("")).toBe("efgh");
  });

  for (const [how, code] of [
    ["close()", ErrorCode.SessionClosed],
    ["transport EOF", ErrorCode.PeerEOF],
  ] as const) {
    it(`on ${how}, every stream, pending read, pending write and pending accept() fails with a MuxError (${code})`, async () => {
      const { session, peer } = startSession("client", { windowSize: 16 });
      // Ours, written and waiting for credit; ours, never written; theirs, with a read pending.
      const ours = await session.open();
      const writer = ours.writable.getWriter();
      await writer.write(new Uint8Array(16));
      const blockedWrite = writer.write(new Uint8Array(1));
      const silent = await session.open();
      await peer.send(frame.syn(2, "t"));
      const theirs = await within(session.accept(), "accept()");
      const reader = theirs.readable.getReader();
      await reader.read();
      const pendingRead = reader.read();
      const pendingAccept = session.accept();
      await peer.waitFor(is.syn(3), "the SYN of stream 3");

      if (how === "close()") await session.close();
      else await peer.end();

      const failures = [
        blockedWrite,
        pendingRead,
        pendingAccept,
        ours.closed,
        silent.closed,
        theirs.closed,
        session.accept(),
        session.open(),
      ];
      for (const p of failures) {
        const err = await within(
          p.then(
            () => null,
            (e: unknown) => e,
          ),
          "a rejection",
        );
        expect(err).toBeInstanceOf(MuxError);
        expect((err as MuxError).code).toBe(code);
      }
      expect((await within(session.closed, "closed")).code).toBe(code);
    });
  }

  it("closed reports the local reason and the peer's GOAWAY code and debug bytes", async () => {
    const { session, peer } = startSession("server");
    const debug = Uint8Array.of(0xde, 0xad, 0xbe, 0xef, 0x00, 0xff);
    await peer.send(frame.goAway(0, 42, debug));
    await peer.end();
    const info = await within(session.closed, "closed");
    expect(info.code).toBe(ErrorCode.PeerEOF);
    expect(typeof info.reason).toBe("string");
    expect(info.remote?.code).toBe(42);
    expect(info.remote?.debug).toEqual(debug);
  });

  it("a local close() after the peer's GOAWAY reports SessionClosed with the peer's GOAWAY", async () => {
    const { session, peer } = startSession("client");
    await peer.send(frame.goAway(0, ErrorCode.NoError, "draining"));
    // The GOAWAY has been processed once opens fail.
    await peer.barrier();
    await expect(session.open()).rejects.toMatchObject({ code: ErrorCode.RemoteGoneAway });
    await session.close();
    const info = await within(session.closed, "closed");
    expect(info.code).toBe(ErrorCode.SessionClosed);
    expect(info.remote?.code).toBe(ErrorCode.NoError);
    expect(text(info.remote!.debug)).toBe("draining");
  });

  it("close() is bounded by closeTimeout when the peer stops reading", async () => {
    const { session, peer, pair } = startSession("client", { windowSize: 1 << 24, closeTimeout: 100 }, { highWaterMark: 1024 });
    pair.pause("b");
    const s = await session.open();
    // Far more than the connection buffers: the writer is stuck behind a peer that reads nothing.
    s.writable
      .getWriter()
      .write(new Uint8Array(1 << 20))
      .catch(() => {});
    await peer.send(frame.data(2, "x")); // and an RST to answer, queued behind it
    const started = Date.now();
    await within(session.close(), "close() despite the stalled peer", 2000);
    expect(Date.now() - started).toBeLessThan(1500);
    expect((await within(session.closed, "closed")).code).toBe(ErrorCode.SessionClosed);
  });

  it("a connection that dies ends the session; its streams fail with a MuxError", async () => {
    const { session, peer, pair } = startSession("server");
    await peer.send(frame.syn(3, "x"));
    const s = await within(session.accept(), "accept()");
    pair.kill(new Error("cable cut"));
    const info = await within(session.closed, "closed");
    expect(info.code).toBe(ErrorCode.PeerEOF);
    expect(info.reason).toContain("cable cut");
    await expect(within(s.closed, "the stream to fail")).rejects.toBeInstanceOf(MuxError);
    await expect(session.accept()).rejects.toBeInstanceOf(MuxError);
    await expect(s.writable.getWriter().write(bytes("y"))).rejects.toBeInstanceOf(MuxError);
  });

  describe("a peer that stops reading", () => {
    afterEach(() => void vi.useRealTimers());

    /** Until the session has armed a timer (on the fake clock): it is waiting for its transport to end. */
    async function untilTimerArmed(): Promise<void> {
      while (vi.getTimerCount() === 0) await new Promise((resolve) => setImmediate(resolve));
    }

    for (const [ending, code, provoke] of [
      [
        "a session error",
        ErrorCode.FrameSizeError,
        (peer: SessionUnderTest["peer"]) => peer.sendBytes(Uint8Array.of(0, 0, 5, 0x00, 0, 0, 0, 3, 1, 2, 3, 4, 5)),
      ],
      ["the peer's EOF", ErrorCode.PeerEOF, (peer: SessionUnderTest["peer"]) => peer.end()],
    ] as const) {
      it(`holds the transport at most 250 ms after ${ending}, whatever closeTimeout says`, async () => {
        const { session, peer, pair } = startSession("server", { closeTimeout: 60_000 }, { highWaterMark: 1024 });
        await peer.send(frame.syn(3), frame.wndInc(3, 1 << 20));
        const s = await within(session.accept(), "accept()");
        pair.pause("b");
        // Far more than the connection buffers: the writer is stuck behind a peer that reads nothing.
        s.write(new Uint8Array(1 << 20)).catch(() => {});
        vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
        await provoke(peer);
        await untilTimerArmed();
        await vi.advanceTimersByTimeAsync(249);
        expect(await state(session.closed)).toBe("pending");
        await vi.advanceTimersByTimeAsync(1);
        expect((await session.closed).code).toBe(code);
      });
    }
  });
});
