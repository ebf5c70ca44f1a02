import { describe, expect, it, onTestFinished } from "vitest";
import { dial } from "../../src/adapters/node.js";
import { isMuxError, type MuxStream, type Session } from "../../src/index.js";
import { Attacker, Code, encodeMany, figures, frame, kib, MiB, ms, within } from "./attacker.js";
import { startVictim } from "./victim-client.js";

// New streams beyond what the application takes: a busy application that does accept gets every
// stream, one that stopped accepting has the overflow refused, quickly, with AcceptQueueFull.

const DEFAULT_BACKLOG = 128;
const encoder = new TextEncoder();

/** A real streamux client on 127.0.0.1, closed when the test finishes. */
async function client(port: number): Promise<Session> {
  const session = await within(dial({ host: "127.0.0.1", port }), "dial", 5_000);
  onTestFinished(async () => {
    await within(session.close(), "the client session to close", 5_000);
  });
  return session;
}

/** The error code a promise rejected with, or "ok". */
async function outcome(p: Promise<unknown>): Promise<number | "ok" | string> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return isMuxError(err) ? err.code : String(err);
  }
}

function countBy<T>(values: T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

/** Opens `count` streams at once, each writing a few bytes and half-closing, then reading to the victim's FIN. */
async function burst(session: Session, count: number): Promise<{ writes: Map<number | "ok" | string, number>; ms: number }> {
  const started = performance.now();
  const payload = encoder.encode("hey");
  const results = await within(
    Promise.all(
      Array.from({ length: count }, async () => {
        const stream = await session.open();
        const wrote = await outcome(stream.write(payload).then(() => stream.closeWrite()));
        if (wrote !== "ok") return wrote;
        // The victim half-closes once it has read everything: the stream was accepted.
        return outcome(
          stream.read().then((chunk) => {
            if (chunk !== null) throw new Error("the victim sent data");
          }),
        );
      }),
    ),
    `${count} streams to be accepted and answered`,
    30_000,
  );
  return { writes: countBy(results), ms: performance.now() - started };
}

describe("hostile peer: admission", () => {
  it("a burst of 5,000 SYNs against an application that stopped accepting is refused with AcceptQueueFull only, never StreamRefused", async () => {
    const SYNS = 5_000;
    const ACCEPTED = 128;
    /** Stream objects for the 256 streams kept, plus noise. */
    const MAX_GROWTH = 8 * MiB;

    const victim = await startVictim({ behaviour: { app: "accept-then-stop", limit: ACCEPTED } });
    const attacker = await Attacker.connect(victim.port);
    await attacker.barrier();
    const before = await victim.report();

    const started = performance.now();
    await attacker.write(encodeMany(SYNS, (i) => frame.syn(3 + 2 * i)));
    await attacker.barrier(10_000);
    const elapsed = performance.now() - started;
    const after = await victim.report();

    const full = attacker.tally.rstCount(Code.AcceptQueueFull);
    const g = after.memory.retained - before.memory.retained;
    figures(
      "5,000 SYNs, application stopped accepting",
      `${after.accepted} accepted`,
      `${full} AcceptQueueFull`,
      `${attacker.tally.rstCount(Code.StreamRefused)} StreamRefused`,
      `barrier after ${ms(elapsed)}`,
      `longest stall ${ms(after.maxStallMs)}`,
      `growth ${kib(g)}`,
    );
    expect(after.accepted).toBe(ACCEPTED);
    // The application took 128; the accept queue holds a backlog's worth; every other one is refused.
    expect(full).toBe(SYNS - ACCEPTED - DEFAULT_BACKLOG);
    expect([...attacker.tally.rst.keys()]).toEqual([Code.AcceptQueueFull]);
    expect(g).toBeLessThan(MAX_GROWTH);
  });

  it("10,000 streams opened at once by a real client are all accepted by a busy accept loop, none refused and no write rejected", async () => {
    const STREAMS = 10_000;
    const victim = await startVictim({ behaviour: { app: "accept-loop" } });
    const session = await client(victim.port);

    const { writes, ms: elapsed } = await burst(session, STREAMS);
    const report = await victim.report();
    figures("10,000 streams at once", `${report.accepted} accepted`, `outcomes ${JSON.stringify([...writes])}`, `${ms(elapsed)}`);
    expect([...writes]).toEqual([["ok", STREAMS]]);
    // Every stream got the victim's FIN, which it sends once it has read the stream to its end.
    expect(report.accepted).toBe(STREAMS);
    expect(report.streamsFinished).toBe(STREAMS);
    expect(report.streamErrorCount).toBe(0);
  });

  it("5,000 streams opened at once are all accepted with an accept backlog of 1,024", async () => {
    const STREAMS = 5_000;
    const victim = await startVictim({ behaviour: { app: "accept-loop" }, options: { acceptBacklog: 1024 } });
    const session = await client(victim.port);

    const { writes, ms: elapsed } = await burst(session, STREAMS);
    const report = await victim.report();
    figures("5,000 streams, backlog 1,024", `${report.accepted} accepted`, `outcomes ${JSON.stringify([...writes])}`, `${ms(elapsed)}`);
    expect([...writes]).toEqual([["ok", STREAMS]]);
    expect(report.accepted).toBe(STREAMS);
    expect(report.streamsFinished).toBe(STREAMS);
  });

  it("an application that never accepts has streams beyond its backlog of 16 fail with AcceptQueueFull within 1 s, while its own stream keeps exchanging data", async () => {
    const BACKLOG = 16;
    const STREAMS = 200;
    /** Refusals come after one 20 ms grace; a second is generous on a busy machine. */
    const MAX_REFUSAL_MS = 1_000;

    const victim = await startVictim({ behaviour: { app: "no-accept", echoStream: true }, options: { acceptBacklog: BACKLOG } });
    const session = await client(victim.port);
    const echo = await within(session.accept(), "the victim's own stream", 5_000);
    expect(new TextDecoder().decode((await within(echo.read(), "hello", 5_000))!)).toBe("hello");
    let exchanged = 0;
    const roundTrip = async (text: string) => {
      await echo.write(encoder.encode(text));
      let got = "";
      while (got.length < text.length) got += new TextDecoder().decode((await within(echo.read(), `the echo of "${text}"`, 5_000))!);
      expect(got).toBe(text);
      exchanged++;
    };

    const started = performance.now();
    let lastRefusal = 0;
    const streams: MuxStream[] = [];
    const outcomes = new Map<number | string, number>();
    const settled: Promise<void>[] = [];
    for (let i = 0; i < STREAMS; i++) {
      const stream = await session.open();
      streams.push(stream);
      void stream.write(encoder.encode("hey")).catch(() => {});
      settled.push(
        stream.read().then(
          () => void outcomes.set("data", (outcomes.get("data") ?? 0) + 1),
          (err: unknown) => {
            const key = isMuxError(err) ? err.code : String(err);
            outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
            if (key === Code.AcceptQueueFull) lastRefusal = performance.now();
          },
        ),
      );
    }
    // Data on the victim's own stream, sent after the burst: its echo means the victim has decoded
    // every SYN before it, and the RSTs it answered them with went out before the echo.
    await roundTrip("during the burst");
    const refused = outcomes.get(Code.AcceptQueueFull) ?? 0;
    await roundTrip("after the burst");

    figures(
      "never accepting, backlog 16",
      `${STREAMS} streams`,
      `${refused} AcceptQueueFull`,
      `last refusal after ${ms(lastRefusal - started)}`,
      `${exchanged} echo round trips meanwhile`,
    );
    expect(refused).toBe(STREAMS - BACKLOG);
    expect([...outcomes.keys()]).toEqual([Code.AcceptQueueFull]);
    expect(lastRefusal - started).toBeLessThan(MAX_REFUSAL_MS);
    // The streams in the backlog wait for an accept() that never comes: they get nothing.
    for (const s of streams.slice(0, BACKLOG)) s.reset();
    await within(Promise.all(settled), "the queued streams' reads to end after their reset", 5_000);
  });
});
