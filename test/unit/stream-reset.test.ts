import { describe, expect, it } from "vitest";
import { ErrorCode, MuxError } from "../../src/index.js";
import { bytes, frame, is, readText, startSession, within } from "../support/raw-peer.js";

// docs/protocol.md, "Closing a stream": reset (RST with a code), and "Error codes": codes outside the
// table are carried through as numbers.
const OUTSIDE_TABLE = 0x0badc0de;

async function rejection(p: Promise<unknown>): Promise<MuxError> {
  const err = await within(
    p.then(
      () => null,
      (e: unknown) => e,
    ),
    "a rejection",
  );
  expect(err).toBeInstanceOf(MuxError);
  return err as MuxError;
}

describe("reset", () => {
  for (const code of [ErrorCode.StreamReset, OUTSIDE_TABLE, 0xffffffff]) {
    it(`stream.reset(0x${code.toString(16)}) sends RST with that code and fails our reads and writes with it`, async () => {
      const { session, peer } = startSession("client");
      const s = await session.open();
      const w = s.writable.getWriter();
      await w.write(bytes("x"));
      await peer.expectFrame(is.syn(3), "SYN");
      const r = s.readable.getReader();
      const pendingRead = r.read();
      s.reset(code);
      await peer.expectFrame(is.rst(3, code), `RST(3, 0x${code.toString(16)})`);
      for (const p of [pendingRead, w.write(bytes("y")), s.closed]) {
        const err = await rejection(p);
        expect(err.code).toBe(code);
        expect(err.remote).toBe(false);
      }
      // After an RST a side sends no more frames on the stream, even when the peer still sends.
      await peer.send(frame.data(3, "late"));
      expect((await peer.barrier()).filter((f) => "streamId" in f && f.streamId === 3 && f.type !== "RST")).toEqual([]);
    });
  }

  for (const code of [ErrorCode.StreamCancelled, OUTSIDE_TABLE]) {
    it(`an RST from the peer (code 0x${code.toString(16)}) fails pending and later reads and writes with its code, remote`, async () => {
      const { session, peer } = startSession("server");
      await peer.send(frame.syn(3, "hello"));
      const s = await within(session.accept(), "accept()");
      const r = s.readable.getReader();
      expect(await readText(r, 5)).toBe("hello");
      const pendingRead = r.read();
      const w = s.writable.getWriter();
      await peer.send(frame.rst(3, code));
      for (const p of [pendingRead, s.closed, w.write(bytes("answer"))]) {
        const err = await rejection(p);
        expect(err.code).toBe(code);
        expect(err.remote).toBe(true);
      }
      // No RST goes back for an RST, and nothing else for that stream either.
      expect((await peer.barrier()).filter((f) => "streamId" in f && f.streamId === 3)).toEqual([]);
    });
  }

  it("an RST from the peer releases a write that waits for credit, rejecting it with the RST's code", async () => {
    const { session, peer } = startSession("client", { windowSize: 8 });
    const s = await session.open();
    const w = s.writable.getWriter();
    await w.write(new Uint8Array(8));
    const blocked = w.write(new Uint8Array(1));
    await peer.waitFor(is.syn(3), "SYN");
    await peer.send(frame.rst(3, OUTSIDE_TABLE));
    const err = await rejection(blocked);
    expect(err.code).toBe(OUTSIDE_TABLE);
    expect(err.remote).toBe(true);
  });

  it("reset() without a code sends StreamCancelled", async () => {
    const { session, peer } = startSession("client");
    const s = await session.open();
    await s.writable.getWriter().write(bytes("x"));
    s.reset();
    await peer.waitFor(is.rst(3, ErrorCode.StreamCancelled), "RST(3, StreamCancelled)");
  });

  it("reset() of a stream never written sends nothing: the peer never heard of it", async () => {
    const { session, peer } = startSession("client");
    const silent = await session.open();
    silent.reset(ErrorCode.StreamCancelled);
    expect((await rejection(silent.closed)).code).toBe(ErrorCode.StreamCancelled);
    const sent = await peer.barrier();
    expect(sent.filter((f) => f.type === "RST" && f.streamId === 3)).toEqual([]);
  });

  it("writable.abort() resets the stream", async () => {
    const { session, peer } = startSession("client");
    const s = await session.open();
    const w = s.writable.getWriter();
    await w.write(bytes("x"));
    await w.abort(new Error("changed my mind"));
    await peer.waitFor(is.rst(3, ErrorCode.StreamCancelled), "RST(3, StreamCancelled)");
    expect((await rejection(s.closed)).code).toBe(ErrorCode.StreamCancelled);
  });
});
