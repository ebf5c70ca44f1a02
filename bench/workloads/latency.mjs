/**
 * W5 latency under load: 64-byte ping-pong on stream A, first alone, then while stream B uploads
 * paced at `rate` bytes/s on the same session (for raw: a second connection). p50/p99 of both
 * phases, their p99 ratio, and the rate B actually reached.
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

/** Stream B: uploads at `rate` bytes/s in `chunk` writes until stop(); resolves with the rate reached. */
async function pacedUpload(conn, rate, chunk) {
  const stream = await conn.open();
  const ack = readAll(stream);
  const first = payload(Mode.Ack, chunk);
  const rest = payload(0x78, chunk);
  let stopped = false;
  let sent = 0;
  const t0 = performance.now();
  const loop = (async () => {
    let owed = 0;
    let last = t0;
    while (!stopped) {
      const now = performance.now();
      owed = Math.min(MAX_BURST, owed + ((now - last) / 1000) * rate);
      last = now;
      while (owed >= chunk && !stopped) {
        if (!stream.write(sent === 0 ? first : rest)) await stream.drain();
        sent += chunk;
        owed -= chunk;
      }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      const seconds = (performance.now() - t0) / 1000;
      stream.end();
      const count = decodeCount(await ack);
      if (count !== sent) throw new Error(`server counted ${count} bytes, sent ${sent}`);
      return sent / MiB / seconds;
    },
    get started() {
      return sent > 0;
    },
  };
}

export async function run(conn, { pings, warmup, rate, chunk, settleMs }) {
  const a = await pinger(conn);
  await a.measure(warmup);
  const idle = latencySummary(await a.measure(pings));

  const b = await pacedUpload(conn, rate, chunk);
  // Let B reach its pace (and the windows open) before measuring under it.
  await new Promise((r) => setTimeout(r, settleMs));
  const loaded = latencySummary(await a.measure(pings));
  const loadMiBps = await b.stop();
  a.close();
  return {
    idleP50: idle.p50,
    idleP99: idle.p99,
    loadedP50: loaded.p50,
    loadedP99: loaded.p99,
    p99Ratio: loaded.p99 / idle.p99,
    loadMiBps,
  };
}
