/**
 * The shared behaviour suite inside Deno, against the built package ("streamux" resolves to dist/
 * through the import map the Node-side wrapper writes from package.json "exports"): over the
 * in-memory pair, over Deno TCP connections and over Deno TLS connections (fromConn).
 */
import { ErrorCode, MuxError, Session } from "streamux";
import { fromConn } from "streamux/deno";
import { behaviours, type SuiteContext } from "../../suite/behaviour.js";
import { memoryPair } from "../../support/memory-pair.js";
import { tlsFiles } from "./tls-files.js";

type Pair = Awaited<ReturnType<SuiteContext["makePair"]>>;

const lib = { Session, ErrorCode, MuxError };

async function memory(): Promise<Pair> {
  const pair = memoryPair();
  return { client: pair.a, server: pair.b };
}

async function tcp(): Promise<Pair> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const [server, client] = await Promise.all([listener.accept(), Deno.connect({ hostname: "127.0.0.1", port })]);
    return { client: fromConn(client), server: fromConn(server) };
  } finally {
    listener.close();
  }
}

async function tls(): Promise<Pair> {
  const { cert, key } = await tlsFiles();
  const listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert, key });
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const [server, client] = await Promise.all([listener.accept(), Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [cert] })]);
    return { client: fromConn(client), server: fromConn(server) };
  } finally {
    listener.close();
  }
}

for (const [label, makePair] of [
  ["memory", memory],
  ["tcp", tcp],
  ["tls", tls],
] as const) {
  for (const b of behaviours) {
    Deno.test({
      name: `${label}: ${b.name}`,
      // Sessions keep unref'd close timers that outlive a test by design; resources (connections)
      // are still checked: every connection must be closed when a behaviour ends.
      sanitizeOps: false,
      fn: () => withTimeout(b.run({ lib, makePair }), b.timeoutMs ?? 10_000, b.name),
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
