import { describe, expect, it } from "vitest";
import { encodeFrame } from "../../src/frame/index.js";
import { ErrorCode, formatFrame, type FrameInfo } from "../../src/index.js";
import { frame, startSession, within } from "../support/raw-peer.js";

// SessionOptions.onFrame: every frame in and out, once each, with what it carries.
describe("the onFrame trace", () => {
  it("reports every frame read and written, with its type, flags, stream, length and value", async () => {
    const seen: Array<[string, FrameInfo]> = [];
    const { session, peer } = startSession("server", { onFrame: (direction, f) => seen.push([direction, f]) });
    await peer.send(frame.syn(3, "hello"), frame.wndInc(3, 100));
    await peer.sendBytes(encodeFrame({ type: "UNKNOWN", frameType: 0x9, flags: 0, streamId: 0, length: 3 }).slice(0, 8));
    await peer.sendBytes(new Uint8Array(3));
    const s = await within(session.accept(), "accept()");
    await s.write(new TextEncoder().encode("hi"));
    s.reset(ErrorCode.StreamCancelled);
    await peer.send(frame.goAway(0, ErrorCode.NoError, "bye"));
    await peer.barrier();

    const inbound = seen.filter(([d]) => d === "in").map(([, f]) => f);
    const outbound = seen.filter(([d]) => d === "out").map(([, f]) => f);
    expect(inbound.slice(0, 4)).toEqual([
      { type: "DATA", typeCode: 1, flags: 0x2, streamId: 3, length: 5 },
      { type: "WNDINC", typeCode: 2, flags: 0, streamId: 3, length: 4, increment: 100 },
      { type: "UNKNOWN", typeCode: 9, flags: 0, streamId: 0, length: 3 },
      { type: "GOAWAY", typeCode: 3, flags: 0, streamId: 0, length: 11, code: 0, lastStreamId: 0 },
    ]);
    expect(outbound).toContainEqual({ type: "DATA", typeCode: 1, flags: 0, streamId: 3, length: 2 });
    expect(outbound).toContainEqual({ type: "RST", typeCode: 0, flags: 0, streamId: 3, length: 4, code: ErrorCode.StreamCancelled });
  });

  it("formatFrame prints a frame as Go's muxado debug framer does: name, op, type, stream, length, flags", () => {
    expect(formatFrame("out", { type: "DATA", typeCode: 1, flags: 0x2, streamId: 3, length: 5 }, "client")).toBe(
      "client  WRITE  DATA  0x3  5  0x2  SYN",
    );
    expect(formatFrame("in", { type: "GOAWAY", typeCode: 3, flags: 0, streamId: 0, length: 16, code: 0, lastStreamId: 3 })).toBe(
      "READ  GOAWAY  0x0  16  0x0  last=0x3 code=0",
    );
    expect(formatFrame("in", { type: "WNDINC", typeCode: 2, flags: 0, streamId: 5, length: 4, increment: 65536 })).toBe(
      "READ  WNDINC  0x5  4  0x0  increment=65536",
    );
  });
});
