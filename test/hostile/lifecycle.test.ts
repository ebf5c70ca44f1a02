import { describe, expect, it } from "vitest";
import { Attacker, Code, figures, frame, KiB, kib, mib, MiB, ms } from "./attacker.js";
import { startVictim } from "./victim-client.js";

// How sessions end when the peer misbehaves or vanishes: promptly, with the right code, and
// leaving nothing behind.

describe("hostile peer: session lifecycle", () => {
  it("a malformed frame from a peer that keeps its socket open ends the connection within 1 s", async () => {
    /** The victim gives the GOAWAY 250 ms to leave; a second is generous (waiting closeTimeout would be 5 s). */
    const MAX_CLOSE_MS = 1_000;

    const victim = await startVictim({ behaviour: { app: "accept-loop" } });
    const attacker = await Attacker.connect(victim.port, { allowHalfOpen: true });
    await attacker.barrier();

    // An RST frame must have length 4: this one says 5 (and carries 5 bytes).
    const malformed = new Uint8Array([0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x03, 0, 0, 0, 4, 0]);
    const sent = performance.now();
    await attacker.write(malformed);
    const ended = (await attacker.closedByVictim(MAX_CLOSE_MS)) - sent;
    // The FIN is only half of it: the victim's session is over once its socket is closed for good
    // (it keeps reading, to let the GOAWAY out, until the peer ends too or the wait runs out).
    const report = await victim.until("sessionsEnded", 1, MAX_CLOSE_MS);
    const sessionEnded = performance.now() - sent;

    figures(
      "malformed frame, peer keeps its socket open",
      `FIN after ${ms(ended)}`,
      `session ended after ${ms(sessionEnded)}`,
      `GOAWAY code ${attacker.tally.goAways[0]?.code}`,
    );
    expect(attacker.tally.goAways.map((g) => g.code)).toEqual([Code.FrameSizeError]);
    expect(report.closes.map((c) => c.code)).toEqual([Code.FrameSizeError]);
    expect(ended).toBeLessThan(MAX_CLOSE_MS);
    expect(sessionEnded).toBeLessThan(MAX_CLOSE_MS);
  });

  it("a transport destroyed mid-upload ends the session with PeerEOF, fails its stream and leaves memory near where it was", async () => {
    const UPLOAD = 64 * MiB;
    /** Destroyed halfway. */
    const KILL_AT = UPLOAD / 2;
    /** What may stay after the session is gone: GC noise, compiled code. */
    const MAX_GROWTH = 4 * MiB;
    const CHUNK = new Uint8Array(64 * KiB).fill(0x75);
    const WINDOW = 256 * KiB;

    const victim = await startVictim({ behaviour: { app: "accept-loop" } });
    const warmup = await Attacker.connect(victim.port);
    await warmup.barrier();
    warmup.destroy();
    await victim.until("sessionsEnded", 1, 5_000);
    const before = await victim.report();

    const attacker = await Attacker.connect(victim.port);
    await attacker.send(frame.syn(3));
    let sent = 0;
    const credit = () => WINDOW + (attacker.tally.wndInc.get(3) ?? 0) - sent;
    while (sent < KILL_AT) {
      if (credit() <= 0) await attacker.until(() => credit() > 0, `credit after ${mib(sent)}`);
      const n = Math.min(CHUNK.length, credit());
      await attacker.send(frame.data(3, CHUNK.subarray(0, n)));
      sent += n;
    }
    const killed = performance.now();
    attacker.destroy();
    const report = await victim.until("sessionsEnded", 2, 5_000);
    const endedAfter = performance.now() - killed;
    const after = await victim.report();

    const growth = after.memory.retained - before.memory.retained;
    figures(
      "transport destroyed mid-upload",
      `${mib(sent)} of ${mib(UPLOAD)} sent`,
      `${mib(report.bytesRead)} read by the application`,
      `session ended after ${ms(endedAfter)} with code ${report.closes.at(-1)?.code}`,
      `growth ${kib(growth)}`,
    );
    expect(report.closes.at(-1)?.code).toBe(Code.PeerEOF);
    expect(report.streamErrors).toEqual({ [Code.PeerEOF]: 1 });
    expect(growth).toBeLessThan(MAX_GROWTH);
  });
});
