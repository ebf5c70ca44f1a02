/**
 * The JavaScript side of talking to a Go program that uses golang.ngrok.com/muxado/v2 (main.go):
 * dial with the same session settings, accept the stream Go opens, call it on typed streams, ping
 * its heartbeat, close.
 *
 *   cd examples/go && go run . 127.0.0.1:7000                          (the Go side), or without Go:
 *   npm run example examples/go/stand-in.ts 127.0.0.1:7000             (a streamux stand-in)
 *   npm run example examples/go/client.ts 127.0.0.1:7000
 */
import { createHash, randomBytes } from "node:crypto";
import type { MuxStream, Session } from "streamux";
import { dial } from "streamux/node";
import { ECHO, HASH, SESSION_OPTIONS, WINDOW_SIZE, parseAddress } from "./protocol.js";

/** Every call that waits on the Go side gives up after this long. */
const DEADLINE_MS = 10_000;
const decoder = new TextDecoder();

/** Reads a stream to its end; past the deadline the read rejects with a TimeoutError. */
async function readAll(stream: MuxStream, signal: AbortSignal): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for (let chunk = await stream.read({ signal }); chunk !== null; chunk = await stream.read({ signal })) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** One call: a stream of `type`, the request, a half-close, and everything Go answers. */
async function call(session: Session, type: number, request: Uint8Array): Promise<Buffer> {
  const signal = AbortSignal.timeout(DEADLINE_MS);
  const stream = await session.open({ type, signal });
  // Written while the answer is read: an echo larger than the windows needs both under way.
  const sending = (async () => {
    for (let at = 0; at < request.length; at += 64 * 1024) await stream.write(request.subarray(at, at + 64 * 1024), { signal });
    await stream.closeWrite();
  })();
  const [answer] = await Promise.all([readAll(stream, signal), sending]);
  return answer;
}

const { host, port } = parseAddress(process.argv[2]);
const session = await dial({ host, port, ...SESSION_OPTIONS });
console.log(`connected to ${host}:${port} (typed streams, ${WINDOW_SIZE / 1024} KiB window)`);

// Go opens a stream as soon as we connect.
const hello = await session.accept({ signal: AbortSignal.timeout(DEADLINE_MS) });
console.log(
  `stream ${hello.id} of type ${hello.type}, opened by the server: "${decoder.decode(await readAll(hello, AbortSignal.timeout(DEADLINE_MS)))}"`,
);

const echoed = await call(session, ECHO, new TextEncoder().encode("hello, muxado"));
console.log(`ECHO → "${decoder.decode(echoed)}"`);

// Several windows' worth, both ways at once: flow control between the two implementations.
const big = randomBytes(4 * 1024 * 1024);
const bigEcho = await call(session, ECHO, big);
console.log(`ECHO of 4 MiB → ${bigEcho.equals(big) ? "identical" : "DIFFERENT"} (${bigEcho.length} bytes)`);

const [digest, count] = decoder.decode(await call(session, HASH, big)).split(" ");
const expected = createHash("sha256").update(big).digest("hex");
console.log(
  `HASH of 4 MiB → ${digest === expected && Number(count) === big.length ? "matches" : "DIFFERS"} (${digest!.slice(0, 16)}…, ${count} bytes)`,
);

// The heartbeat, on demand: Go's Heartbeat wrapper answers it.
const rtt = await session.ping({ signal: AbortSignal.timeout(DEADLINE_MS) });
console.log(`ping → ${rtt.toFixed(2)} ms`);

await session.close();
const closed = await session.closed;
console.log(`closed: code ${closed.code} (${closed.reason}), clean: ${closed.clean}`);
