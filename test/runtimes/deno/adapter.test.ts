/**
 * streamux/deno's own promises, inside Deno against the built package: fromConn keeps half-closes
 * half (Deno's conn.readable/writable would close the whole connection). dial() and listen() are
 * the shared listener suite's (listener.test.ts).
 */
import { fromConn } from "streamux/deno";
import { readAllText } from "../../support/bytes.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function _assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

function assertEquals<T>(actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected)) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/** Reads a raw Deno connection to EOF. */
async function readConnToEnd(conn: Deno.Conn): Promise<string> {
  const buf = new Uint8Array(1024);
  let text = "";
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) return text;
    text += decoder.decode(buf.subarray(0, n), { stream: true });
  }
}

async function rawPair(): Promise<{ ours: Deno.Conn; theirs: Deno.Conn }> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const [theirs, ours] = await Promise.all([listener.accept(), Deno.connect({ hostname: "127.0.0.1", port })]);
    return { ours, theirs };
  } finally {
    listener.close();
  }
}

Deno.test("fromConn: writable.close() sends FIN and the transport still reads the peer's answer", async () => {
  const { ours, theirs } = await rawPair();
  const transport = fromConn(ours);
  const writer = transport.writable.getWriter();
  await writer.write(encoder.encode("ping"));
  await writer.close();
  // The peer sees our data then EOF, and can still answer on its own direction.
  assertEquals(await readConnToEnd(theirs), "ping", "what the peer read before EOF");
  await theirs.write(encoder.encode("pong"));
  theirs.close();
  assertEquals(await readAllText(transport.readable), "pong", "the answer after our FIN");
});

Deno.test("fromConn: the peer's FIN ends the readable while our writes still arrive", async () => {
  const { ours, theirs } = await rawPair();
  const transport = fromConn(ours);
  await theirs.write(encoder.encode("bye"));
  await theirs.closeWrite();
  assertEquals(await readAllText(transport.readable), "bye", "what arrived before the peer's FIN");
  const writer = transport.writable.getWriter();
  await writer.write(encoder.encode("still here"));
  await writer.close();
  assertEquals(await readConnToEnd(theirs), "still here", "our data after the peer's FIN");
  theirs.close();
});

Deno.test("fromConn: close() closes the connection at once; the peer reads EOF", async () => {
  const { ours, theirs } = await rawPair();
  const transport = fromConn(ours);
  await transport.close?.();
  assertEquals(await readConnToEnd(theirs), "", "the peer's read after our close()");
  theirs.close();
});
