import { describe, expect, it } from "vitest";
import { ErrorCode, MuxError } from "../../src/index.js";
import { Flag } from "../../src/frame/index.js";
import { frame, startSession, within } from "../support/raw-peer.js";
import { framesVectors, fromHex } from "../support/vectors.js";

// docs/protocol.md, "Frames" and "Ending a session": a frame that breaks the table is a session error,
// reported to the peer in a GOAWAY (code and message, as Go does) before the transport closes.
describe("protocol errors end the session", () => {
  for (const v of framesVectors().decode_errors) {
    const code = Number(/GOAWAY code (\d+)/.exec(v.go_decode.error_class)?.[1]);
    it(`${v.name} -> GOAWAY(${code}, "${v.go_decode.error}"), then close`, async () => {
      expect([ErrorCode.ProtocolError, ErrorCode.FrameSizeError]).toContain(code);
      const { session, peer } = startSession("server");
      await peer.send(frame.syn(3, "open"));
      const s = await within(session.accept(), "accept()");
      const pendingAccept = session.accept();
      await peer.sendBytes(fromHex(v.hex));
      const g = await peer.nextFrame();
      expect(g).toMatchObject({ type: "GOAWAY", lastStreamId: 3, code });
      expect(g.type === "GOAWAY" && new TextDecoder().decode(g.debug)).toBe(v.go_decode.error);
      expect(await peer.eof()).toEqual([]);

      const info = await within(session.closed, "closed");
      expect(info.code).toBe(code);
      for (const p of [s.closed, pendingAccept]) {
        const err = await within(
          p.then(
            () => null,
            (e: unknown) => e,
          ),
          "a rejection",
        );
        expect(err).toBeInstanceOf(MuxError);
      }
    });
  }

  it("a SYN with our own parity is a ProtocolError for the session", async () => {
    for (const [role, id] of [
      ["client", 3],
      ["server", 2],
    ] as const) {
      const { session, peer } = startSession(role);
      await peer.send(frame.data(id, "mine?", Flag.SYN));
      const g = await peer.nextFrame();
      expect(g).toMatchObject({ type: "GOAWAY", code: ErrorCode.ProtocolError });
      expect(await peer.eof()).toEqual([]);
      expect((await within(session.closed, "closed")).code).toBe(ErrorCode.ProtocolError);
    }
  });
});
