/// <reference types="node" />
/**
 * A MuxStream as a Node stream, for Node code that wants a socket (`streamux/node` re-exports all
 * of it): `toDuplex(stream)`, `httpAgent(session)` for HTTP clients, `serve(session, server)` for
 * HTTP servers (muxado's NetListener). They are about Node's own classes, so their signatures use
 * Node's types (@types/node).
 */
import type * as net from "node:net";
import * as http from "node:http";
import { Duplex } from "node:stream";
import type { Session } from "../session.js";
import type { MuxStream } from "../types.js";
import { noop } from "../util/deferred.js";

/**
 * A MuxStream as a Node `stream.Duplex` with the socket methods http uses, so Node code that wants
 * a socket gets one (muxado's net.Listener shim): see httpAgent() and serve() for HTTP both ways.
 *
 * `end()` half-closes the stream (FIN). Like a socket, by default the Duplex ends its own side too
 * once the peer has ended (`allowHalfOpen: false`): right for HTTP, whose server answers and then
 * closes. A tunnel that pipes raw TCP needs `allowHalfOpen: true`: a client that half-closes after
 * its request must still get the whole response. `destroy(err)` resets the stream; `destroy()`
 * without an error closes it muxado-style unless both directions already ended. A reset from the
 * peer or the session's end destroys the Duplex with the MuxError.
 */
export function toDuplex(stream: MuxStream, options: ToDuplexOptions = {}): Duplex {
  return new MuxDuplex(stream, options.allowHalfOpen ?? false);
}

/** Options of toDuplex(). */
export interface ToDuplexOptions {
  /**
   * Keep our sending side open after the peer's FIN, as `net.Socket`'s option of that name does.
   * Default false, like a socket: the Duplex ends its side too when the peer has ended.
   */
  allowHalfOpen?: boolean;
}

/**
 * An `http.Agent` whose connections are new streams of `session`: `http.request({ agent })` and
 * `fetch`-less HTTP clients send their requests over the session. The agent's own options apply
 * (`keepAlive` reuses a stream for several requests, `maxSockets` bounds the streams open at
 * once); a request fails with the session's MuxError once the session has ended.
 */
export function httpAgent(session: Session, options?: http.AgentOptions): http.Agent {
  return new MuxAgent(session, options);
}

class MuxAgent extends http.Agent {
  constructor(
    private readonly session: Session,
    options?: http.AgentOptions,
  ) {
    super(options);
  }

  // Returned at once, with the stream still opening: http.Agent counts a connection toward
  // maxSockets only once it has it, so an asynchronous one would let a burst past the limit.
  override createConnection(): Duplex {
    return new MuxDuplex(this.session.open(), false);
  }
}

/**
 * Serves `server` (a `net.Server`, an `http.Server`, …) on `session`: every stream the peer opens
 * becomes one of the server's connections, until the session ends; resolves then. The streams are
 * half-open as the server is (`allowHalfOpen`, false for http.Server).
 */
export async function serve(session: Session, server: net.Server): Promise<void> {
  const allowHalfOpen = (server as net.Server & { allowHalfOpen?: boolean }).allowHalfOpen === true;
  for await (const stream of session) server.emit("connection", toDuplex(stream, { allowHalfOpen }));
}

/**
 * Reads and writes through the stream's direct I/O (read(), write(), closeWrite()): a Node stream
 * on top of WHATWG streams would pay for both, and http opens a stream per request.
 */
class MuxDuplex extends Duplex {
  /** Idle timeout in ms (0 = none), like `net.Socket#timeout`. */
  timeout = 0;
  #stream!: MuxStream;
  /** The stream while it is still being opened (httpAgent); Node holds reads and writes until _construct() is done. */
  #opening: Promise<MuxStream> | null = null;
  #reading = false;
  #readEnded = false;
  #writeEnded = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(stream: MuxStream | Promise<MuxStream>, allowHalfOpen: boolean) {
    super({ allowHalfOpen });
    if (stream instanceof Promise) {
      this.#opening = stream;
    } else {
      this.#stream = stream;
      this.#watch(stream);
    }
  }

  override _construct(callback: (err?: Error | null) => void): void {
    const opening = this.#opening;
    if (opening === null) {
      callback();
      return;
    }
    opening.then((stream) => {
      this.#opening = null;
      this.#stream = stream;
      this.#watch(stream);
      callback();
    }, callback);
  }

  /** A reset or the session's end destroys the Duplex at once, whether or not a read is pending. */
  #watch(stream: MuxStream): void {
    stream.closed.catch((err: Error) => this.destroy(err));
  }

  override _read(): void {
    if (this.#reading) return;
    this.#reading = true;
    this.#stream.read().then(
      (chunk) => {
        this.#reading = false;
        this.#touch();
        if (chunk === null) {
          this.#readEnded = true;
          this.push(null);
        } else {
          this.push(chunk);
        }
      },
      (err: Error) => this.destroy(err),
    );
  }

  override _write(chunk: Uint8Array, _encoding: string, callback: (err?: Error | null) => void): void {
    this.#touch();
    this.#stream.write(chunk).then(() => callback(), callback);
  }

  override _writev(chunks: Array<{ chunk: Uint8Array }>, callback: (err?: Error | null) => void): void {
    this.#touch();
    // Queued at once, they leave together; a failure fails the last write too, so awaiting it is enough.
    let last: Promise<void> = Promise.resolve();
    for (const { chunk } of chunks) {
      last.catch(noop);
      last = this.#stream.write(chunk);
    }
    last.then(() => callback(), callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.#stream.closeWrite().then(() => {
      this.#writeEnded = true;
      callback();
    }, callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    clearTimeout(this.#timer);
    if (this.#opening) {
      // Destroyed before its stream was open: the stream, when it comes, has no use.
      this.#opening.then((stream) => stream.reset(), noop);
    } else if (!(this.#readEnded && this.#writeEnded)) {
      if (err) this.#stream.reset();
      else this.#stream.close().catch(noop);
    }
    callback(err);
  }

  setTimeout(ms: number, callback?: () => void): this {
    this.timeout = ms;
    if (callback) {
      if (ms === 0) this.off("timeout", callback);
      else this.once("timeout", callback);
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#touch();
    return this;
  }

  /** Re-arms the idle timer: any read or write is activity. */
  #touch() {
    if (this.timeout <= 0 || this.destroyed) return;
    if (this.#timer) this.#timer.refresh();
    else this.#timer = setTimeout(() => this.emit("timeout"), this.timeout).unref();
  }

  // The rest of the socket surface http's client, server and Agent call; none applies to a stream.
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}
