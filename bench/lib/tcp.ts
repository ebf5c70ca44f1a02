/** Loopback TCP plumbing shared by the Node TCP contenders. */
import net from "node:net";

export const HOST = "127.0.0.1";

/** Starts `server` on 127.0.0.1, a free port, with a backlog deep enough for 1,000 simultaneous connects. */
export function listenTcp(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: HOST, port: 0, backlog: 4096 }, () => {
      server.off("error", reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/**
 * A connected client socket. Nagle is off on every TCP socket of every contender: the RPC and
 * ping-pong workloads write small messages, and the comparison is between multiplexers, not
 * between Nagle settings.
 */
export function connectTcp(port: number, { allowHalfOpen = false } = {}): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: HOST, port, noDelay: true, allowHalfOpen });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(socket);
    });
  });
}
