/** What the ready queue holds: a stream's send half. */
export interface Ready {
  /** Set while it sits in the queue. */
  queued: boolean;
  /** WebTransport's sendOrder: higher goes first; equal ones take turns. */
  sendOrder: number;
}

/** One sendOrder's streams, round-robin: an array with a moving head instead of O(n) shift(). */
class Ring<T> {
  items: T[] = [];
  head = 0;

  constructor(readonly order: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T {
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as T;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/**
 * The streams that have something to send, for the writer (scheduler.ts): the highest sendOrder
 * first, and round-robin among equals. Almost every session has one order (0), so that case is one
 * ring and no sorting; other orders get a ring each, kept sorted by order.
 */
export class ReadyQueue<T extends Ready> {
  /** Non-empty rings or rings in use, highest order first. */
  private rings: Ring<T>[] = [new Ring<T>(0)];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    item.queued = true;
    this.count++;
    this.ringFor(item.sendOrder).push(item);
  }

  /** The next item: from the highest order that has one. */
  shift(): T | undefined {
    const rings = this.rings;
    for (let i = 0; i < rings.length; i++) {
      const ring = rings[i]!;
      if (ring.size === 0) continue;
      const item = ring.shift();
      this.count--;
      item.queued = false;
      // Its order changed while it waited: it goes where it belongs now, behind its new equals.
      if (item.sendOrder !== ring.order) {
        this.push(item);
        return this.shift();
      }
      if (ring.size === 0 && ring.order !== 0) rings.splice(i, 1);
      return item;
    }
    return undefined;
  }

  clear(): void {
    this.rings = [new Ring<T>(0)];
    this.count = 0;
  }

  private ringFor(order: number): Ring<T> {
    const rings = this.rings;
    let i = 0;
    while (i < rings.length && rings[i]!.order > order) i++;
    if (i < rings.length && rings[i]!.order === order) return rings[i]!;
    const ring = new Ring<T>(order);
    rings.splice(i, 0, ring);
    return ring;
  }
}
