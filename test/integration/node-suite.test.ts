import { describe } from "vitest";
import { fromSocket } from "../../src/adapters/node.js";
import { ErrorCode, MuxError, Session } from "../../src/index.js";
import { tcpPair } from "../support/tcp-pair.js";
import { testCert, type TestCert } from "../support/tls-cert.js";
import type { SuiteContext } from "../suite/behaviour.js";
import { runBehaviourSuite } from "../suite/vitest.js";

// The shared behaviour suite over real loopback connections, each end wrapped with fromSocket.

function context(options: { tls: boolean; reversed: boolean }): SuiteContext {
  return {
    lib: { Session, ErrorCode, MuxError },
    async makePair() {
      const cert: TestCert | undefined = options.tls ? await testCert() : undefined;
      const pair = await tcpPair(cert);
      // Reversed: the end that accepted the connection plays the session client.
      const [client, server] = options.reversed ? [pair.listener, pair.dialer] : [pair.dialer, pair.listener];
      return { client: fromSocket(client), server: fromSocket(server), dispose: () => pair.destroy() };
    },
  };
}

describe("node adapter over TCP", () => {
  runBehaviourSuite("tcp", () => context({ tls: false, reversed: false }));
});

describe("node adapter over TLS", () => {
  runBehaviourSuite("tls", () => context({ tls: true, reversed: false }));
});

describe("node adapter over TCP, roles reversed (the listening end is the session client)", () => {
  runBehaviourSuite("tcp/reversed", () => context({ tls: false, reversed: true }));
});
