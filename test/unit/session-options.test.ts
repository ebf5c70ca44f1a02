import { describe, expect, it } from "vitest";
import { HEARTBEAT_TYPE, Session, type SessionOptions } from "../../src/index.js";
import { memoryPair } from "../support/memory-pair.js";
import { startSession } from "../support/raw-peer.js";

// Every option is checked when the session starts: a wrong type, a value out of range or a name the
// session does not know throws at once, naming the option, instead of misbehaving later.
const start = (options: unknown) => () => Session.client(memoryPair().a, options as SessionOptions);

describe("session options", () => {
  it.each([
    ["windowSize", { windowSize: 0 }, RangeError],
    ["windowSize", { windowSize: 2 ** 31 }, RangeError],
    ["windowSize", { windowSize: 1.5 }, TypeError],
    ["windowSize", { windowSize: "65536" }, TypeError],
    ["maxWindowSize", { maxWindowSize: -1 }, RangeError],
    ["acceptBacklog", { acceptBacklog: 0 }, RangeError],
    ["maxIncomingStreams", { maxIncomingStreams: Number.NaN }, TypeError],
    ["receiveBudget", { receiveBudget: 1024 }, RangeError],
    ["typed", { typed: "yes" }, TypeError],
    ["closeTimeout", { closeTimeout: -1 }, RangeError],
    ["closeTimeout", { closeTimeout: Infinity }, RangeError],
    ["heartbeat", { heartbeat: 10 }, TypeError],
    ["heartbeat.interval", { heartbeat: { interval: -5 } }, RangeError],
    ["heartbeat.interval", { heartbeat: { interval: 0 } }, RangeError],
    ["heartbeat.interval", { heartbeat: { interval: "x" } }, TypeError],
    ["heartbeat.tolerance", { heartbeat: { tolerance: -1 } }, RangeError],
    ["heartbeat.onBeat", { heartbeat: { onBeat: "log" } }, TypeError],
    ["heartbeat.closeOnTimeout", { heartbeat: { closeOnTimeout: 1 } }, TypeError],
  ])("rejects a bad %s (%j) with %s naming it", (name, options, kind) => {
    expect(start(options)).toThrow(kind);
    expect(start(options)).toThrow(name);
  });

  it.each([
    [{ windowsize: 1024 }, "windowsize"],
    [{ heartbeat: { intervall: 1000 } }, "intervall"],
    [{ host: "127.0.0.1" }, "host"],
  ])("rejects an unknown option name (%j), naming it", (options, name) => {
    expect(start(options)).toThrow(TypeError);
    expect(start(options)).toThrow(`"${name}"`);
  });

  it("accepts every option at a valid value, and undefined as the default", () => {
    const session = Session.server(memoryPair().a, {
      windowSize: 1024,
      maxWindowSize: 4096,
      acceptBacklog: 1,
      maxIncomingStreams: 1,
      receiveBudget: 1024 * 1024,
      typed: true,
      heartbeat: { interval: 1000, tolerance: 0, onBeat: () => {}, onTimeout: () => {}, closeOnTimeout: false },
      closeTimeout: 0,
    });
    expect(session.windowSize).toBe(1024);
    expect(Session.client(memoryPair().a, { windowSize: undefined }).windowSize).toBe(256 * 1024);
    void session.close();
  });
});

describe("open() options", () => {
  it("refuses the heartbeat's type: the peer would answer the stream as a heartbeat and never accept it", async () => {
    const { session } = startSession("client", { typed: true });
    await expect(session.open({ type: HEARTBEAT_TYPE })).rejects.toThrow(RangeError);
    await expect(session.open({ type: HEARTBEAT_TYPE - 1 })).resolves.toBeDefined();
  });

  it("refuses a type that is no uint32, a type on an untyped session, and unknown option names", async () => {
    const typed = startSession("client", { typed: true }).session;
    await expect(typed.open({ type: -1 })).rejects.toThrow(RangeError);
    await expect(typed.open({ type: 1.5 })).rejects.toThrow(RangeError);
    await expect(typed.open({ typ: 1 } as never)).rejects.toThrow(/unknown option "typ"/);
    const untyped = startSession("client").session;
    await expect(untyped.open({ type: 1 })).rejects.toThrow(TypeError);
  });
});
