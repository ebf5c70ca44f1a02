/**
 * The tunnel server, on a public address: agents dial in on one port; every connection to a public
 * port becomes a stream the server opens to the agent (a server-opened stream), typed with the
 * service that port forwards to.
 */
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { Session } from "streamux";
import { listen } from "streamux/node";
import { splice } from "./splice.js";

export interface TunnelServer {
  agentPort: number;
  /** The public port of each stream type, in the order given. */
  publicPorts: number[];
  /** Resolves once an agent is connected. */
  agentReady(): Promise<void>;
  /** Closes the public ports and drains the agent's session: streams in flight finish first. */
  close(): Promise<void>;
}

export async function startTunnelServer(host: string, types: number[]): Promise<TunnelServer> {
  let agent: Session | null = null;
  let agentArrived = () => {};
  const agents = await listen({ host, port: 0, typed: true });
  void (async () => {
    for await (const session of agents) {
      void agent?.shutdown(); // one agent at a time: a new one (a reconnect) replaces the old
      agent = session;
      void session.closed.then(() => {
        if (agent === session) agent = null;
      });
      agentArrived();
    }
  })();

  const publicServers = types.map((type) =>
    net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.on("error", () => {}); // a socket with no 'error' listener would crash the process
      if (agent === null) return socket.destroy(); // no agent: nobody to carry the connection
      agent.open({ type }).then(
        (stream) => splice(socket, stream),
        () => socket.destroy(), // the agent is going away (GOAWAY) or gone
      );
    }),
  );
  for (const server of publicServers) await new Promise<void>((resolve) => server.listen(0, host, resolve));

  return {
    agentPort: agents.address().port,
    publicPorts: publicServers.map((server) => (server.address() as AddressInfo).port),
    agentReady: () => (agent ? Promise.resolve() : new Promise<void>((resolve) => (agentArrived = resolve))),
    async close() {
      for (const server of publicServers) server.close();
      await agents.close({ drain: true });
    },
  };
}
