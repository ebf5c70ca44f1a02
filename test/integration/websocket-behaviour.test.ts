import { describe } from "vitest";
import type WebSocket from "ws";
import { fromWebSocket, type WebSocketLike } from "../../src/adapters/websocket.js";
import { ErrorCode, MuxError, Session } from "../../src/index.js";
import type { SuiteContext } from "../suite/behaviour.js";
import { runBehaviourSuite } from "../suite/vitest.js";
import { connectWs, plainWebSocket, wsPair } from "../support/ws-pair.js";

// The shared behaviour suite over real WebSocket connections on loopback (the `ws` package), each
// end wrapped with fromWebSocket.

const asIs = (socket: WebSocket): WebSocketLike => socket;

function context(options: { reversed?: boolean; wrap?: (socket: WebSocket) => WebSocketLike }): SuiteContext {
  const wrap = options.wrap ?? asIs;
  return {
    lib: { Session, ErrorCode, MuxError },
    async makePair() {
      const pair = await wsPair();
      // Reversed: the accepted (server-side) socket plays the session client.
      const [client, server] = options.reversed ? [pair.server, pair.client] : [pair.client, pair.server];
      return { client: fromWebSocket(wrap(client)), server: fromWebSocket(wrap(server)), dispose: pair.dispose };
    },
  };
}

describe("websocket adapter over ws", () => {
  runBehaviourSuite("ws", () => context({}));
});

describe("websocket adapter over ws, roles reversed (the accepted socket is the session client)", () => {
  runBehaviourSuite("ws/reversed", () => context({ reversed: true }));
});

// What a browser, Deno or undici socket looks like to the adapter: no send callback, no pause,
// ArrayBuffer messages, backpressure by polling bufferedAmount.
describe("websocket adapter over the plain WHATWG surface of ws", () => {
  runBehaviourSuite("ws/plain", () => context({ wrap: plainWebSocket }));
});

describe("websocket adapter, client socket handed over while still CONNECTING", () => {
  runBehaviourSuite("ws/connecting", () => ({
    lib: { Session, ErrorCode, MuxError },
    async makePair() {
      const { client, server, dispose } = await connectWs();
      const clientTransport = fromWebSocket(client);
      return { client: clientTransport, server: fromWebSocket(await server), dispose };
    },
  }));
});
