import { afterEach, describe, expect, it, vi } from "vitest";
import type { Link } from "../../src/link/link.js";
import { STREAMS_CLOSE_TIMEOUT_MS, toStreams } from "../../src/link/to-streams.js";
import { transportOf } from "../../src/link/transport.js";
import { FakeLink, settled } from "../support/fake-link.js";

// The WHATWG view of a Link, which every adapter's readable/writable is (src/link/to-streams.ts).

const bytes = (...b: number[]) => new Uint8Array(b);

afterEach(() => {
  vi.useRealTimers();
});

describe("toStreams writes", () => {
  it("resolve once the link is done with the chunk, not before", async () => {
    const link = new FakeLink();
    const writer = toStreams(link).writable.getWriter();
    const writing = writer.write(bytes(1, 2));
    await vi.waitFor(() => expect(link.dones).toHaveLength(1));
    expect(await settled(writing)).toBe(false);
    link.dones[0]!();
    await writing;
    expect(link.written).toEqual([bytes(1, 2)]);
  });

  it("wait for drain as well when the link was full", async () => {
    const link = new FakeLink();
    const writer = toStreams(link).writable.getWriter();
    link.room = false;
    const writing = writer.write(bytes(1));
    await vi.waitFor(() => expect(link.dones).toHaveLength(1));
    link.dones[0]!();
    expect(await settled(writing)).toBe(false);
    link.hasRoom();
    await writing;
  });

  it("reject, with both streams, when the connection fails while a write waits", async () => {
    const link = new FakeLink();
    const { readable, writable } = toStreams(link);
    const writer = writable.getWriter();
    const writing = writer.write(bytes(1));
    await vi.waitFor(() => expect(link.dones).toHaveLength(1));
    link.peerEnds(new Error("reset"));
    await expect(writing).rejects.toThrow("reset");
    await expect(readable.getReader().read()).rejects.toThrow("reset");
  });
});

describe("toStreams close", () => {
  it("writable.close() half-closes a link that can: the readable goes on to the peer's FIN", async () => {
    const link = new FakeLink();
    const { readable, writable } = toStreams(link);
    await writable.close();
    expect(link.log).toContain("fin");
    link.peerSends(bytes(5));
    link.peerEnds();
    const chunks: number[][] = [];
    for await (const c of readable) chunks.push([...c]);
    expect(chunks).toEqual([[5]]);
    expect(link.log).toContain("terminate"); // both directions done: the connection closed
  });

  it("writable.close() ends a link that cannot half-close", async () => {
    let ended = 0;
    const link: Link = {
      start() {},
      write: (_parts, done) => {
        done();
        return true;
      },
      pause() {},
      resume() {},
      end: async () => void ended++,
      destroy() {},
    };
    await toStreams(link).writable.close();
    expect(ended).toBe(1);
  });

  it(`gives a graceful close ${STREAMS_CLOSE_TIMEOUT_MS} ms, then tears the connection down`, async () => {
    vi.useFakeTimers();
    const link = new FakeLink();
    const { readable, writable } = toStreams(link);
    await writable.close();
    const cancelling = readable.cancel(); // our side closed: end gracefully, waiting for the peer
    await vi.advanceTimersByTimeAsync(STREAMS_CLOSE_TIMEOUT_MS - 1);
    expect(link.log).not.toContain("terminate");
    await vi.advanceTimersByTimeAsync(1);
    await cancelling;
    expect(link.log).toContain("terminate");
  });

  it("cancelling the readable while our side is open tears the connection down at once", async () => {
    const link = new FakeLink();
    await toStreams(link).readable.cancel();
    expect(link.log).toContain("terminate");
    expect(link.log).not.toContain("fin");
  });
});

describe("toStreams reads", () => {
  it("pauses the link once 64 KiB wait unread, and resumes it when read", async () => {
    const link = new FakeLink();
    const reader = toStreams(link).readable.getReader();
    await vi.waitFor(() => expect(link.log).toContain("resume")); // the first pull
    link.peerSends(new Uint8Array(32 * 1024));
    expect(link.log).not.toContain("pause");
    link.peerSends(new Uint8Array(32 * 1024));
    expect(link.log.at(-1)).toBe("pause");
    await reader.read();
    await vi.waitFor(() => expect(link.log.at(-1)).toBe("resume"));
  });
});

describe("transportOf", () => {
  it("builds the WHATWG streams only when asked, and close() tears the connection down", async () => {
    const link = new FakeLink();
    const transport = transportOf(link);
    expect(transport.link).toBe(link);
    link.peerSends(bytes(1)); // kept: nothing has started the link
    const reader = transport.readable.getReader();
    expect([...(await reader.read()).value!]).toEqual([1]);
    await transport.close?.();
    expect(link.log).toContain("terminate");
  });
});
