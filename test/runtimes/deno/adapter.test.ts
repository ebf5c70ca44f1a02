/**
 * streamux/deno's own promises, inside Deno against the built package: fromConn keeps half-closes
 * half (Deno's conn.readable/writable would close the whole connection), and dial()/listen() work
 * over TCP and TLS with the shape of streamux/node's.
 */
import { ErrorCode, MuxError } from "streamux";
import { dial, fromConn, listen } from "streamux/deno";
import { echoEveryStream, echoOnce } from "../echo-load.js";
import { tlsFiles } from "./tls-files.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

function assertEquals<T>(actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected)) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

async function readAllText(readable: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  for await (const chunk of readable) text += decoder.decode(chunk, { stream: true });
  return text;
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

for (const useTls of [false, true]) {
  const label = useTls ? "TLS" : "TCP";
  Deno.test(`dial() and listen() over ${label}: a client session echoes through the server's`, async () => {
    const tls = useTls ? await tlsFiles() : undefined;
    const server = await listen({ host: "127.0.0.1", port: 0, ...(tls ? { tls } : {}) });
    const { port, family } = server.address();
    assert(port > 0, "listen() bound a port");
    assertEquals(family, "IPv4", "address().family");
    const serving = (async () => {
      for await (const session of server) {
        await echoEveryStream(session);
        return session;
      }
    })();
    const client = await dial({ host: "127.0.0.1", port, ...(tls ? { tls: { caCerts: [tls.cert] } } : {}), windowSize: 64 * 1024 });
    assertEquals(await echoOnce(client, "over the wire"), "over the wire", "the echo");
    await client.close();
    const serverSession = await serving;
    assert(serverSession, "the server handed out a session");
    assertEquals((await serverSession.closed).remote?.code, ErrorCode.NoError, "the server saw the client's GOAWAY");
    await server.close();
  });
}

Deno.test("listen(): close() stops listening and resolves while an accepted session carries on", async () => {
  const server = await listen({ host: "127.0.0.1", port: 0 });
  const serving = server.accept().then(echoEveryStream);
  const client = await dial({ host: "127.0.0.1", port: server.address().port });
  assertEquals(await echoOnce(client, "before close()"), "before close()", "echo before close()");
  await server.close(); // as muxado's Listener.Close: accepted sessions are the application's
  assertEquals(await echoOnce(client, "after close()"), "after close()", "echo after close()");
  await client.close();
  await serving;
});

Deno.test("listen(): close() ends the iteration and accept() then rejects with SessionClosed", async () => {
  const server = await listen({ host: "127.0.0.1", port: 0 });
  const iterating = (async () => {
    let count = 0;
    for await (const _ of server) count++;
    return count;
  })();
  await server.close();
  assertEquals(await iterating, 0, "sessions the iteration yielded");
  const err = await server.accept().then(
    () => null,
    (e: unknown) => e,
  );
  assert(err instanceof MuxError && err.code === ErrorCode.SessionClosed, `accept() after close(): ${String(err)}`);
});

Deno.test("dial(): a refused connection rejects", async () => {
  const server = await listen({ host: "127.0.0.1", port: 0 });
  const { port } = server.address();
  await server.close();
  const err = await dial({ host: "127.0.0.1", port }).then(
    () => null,
    (e: unknown) => e,
  );
  assert(err instanceof Deno.errors.ConnectionRefused, `dial() to a closed port: ${String(err)}`);
});

Deno.test("dial() over TLS: an untrusted certificate rejects dial() itself", async () => {
  const tls = await tlsFiles();
  const server = await listen({ host: "127.0.0.1", port: 0, tls });
  const accepting = server.accept().then(
    (session) => session.closed,
    () => null,
  );
  const err = await dial({ host: "127.0.0.1", port: server.address().port, tls: true }).then(
    () => null,
    (e: unknown) => e,
  );
  assert(err instanceof Error, `dial() without trusting the certificate: ${String(err)}`);
  // A connection whose handshake failed never becomes a session: accept() is still waiting when
  // the server closes.
  await server.close();
  assertEquals(await accepting, null, "what accept() gave for the failed handshake");
});
