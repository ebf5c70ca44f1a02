/**
 * The TCP service the page reaches: it reads lines until the client half-closes, then answers with
 * them sorted and closes. A stand-in for any TCP service (a database, a mail or cache server):
 * nothing in it knows about WebSockets or streamux.
 */
import net from "node:net";
import type { AddressInfo } from "node:net";

export interface SortService {
  address: { host: string; port: number };
  close(): Promise<void>;
}

export async function startSortService(host: string): Promise<SortService> {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    let input = "";
    socket.setEncoding("utf8").on("data", (chunk: string) => (input += chunk));
    // The answer needs the whole input: it can only start once the client has half-closed.
    socket.on("end", () => socket.end(input.split("\n").filter(Boolean).sort().join("\n")));
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    address: { host, port: (server.address() as AddressInfo).port },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
