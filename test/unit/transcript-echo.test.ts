/**
 * Go transcripts `echo-half-close` and `two-streams`, replayed with streamux in each Go side's role
 * (see transcript-replay.ts for how, and for the differences streamux is allowed).
 */
import { describe, expect, it } from "vitest";
import type { MuxStream } from "../../src/index.js";
import { encodeFrame } from "../../src/frame/index.js";
import { toHex } from "../support/vectors.js";
import { readAll, text, utf8 } from "./transcript-app.js";
import { expectEndedLikeGo, expectSameAsGo } from "./transcript-compare.js";
import { CHUNKINGS, decoded, Replay, type ReplayResult } from "./transcript-replay.js";

/**
 * Where Go's own order of frames is fixed (the transcript says so), ours is the same frame for
 * frame, byte for byte, once the frames streamux never sends are set aside (WNDINC per read,
 * duplicate FIN).
 */
function expectSameSequence(replay: Replay, result: ReplayResult): void {
  const go = replay.writes(replay.options.us).filter((f) => replay.ourSkip(f) === null);
  const ours = result.ours.filter((f) => f.type !== "WNDINC");
  expect(ours.map((f) => toHex(encodeFrame(f)))).toEqual(go.map((f) => toHex(encodeFrame(decoded(f)))));
}

/** The Go echo server's stream handler: read to EOF, write it all back, close. */
async function echo(stream: MuxStream): Promise<string> {
  const data = await readAll(stream.readable);
  const writer = stream.writable.getWriter();
  await writer.write(data);
  await writer.close();
  writer.releaseLock();
  await stream.close();
  return utf8(data);
}

describe.each(CHUNKINGS)("transcript echo-half-close, $name", ({ chunkSize }) => {
  it("as the Go client: SYN on the first DATA, FIN apart, reads the echo, GOAWAY(0, NoError)", async () => {
    const replay = new Replay("echo-half-close", { chunkSize, us: "client" });
    let read = "";
    const result = await replay.run(async (session) => {
      const s = await session.open();
      expect(s.id).toBe(3);
      const w = s.writable.getWriter();
      await w.write(text("hello"));
      await w.close();
      w.releaseLock();
      read = utf8(await readAll(s.readable));
      await s.close();
      await session.close();
    });
    expect(read).toBe(replay.t.observed_end_state.client_read);
    expectSameAsGo(replay, result.ours);
    expectSameSequence(replay, result);
    expectEndedLikeGo(replay, result.info);
  });

  it("as the Go server: echoes, ignores the duplicate FIN, answers EOF with GOAWAY(3, PeerEOF)", async () => {
    const replay = new Replay("echo-half-close", { chunkSize, us: "server" });
    const result = await replay.run(async (session) => {
      const st = await session.accept();
      expect(st.id).toBe(3);
      expect(await echo(st)).toBe("hello");
    });
    expectSameAsGo(replay, result.ours);
    expectSameSequence(replay, result);
    expectEndedLikeGo(replay, result.info);
    // GOAWAY(last=3, 15, "read EOF from remote peer"): what Go's server wrote, to the byte.
    expect(toHex(encodeFrame(result.ours.at(-1)!))).toBe(
      "0000213000000000000000030000000f7265616420454f462066726f6d2072656d6f74652070656572",
    );
  });
});

describe.each(CHUNKINGS)("transcript two-streams, $name", ({ chunkSize }) => {
  it("as the Go client: the stream written first is the one the server learns of first", async () => {
    const replay = new Replay("two-streams", { chunkSize, us: "client" });
    const read: Record<number, string> = {};
    const result = await replay.run(async (session) => {
      const a = await session.open();
      const b = await session.open();
      expect([a.id, b.id]).toEqual([3, 5]);
      const wa = a.writable.getWriter();
      const wb = b.writable.getWriter();
      await wb.write(text("two"));
      await wa.write(text("one"));
      await wa.close();
      await wb.close();
      read[3] = utf8(await readAll(a.readable));
      read[5] = utf8(await readAll(b.readable));
      wa.releaseLock();
      wb.releaseLock();
      await a.close();
      await b.close();
      await session.close();
    });
    expect(read).toEqual({ 3: replay.t.observed_end_state.client_read_3, 5: replay.t.observed_end_state.client_read_5 });
    expect(result.ours[0]).toMatchObject({ type: "DATA", streamId: 5, flags: 2 });
    expectSameAsGo(replay, result.ours);
    expectSameSequence(replay, result);
    expectEndedLikeGo(replay, result.info);
  });

  it("as the Go server: accepts 5 then 3, and its GOAWAY names the most recent SYN (3), not the highest id", async () => {
    const replay = new Replay("two-streams", { chunkSize, us: "server" });
    const accepted: number[] = [];
    const result = await replay.run(async (session) => {
      const echoes: Promise<string>[] = [];
      for (let i = 0; i < 2; i++) {
        const st = await session.accept();
        accepted.push(st.id);
        echoes.push(echo(st));
      }
      expect(await Promise.all(echoes)).toEqual(["two", "one"]);
    });
    expect(accepted.join(",")).toBe(replay.t.observed_end_state.server_accept_order);
    // The server's frames for the two streams interleave differently from run to run (the
    // transcript says so): compared per stream, not in one sequence.
    expectSameAsGo(replay, result.ours);
    expectEndedLikeGo(replay, result.info);
    const goAway = result.ours.at(-1)!;
    expect(goAway).toMatchObject({ type: "GOAWAY", lastStreamId: 3, code: 15 });
  });
});
