/**
 * Joins a TCP socket and a mux stream both ways, half-close included: a FIN either way is passed
 * on as a FIN, and the other direction keeps flowing. A failure on either side (a reset stream, the
 * session's end, a socket error) fails the other at once: the socket is reset (RST), the stream too.
 */
import type * as net from "node:net";
import type { MuxStream } from "../../src/index.js";
import { toDuplex } from "../../src/adapters/node.js";

/** Resolves when both are done, cleanly or not. `first`: bytes to write to the socket before the stream's. */
export function join(socket: net.Socket, stream: MuxStream, first?: Uint8Array): Promise<void> {
  const duplex = toDuplex(stream, { allowHalfOpen: true });
  if (first && first.length > 0) socket.write(first);

  let failed = false;
  const fail = (err?: Error) => {
    if (failed) return;
    failed = true;
    // An RST for the public client, as a connection that broke would give it.
    if (!socket.destroyed) socket.resetAndDestroy();
    if (!duplex.destroyed) duplex.destroy(err ?? new Error("connection failed"));
  };

  socket.on("error", (err) => fail(err));
  duplex.on("error", (err) => fail(err));
  // A stream that is idle both ways learns of a reset or the session's end only here.
  stream.closed.catch((err: Error) => fail(err));

  socket.pipe(duplex);
  duplex.pipe(socket);

  return new Promise<void>((resolve) => {
    let open = 2;
    const done = () => {
      if (--open === 0) resolve();
    };
    socket.once("close", () => {
      // Closed with both directions ended: the stream has ended both ways too (or soon will).
      if (!failed && !duplex.destroyed && !(socket.readableEnded && socket.writableFinished)) fail();
      done();
    });
    duplex.once("close", () => {
      if (!failed && !socket.destroyed && !(duplex.readableEnded && duplex.writableFinished)) fail();
      done();
    });
  });
}
