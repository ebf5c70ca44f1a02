import { once } from "node:events";
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { dial, listen, type MuxServer } from "../../src/adapters/node.js";
import { ErrorCode, MuxError, type Session } from "../../src/index.js";
import { testCert } from "../support/tls-cert.js";

// dial() and listen(): muxado's Dial/Listen and DialTLS/ListenTLS.

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  await Promise.all(cleanup.map((f) => f()));
  cleanup = [];
});

async function server(options: Parameters<typeof listen>[0]): Promise<MuxServer> {
  const s = await listen(options);
  cleanup.push(() => s.close());
  return s;
}

function track(session: Session): Session {
  cleanup.push(() => session.close());
  return session;
}

/** Client says hello on a new stream, the server answers on the same stream. */
async function helloRoundTrip(client: Session, serverSession: Session): Promise<string> {
  const answering = (async () => {
    const s = await serverSession.accept();
    let text = "";
    for await (const c of s.readable) text += decoder.decode(c);
    const w = s.writable.getWriter();
    await w.write(encoder.encode(`hello ${text}`));
    await w.close();
  })();
  const stream = await client.open();
  const w = stream.writable.getWriter();
  await w.write(encoder.encode("client"));
  await w.close();
  let reply = "";
  for await (const c of stream.readable) reply += decoder.decode(c);
  await answering;
  return reply;
}

describe.each([
  ["TCP", false],
  ["TLS", true],
])("dial and listen over %s", (_name, useTls) => {
  async function setup() {
    const cert = useTls ? await testCert() : undefined;
    const muxServer = await server({ host: "127.0.0.1", port: 0, tls: cert });
    const { port } = muxServer.address();
    const client = track(await dial({ host: "127.0.0.1", port, tls: cert && { ca: cert.cert, servername: "localhost" } }));
    const serverSession = track(await muxServer.accept());
    return { muxServer, port, client, serverSession };
  }

  it("dial() gives a client session and listen() a server session on the same connection", async () => {
    const { muxServer, client, serverSession } = await setup();
    expect(muxServer.address()).toMatchObject({ address: "127.0.0.1", family: "IPv4" });
    expect(client.isClient).toBe(true);
    expect(serverSession.isClient).toBe(false);
    expect(await helloRoundTrip(client, serverSession)).toBe("hello client");
    // Streams go the other way too: the server opens, the client accepts.
    expect(await helloRoundTrip(serverSession, client)).toBe("hello client");
  });

  it("the server yields one session per connection to for-await, and the loop ends on close()", async () => {
    const { muxServer, port, client, serverSession } = await setup();
    const second = track(await dial({ host: "127.0.0.1", port, tls: useTls ? { ca: (await testCert()).cert } : undefined }));
    const seen: Session[] = [];
    for await (const s of muxServer) {
      seen.push(track(s));
      void muxServer.close();
    }
    expect(seen).toHaveLength(1);
    expect(await helloRoundTrip(second, seen[0]!)).toBe("hello client");
    expect(await helloRoundTrip(client, serverSession)).toBe("hello client");
  });

  it("close() stops listening, fails accept() and closes sessions nobody accepted; accepted ones carry on", async () => {
    const cert = useTls ? await testCert() : undefined;
    // Typed sessions answer heartbeats by themselves: a ping proves the server session exists
    // (queued, not accepted) without anyone accepting it.
    const muxServer = await server({ host: "127.0.0.1", tls: cert, typed: true });
    const { port } = muxServer.address();
    const tls = cert && { ca: cert.cert };
    const accepted = track(await dial({ host: "127.0.0.1", port, tls, typed: true }));
    const acceptedServer = track(await muxServer.accept());
    const unaccepted = track(await dial({ host: "127.0.0.1", port, tls, typed: true }));
    await unaccepted.ping();

    await muxServer.close();
    await expect(muxServer.accept()).rejects.toSatisfy((e) => e instanceof MuxError && e.code === ErrorCode.SessionClosed);
    const refused = net.connect({ host: "127.0.0.1", port });
    const [err] = (await once(refused, "error")) as [NodeJS.ErrnoException];
    expect(err.code).toBe("ECONNREFUSED");
    expect((await unaccepted.closed).remote?.code).toBe(ErrorCode.NoError);
    expect(await helloRoundTrip(accepted, acceptedServer)).toBe("hello client");
  });

  it("passes SessionOptions to the sessions on both ends (typed streams)", async () => {
    const cert = useTls ? await testCert() : undefined;
    const muxServer = await server({ host: "127.0.0.1", tls: cert, typed: true });
    const client = track(
      await dial({ host: "127.0.0.1", port: muxServer.address().port, tls: cert && { ca: cert.cert }, typed: true }),
    );
    const serverSession = track(await muxServer.accept());
    const stream = await client.open({ type: 42 });
    await stream.writable.getWriter().write(encoder.encode("x"));
    expect((await serverSession.accept()).type).toBe(42);
  });
});

describe("dial() and listen() failures", () => {
  it("dial() rejects with the socket's error when nothing listens", async () => {
    const muxServer = await listen({ host: "127.0.0.1" });
    const { port } = muxServer.address();
    await muxServer.close();
    await expect(dial({ host: "127.0.0.1", port })).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("dial() over TLS rejects a certificate it does not trust", async () => {
    const cert = await testCert();
    const muxServer = await server({ host: "127.0.0.1", tls: cert });
    await expect(dial({ host: "127.0.0.1", port: muxServer.address().port, tls: true })).rejects.toMatchObject({
      code: "DEPTH_ZERO_SELF_SIGNED_CERT",
    });
  });

  it("listen() rejects when the port is taken", async () => {
    const first = await server({ host: "127.0.0.1" });
    await expect(listen({ host: "127.0.0.1", port: first.address().port })).rejects.toMatchObject({ code: "EADDRINUSE" });
  });
});
