/**
 * The shared listener suite (test/suite/listener.ts) inside Deno, against the built package's
 * streamux/deno dial() and listen(), over TCP and TLS.
 */
import { ErrorCode, MuxError } from "streamux";
import { dial, listen } from "streamux/deno";
import { listenerBehavioursFor, type ListenerContext } from "../../suite/listener.js";
import { tlsFiles } from "./tls-files.js";

async function context(tls: boolean): Promise<ListenerContext> {
  const files = tls ? await tlsFiles() : undefined;
  return {
    lib: { ErrorCode, MuxError },
    tls,
    listen: (o) => listen({ ...o, ...(files ? { tls: files } : {}) }),
    dial: ({ untrusted, ...o }) => dial({ ...o, ...(files ? { tls: untrusted ? true : { caCerts: [files.cert] } } : {}) }),
  };
}

for (const tls of [false, true]) {
  for (const b of listenerBehavioursFor(tls)) {
    Deno.test({
      name: `${tls ? "tls" : "tcp"}: ${b.name}`,
      // Sessions keep unref'd close timers that outlive a test by design.
      sanitizeOps: false,
      fn: async () => withTimeout(b.run(await context(tls)), 10_000, b.name),
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: number | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
