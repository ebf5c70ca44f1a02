import { ConnectionLink } from "../../src/link/connection-link.js";
import type { LinkSink } from "../../src/link/link.js";

/** A ConnectionLink over nothing: the test plays the runtime, and every move is logged. */
export class FakeLink extends ConnectionLink {
  readonly log: string[] = [];
  readonly written: Uint8Array[] = [];
  /** `done` of each write, for the test to call when the "connection" lets go of the bytes. */
  readonly dones: Array<() => void> = [];
  /** Whether the next write finds room. */
  room = true;

  write(parts: Uint8Array[], done: () => void): boolean {
    this.written.push(...parts);
    this.dones.push(done);
    return this.room || this.blocked();
  }
  protected pauseReading(): void {
    this.log.push("pause");
  }
  protected resumeReading(): void {
    this.log.push("resume");
  }
  protected sendFin(): void {
    this.log.push("fin");
  }
  protected terminate(): void {
    this.log.push("terminate");
    this.connectionClosed();
  }

  // The runtime's side.
  peerSends(chunk: Uint8Array): void {
    this.received(chunk);
  }
  peerEnds(error?: unknown): void {
    this.ended(error);
  }
  hasRoom(): void {
    this.room = true;
    this.drained();
  }
  runtimeCloses(error?: unknown): void {
    this.connectionClosed(error);
  }
}

/** A sink that records what reaches it, as strings. */
export class LogSink implements LinkSink {
  readonly events: string[] = [];
  constructor(private readonly onData?: (chunk: Uint8Array) => void) {}
  data(chunk: Uint8Array): void {
    this.events.push(`data ${[...chunk].join(",")}`);
    this.onData?.(chunk);
  }
  end(): void {
    this.events.push("end");
  }
  error(err: unknown): void {
    this.events.push(`error ${err instanceof Error ? err.message : String(err)}`);
  }
  drain(): void {
    this.events.push("drain");
  }
}

/** Whether a promise has settled by now (after the microtasks already queued). */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return done;
}
