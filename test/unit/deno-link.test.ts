import { describe, expect, it } from "vitest";
import type { Link } from "../../src/link/link.js";
import { fromConn, type DenoConnLike } from "../../src/adapters/deno.js";
import { join, pattern } from "../support/bytes.js";

// streamux/deno's link over a fake connection with Deno's contract: read() fills what it is given
// and write() takes what it can, each a promise the test settles.

interface Pending<T> {
  resolve(value: T): void;
}

class FakeConn implements DenoConnLike {
  /** Each conn.write() call's bytes (copied when called) and how to settle it. */
  readonly writes: Array<{ bytes: Uint8Array } & Pending<number>> = [];
  /** Each conn.read() call's buffer and how to settle it. */
  readonly reads: Array<{ into: Uint8Array } & Pending<number | null>> = [];
  /** How many bytes the next write() calls take, in order; all they are given once empty. */
  readonly takes: number[] = [];
  finSent = false;
  private wakeWrite: (() => void) | null = null;
  private wakeRead: (() => void) | null = null;

  write(p: Uint8Array): Promise<number> {
    return new Promise((resolve) => {
      this.writes.push({ bytes: p.slice(), resolve });
      this.wakeWrite?.();
    });
  }

  read(p: Uint8Array): Promise<number | null> {
    return new Promise((resolve) => {
      this.reads.push({ into: p, resolve });
      this.wakeRead?.();
    });
  }

  async closeWrite(): Promise<void> {
    this.finSent = true;
  }

  close(): void {}

  /** The write() call number `i`, once made. */
  async write_(i: number): Promise<{ bytes: Uint8Array } & Pending<number>> {
    while (this.writes.length <= i) await new Promise<void>((resolve) => (this.wakeWrite = resolve));
    return this.writes[i]!;
  }

  /** Settles write() call `i`, taking its bytes (or the next of `takes`). */
  async take(i: number): Promise<void> {
    const w = await this.write_(i);
    w.resolve(Math.min(w.bytes.length, this.takes.shift() ?? w.bytes.length));
  }

  /** The read() call number `i`, once made. */
  async read_(i: number): Promise<{ into: Uint8Array } & Pending<number | null>> {
    while (this.reads.length <= i) await new Promise<void>((resolve) => (this.wakeRead = resolve));
    return this.reads[i]!;
  }
}

function linkOver(conn: FakeConn, data: (chunk: Uint8Array) => void = () => {}): { link: Link; drains: () => number } {
  const link = fromConn(conn).link!;
  let drains = 0;
  link.start({ data, end() {}, error() {}, drain: () => drains++ });
  return { link, drains: () => drains };
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

const header = () => pattern(8, 7);

describe("streamux/deno link writes", () => {
  it("sends a DATA frame's header and its 64 KiB payload in one conn.write, the parts freed once copied", async () => {
    const conn = new FakeConn();
    const { link } = linkOver(conn);
    const payload = pattern(64 * 1024, 1);
    let done = false;
    link.write([header(), payload], () => (done = true));
    const w = await conn.write_(0);
    expect(done).toBe(true);
    expect(same(w.bytes, join([header(), payload]))).toBe(true);
    await conn.take(0);
  });

  it("joins the writes queued behind a conn.write under way into the next one", async () => {
    const conn = new FakeConn();
    const { link } = linkOver(conn);
    const first = pattern(100, 1);
    link.write([first], () => {});
    await conn.write_(0);
    // Small frames of later flushes (window updates, say) while the first is being written.
    const later = [pattern(12, 2), pattern(12, 3), pattern(20, 4)];
    for (const p of later) link.write([p], () => {});
    await conn.take(0);
    const w = await conn.write_(1);
    expect(same(w.bytes, join(later))).toBe(true);
    await conn.take(1);
    expect(conn.writes.length).toBe(2);
  });

  it("writes the rest of what conn.write took only in part, in order", async () => {
    const conn = new FakeConn();
    const { link } = linkOver(conn);
    const parts = [header(), pattern(64 * 1024, 1)];
    conn.takes.push(1000, 20_000);
    link.write(parts, () => {});
    for (let i = 0; i < 3; i++) await conn.take(i);
    const [a, b, c] = conn.writes.map((w) => w.bytes);
    expect([a!.length, b!.length, c!.length]).toEqual([64 * 1024 + 8, 64 * 1024 + 8 - 1000, 64 * 1024 + 8 - 21_000]);
    expect(same(join([a!.subarray(0, 1000), b!.subarray(0, 20_000), c!]), join(parts))).toBe(true);
  });

  it("asks the session to wait past 256 KiB queued, and lets it go on once below while writing", async () => {
    const conn = new FakeConn();
    const { link, drains } = linkOver(conn);
    const write = () => link.write([header(), pattern(64 * 1024, 1)], () => {});
    expect([write(), write(), write(), write()]).toEqual([true, true, true, false]);
    await conn.take(0);
    await conn.write_(1);
    // The first went out whole; the other three leave in one write, under way now.
    expect(drains()).toBe(1);
    expect(conn.writes[1]!.bytes.length).toBe(3 * (64 * 1024 + 8));
    await conn.take(1);
  });

  it("sends FIN only after a joined write under way is taken", async () => {
    const conn = new FakeConn();
    const { link } = linkOver(conn);
    link.write([header(), pattern(1000, 1)], () => {});
    await conn.write_(0);
    const fin = link.closeWrite!();
    await Promise.resolve();
    await Promise.resolve();
    expect(conn.finSent).toBe(false);
    await conn.take(0);
    await fin;
    expect(conn.finSent).toBe(true);
  });
});

describe("streamux/deno link reads", () => {
  it("reads into larger buffers while reads fill them, a small one once they do not, and hands over intact chunks", async () => {
    const conn = new FakeConn();
    const got: Uint8Array[] = [];
    linkOver(conn, (c) => got.push(c));
    const fill = async (i: number, n: number) => {
      const r = await conn.read_(i);
      const taken = Math.min(n, r.into.length);
      r.into.set(pattern(taken, i));
      r.resolve(taken);
      return r.into.length;
    };
    const sizes: number[] = [];
    for (let i = 0; i < 6; i++) sizes.push(await fill(i, Number.MAX_SAFE_INTEGER));
    sizes.push(await fill(6, 50 * 1024));
    sizes.push(await fill(7, 100));
    sizes.push((await conn.read_(8)).into.length);
    // Up to 256 KiB while reads fill the buffer; then twice what came: 128 KiB after 50 KiB, and
    // 16 KiB (the least) after 100 bytes, which is what a connection gone quiet keeps waiting.
    expect(sizes.map((s) => s / 1024)).toEqual([16, 32, 64, 128, 256, 256, 256, 128, 16]);
    // Full buffers were handed over as they are; small reads as copies.
    expect(got.map((c) => c.length / 1024)).toEqual([16, 32, 64, 128, 256, 256, 50, 100 / 1024]);
    for (let i = 0; i < got.length; i++) expect(same(got[i]!, pattern(got[i]!.length, i))).toBe(true);
    (await conn.read_(8)).resolve(null);
  });
});
