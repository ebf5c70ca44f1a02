/**
 * W5 latency under load: 64-byte ping-pong on stream A, alone and while stream B uploads on the
 * same session (for raw: a second connection). B is paced at `rate` bytes/s, or with `rate` 0
 * uploads as fast as backpressure lets it (saturating). A is opened with `order` as its sendOrder
 * (B keeps the default 0): W5o gives A the higher one. p50/p99 of both phases, their p99 ratio,
 * and the rate B reached.
 */
import type { BenchConnection } from "../lib/bench-stream.js";
import { decodeCount, MiB, Mode, payload, readAll, RPC_SIZE } from "../lib/app-protocol.js";
import { latencySummary } from "../lib/stats.js";
import { echoer } from "./echoer.js";
import type { Metrics } from "./workload.js";

export interface LatencyParams {
  pings: number;
  warmup: number;
  segments: number;
  /** A segment ends after its share of the pings or this long, whichever first (a loaded ping may take milliseconds). */
  segmentMs: number;
  /** B's pace in bytes/s; 0: as fast as it can. */
  rate: number;
  chunk: number;
  /** A's sendOrder (B's is 0). */
  order: number;
}

/** B's pacing never catches up more than this at once after falling behind. */
const MAX_BURST = 1 * MiB;
/** The pacing timer's period. */
const TICK_MS = 1;

/**
 * Stream B: uploads in `chunk` writes while resumed, quiet while paused. resume() resolves once B
 * has put a few chunks on the wire (it is loading the connection); finish() ends it and resolves
 * with the rate reached over the time it was resumed.
 */
async function upload(conn: BenchConnection, rate: number, chunk: number) {
  const stream = await conn.open();
  const ack = readAll(stream);
  const first = payload(Mode.Ack, chunk);
  const rest = payload(0x78, chunk);
  let running = false;
  let loop: Promise<void> = Promise.resolve();
  let sent = 0;
  let activeMs = 0;
  let loaded: (() => void) | null = null;
  const write = async () => {
    if (!stream.write(sent === 0 ? first : rest)) await stream.drain();
    sent += chunk;
    if (loaded && sent >= loadedAt) {
      loaded();
      loaded = null;
    }
  };
  let loadedAt = 0;
  const pace = async () => {
    const t0 = performance.now();
    if (rate === 0) {
      while (running) await write();
    } else {
      let owed = 0;
      let last = t0;
      while (running) {
        const now = performance.now();
        owed = Math.min(MAX_BURST, owed + ((now - last) / 1000) * rate);
        last = now;
        while (owed >= chunk && running) {
          await write();
          owed -= chunk;
        }
        await new Promise((r) => setTimeout(r, TICK_MS));
      }
    }
    activeMs += performance.now() - t0;
  };
  return {
    resume(): Promise<void> {
      running = true;
      loadedAt = sent + 4 * chunk;
      const isLoaded = new Promise<void>((resolve) => (loaded = resolve));
      loop = pace();
      return isLoaded;
    },
    async pause(): Promise<void> {
      running = false;
      await loop;
    },
    async finish(): Promise<number> {
      await this.pause();
      stream.end();
      const count = decodeCount(await ack);
      if (count !== sent) throw new Error(`server counted ${count} bytes, sent ${sent}`);
      return sent / MiB / (activeMs / 1000);
    },
  };
}

/**
 * The two phases are interleaved in `segments` rounds (idle, then loaded, then idle again, …) on
 * the same session, so that warm-up, heap growth and the machine's slow spells fall on both alike.
 * A loaded phase starts once B has a few chunks on the wire; an idle one once B has stopped and a
 * ping has come back after its last write (on a multiplexer that ping travelled behind B's bytes).
 */
export async function run(conn: BenchConnection, p: LatencyParams): Promise<Metrics> {
  const a = await echoer(conn, RPC_SIZE, { sendOrder: p.order });
  const b = await upload(conn, p.rate, p.chunk);
  await a.measure(p.warmup, p.segmentMs);
  const idle: number[] = [];
  const loaded: number[] = [];
  const per = Math.ceil(p.pings / p.segments);
  for (let i = 0; i < p.segments; i++) {
    idle.push(...(await a.measure(per, p.segmentMs)));
    await b.resume();
    loaded.push(...(await a.measure(per, p.segmentMs)));
    await b.pause();
    await a.roundTrip();
  }
  const loadMiBps = await b.finish();
  a.close();
  const i = latencySummary(idle);
  const l = latencySummary(loaded);
  return {
    idleP50: i.p50,
    idleP99: i.p99,
    loadedP50: l.p50,
    loadedP99: l.p99,
    p99Ratio: l.p99 / i.p99,
    loadMiBps,
  };
}
