import { describe, expect, it } from "vitest";
import type { Frame } from "../../src/frame/index.js";
import { Attacker, Code, dataHeader, encodeMany, figures, frame, mib, MiB, ms } from "./attacker.js";
import type { Behaviour, VictimReport } from "./messages.js";
import { startVictim, type Victim } from "./victim-client.js";

// Floods of cheap frames: each costs the victim bounded memory and time, and the victim is still
// healthy afterwards (the flooding connection and a fresh one both answer a barrier).

/** What a flood may leave the victim holding (after GC), whatever the flood. */
const MAX_GROWTH = 16 * MiB;
/**
 * How long the victim may take to get through a flood (first byte sent to the barrier's answer).
 * Each flood takes well under 5 s here; this only catches work per frame that grows without bound.
 */
const MAX_FLOOD_MS = 15_000;
/** Frames per pre-encoded block; a flood writes the same block again and again. */
const BLOCK = 10_000;

interface Flooded {
  victim: Victim;
  attacker: Attacker;
  before: VictimReport;
}

async function target(behaviour: Behaviour): Promise<Flooded> {
  const victim = await startVictim({ behaviour });
  const attacker = await Attacker.connect(victim.port);
  await attacker.barrier();
  const before = await victim.report();
  return { victim, attacker, before };
}

/** Writes `count` frames (`make(i)`, i within one block) as repeated blocks; returns the ms until the barrier. */
async function flood(attacker: Attacker, count: number, make: (i: number) => Frame): Promise<number> {
  const block = encodeMany(Math.min(BLOCK, count), make);
  const started = performance.now();
  await attacker.flood(block, Math.ceil(count / BLOCK), MAX_FLOOD_MS);
  await attacker.barrier(MAX_FLOOD_MS);
  return performance.now() - started;
}

/** The victim still works: the flooding connection and a fresh one answer a barrier. */
async function stillHealthy({ victim, attacker }: Flooded): Promise<void> {
  await attacker.barrier();
  const fresh = await Attacker.connect(victim.port);
  await fresh.barrier();
  fresh.destroy();
}

async function measured(f: Flooded): Promise<{ growth: number; stall: number }> {
  const after = await f.victim.report();
  return { growth: after.memory.retained - f.before.memory.retained, stall: after.maxStallMs };
}

