/** streamux in Deno: streamux/deno's dial() and listen() over Deno's TCP, from the built package. */
import { dial, listen as listenMux } from "streamux/deno";
import type { BenchConnection, BenchStream, ContenderOptions } from "../lib/bench-stream.js";
import { acceptAll, benchStream, sessionConnection, SESSION_OPTIONS } from "./streamux-options.js";

const HOST = "127.0.0.1";

export async function listen(onStream: (stream: BenchStream) => void, options: ContenderOptions): Promise<{ port: number }> {
  const wrap = benchStream(options);
  const server = await listenMux({ host: HOST, port: 0, ...SESSION_OPTIONS });
  void (async () => {
    for await (const session of server) void acceptAll(session, (stream) => onStream(wrap(stream)));
  })();
  return { port: server.address().port };
}

export async function connect(port: number, options: ContenderOptions): Promise<BenchConnection> {
  return sessionConnection(await dial({ host: HOST, port, ...SESSION_OPTIONS }), options);
}
