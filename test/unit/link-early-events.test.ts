import { describe, expect, it } from "vitest";
import { EarlyEvents } from "../../src/link/early-events.js";
import { LogSink } from "../support/fake-link.js";

// What every adapter's connection reports before its sink can take it (src/link/early-events.ts).

const bytes = (...b: number[]) => new Uint8Array(b);

describe("EarlyEvents", () => {
  it("replays what arrived before the sink, in order, then passes events straight through", () => {
    const events = new EarlyEvents();
    events.data(bytes(1));
    events.data(bytes(2));
    const sink = new LogSink();
    events.attach(sink);
    expect(sink.events).toEqual(["data 1", "data 2"]);
    events.data(bytes(3));
    events.end();
    expect(sink.events).toEqual(["data 1", "data 2", "data 3", "end"]);
  });

  it("delivers an end that came before start() after the data that preceded it", () => {
    const events = new EarlyEvents();
    events.data(bytes(1));
    events.end();
    const sink = new LogSink();
    events.attach(sink);
    expect(sink.events).toEqual(["data 1", "end"]);
  });

  it("keeps the first outcome only: data after it and a later end or error are dropped", () => {
    const events = new EarlyEvents();
    const sink = new LogSink();
    events.attach(sink);
    events.error(new Error("reset"));
    events.data(bytes(9));
    events.end();
    events.error(new Error("again"));
    expect(sink.events).toEqual(["error reset"]);
  });

  it("holds events from hold() until release(), and a sink that holds mid-replay stops it there", () => {
    const events = new EarlyEvents();
    for (const b of [1, 2, 3]) events.data(bytes(b));
    events.end();
    const sink = new LogSink((chunk) => {
      if (chunk[0] === 2) events.hold();
    });
    events.attach(sink);
    expect(sink.events).toEqual(["data 1", "data 2"]);
    events.release();
    expect(sink.events).toEqual(["data 1", "data 2", "data 3", "end"]);
  });

  it("passes drain only to a started sink (it answers a write, which only a started sink makes)", () => {
    const events = new EarlyEvents();
    events.drain();
    const sink = new LogSink();
    events.attach(sink);
    events.drain();
    expect(sink.events).toEqual(["drain"]);
  });

  it("refuses a second sink", () => {
    const events = new EarlyEvents();
    events.attach(new LogSink());
    expect(() => events.attach(new LogSink())).toThrow(/already started/);
  });
});
