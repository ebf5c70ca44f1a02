/**
 * Round trips on one echo stream kept open: send `size` bytes, wait until as many came back. The
 * ping-pong of W5, the kept-connection request/response of W2 and W3, the sequential echoes of W7.
 */
import type { BenchConnection, OpenOptions } from "../lib/bench-stream.js";
import { Mode, payload } from "../lib/app-protocol.js";

export interface Echoer {
  /** One round trip of `size` bytes (the first carries the mode byte). */
  roundTrip(): Promise<void>;
  /** Up to `count` round trips back to back, for at most `maxMs`; their latencies in µs. */
  measure(count: number, maxMs?: number): Promise<number[]>;
  close(): void;
}

export async function echoer(conn: BenchConnection, size: number, options?: OpenOptions): Promise<Echoer> {
  const stream = await conn.open(options);
  const first = payload(Mode.Echo, size);
  const rest = payload(0x70, size);
  let have = 0;
  let waiter: { resolve(): void; reject(err: unknown): void } | null = null;
  let failure: unknown = null;
  stream.start({
    data(chunk) {
      have += chunk.length;
      if (waiter && have >= size) {
        have -= size;
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
  let sent = false;
  const roundTrip = () =>
    new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      waiter = { resolve, reject };
      stream.write(sent ? rest : first);
      sent = true;
    });
  return {
    roundTrip,
    async measure(count, maxMs = Infinity) {
      const samples: number[] = [];
      const deadline = performance.now() + maxMs;
      for (let i = 0; i < count && performance.now() < deadline; i++) {
        const t = performance.now();
        await roundTrip();
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
