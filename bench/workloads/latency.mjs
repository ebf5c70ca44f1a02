/**
 * W5 latency under load: 64-byte ping-pong on stream A, alone and while stream B uploads paced at
 * `rate` bytes/s on the same session (for raw: a second connection). p50/p99 of both phases, their
 * p99 ratio, and the rate B actually reached.
 */
import { decodeCount, MiB, Mode, payload, readAll, RPC_SIZE } from "../lib/app-protocol.mjs";
import { latencySummary } from "../lib/stats.mjs";

const PING = payload(0x70, RPC_SIZE);
/** B's pacing never catches up more than this at once after falling behind. */
const MAX_BURST = 1 * MiB;
const TICK_MS = 1;

/** A ping-pong client on one echo stream. */
async function pinger(conn) {
  const stream = await conn.open();
  let have = 0;
  let waiter = null;
  let failure = null;
  stream.start({
    data(chunk) {
      have += chunk.length;
      if (waiter && have >= RPC_SIZE) {
        have -= RPC_SIZE;
        const w = waiter;
        waiter = null;
        w.resolve();
      }
    },
    end() {
      failure ??= new Error("echo stream ended early");
      waiter?.reject(failure);
    },
    error(err) {
      failure ??= err;
      waiter?.reject(err);
    },
  });
  let first = true;
  const ping = () =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      waiter = { resolve, reject };
      stream.write(first ? payload(Mode.Echo, RPC_SIZE) : PING);
      first = false;
    });
  return {
    async measure(count) {
      const samples = [];
      for (let i = 0; i < count; i++) {
        const t = performance.now();
        await ping();
        samples.push((performance.now() - t) * 1000);
      }
      return samples;
    },
    close() {
      failure = new Error("closed");
      stream.end();
    },
  };
}

/**
 * Stream B: uploads at `rate` bytes/s in `chunk` writes while resumed, quiet while paused.
 * finish() ends it and resolves with the rate reached over the time it was resumed.
 */
async function pacedUpload(conn, rate, chunk) {
  const stream = await conn.open();
  const ack = readAll(stream);
  const first = payload(Mode.Ack, chunk);
  const rest = payload(0x78, chunk);
  let running = false;
  let loop = null;
  let sent = 0;
  let activeMs = 0;
  const pace = async () => {
    const t0 = performance.now();
    let owed = 0;
    let last = t0;
    while (running) {
      const now = performance.now();
      owed = Math.min(MAX_BURST, owed + ((now - last) / 1000) * rate);
      last = now;
      while (owed >= chunk && running) {
        if (!stream.write(sent === 0 ? first : rest)) await stream.drain();
        sent += chunk;
        owed -= chunk;
      }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    activeMs += performance.now() - t0;
  };
  return {
    resume() {
      running = true;
      loop = pace();
    },
    async pause() {
      running = false;
      await loop;
    },
    async finish() {
      await this.pause();
      stream.end();
      const count = decodeCount(await ack);
      if (count !== sent) throw new Error(`server counted ${count} bytes, sent ${sent}`);
      return sent / MiB / (activeMs / 1000);
    },
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The two phases are interleaved in `segments` rounds (idle, then loaded, then idle again, …) on
 * the same session, so that warm-up, heap growth and the machine's slow spells fall on both alike.
 * After each switch `settleMs` pass before measuring: B reaches its pace, or its last bytes drain.
 */
export async function run(conn, { pings, warmup, segments, rate, chunk, settleMs }) {
  const a = await pinger(conn);
  const b = await pacedUpload(conn, rate, chunk);
  await a.measure(warmup);
  const idle = [];
  const loaded = [];
  const per = Math.ceil(pings / segments);
  for (let i = 0; i < segments; i++) {
    idle.push(...(await a.measure(per)));
    b.resume();
    await sleep(settleMs);
    loaded.push(...(await a.measure(per)));
    await b.pause();
    await sleep(settleMs);
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