describe("hostile peer: floods", () => {
  it("50,000 GOAWAY frames cost no more with 10,000 streams open than with one", async () => {
    const STREAMS = 10_000;
    const GOAWAYS = 50_000;
    /** An engine that walks the stream table per GOAWAY takes 1.8 s here against 60 ms. */
    const MAX_RATIO = 3;
    const MAX_EXTRA_MS = 100;
    /** Below the accept backlog (128). */
    const ACCEPT_BATCH = 100;

    const victim = await startVictim({ behaviour: { app: "accept-no-read" } });
    const one = await Attacker.connect(victim.port);
    await one.send(frame.syn(3));
    await victim.until("accepted", 1, 5_000);
    // In batches the accept loop keeps up with, so every stream is accepted whatever the backlog.
    const many = await Attacker.connect(victim.port);
    for (let n = 0; n < STREAMS; n += ACCEPT_BATCH) {
      await many.write(encodeMany(ACCEPT_BATCH, (i) => frame.syn(3 + 2 * (n + i))));
      await victim.until("accepted", 1 + n + ACCEPT_BATCH, 5_000);
    }
    await many.barrier();
    await one.barrier();
    expect(many.tally.rst.size, "no stream was refused").toBe(0);

    // Lowering last-stream-ids, then the same one again and again: the range they give up holds
    // none of the victim's own streams (it opened none).
    const goAway = (i: number) => frame.goAway(i < GOAWAYS / 2 ? 0x7fffffff - i : 0x7fffffff - GOAWAYS / 2, Code.NoError);
    const time = async (a: Attacker) => {
      const block = encodeMany(GOAWAYS, goAway);
      const started = performance.now();
      await a.write(block, MAX_FLOOD_MS);
      await a.barrier(MAX_FLOOD_MS);
      return performance.now() - started;
    };
    // Alternating, best of two each: timing noise hits both alike.
    const t1 = [await time(one)];
    const tMany = [await time(many)];
    t1.push(await time(one));
    tMany.push(await time(many));
    const oneMs = Math.min(...t1);
    const manyMs = Math.min(...tMany);
    const report = await victim.report();

    figures(
      "50,000 GOAWAYs",
      `${ms(manyMs)} with ${STREAMS} streams open`,
      `${ms(oneMs)} with 1`,
      `longest stall ${ms(report.maxStallMs)}`,
    );
    expect(manyMs).toBeLessThan(MAX_RATIO * oneMs + MAX_EXTRA_MS);
    expect(report.sessionsEnded, "GOAWAY does not end a session").toBe(0);
  });

  it("100,000 SYNs to an application that never accepts: a backlog kept, every other one refused, memory and time bounded", async () => {
    const SYNS = 100_000;
    const BACKLOG = 128;
    const f = await target({ app: "no-accept" });
    // Every SYN needs an id of its own: one buffer holds them all.
    const bytes = encodeMany(SYNS, (i) => frame.syn(3 + 2 * i));
    const started = performance.now();
    await f.attacker.write(bytes, MAX_FLOOD_MS);
    await f.attacker.barrier(MAX_FLOOD_MS);
    const elapsed = performance.now() - started;
    await stillHealthy(f);
    const { growth, stall } = await measured(f);

    const refused = f.attacker.tally.rstCount(Code.AcceptQueueFull);
    figures("100,000 SYNs", `${refused} AcceptQueueFull`, ms(elapsed), `longest stall ${ms(stall)}`, `growth ${mib(growth)}`);
    expect(refused).toBe(SYNS - BACKLOG);
    expect(f.attacker.tally.rst.size).toBe(1);
    expect(growth).toBeLessThan(MAX_GROWTH);
  });

  it("100,000 empty SYN+FIN streams are accepted, answered and forgotten, memory and time bounded", async () => {
    const STREAMS = 100_000;
    const f = await target({ app: "accept-loop" });
    // Every stream needs an id of its own: one buffer holds them all.
    const bytes = encodeMany(STREAMS, (i) => frame.synFin(3 + 2 * i));
    const started = performance.now();
    await f.attacker.write(bytes, MAX_FLOOD_MS);
    await f.attacker.barrier(MAX_FLOOD_MS);
    const report = await f.victim.until("streamsFinished", STREAMS, MAX_FLOOD_MS);
    await f.attacker.until(() => f.attacker.tally.fins >= STREAMS, "a FIN for every stream", MAX_FLOOD_MS);
    const elapsed = performance.now() - started;
    await stillHealthy(f);
    const { growth, stall } = await measured(f);

    figures(
      "100,000 SYN+FIN",
      `${report.accepted} accepted`,
      `${f.attacker.tally.fins} FIN back`,
      ms(elapsed),
      `longest stall ${ms(stall)}`,
      `growth ${mib(growth)}`,
    );
    expect(f.attacker.tally.rst.size, "no stream was refused").toBe(0);
    expect(growth).toBeLessThan(MAX_GROWTH);
  });

  it("1,000,000 WNDINC frames on an open stream and 1,000,000 on unknown streams are absorbed, memory and time bounded", async () => {
    const FRAMES = 1_000_000;
    const f = await target({ app: "accept-loop" });
    await f.attacker.send(frame.syn(3, new Uint8Array([1])));
    await f.victim.until("accepted", 1, 5_000);
    const open = await flood(f.attacker, FRAMES, () => frame.wndInc(3, 1));
    const unknown = await flood(f.attacker, FRAMES, (i) => frame.wndInc(0x10001 + 2 * i, 0x7fffffff));
    await stillHealthy(f);
    const { growth, stall } = await measured(f);

    figures(
      "1,000,000 + 1,000,000 WNDINC",
      `${ms(open)} on an open stream`,
      `${ms(unknown)} on unknown streams`,
      `longest stall ${ms(stall)}`,
      `growth ${mib(growth)}`,
    );
    expect(f.attacker.tally.frames - f.attacker.tally.barriers, "nothing answers a WNDINC").toBe(0);
    expect(growth).toBeLessThan(MAX_GROWTH);
  });

  it("1,000,000 frames of an unknown type are skipped, memory and time bounded", async () => {
    const FRAMES = 1_000_000;
    const f = await target({ app: "accept-loop" });
    const elapsed = await flood(f.attacker, FRAMES, (i) => frame.unknown(0x4 + (i % 12), i % 3, i));
    await stillHealthy(f);
    const { growth, stall } = await measured(f);

    figures("1,000,000 unknown frames", ms(elapsed), `longest stall ${ms(stall)}`, `growth ${mib(growth)}`);
    expect(f.attacker.tally.frames - f.attacker.tally.barriers, "nothing answers an unknown frame").toBe(0);
    expect(growth).toBeLessThan(MAX_GROWTH);
  });

  it("DATA for unknown streams from a peer that never reads the RSTs makes the victim stop reading instead of queueing answers", async () => {
    /**
     * 12 MB of answers: loopback's socket buffers absorb about 5 MB of them (at 400,000 frames the
     * victim never has to stop), so fewer frames would not back the victim up at all.
     */
    const FRAMES = 1_000_000;
    /** Reports in which the victim must be seen holding still. */
    const MAX_REPORTS = 40;
    const f = await target({ app: "accept-loop" });
    f.attacker.stopReading();
    const started = performance.now();
    // Written at once, whatever the socket says: the point is that the victim stops taking it.
    const bytes = encodeMany(FRAMES, (i) => frame.data(0x10001 + 2 * (i % 50_000)));
    f.attacker.socket.write(bytes);
    // The victim stands still once its answers fill the sockets: a report (several turns of its
    // event loop) in which the bytes we have not yet handed to the kernel did not go down.
    let pending = f.attacker.socket.writableLength;
    let stalled: VictimReport | undefined;
    for (let i = 0; i < MAX_REPORTS && pending > 0; i++) {
      const report = await f.victim.report();
      const now = f.attacker.socket.writableLength;
      if (now === pending) {
        stalled = report;
        break;
      }
      pending = now;
    }
    const held = stalled ? stalled.memory.retained - f.before.memory.retained : NaN;
    f.attacker.startReading();
    await f.attacker.barrier(MAX_FLOOD_MS);
    const elapsed = performance.now() - started;
    await stillHealthy(f);
    const { growth } = await measured(f);

    const answered = f.attacker.tally.rstCount(Code.StreamClosed);
    figures(
      "1,000,000 DATA for unknown streams, answers unread",
      `victim stalled with ${mib(pending)} not taken`,
      `growth while stalled ${mib(held)}`,
      `${answered} RST StreamClosed once read`,
      ms(elapsed),
      `growth after ${mib(growth)}`,
    );
    expect(stalled, "the victim stopped reading while its answers were not taken").toBeDefined();
    expect(held).toBeLessThan(MAX_GROWTH);
    expect(answered).toBe(FRAMES);
    expect(growth).toBeLessThan(MAX_GROWTH);
  });

  it("a 16 MiB DATA frame trickled a byte per write is never buffered whole", async () => {
    const LENGTH = 0xffffff;
    const TRICKLE = 3_000;
    /** Nothing of the frame may be kept: its stream is unknown. */
    const MAX_TRICKLE_GROWTH = 2 * MiB;
    const f = await target({ app: "accept-loop" });
    const stream = 0x10001;
    const whole = new Uint8Array(8 + LENGTH);
    whole.set(dataHeader(LENGTH, stream));

    const started = performance.now();
    await f.attacker.trickle(whole.subarray(0, 8 + TRICKLE), MAX_FLOOD_MS);
    const trickled = performance.now() - started;
    const mid = await f.victim.report();
    await f.attacker.write(whole.subarray(8 + TRICKLE), MAX_FLOOD_MS);
    await f.attacker.barrier(MAX_FLOOD_MS);
    await stillHealthy(f);
    const { growth } = await measured(f);

    const midGrowth = mid.memory.retained - f.before.memory.retained;
    figures(
      "16 MiB frame trickled",
      `${TRICKLE + 8} writes of 1 byte in ${ms(trickled)}`,
      `growth mid-frame ${mib(midGrowth)}`,
      `growth after ${mib(growth)}`,
    );
    expect(f.attacker.tally.rstOf.get(stream)).toBe(Code.StreamClosed);
    expect(midGrowth).toBeLessThan(MAX_TRICKLE_GROWTH);
    expect(growth).toBeLessThan(MAX_GROWTH);
  });
});
