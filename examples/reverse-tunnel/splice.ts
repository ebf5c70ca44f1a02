/** Joins a TCP connection and a mux stream, both ways: what each end of a tunnel does. */
import type { Socket } from "node:net";
import type { MuxStream } from "streamux";
import { toDuplex } from "streamux/node";

export function splice(socket: Socket, stream: MuxStream): void {
  // allowHalfOpen: a side that has finished sending (FIN) may still have a whole answer to read;
  // the FIN is passed on and the other direction stays open until its own end.
  const tunnel = toDuplex(stream, { allowHalfOpen: true });
  // A failure on one side ends the other: a dead connection resets the stream, a reset stream
  // drops the connection.
  socket.on("error", (err) => tunnel.destroy(err));
  tunnel.on("error", () => socket.destroy());
  socket.pipe(tunnel).pipe(socket);
}
