/**
 * Compares a replay's outcome with what the Go side it stood in for did (transcript-replay.ts lists
 * the differences streamux is allowed; each check here knows them).
 */
import { expect } from "vitest";
import type { SessionCloseInfo } from "../../src/index.js";
import { encodeFrame, Flag, type Frame } from "../../src/frame/index.js";
import { describe as show } from "../support/raw-peer.js";
import { toHex, type Transcript } from "../support/vectors.js";
import { decoded, streamData, type Replay, type Side } from "./transcript-replay.js";

/**
 * Compares what streamux wrote with what the Go side it played wrote: per stream the same bytes,
 * SYN on the first frame and only there (never together with FIN), one FIN after the last byte;
 * the same GOAWAY frames byte for byte; no RST Go did not send; padding only right after a GOAWAY.
 */
export function expectSameAsGo(
  replay: Replay,
  ours: Frame[],
  sameData: (streamId: number, ours: Uint8Array, go: Uint8Array) => void = (_id, o, g) => expect(toHex(o)).toBe(toHex(g)),
): void {
  const goFrames = replay
    .writes(replay.options.us)
    .filter((f) => replay.ourSkip(f) === null)
    .map(decoded);
  const history = ours.map(show).join(" ");
  const streams = new Set(goFrames.filter((f) => f.type === "DATA").map((f) => (f as { streamId: number }).streamId));
  for (const f of ours) if (f.type === "DATA") expect(streams.has(f.streamId), `DATA on a stream Go never wrote to: ${history}`).toBe(true);

  for (const id of streams) {
    const go = goFrames.filter((f): f is Extract<Frame, { type: "DATA" }> => f.type === "DATA" && f.streamId === id);
    const us = ours.filter((f): f is Extract<Frame, { type: "DATA" }> => f.type === "DATA" && f.streamId === id);
    expect(us.length, `our DATA on stream ${id}: ${history}`).toBeGreaterThan(0);
    sameData(id, streamData(us, id), streamData(go, id));
    // SYN: on the first frame exactly when Go opened the stream, never again, never with FIN.
    const goSyn = (go[0]!.flags & Flag.SYN) !== 0;
    expect(
      us.map((f) => (f.flags & Flag.SYN) !== 0),
      `SYN flags on stream ${id}: ${history}`,
    ).toEqual(us.map((_, i) => i === 0 && goSyn));
    if (goSyn) {
      expect(us[0]!.flags & Flag.FIN, `SYN and FIN together on stream ${id}`).toBe(0);
      // The SYN frame carries what Go's did, as far as both go: for a typed stream, the type.
      const n = Math.min(us[0]!.data.length, go[0]!.data.length);
      expect(n > 0 || go[0]!.data.length === 0, `our SYN frame on stream ${id} is empty where Go's carried data`).toBe(true);
      expect(toHex(us[0]!.data.subarray(0, n))).toBe(toHex(go[0]!.data.subarray(0, n)));
    }
    // FIN: exactly as many as Go (duplicates skipped), on the last frame, after the last byte.
    const goFins = go.filter((f) => f.flags & Flag.FIN).length;
    expect(us.filter((f) => f.flags & Flag.FIN).length, `FINs on stream ${id}: ${history}`).toBe(goFins);
    if (goFins) expect(us.at(-1)!.flags & Flag.FIN, `FIN last on stream ${id}: ${history}`).toBe(Flag.FIN);
  }

  const hexes = (fs: Frame[]) => fs.filter((f) => f.type === "GOAWAY").map((f) => toHex(encodeFrame(f)));
  expect(hexes(ours), "GOAWAY frames, byte for byte").toEqual(hexes(goFrames));
  expect(ours.filter((f) => f.type === "RST").map(show), `RST frames: ${history}`).toEqual(
    goFrames.filter((f) => f.type === "RST").map(show),
  );
  ours.forEach((f, i) => {
    if (f.type !== "UNKNOWN") return;
    expect(f, `an unknown frame is only the padding after a GOAWAY: ${history}`).toEqual({
      type: "UNKNOWN",
      frameType: 0xf,
      flags: 0,
      streamId: 0,
      length: 0,
    });
    expect(ours[i - 1]?.type).toBe("GOAWAY");
  });
}

/** What a Go side's Wait() reported, from `observed_end_state`. */
export function goEnd(t: Transcript, side: Side): { code: number; reason: string; remote?: { code: number; debug: string } } {
  const s = t.observed_end_state[side]!;
  const m = /local error "(.*)" \(code (\d+)\); (?:no GOAWAY received|remote GOAWAY code (\d+) debug "(.*)")$/.exec(s);
  if (!m) throw new Error(`cannot read the end state: ${s}`);
  const out: ReturnType<typeof goEnd> = { code: Number(m[2]), reason: m[1]! };
  if (m[3] !== undefined) out.remote = { code: Number(m[3]), debug: m[4]! };
  return out;
}

/** Checks our session ended as the Go side did: same code and reason, same GOAWAY from the peer. */
export function expectEndedLikeGo(replay: Replay, info: SessionCloseInfo): void {
  const go = goEnd(replay.t, replay.options.us);
  expect({ code: info.code, reason: info.reason }).toEqual({ code: go.code, reason: go.reason });
  if (go.remote) {
    expect(info.remote?.code).toBe(go.remote.code);
    expect(new TextDecoder().decode(info.remote?.debug)).toBe(go.remote.debug);
  } else {
    expect(info.remote).toBeUndefined();
  }
}
