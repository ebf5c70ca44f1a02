import { describe, expect, it } from "vitest";
import { addCredit, creditThreshold, MAX_WINDOW, ReceiveWindow } from "../../src/flow.js";

// src/flow.ts: flow control as counters, without a session (docs/protocol.md, "Flow control").
describe("the receive window", () => {
  it("takes data up to the credit granted and reports the first byte past it", () => {
    const w = new ReceiveWindow(100);
    expect(w.admit(60)).toBe(true);
    expect(w.admit(40)).toBe(true);
    expect(w.credit).toBe(0);
    expect(w.admit(1)).toBe(false);
  });

  it("grants credit back in batches of at least half a window, exactly what was consumed", () => {
    const w = new ReceiveWindow(100);
    w.admit(100);
    expect(w.consume(30, 100, false)).toBe(0);
    expect(w.consume(19, 100, false)).toBe(0);
    expect(w.consume(1, 100, false)).toBe(50);
    expect(w.credit).toBe(50);
    expect(w.consume(50, 100, false)).toBe(50);
    expect(w.credit).toBe(100);
    expect(w.size).toBe(100);
  });

  it("grows by doubling, with the extra in the same grant, while the reader keeps up, never past the maximum", () => {
    const w = new ReceiveWindow(100);
    w.admit(100);
    expect(w.consume(100, 350, true)).toBe(100 + 100);
    expect(w.size).toBe(200);
    w.admit(200);
    expect(w.consume(200, 350, true)).toBe(200 + 150);
    expect(w.size).toBe(350);
    w.admit(350);
    expect(w.consume(350, 350, true)).toBe(350);
    expect(w.size).toBe(350);
    // The peer may now send what the window promises, and not a byte more.
    expect(w.admit(350)).toBe(true);
    expect(w.admit(1)).toBe(false);
  });

  it("never grows for a reader that falls behind", () => {
    const w = new ReceiveWindow(100);
    for (let i = 0; i < 10; i++) {
      w.admit(100);
      expect(w.consume(100, 1000, false)).toBe(100);
    }
    expect(w.size).toBe(100);
  });

  it("batches at one byte for a one-byte window", () => {
    expect(creditThreshold(1)).toBe(1);
    const w = new ReceiveWindow(1);
    w.admit(1);
    expect(w.consume(1, 1, false)).toBe(1);
  });
});

describe("send credit", () => {
  it("adds a WNDINC's increment, capped at the largest 31-bit window", () => {
    expect(addCredit(10, 5)).toBe(15);
    expect(addCredit(MAX_WINDOW - 1, 0x7fffffff)).toBe(MAX_WINDOW);
  });
});
