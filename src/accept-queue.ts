import type { MuxError } from "./errors.js";
import { whenAborted } from "./util/abort.js";

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
  /** Stops listening to the accept()'s signal. */
  stop: (() => void) | null;
}

/**
 * Streams the peer opened, waiting for the application, and the accept() calls waiting for the next
 * one: a FIFO whose limit admission.ts keeps. Once closed, every waiting and future take() rejects
 * with the session's error.
 */
export class AcceptQueue<T> {
  private items: T[] = [];
  private head = 0;
  private waiters: Waiter<T>[] = [];
  private error: MuxError | null = null;
  /** Items handed to the application so far. */
  handed = 0;

  /**
   * `dead` items are dropped unseen (a stream reset while it waited is no use to accept());
   * `taken` is told whenever the application takes an item or starts waiting for one.
   */
  constructor(
    private readonly dead: (item: T) => boolean,
    private readonly taken: () => void,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  /** Hands `item` to a waiting accept(), or queues it. */
  push(item: T): void {
    const w = this.waiters.shift();
    if (w) {
      w.stop?.();
      this.handed++;
      w.resolve(item);
      return;
    }
    this.items.push(item);
  }

  /** The next item; an aborted take rejects with the signal's reason and takes nothing. */
  take(signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    while (this.head < this.items.length) {
      const item = this.items[this.head]!;
      this.items[this.head++] = undefined as T;
      if (this.head === this.items.length) {
        this.items.length = 0;
        this.head = 0;
      }
      if (!this.dead(item)) {
        this.handed++;
        this.taken();
        return Promise.resolve(item);
      }
    }
    if (this.error) return Promise.reject(this.error);
    const waiting = new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, reject, stop: null };
      this.waiters.push(waiter);
      if (signal === undefined) return;
      waiter.stop = whenAborted(signal, () => {
        const at = this.waiters.indexOf(waiter);
        if (at < 0) return;
        this.waiters.splice(at, 1);
        reject(signal.reason);
      });
    });
    this.taken();
    return waiting;
  }

  /** Drops what is queued (the session fails those streams itself) and fails the waiters. */
  close(error: MuxError): void {
    this.error = error;
    this.items = [];
    this.head = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      w.stop?.();
      w.reject(error);
    }
  }
}
