import { afterEach, describe, expect, it } from "vitest";
import { dial, listen, type MuxServer } from "../../src/adapters/node.js";
import type { Session } from "../../src/index.js";
import { testCert } from "../support/tls-cert.js";

// What streamux/node's dial() and listen() do beyond the shared listener suite
// (node-listener.test.ts): Node's own error codes, and one session per connection to for-await.

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

describe("streamux/node dial() and listen()", () => {
  it("the server yields one session per connection to for-await, and the loop ends on close()", async () => {
    const muxServer = await server({ host: "127.0.0.1" });
    const { port } = muxServer.address();
    track(await dial({ host: "127.0.0.1", port }));
    track(await dial({ host: "127.0.0.1", port }));
    const seen: Session[] = [];
    for await (const s of muxServer) {
      seen.push(track(s));
      void muxServer.close();
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]!.isClient).toBe(false);
  });

  it("dial() rejects with the socket's error when nothing listens", async () => {
    const muxServer = await listen({ host: "127.0.0.1" });
    const { port } = muxServer.address();
    await muxServer.close();
    await expect(dial({ host: "127.0.0.1", port })).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("dial() over TLS rejects a certificate it does not trust with Node's reason", async () => {
    const cert = await testCert();
    const muxServer = await server({ host: "127.0.0.1", tls: cert });
    await expect(dial({ host: "127.0.0.1", port: muxServer.address().port, tls: true })).rejects.toMatchObject({
      code: "DEPTH_ZERO_SELF_SIGNED_CERT",
    });
  });

  it("listen() rejects with EADDRINUSE when the port is taken", async () => {
    const first = await server({ host: "127.0.0.1" });
    await expect(listen({ host: "127.0.0.1", port: first.address().port })).rejects.toMatchObject({ code: "EADDRINUSE" });
  });

  it("listen() without a host binds every interface (::, or 0.0.0.0 without IPv6)", async () => {
    const muxServer = await server({});
    expect(["::", "0.0.0.0"]).toContain(muxServer.address().address);
  });
});
