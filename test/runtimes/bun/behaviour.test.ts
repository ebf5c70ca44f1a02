/**
 * The shared behaviour suite inside Bun, against the built package ("streamux" resolves to dist/
 * through package.json "exports", by the package's own name): over the in-memory pair, over Bun TCP
 * sockets and over Bun TLS sockets (fromSocket, with its direct path and Bun's partial writes).
 */
import { test } from "bun:test";
import { ErrorCode, MuxError, Session } from "streamux";
import { fromSocket, socketHandlers, type BunSocketLike } from "streamux/bun";
import { behaviours, type SuiteContext } from "../../suite/behaviour.js";
import { memoryPair } from "../../support/memory-pair.js";
import { tlsFiles } from "./tls-files.js";

type Pair = Awaited<ReturnType<SuiteContext["makePair"]>>;

declare const Bun: {
  listen(options: object): { port: number; stop(closeActive?: boolean): void };
  connect(options: object): Promise<BunSocketLike>;
};

const lib = { Session, ErrorCode, MuxError };

async function memory(): Promise<Pair> {
  const pair = memoryPair();
  return { client: pair.a, server: pair.b };
}

/** A connected pair of Bun sockets, both served by streamux's socketHandlers. */
async function sockets(useTls: boolean): Promise<Pair> {
  const tls = useTls ? await tlsFiles() : null;
  let accepted!: (socket: BunSocketLike) => void;
  const serverSocket = new Promise<BunSocketLike>((resolve) => (accepted = resolve));
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    allowHalfOpen: true,
    ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
    socket: {
      ...socketHandlers,
      open(socket: BunSocketLike) {
        socketHandlers.open?.(socket);
        accepted(socket);
      },
    },
  });
  try {
    const client = await Bun.connect({
      hostname: "127.0.0.1",
      port: listener.port,
      allowHalfOpen: true,
      ...(tls ? { tls: { ca: tls.cert } } : {}),
      socket: socketHandlers,
    });
    return { client: fromSocket(client), server: fromSocket(await serverSocket) };
  } finally {
    listener.stop(false);
  }
}

const pairs: Array<[string, () => Promise<Pair>]> = [
  ["memory", memory],
  ["tcp", () => sockets(false)],
  ["tls", () => sockets(true)],
];

for (const [label, makePair] of pairs) {
  for (const b of behaviours) {
    test(`${label}: ${b.name}`, () => b.run({ lib, makePair }), b.timeoutMs ?? 10_000);
  }
}
