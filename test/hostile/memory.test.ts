import { describe, expect, it } from "vitest";
import { Flag } from "../../src/frame/index.js";
import { Attacker, Code, dataHeader, encode, figures, frame, KiB, kib, mib, MiB } from "./attacker.js";
import type { VictimReport } from "./messages.js";
import { startVictim, type Victim } from "./victim-client.js";

// What a peer can make the victim hold in memory: received bytes at a cost near their size
// whatever the framing, a session-wide bound on buffered bytes, no answers queued without limit,
// and little for a session that does nothing.

/** muxado's window, the victim's default. */
const WINDOW = 256 * KiB;

const growth = (before: VictimReport, after: VictimReport) => after.memory.retained - before.memory.retained;

/** Sends one full-window DATA frame (SYN on the first) on each stream, the payload shared. */
async function fillStreams(attacker: Attacker, ids: number[], payload: Uint8Array): Promise<void> {
  for (const id of ids) {
    await attacker.write(dataHeader(payload.length, id, Flag.SYN));
    await attacker.write(payload, 10_000);
  }
}

/** A victim that accepts and never reads, with stream 3 open from the attacker; memory measured then. */
async function oneAcceptedStream() {
  const victim = await startVictim({ behaviour: { app: "accept-no-read" } });
  const attacker = await Attacker.connect(victim.port);
  await attacker.send(frame.syn(3));
  await victim.until("accepted", 1, 5_000);
  await attacker.barrier();
  return { victim, attacker, before: await victim.report() };
}

