/**
 * A streamux program that behaves as main.go does, for running client.ts without a Go toolchain:
 * a server with typed streams, the same window size, the heartbeat, a stream opened to each client
 * as it connects, and the same answers on ECHO and HASH streams.
 *
 *   npm run example examples/go/stand-in.ts [host:port]      (default 127.0.0.1:7000)
 */
import { createHash } from "node:crypto";
import type { MuxStream, Session } from "streamux";
import { listen } from "streamux/node";
import { ECHO, HASH, HELLO, SESSION_OPTIONS, parseAddress } from "./protocol.js";

const { host, port } = parseAddress(process.argv[2]);
// heartbeat: as Go's hb.Start(), with muxado's defaults (a beat every 10 s, 15 s of tolerance).
const server = await listen({ host, port, ...SESSION_OPTIONS, heartbeat: { interval: 10_000, tolerance: 15_000 } });
console.log(`listening on ${host}:${server.address().port}`);

for await (const session of server) void serveSession(session);

async function serveSession(session: Session): Promise<void> {
  console.log("session started");
  void sayHello(session);
  for await (const stream of session) void handle(stream).catch(() => stream.reset());
  const closed = await session.closed;
  console.log(`session ended: code ${closed.code} (${closed.reason}), clean: ${closed.clean}`);
}

async function sayHello(session: Session): Promise<void> {
  const stream = await session.open({ type: HELLO });
  await stream.write(new TextEncoder().encode("hello from Go's muxado"));
  await stream.close();
}

/** Go's handle(): answer by type, then close (half-close and forget), as Go's deferred Close() does. */
async function handle(stream: MuxStream): Promise<void> {
  if (stream.type === ECHO) {
    for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) await stream.write(chunk);
  } else if (stream.type === HASH) {
    const sum = createHash("sha256");
    let bytes = 0;
    for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) {
      sum.update(chunk);
      bytes += chunk.length;
    }
    await stream.write(new TextEncoder().encode(`${sum.digest("hex")} ${bytes}`));
  }
  await stream.close();
}
