import { describe, expect, it } from "vitest";
import { bytes, frame, is, readText, startSession, state, within } from "../support/raw-peer.js";

// docs/protocol.md, "Typed streams" and "Heartbeat".
describe("typed streams", () => {
  it("the opener's 4 type bytes travel in the SYN frame, big-endian, before any data", async () => {
    const { session, peer } = startSession("client", { typed: true });
    const s = await session.open({ type: 0x01020304 });
    expect(s.type).toBe(0x01020304);
    const syn = await peer.expectFrame(is.syn(3), "the SYN");
    expect(syn.type === "DATA" && Array.from(syn.data.subarray(0, 4))).toEqual([1, 2, 3, 4]);
    await s.writable.getWriter().write(bytes("data"));
    // The data may share the SYN frame or follow it; either way it comes after the type.
    let payload = Array.from(syn.type === "DATA" ? syn.data.subarray(4) : []);
    while (payload.length < 4) {
      const f = await peer.expectFrame(is.data(3), "the data");
      if (f.type === "DATA") payload = payload.concat(Array.from(f.data));
    }
    expect(new TextDecoder().decode(Uint8Array.from(payload))).toBe("data");
  });

  it("open() without a type on a typed session sends type 0", async () => {
    const { session, peer } = startSession("server", { typed: true });
    const s = await session.open();
    expect(s.type).toBe(0);
    const syn = await peer.expectFrame(is.syn(2), "the SYN");
    expect(syn.type === "DATA" && Array.from(syn.data.subarray(0, 4))).toEqual([0, 0, 0, 0]);
  });

  it("the acceptor reads exactly 4 type bytes, however they are split across frames", async () => {
    const { session, peer } = startSession("server", { typed: true });
    const accepting = session.accept();
    // One byte per frame, each in its own transport write.
    await peer.send(frame.syn(3, [0x00]));
    await peer.send(frame.data(3, [0x00]));
    await peer.send(frame.data(3, [0x01]));
    await peer.barrier();
    expect(await state(accepting)).toBe("pending");
    await peer.send(frame.data(3, [0x2a]));
    const s = await within(accepting, "accept() once the 4th type byte arrived");
    expect(s.type).toBe(0x012a);
    await peer.send(frame.data(3, "hello"));
    expect(await readText(s.readable.getReader(), 5)).toBe("hello");
  });

  it("type bytes and data in one frame: the data after the type is the stream's", async () => {
    const { session, peer } = startSession("client", { typed: true });
    await peer.send(frame.syn(2, Uint8Array.of(0, 0, 0, 7, 0x68, 0x69)));
    const s = await within(session.accept(), "accept()");
    expect(s.type).toBe(7);
    expect(await readText(s.readable.getReader(), 2)).toBe("hi");
  });

  it("a heartbeat stream (type 0xFFFFFFFF) is answered by the session itself and never reaches accept()", async () => {
    const { session, peer } = startSession("server", { typed: true });
    const accepting = session.accept();
    const beat = Uint8Array.of(0xca, 0xfe, 0xba, 0xbe);
    await peer.send(frame.syn(3, Uint8Array.of(0xff, 0xff, 0xff, 0xff) /* HEARTBEAT_TYPE */), frame.data(3, beat));
    const echo = await peer.waitFor(is.data(3), "the echo of the beat");
    expect(echo).toEqual(frame.data(3, beat, 0));
    // Split beats are echoed whole all the same.
    await peer.send(frame.data(3, [1, 2]), frame.data(3, [3]), frame.data(3, [4]));
    const echoed: number[] = [];
    while (echoed.length < 4) {
      const f = await peer.waitFor(is.data(3), "the echo of a split beat");
      if (f.type === "DATA") echoed.push(...f.data);
    }
    expect(echoed).toEqual([1, 2, 3, 4]);
    expect(await state(accepting)).toBe("pending");
    // The next ordinary stream is what accept() returns.
    await peer.send(frame.syn(5, Uint8Array.of(0, 0, 0, 1)));
    expect((await within(accepting, "accept()")).id).toBe(5);
  });
});
