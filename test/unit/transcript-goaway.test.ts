/**
 * Go transcripts `server-close-goaway`, `server-goaway-custom-then-close` and
 * `goaway-debug-overread-bug`, replayed with streamux in each Go side's role (see
 * transcript-replay.ts for how, and for the differences streamux is allowed).
 */
import { describe, expect, it } from "vitest";
import { ErrorCode, MuxError, type MuxStream } from "../../src/index.js";
import { encodeFrame, type Frame } from "../../src/frame/index.js";
import { describe as show } from "../support/raw-peer.js";
import { toHex } from "../support/vectors.js";
import { readExactly, text, utf8 } from "./transcript-app.js";
import { expectEndedLikeGo, expectSameAsGo } from "./transcript-compare.js";
import { CHUNKINGS, Replay, streamData } from "./transcript-replay.js";

const hexOf = (frames: Frame[]) => frames.map((f) => toHex(encodeFrame(f)));
/** The frame streamux sends right after a GOAWAY when the session stays open: type 0xF, length 0, stream 0. */
const PADDING_HEX = "000000f000000000";
const EOF_GOAWAY_FROM_CLIENT = "0000213000000000000000000000000f7265616420454f462066726f6d2072656d6f74652070656572";

async function openAndWriteX(session: { open(): Promise<MuxStream> }): Promise<MuxStream> {
  const s = await session.open();
  expect(s.id).toBe(3);
  const w = s.writable.getWriter();
  await w.write(text("x"));
  w.releaseLock();
  return s;
}

describe.each(CHUNKINGS)("transcript server-close-goaway, $name", ({ chunkSize }) => {
  it('as the Go server: reads 1 byte, close() sends GOAWAY(3, NoError, "no error") and hangs up', async () => {
    const replay = new Replay("server-close-goaway", { chunkSize, us: "server" });
    const result = await replay.run(async (session) => {
      const st = await session.accept();
      expect(st.id).toBe(3);
      expect(utf8(await readExactly(st.readable, 1))).toBe("x");
      await session.close();
    });
    expectSameAsGo(replay, result.ours);
    expect(hexOf(result.ours)).toEqual(["000010300000000000000003000000006e6f206572726f72"]);
    expectEndedLikeGo(replay, result.info);
  });

  it("as the Go client: sees the GOAWAY then EOF, answers GOAWAY(0, PeerEOF), its stream fails", async () => {
    const replay = new Replay("server-close-goaway", { chunkSize, us: "client" });
    let readError: unknown;
    const result = await replay.run(async (session) => {
      const s = await openAndWriteX(session);
      await session.closed;
      readError = await s.readable
        .getReader()
        .read()
        .then(
          () => "no error",
          (err: unknown) => err,
        );
    });
    expectSameAsGo(replay, result.ours);
    expect(hexOf(result.ours).at(-1)).toBe(EOF_GOAWAY_FROM_CLIENT);
    expectEndedLikeGo(replay, result.info);
    // Go's stream reports "session closed" (14); streamux fails a session's streams with the
    // session's own error (the README: every stream fails with SessionClosed or the session's error), here PeerEOF.
    expect(replay.t.observed_end_state.client_stream_read_after).toMatch(/code 14/);
    expect(readError).toBeInstanceOf(MuxError);
    expect([ErrorCode.SessionClosed, ErrorCode.PeerEOF]).toContain((readError as MuxError).code);
  });
});

describe.each(CHUNKINGS)("transcript server-goaway-custom-then-close, $name", ({ chunkSize }) => {
  it("as the Go server: goAway(42, debug) goes out byte for byte, followed by the padding frame", async () => {
    const replay = new Replay("server-goaway-custom-then-close", { chunkSize, us: "server" });
    const result = await replay.run(async (session, r) => {
      const st = await session.accept();
      expect(utf8(await readExactly(st.readable, 1))).toBe("x");
      await session.goAway(42, "going away: maintenance");
      await r.until(() => r.ours.some((f) => f.type === "UNKNOWN"), "the GOAWAY and its padding at the peer");
      // The Go server closes the connection itself, with no second GOAWAY.
      await r.transport.close?.();
    });
    expectSameAsGo(replay, result.ours);
    expect(hexOf(result.ours)).toEqual(["00001f3000000000000000030000002a676f696e6720617761793a206d61696e74656e616e6365", PADDING_HEX]);
    // Go reports its own closed socket as an error outside the table (0xFF); for streamux the
    // connection simply ended. Either way the session has ended and says so with a table code.
    expect(Object.values(ErrorCode)).toContain(result.info.code);
  });

  it("as the Go client: ends on EOF with the peer's GOAWAY(42, debug) in its close info", async () => {
    const replay = new Replay("server-goaway-custom-then-close", { chunkSize, us: "client" });
    const result = await replay.run(async (session) => {
      await openAndWriteX(session);
    });
    expectSameAsGo(replay, result.ours);
    expect(hexOf(result.ours).at(-1)).toBe(EOF_GOAWAY_FROM_CLIENT);
    expectEndedLikeGo(replay, result.info);
  });
});

