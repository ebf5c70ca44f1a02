import { EarlyEvents } from "./early-events.js";
import type { TransportEndInfo } from "../types.js";
import type { Link, LinkSink } from "./link.js";

/**
 * A Link over one connection, with the end policy every adapter shares. An adapter supplies its
 * runtime's moves (write, pause and resume reading, send FIN, close at once) and reports what the
 * connection does (received, ended, drained, connectionClosed); this class keeps the rest.
 *
 * The end policy: end() sends FIN once everything written so far is out, then reads and drops what
 * still arrives until the peer's FIN, and the connection closes once both directions are done.
 * Closing with unread bytes would make the kernel answer with RST, and the peer, typically still
 * sending a last window update, could lose what it had not read yet, our final GOAWAY included.
 * end() has no timer of its own: the session bounds its wait (it destroys the link after
 * closeTimeout, or 250 ms after an error), and the WHATWG view bounds a close() made without a
 * session (to-streams.ts).
 */
export abstract class ConnectionLink implements Link {
  /** Events arrive before start(), so they are kept until then. */
  protected readonly events = new EarlyEvents();
  /** Nobody reads any more (end() or destroy()): what arrives is dropped. */
  protected discarding = false;
  /** The connection is gone. */
  protected isClosed = false;
  private readDone = false;
  private writeDone = false;
  private fin: Promise<void> | null = null;
  private ending: Promise<void> | null = null;
  private waitingDrain = false;
  private markClosed!: () => void;
  private readonly closed = new Promise<void>((resolve) => (this.markClosed = resolve));

  abstract write(parts: Uint8Array[], done: () => void): boolean;
  protected abstract pauseReading(): void;
  protected abstract resumeReading(): void;
  /** Sends FIN (or its equivalent) once everything written so far is out; reading goes on. */
  protected abstract sendFin(): void | Promise<void>;
  /** Closes the connection at once; the adapter reports connectionClosed() when it is gone. */
  protected abstract terminate(): void;

  start(sink: LinkSink): void {
    this.events.attach(sink);
  }

  pause(): void {
    if (!this.discarding) this.pauseReading();
  }

  resume(): void {
    this.resumeReading();
  }

  /** Half-close: FIN after what was written so far; reading goes on (the WHATWG view's close()). */
  closeWrite(): Promise<void> {
    this.fin ??= (async () => {
      try {
        // A connection that goes away meanwhile never finishes its writes: FIN is moot then.
        await Promise.race([this.sendFin(), this.closed]);
      } catch {
        // The connection is already failing; its error reaches the sink through ended().
      }
      this.writeDone = true;
      if (this.readDone) this.destroy();
    })();
    return this.fin;
  }

  end(): Promise<void> {
    this.ending ??= (async () => {
      this.discarding = true;
      // The peer's FIN must be read to be seen, even if the session had paused reading.
      this.resumeReading();
      await this.closeWrite();
      await this.closed;
    })();
    return this.ending;
  }

  destroy(): void {
    this.discarding = true;
    if (!this.isClosed) this.terminate();
  }

  // ---- what the adapter reports ----

  protected received(chunk: Uint8Array): void {
    if (!this.discarding) this.events.data(chunk);
  }

  /**
   * The peer's data ended: EOF (no error) or the connection failed with `error`; `info` is what the
   * transport said about its end, for the session's close report.
   */
  protected ended(error?: unknown, info?: TransportEndInfo): void {
    if (this.readDone) return;
    this.readDone = true;
    if (error === undefined) this.events.end(info);
    else this.events.error(error, info);
    // Both directions are done: nothing is left to wait for.
    if (this.writeDone) this.destroy();
  }

  /** For write(): the connection's buffer is full, drained() follows. */
  protected blocked(): false {
    this.waitingDrain = true;
    return false;
  }

  protected drained(): void {
    if (!this.waitingDrain) return;
    this.waitingDrain = false;
    this.events.drain();
  }

  /**
   * The connection is gone. If the peer's data had not ended yet, this ends it: with `error`, or
   * as EOF when the runtime reports a close as the end of the peer's data.
   */
  protected connectionClosed(error?: unknown, info?: TransportEndInfo): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.discarding = true;
    this.ended(error, info);
    this.markClosed();
  }
}
