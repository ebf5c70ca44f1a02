import { describe, expect, it } from "vitest";
import { ErrorCode, MuxError } from "../../src/index.js";
import { Flag } from "../../src/frame/index.js";
import { frame, is, startSession } from "../support/raw-peer.js";

// docs/protocol.md, "Stream ids".
describe("stream ids", () => {
  it("a client opens odd ids from 3 (3, 5, 7) and a server even ids from 2 (2, 4, 6), in SYN order", async () => {
    for (const [role, ids] of [
      ["client", [3, 5, 7]],
      ["server", [2, 4, 6]],
    ] as const) {
      const { session, peer } = startSession(role);
      for (const id of ids) {
        const s = await session.open();
        expect(s.id).toBe(id);
        await s.writable.getWriter().write(new Uint8Array([1]));
        const f = await peer.expectFrame(is.syn(id), `the SYN of stream ${id}`);
        expect(f.type === "DATA" && f.flags).toBe(Flag.SYN);
      }
    }
  });

  it("ids only grow: a stream that ended does not give its id back", async () => {
    const { session, peer } = startSession("client");
    const first = await session.open();
    first.reset();
    const second = await session.open();
    expect(second.id).toBe(5);
    await second.writable.getWriter().write(new Uint8Array([1]));
    await peer.waitFor(is.syn(5), "the SYN of stream 5");
  });

  // There is no public way to open 2^30 streams quickly: the id allocator is reached through a cast.
  it("an open that would need an id above 0x7FFFFFFF fails with StreamsExhausted", async () => {
    for (const [role, last] of [
      ["client", 0x7fffffff],
      ["server", 0x7ffffffe],
    ] as const) {
      const { session, peer } = startSession(role);
      (session as unknown as { nextId: number }).nextId = last - 2;
      expect((await session.open()).id).toBe(last - 2);
      const top = await session.open();
      expect(top.id).toBe(last);
      const err = await session.open().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MuxError);
      expect((err as MuxError).code).toBe(ErrorCode.StreamsExhausted);
      // The highest id itself is usable on the wire.
      await top.writable.getWriter().write(new Uint8Array([7]));
      await peer.expectFrame(is.syn(last), `the SYN of stream 0x${last.toString(16)}`);
      // And the failure is for opens only: the session goes on.
      await peer.send(frame.syn(role === "client" ? 2 : 3, "hi"));
      expect((await session.accept()).id).toBe(role === "client" ? 2 : 3);
    }
  });
});
