/**
 * The slice of libp2p's MultiaddrConnection that @chainsafe/libp2p-yamux's muxer touches, over a
 * plain net.Socket: `message` / `drain` / `close` events, send() with the socket's backpressure,
 * abort(), direction and a logger. No libp2p around it: this is what the muxer costs on its own.
 */
import type net from "node:net";

interface SilentLogger {
  (...args: unknown[]): void;
  enabled: boolean;
  trace(...args: unknown[]): void;
  error(...args: unknown[]): void;
  newScope(name: string): SilentLogger;
}

/** A logger that logs nothing (libp2p's is silent by default too). */
const silent: SilentLogger = Object.assign(() => {}, {
  enabled: false,
  trace() {},
  error() {},
  newScope: (): SilentLogger => silent,
});

/** An Event carrying a chunk, as libp2p's message events do. */
class MessageEvent extends Event {
  constructor(readonly data: Uint8Array) {
    super("message");
  }
}

export class SocketConnection extends EventTarget {
  log = silent;
  status: "open" | "closed" = "open";

  constructor(
    private readonly socket: net.Socket,
    readonly direction: "inbound" | "outbound",
  ) {
    super();
    socket.on("data", (chunk: Uint8Array) => this.dispatchEvent(new MessageEvent(chunk)));
    socket.on("drain", () => this.dispatchEvent(new Event("drain")));
    socket.on("error", () => {});
    socket.once("close", () => {
      this.status = "closed";
      this.dispatchEvent(new Event("close"));
    });
  }

  /** One frame: a header alone, or a Uint8ArrayList of header + payload, written as one gather. */
  send(data: Uint8Array | Iterable<Uint8Array>): boolean {
    const socket = this.socket;
    if (data instanceof Uint8Array) return socket.write(data);
    socket.cork();
    let ok = true;
    for (const buf of data) ok = socket.write(buf);
    socket.uncork();
    return ok;
  }

  abort(): void {
    this.socket.destroy();
  }

  async close(): Promise<void> {
    this.socket.end();
  }
}
