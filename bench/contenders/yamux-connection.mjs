/**
 * The slice of libp2p's MultiaddrConnection that @chainsafe/libp2p-yamux's muxer touches, over a
 * plain net.Socket: `message` / `drain` / `close` events, send() with the socket's backpressure,
 * abort(), direction and a logger. No libp2p around it: this is what the muxer costs on its own.
 */

/** A logger that logs nothing (libp2p's is silent by default too). */
const silent = Object.assign(() => {}, {
  enabled: false,
  trace() {},
  error() {},
  newScope: () => silent,
});

export class SocketConnection extends EventTarget {
  log = silent;

  constructor(socket, direction) {
    super();
    this.socket = socket;
    this.direction = direction;
    this.status = "open";
    socket.on("data", (chunk) => {
      const event = new Event("message");
      event.data = chunk;
      this.dispatchEvent(event);
    });
    socket.on("drain", () => this.dispatchEvent(new Event("drain")));
    socket.on("error", () => {});
    socket.once("close", () => {
      this.status = "closed";
      this.dispatchEvent(new Event("close"));
    });
  }

  /** One frame: a header alone, or a Uint8ArrayList of header + payload, written as one gather. */
  send(data) {
    const socket = this.socket;
    if (data instanceof Uint8Array) return socket.write(data);
    socket.cork();
    let ok = true;
    for (const buf of data) ok = socket.write(buf);
    socket.uncork();
    return ok;
  }

  abort() {
    this.socket.destroy();
  }

  async close() {
    this.socket.end();
  }
}