/**
 * A Go reader takes `length` bytes of GOAWAY debug after the 8 fixed bytes: 8 too many
 * (docs/protocol.md, "Go quirks a port must tolerate": GOAWAY debug over-read). This reads a byte stream the way Go does.
 */
function readLikeGo(bytes: Uint8Array): { goAwayDebug: Uint8Array; after: string[] } {
  let at = 0;
  let goAwayDebug = new Uint8Array(0);
  const after: string[] = [];
  while (at + 8 <= bytes.length) {
    const length = (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;
    const type = bytes[at + 3]! >> 4;
    const id = new DataView(bytes.buffer, bytes.byteOffset).getUint32(at + 4);
    if (type === 3) {
      goAwayDebug = bytes.slice(at + 16, at + 16 + length);
      at += 16 + length;
      continue;
    }
    after.push(`${type}:${id}:${utf8(bytes.subarray(at + 8, at + 8 + length))}`);
    at += 8 + length;
  }
  return { goAwayDebug, after };
}

describe.each(CHUNKINGS)("transcript goaway-debug-overread-bug, $name", ({ chunkSize }) => {
  it("as the Go server that keeps the session open: GOAWAY, then the padding, then the DATA a Go peer can read", async () => {
    const replay = new Replay("goaway-debug-overread-bug", { chunkSize, us: "server" });
    const result = await replay.run(async (session, r) => {
      const st = await session.accept();
      expect(utf8(await readExactly(st.readable, 1))).toBe("x");
      await session.goAway(7, "abc");
      const w = st.writable.getWriter();
      await w.write(text("after"));
      await r.until(() => streamData(r.ours, 3).length === 5, 'DATA "after" at the peer');
      // The Go server then closed the connection itself.
      await r.transport.close?.();
    });
    const go = replay.t.server_writes;
    expect(hexOf(result.ours)).toEqual([go[1]!.hex, PADDING_HEX, go[2]!.hex]);
    expectSameAsGo(replay, result.ours);

    // What the Go client in this transcript would now read: the padding is swallowed as debug,
    // and the DATA frame arrives intact (without it, Go swallowed the DATA header and broke).
    const wire = new Uint8Array(
      hexOf(result.ours)
        .join("")
        .match(/../g)!
        .map((h) => parseInt(h, 16)),
    );
    const goView = readLikeGo(wire);
    expect(utf8(goView.goAwayDebug.subarray(0, 3))).toBe("abc");
    expect(toHex(goView.goAwayDebug.subarray(3))).toBe(PADDING_HEX);
    expect(goView.after).toEqual(["1:3:after"]);
  });

  it('as the Go client: reads the same recorded bytes correctly, keeps stream 3 and reads "after"', async () => {
    let readAfter!: () => void;
    const afterRead = new Promise<void>((resolve) => (readAfter = resolve));
    const replay = new Replay("goaway-debug-overread-bug", {
      chunkSize,
      us: "client",
      // The Go server closed the connection 200 ms after its last frame; here, once the
      // application has read that frame.
      peerEnds: "after-last-frame",
      beforePeerEnds: () => afterRead,
      skipOurs: { 9: "Go's client answered its own misparse of the GOAWAY; streamux reads the frames as written" },
    });
    let read = "";
    const result = await replay.run(async (session) => {
      const s = await openAndWriteX(session);
      read = utf8(await readExactly(s.readable, 5));
      readAfter();
    });
    expect(read).toBe("after");
    // The debug is exactly "abc": the 8 bytes after the frame are the next frame's header.
    expect(result.info.remote?.code).toBe(7);
    expect(utf8(result.info.remote!.debug)).toBe("abc");
    expect(result.info).toMatchObject({ code: ErrorCode.PeerEOF, reason: "read EOF from remote peer" });
    expect(result.ours.map(show)).toEqual(["DATA(3,SYN,1B)", 'GOAWAY(last=0,code=15,"read EOF from remote peer")']);
    expect(hexOf(result.ours)[0]).toBe(replay.t.client_writes[0]!.hex);
  });
});
