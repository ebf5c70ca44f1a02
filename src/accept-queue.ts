import type { MuxError } from "./errors.js";

/**
 * Streams the peer opened, waiting for the application, and the accept() calls waiting for the next
 * one: a FIFO whose limit admission.ts keeps. Once closed, every waiting and future take() rejects
 * with the session's error.
 */
export class AcceptQueue<T> {
  private items: T[] = [];
  private head = 0;
  private waiters: { resolve: (v: T) => void; reject: (e: unknown) => void }[] = [];
  private error: MuxError | null = null;

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
    if (w) return w.resolve(item);
    this.items.push(item);
  }

  take(): Promise<T> {
    while (this.head < this.items.length) {
      const item = this.items[this.head]!;
      this.items[this.head++] = undefined as T;
      if (this.head === this.items.length) {
        this.items.length = 0;
        this.head = 0;
      }
      if (!this.dead(item)) {
        this.taken();
        return Promise.resolve(item);
      }
    }
    if (this.error) return Promise.reject(this.error);
    const waiting = new Promise<T>((resolve, reject) => this.waiters.push({ resolve, reject }));
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
    for (const w of waiters) w.reject(error);
  }
}
