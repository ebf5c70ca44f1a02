import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeLink, LogSink, settled } from "../support/fake-link.js";

// The end policy and bookkeeping every adapter's Link shares (src/link/connection-link.ts).

const bytes = (...b: number[]) => new Uint8Array(b);

afterEach(() => {
  vi.useRealTimers();
});

describe("ConnectionLink end()", () => {
  it("sends FIN, drops what still arrives, and settles once the peer's FIN has closed the connection", async () => {
    const link = new FakeLink();
    const sink = new LogSink();
    link.start(sink);
    const ending = link.end();
    await Promise.resolve();
    link.peerSends(bytes(1));
    expect(await settled(ending)).toBe(false);
    link.peerEnds();
    await ending;
    // Reading resumed (the FIN must be read to be seen), FIN went out, and both directions being
    // done closed the connection.
    expect(link.log).toEqual(["resume", "fin", "terminate"]);
    expect(sink.events).toEqual(["end"]);
  });

  it("has no timer of its own: it waits for the peer however long, until destroy()", async () => {
    vi.useFakeTimers();
    const link = new FakeLink();
    link.start(new LogSink());
    const ending = link.end();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await settled(ending)).toBe(false);
    link.destroy();
    await ending;
    expect(link.log).toEqual(["resume", "fin", "terminate"]);
  });

  it("ignores pause() once ending: the peer's FIN must still be read", () => {
    const link = new FakeLink();
    link.start(new LogSink());
    void link.end();
    link.pause();
    expect(link.log).not.toContain("pause");
  });

  it("is one end: a second end() returns the same promise and sends no second FIN", async () => {
    const link = new FakeLink();
    link.start(new LogSink());
    const first = link.end();
    expect(link.end()).toBe(first);
    link.peerEnds();
    await first;
    expect(link.log.filter((m) => m === "fin")).toHaveLength(1);
  });
});

describe("ConnectionLink closeWrite()", () => {
  it("half-closes: data still arrives after our FIN, and the peer's FIN then closes the connection", async () => {
    const link = new FakeLink();
    const sink = new LogSink();
    link.start(sink);
    await link.closeWrite();
    link.peerSends(bytes(7));
    expect(link.log).toEqual(["fin"]);
    link.peerEnds();
    expect(sink.events).toEqual(["data 7", "end"]);
    expect(link.log).toEqual(["fin", "terminate"]);
  });

  it("closes at once when the peer had already ended", async () => {
    const link = new FakeLink();
    link.start(new LogSink());
    link.peerEnds();
    await link.closeWrite();
    expect(link.log).toEqual(["fin", "terminate"]);
  });
});

describe("ConnectionLink events", () => {
  it("keeps what the connection reports before start() and replays it in order", () => {
    const link = new FakeLink();
    link.peerSends(bytes(1));
    link.peerEnds();
    const sink = new LogSink();
    link.start(sink);
    expect(sink.events).toEqual(["data 1", "end"]);
  });

  it("reports drain once per write that found the connection full", () => {
    const link = new FakeLink();
    const sink = new LogSink();
    link.start(sink);
    link.room = false;
    expect(link.write([bytes(1)], () => {})).toBe(false);
    link.hasRoom();
    link.hasRoom();
    expect(sink.events).toEqual(["drain"]);
  });

  it("ends the peer's data with the runtime's error when the connection closes first", async () => {
    const link = new FakeLink();
    const sink = new LogSink();
    link.start(sink);
    link.runtimeCloses(new Error("socket closed"));
    link.peerSends(bytes(1));
    expect(sink.events).toEqual(["error socket closed"]);
    await link.end(); // the connection is gone: nothing to wait for
  });

  it("does not terminate a connection that is already gone", () => {
    const link = new FakeLink();
    link.start(new LogSink());
    link.runtimeCloses();
    link.destroy();
    expect(link.log).toEqual([]);
  });
});
