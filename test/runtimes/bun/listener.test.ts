/**
 * The shared listener suite (test/suite/listener.ts) inside Bun, against the built package's
 * streamux/bun dial() and listen(), over TCP and TLS.
 */
import { test } from "bun:test";
import { ErrorCode, MuxError } from "streamux";
import { dial, listen } from "streamux/bun";
import { listenerBehavioursFor, type ListenerContext } from "../../suite/listener.js";
import { tlsFiles } from "./tls-files.js";

async function context(tls: boolean): Promise<ListenerContext> {
  const files = tls ? await tlsFiles() : undefined;
  return {
    lib: { ErrorCode, MuxError },
    tls,
    listen: (o) => listen({ ...o, ...(files ? { tls: files } : {}) }),
    dial: ({ untrusted, ...o }) => dial({ ...o, ...(files ? { tls: untrusted ? true : { ca: files.cert } } : {}) }),
  };
}

for (const tls of [false, true]) {
  for (const b of listenerBehavioursFor(tls)) {
    test(`${tls ? "tls" : "tcp"}: ${b.name}`, async () => b.run(await context(tls)), 10_000);
  }
}
