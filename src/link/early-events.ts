import type { TransportEndInfo } from "../types.js";
import type { LinkSink } from "./link.js";

type Outcome = { end: true; info?: TransportEndInfo | undefined } | { error: unknown; info?: TransportEndInfo | undefined };

/**
 * What a connection reports before its sink can take it. Events that arrive before start(), or
 * while the reader is paused on a connection that cannot stop its peer (a WebSocket), are kept and
 * replayed in order once the sink can take them. The connection's first end or error is its
 * outcome: data after it, and any later end or error, are dropped.
 */
export class EarlyEvents implements LinkSink {
  private sink: LinkSink | null = null;
  /** Kept events, in order; null while they go straight to the sink. */
  private kept: Array<Uint8Array | Outcome> | null = [];
  /** The next kept event to replay (no O(n) shift per event). */
  private head = 0;
  private holding = false;
  private replaying = false;
  private settled = false;

  /** The sink, from now on; what was kept meanwhile reaches it first. */
  attach(sink: LinkSink): void {
    if (this.sink) throw new Error("streamux: the transport was already started");
    this.sink = sink;
    this.replay();
  }

  /** Keeps what arrives from now on, until release(). */
  hold(): void {
    this.holding = true;
    this.kept ??= [];
  }

  release(): void {
    this.holding = false;
    this.replay();
  }

  data(chunk: Uint8Array): void {
    if (this.settled) return;
    if (this.kept) this.kept.push(chunk);
    else this.sink!.data(chunk);
  }

  end(info?: TransportEndInfo): void {
    this.settle({ end: true, info });
  }

  error(error: unknown, info?: TransportEndInfo): void {
    this.settle({ error, info });
  }

  /** Not kept: it is about writes, which only a started sink makes. */
  drain(): void {
    this.sink?.drain();
  }

  private settle(outcome: Outcome): void {
    if (this.settled) return;
    this.settled = true;
    if (this.kept) this.kept.push(outcome);
    else deliver(this.sink!, outcome);
  }

  /** Hands kept events to the sink in order, stopping as soon as the sink holds them again. */
  private replay(): void {
    const kept = this.kept;
    // A sink that holds and releases from inside a replayed event resumes this very loop.
    if (!this.sink || !kept || this.holding || this.replaying) return;
    this.replaying = true;
    try {
      while (this.head < kept.length) {
        const event = kept[this.head]!;
        kept[this.head++] = undefined!;
        if (event instanceof Uint8Array) this.sink.data(event);
        else deliver(this.sink, event);
        if (this.holding) {
          kept.splice(0, this.head);
          this.head = 0;
          return;
        }
      }
      this.kept = null;
      this.head = 0;
    } finally {
      this.replaying = false;
    }
  }
}

function deliver(sink: LinkSink, outcome: Outcome): void {
  if ("end" in outcome) sink.end(outcome.info);
  else sink.error(outcome.error, outcome.info);
}
