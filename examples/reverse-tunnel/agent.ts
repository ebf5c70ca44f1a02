/**
 * The agent, behind NAT: it dials out to the tunnel server and serves every stream the server
 * opens by connecting it to the local service its type names. Nothing listens on the agent's host.
 */
import net from "node:net";
import { ErrorCode, type Session } from "streamux";
import { dial } from "streamux/node";
import { splice } from "./splice.js";

export interface Endpoint {
  host: string;
  port: number;
}

/** `services`: stream type → the local service that type reaches. */
export async function runAgent(server: Endpoint, services: Map<number, Endpoint>): Promise<Session> {
  // Typed streams on both sides: the type says which service, and it goes out as soon as the
  // server opens the stream, so a service that speaks first is reached before the client says anything.
  const session = await dial({ ...server, typed: true });
  void (async () => {
    for await (const stream of session) {
      const local = services.get(stream.type!);
      if (local) splice(net.connect({ ...local, allowHalfOpen: true }), stream);
      else stream.reset(ErrorCode.StreamRefused);
    }
  })();
  return session;
}
