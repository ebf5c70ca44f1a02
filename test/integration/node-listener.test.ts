import { describe, expect, it } from "vitest";
import { dial, listen } from "../../src/adapters/node.js";
import { ErrorCode, MuxError } from "../../src/index.js";
import { listenerBehavioursFor, type ListenerContext } from "../suite/listener.js";
import { testCert } from "../support/tls-cert.js";

// The shared listener suite (test/suite/listener.ts) against streamux/node's dial() and listen().

async function context(tls: boolean): Promise<ListenerContext> {
  const cert = tls ? await testCert() : undefined;
  return {
    lib: { ErrorCode, MuxError },
    tls,
    listen: (o) => listen({ ...o, ...(cert ? { tls: cert } : {}) }),
    dial: ({ untrusted, ...o }) => dial({ ...o, ...(cert ? { tls: untrusted ? true : { ca: cert.cert } } : {}) }),
  };
}

for (const tls of [false, true]) {
  describe(`streamux/node dial() and listen() over ${tls ? "TLS" : "TCP"}`, () => {
    for (const b of listenerBehavioursFor(tls)) it(b.name, async () => b.run(await context(tls)), 10_000);
  });
}

describe("streamux/node TLS options are Node's own", () => {
  it("dial() hands tls.connect() every option it is given: a checkServerIdentity that refuses fails dial()", async () => {
    const cert = await testCert();
    const server = await listen({ host: "127.0.0.1", tls: cert });
    const seen: string[] = [];
    const refused = new Error("not the server we pinned");
    try {
      const dialing = dial({
        host: "127.0.0.1",
        port: server.address().port,
        tls: {
          ca: cert.cert,
          checkServerIdentity: (host, peer) => {
            seen.push(`${host} ${peer.subject?.CN}`);
            return refused;
          },
        },
      });
      await expect(dialing).rejects.toBe(refused);
      expect(seen).toEqual(["127.0.0.1 localhost"]);
    } finally {
      await server.close();
    }
  });
});
