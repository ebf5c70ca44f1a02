/** Deno raw: one Deno TCP connection per stream (Deno.connect / Deno.listen), the physical limit for Deno. */
import type { BenchConnection, BenchStream } from "../lib/bench-stream.js";
import { denoConnStream, type DenoConn } from "../lib/deno-conn-stream.js";

declare const Deno: {
  listen(options: { hostname: string; port: number }): AsyncIterable<DenoConn> & { addr: { port: number } };
  connect(options: { hostname: string; port: number }): Promise<DenoConn>;
};

const HOST = "127.0.0.1";

export async function listen(onStream: (stream: BenchStream) => void): Promise<{ port: number }> {
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  void (async () => {
    for await (const conn of listener) onStream(denoConnStream(conn));
  })();
  return { port: listener.addr.port };
}

export async function connect(port: number): Promise<BenchConnection> {
  return {
    // The connect round trip is part of what an operation costs.
    async open() {
      return denoConnStream(await Deno.connect({ hostname: HOST, port }));
    },
    close() {},
  };
}
