/**
 * Go transcripts `typed-stream-heartbeat` and `flow-control-window`, replayed with streamux in each
 * Go side's role (see transcript-replay.ts for how, and for the differences streamux is allowed).
 */
import { describe, expect, it } from "vitest";
import { HEARTBEAT_TYPE } from "../../src/index.js";
import { encodeFrame } from "../../src/frame/index.js";
import { toHex, transcript } from "../support/vectors.js";
import { readAll, readExactly, text, utf8 } from "./transcript-app.js";
import { expectEndedLikeGo, expectSameAsGo } from "./transcript-compare.js";
import { CHUNKINGS, Replay, streamData } from "./transcript-replay.js";

describe.each(CHUNKINGS)("transcript typed-stream-heartbeat, $name", ({ chunkSize }) => {
  it("as the Go client: heartbeat stream with its type in the SYN frame, a beat answered, a typed stream echoed", async () => {
    // The peer's echo carries the heartbeat id we sent (random in every run), not the recorded one.
    const echoSeq = transcript("typed-stream-heartbeat").server_writes.find((f) => f.type === "DATA" && f.stream_id === 3)!.seq;
    const replay = new Replay("typed-stream-heartbeat", {
      chunkSize,
      us: "client",
      sessionOptions: { typed: true },
      rewrite: (f, bytes, r) => {
        if (f.seq !== echoSeq) return bytes;
        const out = bytes.slice();
        out.set(streamData(r.ours, 3).subarray(4, 8), 8);
        return out;
      },
    });
    let rtt = -1;
    let read = "";
    const result = await replay.run(async (session) => {
      rtt = await session.ping();
      const s = await session.open({ type: 1 });
      expect(s.id).toBe(5);
      const w = s.writable.getWriter();
      await w.write(text("hi"));
      await w.close();
      w.releaseLock();
      // Go's server sent its FIN only after this client had closed its session (seq 25 after 23):
      // the client read the 2 echoed bytes, not to EOF.
      read = utf8(await readExactly(s.readable, 2));
      await s.close();
      await session.close();
    });
    expect(read).toBe(replay.t.observed_end_state.client_read);
    expect(rtt).toBeGreaterThan(0);
    expect(replay.t.observed_end_state.beat_ok).toBe("true rtt>0:true");
    expectSameAsGo(replay, result.ours, (id, ours, go) => {
      if (id !== 3) return expect(toHex(ours)).toBe(toHex(go));
      // Stream 3: the heartbeat type, then one 4-byte id of our own choosing.
      expect(toHex(ours.subarray(0, 4))).toBe("ffffffff");
      expect(ours.length).toBe(go.length);
    });
    // The typed-stream headers ride alone in the SYN frames, exactly as Go wrote them.
    const syn = result.ours.filter((f) => f.type === "DATA" && f.flags & 2).map((f) => toHex(encodeFrame(f)));
    expect(syn).toEqual(["0000041200000003ffffffff", "000004120000000500000001"]);
    expectEndedLikeGo(replay, result.info);
  });

  it("as the Go server: answers the heartbeat itself (echo byte for byte), hands out only the type-1 stream", async () => {
    const replay = new Replay("typed-stream-heartbeat", { chunkSize, us: "server", sessionOptions: { typed: true } });
    const result = await replay.run(async (session) => {
      const st = await session.accept();
      expect([st.id, st.type]).toEqual([5, 1]);
      const data = await readAll(st.readable);
      expect(utf8(data)).toBe("hi");
      const w = st.writable.getWriter();
      await w.write(data);
      await w.close();
    });
    expectSameAsGo(replay, result.ours);
    // The echo of the recorded heartbeat id is the recorded echo, to the byte.
    const echo = replay.t.server_writes.find((f) => f.type === "DATA" && f.stream_id === 3)!;
    expect(result.ours.map((f) => toHex(encodeFrame(f)))).toContain(echo.hex);
    expect(result.ours.at(-1)).toMatchObject({ type: "GOAWAY", lastStreamId: 5, code: 15 });
    expectEndedLikeGo(replay, result.info);
    expect(HEARTBEAT_TYPE).toBe(0xffffffff);
  });
});

describe("transcript flow-control-window", () => {
  const Z = 0x5a; // the recorded payload: 300000 bytes of "Z" (checked against its digest)

  it("as the Go client: sends exactly the 256 KiB window, waits for credit, then the rest and FIN", async () => {
    let written = false;
    let checkedAtFirstCredit = false;
    const replay = new Replay("flow-control-window", {
      us: "client",
      beforeSend: (f, r) => {
        if (f.type !== "WNDINC" || checkedAtFirstCredit) return;
        // Before any credit: the whole window is out, not a byte more, and the write still waits.
        checkedAtFirstCredit = true;
        expect(streamData(r.ours, 3).length).toBe(262144);
        expect(written).toBe(false);
      },
    });
    const result = await replay.run(async (session) => {
      const s = await session.open();
      const w = s.writable.getWriter();
      await w.write(new Uint8Array(300000).fill(Z));
      written = true;
      await w.close();
      w.releaseLock();
      expect((await readAll(s.readable)).length).toBe(0);
      await s.close();
      await session.close();
    });
    expect(checkedAtFirstCredit).toBe(true);
    // Go wrote 262144 + 37856 bytes in two frames; streamux cuts its frames smaller (its writer
    // takes turns between streams), so the bytes and SYN/FIN are compared, not the frame sizes.
    expectSameAsGo(replay, result.ours);
    expectEndedLikeGo(replay, result.info);
  });

  it("as the Go server: takes a whole-window frame, grants credit in fewer WNDINCs than Go, reads 300000 bytes", async () => {
    const replay = new Replay("flow-control-window", { us: "server" });
    let got: Uint8Array = new Uint8Array(0);
    const result = await replay.run(async (session) => {
      const st = await session.accept();
      got = await readAll(st.readable);
      await st.close();
    });
    expect(String(got.length)).toBe(replay.t.observed_end_state.server_read_bytes);
    expect(got.every((b) => b === Z)).toBe(true);
    expectSameAsGo(replay, result.ours);
    expectEndedLikeGo(replay, result.info);
    // Batched credit: fewer frames than Go's one per read, and enough for the 37856 bytes that
    // waited for it (the raw peer sent them only within the credit granted).
    const ours = result.ours.filter((f) => f.type === "WNDINC");
    const go = replay.t.server_writes.filter((f) => f.type === "WNDINC");
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.length).toBeLessThan(go.length);
    expect(replay.granted(3)).toBeGreaterThanOrEqual(37856);
  });
});
