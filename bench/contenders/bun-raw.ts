/** Bun raw: one Bun TCP socket per stream (Bun.connect / Bun.listen), the physical limit for Bun. */
import type { BenchConnection, BenchStream } from "../lib/bench-stream.js";
import { bunHandlers, bunSocketStream, type BunHandlers, type BunSocket } from "../lib/bun-socket-stream.js";

declare const Bun: {
  listen(options: { hostname: string; port: number; allowHalfOpen: boolean; socket: BunHandlers }): { port: number };
  connect(options: { hostname: string; port: number; allowHalfOpen: boolean; socket: BunHandlers }): Promise<BunSocket>;
};

const HOST = "127.0.0.1";

export async function listen(onStream: (stream: BenchStream) => void): Promise<{ port: number }> {
  const listener = Bun.listen({
    hostname: HOST,
    port: 0,
    allowHalfOpen: true,
    socket: {
      ...bunHandlers,
      open(socket) {
        onStream(bunSocketStream(socket));
      },
    },
  });
  return { port: listener.port };
}

export async function connect(port: number): Promise<BenchConnection> {
  return {
    // The connect round trip is part of what an operation costs.
    async open() {
      return bunSocketStream(await Bun.connect({ hostname: HOST, port, allowHalfOpen: true, socket: bunHandlers }));
    },
    close() {},
  };
}