describe("hostile peer: memory", () => {
  it("1-byte DATA frames cut from 64 KiB transport chunks do not pin the chunks", async () => {
    /** 2,000 buffered bytes, each arriving in its own ~64 KiB read (kept as views: ~124 MiB). */
    const FRAMES = 2_000;
    /** Generous: 2,000 copied bytes plus blocks, stream objects and GC noise stay far below this. */
    const MAX_GROWTH = 8 * MiB;

    const { victim, attacker, before } = await oneAcceptedStream();

    const block = encode([frame.data(3, new Uint8Array([0x61])), frame.unknown(0x5, 64 * KiB)]);
    await attacker.flood(block, FRAMES, 30_000);
    await attacker.barrier(10_000);
    const after = await victim.report();

    const g = growth(before, after);
    figures(
      "1-byte frames in 64 KiB chunks",
      `${FRAMES} B buffered from ${mib(FRAMES * block.length)} sent`,
      `growth ${mib(g)}`,
      `${Math.round(Math.max(0, g) / FRAMES)} B held per buffered byte`,
    );
    expect(attacker.tally.rstOf.get(3), "the stream was not reset").toBeUndefined();
    expect(g).toBeLessThan(MAX_GROWTH);
  });

  it("a window filled with small DATA frames between padding costs less than twice its size", async () => {
    /** Padding between data frames, so each transport chunk holds little data (kept as views: every chunk). */
    const PADDING = 4 * KiB;
    /** Held memory may be up to twice the bytes buffered (blocks, packing slack) … */
    const MAX_RATIO = 2;
    /** … plus this much for stream objects and measurement noise. */
    const SLACK = 1 * MiB;

    const { victim, attacker, before } = await oneAcceptedStream();

    // Sizes 1..500 bytes in a fixed scramble, exactly one window in all.
    const frames = [];
    let buffered = 0;
    for (let i = 0; buffered < WINDOW; i++) {
      const size = Math.min(((i * 37) % 500) + 1, WINDOW - buffered);
      frames.push(frame.data(3, new Uint8Array(size).fill(i & 0xff)), frame.unknown(0x6, PADDING));
      buffered += size;
    }
    const bytes = encode(frames);
    await attacker.write(bytes, 10_000);
    await attacker.barrier(10_000);
    const after = await victim.report();

    const g = growth(before, after);
    figures(
      "small frames filling a window",
      `${kib(buffered)} buffered in ${frames.length / 2} frames from ${mib(bytes.length)} sent`,
      `growth ${kib(g)}`,
      `ratio ${(g / buffered).toFixed(2)}`,
    );
    expect(attacker.tally.rstOf.get(3), "the stream was not reset").toBeUndefined();
    expect(g).toBeLessThan(MAX_RATIO * buffered + SLACK);
  });

  it("full windows on 512 streams stay within the 64 MiB receive budget; streams past it are reset with EnhanceYourCalm", async () => {
    const STREAMS = 512;
    const BUDGET = 64 * MiB;
    /**
     * Stream objects, chunks kept whole for pieces at frame edges, GC noise, and the transport
     * chunk that each reset stream's error still references through its stack trace while the
     * application holds the stream (~64 KiB for each of the ~270 streams reset: ~17 MiB). Still
     * far below the 128 MiB and more a session without a budget keeps.
     */
    const SLACK = 32 * MiB;

    const victim = await startVictim({ behaviour: { app: "accept-no-read" } });
    const attacker = await Attacker.connect(victim.port);
    await attacker.barrier();
    const before = await victim.report();

    const payload = new Uint8Array(WINDOW).fill(0x62);
    const ids = Array.from({ length: STREAMS }, (_, i) => 3 + 2 * i);
    await fillStreams(attacker, ids, payload);
    await attacker.barrier(20_000);
    const after = await victim.report();

    const g = growth(before, after);
    const calm = attacker.tally.rstCount(Code.EnhanceYourCalm);
    figures(
      "512 full windows",
      `${mib(STREAMS * WINDOW)} offered`,
      `growth ${mib(g)}`,
      `${calm} streams reset with EnhanceYourCalm`,
      `${after.accepted} accepted`,
    );
    expect(calm).toBeGreaterThan(0);
    expect(g).toBeLessThan(BUDGET + SLACK);
  });

  it("large frames sharing transport chunks with a stream that is read keep those chunks alive only within the receive budget", async () => {
    /**
     * Each 64 KiB block the attacker writes is an 8 KiB frame for one of 64 streams the victim
     * never reads and a 56 KiB frame for stream 3, which it reads at once. The 8 KiB payloads are
     * worth keeping as views of their (mostly large-payload) chunks, but each then keeps a whole
     * chunk alive: 32 blocks per stream would pin 64 × 32 × 64 KiB = 128 MiB for 16 MiB of data.
     */
    const BUDGET = 32 * MiB;
    /** Stream objects, GC noise, a chunk per stream at frame edges. */
    const SLACK = 16 * MiB;
    const UNREAD = 64;
    const ROUNDS = 32;
    const SMALL = 8 * KiB;
    const LARGE = 56 * KiB;

    const victim = await startVictim({ behaviour: { app: "read-low-ids", below: 5 }, options: { receiveBudget: BUDGET } });
    const attacker = await Attacker.connect(victim.port);
    const unread = Array.from({ length: UNREAD }, (_, i) => 5 + 2 * i);
    await attacker.send(frame.syn(3), ...unread.map((id) => frame.syn(id)));
    await victim.until("accepted", UNREAD + 1, 5_000);
    await attacker.barrier();
    const before = await victim.report();

    const small = new Uint8Array(SMALL).fill(0x73);
    const large = new Uint8Array(LARGE).fill(0x6c);
    let sent = 0;
    const credit = () => WINDOW + (attacker.tally.wndInc.get(3) ?? 0) - sent;
    for (let round = 0; round < ROUNDS; round++) {
      for (const id of unread) {
        if (credit() < LARGE) await attacker.until(() => credit() >= LARGE, `credit for stream 3 after ${mib(sent)}`);
        await attacker.write(encode([frame.data(id, small), frame.data(3, large)]), 10_000);
        sent += LARGE;
      }
    }
    await victim.until("bytesRead", sent, 20_000);
    await attacker.barrier(10_000);
    const after = await victim.report();

    const g = growth(before, after);
    figures(
      "8 KiB frames beside 56 KiB frames that are read",
      `${mib(UNREAD * ROUNDS * SMALL)} buffered, ${mib(sent)} read`,
      `growth ${mib(g)}`,
      `${attacker.tally.rstCount(Code.EnhanceYourCalm)} streams reset with EnhanceYourCalm`,
    );
    expect(after.bytesRead).toBe(sent);
    expect(g).toBeLessThan(BUDGET + SLACK);
  });

  it("with an 8 MiB receive budget, new streams past it are refused with EnhanceYourCalm", async () => {
    const BUDGET = 8 * MiB;
    /** Full windows first (6 MiB), then bare SYNs until the budget's stream charges run out. */
    const FULL_STREAMS = 24;
    const BARE_SYNS = 2_000;
    const SLACK = 8 * MiB;

    const victim = await startVictim({ behaviour: { app: "accept-no-read" }, options: { receiveBudget: BUDGET } });
    const attacker = await Attacker.connect(victim.port);
    await attacker.barrier();
    const before = await victim.report();

    const full = Array.from({ length: FULL_STREAMS }, (_, i) => 3 + 2 * i);
    await fillStreams(attacker, full, new Uint8Array(WINDOW).fill(0x63));
    const bare = Array.from({ length: BARE_SYNS }, (_, i) => 3 + 2 * (FULL_STREAMS + i));
    await attacker.write(encode(bare.map((id) => frame.syn(id))));
    await attacker.barrier(10_000);
    const after = await victim.report();

    const refused = bare.filter((id) => attacker.tally.rstOf.get(id) === Code.EnhanceYourCalm).length;
    const g = growth(before, after);
    figures(
      "8 MiB budget",
      `${FULL_STREAMS} full windows then ${BARE_SYNS} bare SYNs`,
      `${refused} SYNs refused with EnhanceYourCalm`,
      `${after.accepted} accepted`,
      `growth ${mib(g)}`,
    );
    expect(refused).toBeGreaterThan(0);
    // Every refusal of a bare SYN was EnhanceYourCalm, and nothing else was sent to them.
    expect(bare.filter((id) => attacker.tally.rstOf.has(id)).length).toBe(refused);
    expect(g).toBeLessThan(BUDGET + SLACK);
  });

  it("a heartbeat peer that never takes the answers gets no more than about three windows of credit", async () => {
    /** Initial window + the answers the responder can send on its own credit + one read in hand. */
    const MAX_SENT = 3 * WINDOW + 64 * KiB;
    const MAX_GROWTH = 8 * MiB;
    /** Rounds of "send all credit, wait for the victim": a responder that reads on regardless grants without end. */
    const MAX_ROUNDS = 40;
    const IDS = new Uint8Array(16 * KiB).map((_, i) => i * 7);

    const victim = await startVictim({ behaviour: { app: "typed" } });
    const attacker = await Attacker.connect(victim.port);
    await attacker.barrier();
    const before = await victim.report();

    // The heartbeat stream: its SYN frame carries the 4 type bytes, which count against the window.
    await attacker.send(frame.syn(3, new Uint8Array([0xff, 0xff, 0xff, 0xff])));
    let sent = 0;
    const credit = () => WINDOW - 4 + (attacker.tally.wndInc.get(3) ?? 0) - sent;
    let rounds = 0;
    let stoppedGranting = false;
    for (; rounds < MAX_ROUNDS && sent <= MAX_SENT; rounds++) {
      let c = credit();
      if (c < 4) {
        // Out of credit: make sure the victim has done all it will do with what it has, then look
        // again. A barrier, a report (several turns of the victim's event loop) and another
        // barrier bring any WNDINC it sent meanwhile.
        await attacker.barrier();
        await victim.report();
        await attacker.barrier();
        c = credit();
        if (c < 4) {
          stoppedGranting = true;
          break;
        }
      }
      while (c >= 4) {
        const n = Math.min(IDS.length, c - (c % 4));
        await attacker.send(frame.data(3, IDS.subarray(0, n)));
        sent += n;
        c -= n;
      }
    }
    await attacker.barrier();
    const after = await victim.report();

    const g = growth(before, after);
    figures(
      "heartbeat answers never read",
      `${kib(sent)} of ids sent (${(sent / WINDOW).toFixed(2)} windows) in ${rounds} rounds`,
      `${kib(attacker.tally.dataBytes.get(3) ?? 0)} answered`,
      `growth ${mib(g)}`,
    );
    expect(attacker.tally.rstOf.get(3), "the heartbeat stream was not reset").toBeUndefined();
    expect(sent).toBeLessThanOrEqual(MAX_SENT);
    expect(stoppedGranting, "the victim stopped granting credit").toBe(true);
    expect(g).toBeLessThan(MAX_GROWTH);
  });

  it("an idle session costs less than 8 KiB more than an idle plain TCP connection", async () => {
    const CONNECTIONS = 1_000;
    /** Per connection, heap + external after GC (with a 64 KiB output slab each: ~70 KiB). */
    const MAX_EXTRA = 8 * KiB;

    const cost = async (victim: Victim, counter: "sessions" | "connections") => {
      const before = await victim.report();
      await Attacker.idle(victim.port, CONNECTIONS);
      await victim.until(counter, CONNECTIONS, 10_000);
      return growth(before, await victim.report()) / CONNECTIONS;
    };
    const [mux, plain] = await Promise.all([
      startVictim({ behaviour: { app: "accept-loop" } }),
      startVictim({ behaviour: { app: "net-hold" } }),
    ]);
    const perPlain = await cost(plain, "connections");
    const perSession = await cost(mux, "sessions");

    figures(
      "idle sessions",
      `${CONNECTIONS} connections`,
      `${kib(perSession)} per streamux session`,
      `${kib(perPlain)} per plain connection`,
      `difference ${kib(perSession - perPlain)}`,
    );
    expect(perSession - perPlain).toBeLessThan(MAX_EXTRA);
  });

  it("a peer that grants credit and never reads stalls the application's 1 GiB write at little memory", async () => {
    const TOTAL = 1024 * MiB;
    /** What may pile up in the victim: a chunk in flight, the socket's user-space buffer, slabs. */
    const MAX_GROWTH = 16 * MiB;
    /** Reports in which the write must be seen to stand still. */
    const MAX_REPORTS = 40;

    const victim = await startVictim({ behaviour: { app: "write-1gib", total: TOTAL } });
    const attacker = await Attacker.connect(victim.port);
    await attacker.barrier();
    const before = await victim.report();

    attacker.stopReading();
    await attacker.send(frame.syn(3), frame.wndInc(3, 0x7fffffff));
    await victim.until("accepted", 1, 5_000);
    // The write loop stands still once the socket's buffers are full: a report (several turns of
    // the victim's event loop) in which it wrote nothing, with a write waiting.
    let last = -1;
    let report = await victim.report();
    for (let i = 0; i < MAX_REPORTS && !(report.writePending && report.bytesWritten === last); i++) {
      last = report.bytesWritten;
      report = await victim.report();
    }
    const g = growth(before, report);
    figures("1 GiB write to a peer that never reads", `stalled after ${mib(report.bytesWritten)} written`, `growth ${mib(g)}`);
    expect(report.writePending, "a write waits").toBe(true);
    expect(report.bytesWritten, "the write loop stood still").toBe(last);
    expect(report.bytesWritten).toBeLessThan(TOTAL / 16);
    expect(g).toBeLessThan(MAX_GROWTH);
  });
});
