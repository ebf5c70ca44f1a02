import { describe, expect, it } from "vitest";
import { ErrorCode, MuxError } from "../../src/index.js";
import type { Frame } from "../../src/frame/index.js";
import { FrameType } from "../../src/frame/constants.js";
import { writeHeader } from "../../src/frame/encode.js";
import { frame, is, readBytes, readText, startSession, state, within } from "../support/raw-peer.js";

// docs/protocol.md, "Flow control". A small window keeps the numbers readable; the peer plays along.
const WINDOW = 1024;

const dataBytes = (frames: Frame[], streamId: number) =>
  frames.reduce((n, f) => n + (f.type === "DATA" && f.streamId === streamId ? f.data.length : 0), 0);
const credit = (frames: Frame[], streamId: number) =>
  frames.reduce((n, f) => n + (f.type === "WNDINC" && f.streamId === streamId ? f.increment : 0), 0);

describe("flow control", () => {
  it("a write waits for credit: with the window spent it stays pending until a WNDINC releases it", async () => {
    const { session, peer } = startSession("client", { windowSize: WINDOW });
    const s = await session.open();
    const w = s.writable.getWriter();
    await within(w.write(new Uint8Array(WINDOW).fill(1)), "a write of exactly one window");
    const blocked = w.write(new Uint8Array(10).fill(2));
    const sent = [...(await peer.barrier())];
    expect(dataBytes(sent, 3)).toBe(WINDOW);
    expect(await state(blocked)).toBe("pending");

    // Credit for 4 bytes lets exactly 4 bytes go; the write still waits for the rest.
    await peer.send(frame.wndInc(3, 4));
    expect(await peer.expectFrame(is.data(3), "DATA after a WNDINC of 4")).toMatchObject({ data: new Uint8Array(4).fill(2) });
    await peer.barrier();
    expect(await state(blocked)).toBe("pending");

    await peer.send(frame.wndInc(3, 100));
    await within(blocked, "the write to complete once credit came");
    expect(await peer.expectFrame(is.data(3), "the rest of the write")).toMatchObject({ data: new Uint8Array(6).fill(2) });
  });

  it("credit is granted only as the application reads, and never more than it consumed", async () => {
    // Fixed windows, as Go keeps them (auto-tuning, which may grant more, is off: session-window-tuning).
    const { session, peer } = startSession("server", { windowSize: WINDOW, maxWindowSize: WINDOW });
    // A whole window in 8 frames of 128 bytes; nothing is read yet.
    await peer.send(frame.syn(3, new Uint8Array(128)), ...Array.from({ length: 7 }, () => frame.data(3, new Uint8Array(128))));
    const s = await within(session.accept(), "accept()");
    expect(credit(await peer.barrier(), 3)).toBe(0);

    const r = s.readable.getReader();
    let consumed = 0;
    let granted = 0;
    while (consumed < WINDOW) {
      consumed += (await within(r.read(), "a read")).value!.length;
      granted += credit(await peer.barrier(), 3);
      expect(granted).toBeLessThanOrEqual(consumed);
    }
    // Having consumed a whole window, the reader must have handed back enough for the sender to
    // go on (Go's sender waits only with a full window in flight).
    expect(granted).toBeGreaterThanOrEqual(WINDOW / 2);
  });

  it("credit comes back for what `readable` takes even when each payload arrives as a buffer of its own (which enqueue() detaches)", async () => {
    const { session, peer } = startSession("server", { windowSize: WINDOW, maxWindowSize: WINDOW });
    await peer.send(frame.syn(3));
    const s = await within(session.accept(), "accept()");
    const r = s.readable.getReader();
    let granted = 0;
    for (let i = 0; i < 8; i++) {
      // A read waits; the header and the payload come as separate transport chunks, so the payload
      // is handed over as a whole buffer (the byte stream transfers it rather than copying).
      const reading = r.read();
      const header = new Uint8Array(8);
      writeHeader(header, 0, 128, FrameType.DATA, 0, 3);
      await peer.sendBytes(header);
      await peer.sendBytes(new Uint8Array(128).fill(i));
      expect((await within(reading, "a read")).value).toEqual(new Uint8Array(128).fill(i));
      granted += credit(await peer.barrier(), 3);
    }
    expect(granted).toBe(WINDOW);
  });

  it("the receive buffer holds exactly one window: a full window is buffered unread, without RST", async () => {
    const { session, peer } = startSession("server", { windowSize: WINDOW });
    const data = Uint8Array.from({ length: WINDOW }, (_, i) => i & 0xff);
    await peer.send(frame.syn(3, data.subarray(0, 1)), frame.data(3, data.subarray(1)));
    const s = await within(session.accept(), "accept()");
    expect((await peer.barrier()).filter(is.rst(3))).toEqual([]);
    expect(await readBytes(s.readable.getReader(), WINDOW)).toEqual(data);
  });

  it("data beyond the window resets that stream with FlowControlError; other streams carry on", async () => {
    const { session, peer } = startSession("server", { windowSize: WINDOW });
    await peer.send(frame.syn(3, new Uint8Array(WINDOW)), frame.syn(5, "calm"));
    const greedy = await within(session.accept(), "accept() of stream 3");
    const calm = await within(session.accept(), "accept() of stream 5");
    await peer.send(frame.data(3, new Uint8Array(1)));
    await peer.expectFrame(is.rst(3, ErrorCode.FlowControlError), "RST(3, FlowControlError)");
    const err = await greedy.readable
      .getReader()
      .read()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MuxError);
    expect((err as MuxError).code).toBe(ErrorCode.FlowControlError);

    // The session and stream 5 are unaffected.
    const r = calm.readable.getReader();
    expect(await readText(r, 4)).toBe("calm");
    await peer.send(frame.data(5, "more"));
    expect(await readText(r, 4)).toBe("more");
    await calm.writable.getWriter().write(new Uint8Array([9]));
    await peer.expectFrame(is.data(5), "DATA on stream 5");
    await peer.send(frame.syn(7, "new"));
    expect((await within(session.accept(), "accept() after the violation")).id).toBe(7);
  });

  it("a single frame larger than the window is a violation too", async () => {
    const { session, peer } = startSession("client", { windowSize: WINDOW });
    await peer.send(frame.syn(2, new Uint8Array(WINDOW + 1)));
    await peer.expectFrame(is.rst(2, ErrorCode.FlowControlError), "RST(2, FlowControlError)");
    await peer.send(frame.syn(4, "fine"));
    // Stream 2 was queued for accept() at its SYN and reset before it was taken: accept() skips it.
    const s = await within(session.accept(), "accept()");
    expect(s.id).toBe(4);
    expect(await readText(s.readable.getReader(), 4)).toBe("fine");
  });
});
