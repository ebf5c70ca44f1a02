import { describe, expect, it } from "vitest";
import type { MuxStream } from "../../src/index.js";
import { endpoint, parseExpose, parseServe, UsageError } from "../../tools/tunnel/args.js";
import { Backoff } from "../../tools/tunnel/backoff.js";
import { parsePortRanges, PortPolicy } from "../../tools/tunnel/ports.js";
import { encodeMessage, MessageReader, parseHello, parseServerMessage } from "../../tools/tunnel/protocol.js";
import { Tokens } from "../../tools/tunnel/tokens.js";

/** A stream whose reads return these chunks, then the end. */
function chunked(chunks: Uint8Array[]): MuxStream {
  return { read: async () => chunks.shift() ?? null } as unknown as MuxStream;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("the tunnel's messages (docs/tunnel-protocol.md)", () => {
  it("are a 4-byte big-endian length and JSON, as in the document's example", () => {
    const bytes = encodeMessage({ type: "hello", version: 1, token: "s3" });
    expect(hex(bytes.subarray(0, 4))).toBe("00000029");
    expect(Buffer.from(bytes.subarray(4)).toString()).toBe('{"type":"hello","version":1,"token":"s3"}');
    expect(hex(encodeMessage({ remote: "127.0.0.1:51234" }).subarray(0, 4))).toBe("0000001c");
  });

  it("are read however the stream splits them, and what follows a message is kept", async () => {
    const a = encodeMessage({ remote: "[::1]:9" });
    const all = new Uint8Array([...a, ...new TextEncoder().encode("GET / HTTP/1.1\r\n")]);
    for (let cut = 1; cut < all.length - 2; cut++) {
      const stream = chunked([all.slice(0, 2), all.slice(2, cut + 2), all.slice(cut + 2)].filter((c) => c.length > 0));
      const reader = new MessageReader(stream);
      expect(await reader.next()).toEqual({ remote: "[::1]:9" });
      // What the reader took past the message, then what the stream still holds: the rest, in order.
      const after = [reader.rest()];
      for (let chunk = await stream.read(); chunk; chunk = await stream.read()) after.push(chunk);
      expect(Buffer.concat(after).toString(), `cut at ${cut}`).toBe("GET / HTTP/1.1\r\n");
    }
  });

  it("end cleanly between messages and fail inside one; oversized or non-object messages are refused", async () => {
    expect(await new MessageReader(chunked([])).next()).toBeNull();
    await expect(new MessageReader(chunked([encodeMessage({ a: 1 }).subarray(0, 6)])).next()).rejects.toThrow(/inside a message/);
    await expect(new MessageReader(chunked([new Uint8Array([0, 1, 0, 1])])).next()).rejects.toThrow(/over 65536/);
    const array = new TextEncoder().encode("[1]");
    await expect(new MessageReader(chunked([new Uint8Array([0, 0, 0, 3, ...array])])).next()).rejects.toThrow(/JSON object/);
  });

  it("hello fields are checked; the server's answers are recognised", () => {
    expect(parseHello({ type: "hello", version: 1, token: "t", name: "n", port: 20000 })).toMatchObject({ port: 20000 });
    expect(parseHello({ type: "ready" })).toMatch(/expected a hello/);
    expect(parseHello({ type: "hello", version: 1, port: 70000 })).toMatch(/port/);
    expect(parseHello({ type: "hello", version: 1, token: 5 })).toMatch(/token/);
    expect(parseServerMessage({ type: "ready", host: "", port: 5 })).toEqual({ type: "ready", host: "", port: 5 });
    expect(parseServerMessage({ type: "error", code: "unauthorized" })).toMatchObject({ code: "unauthorized", message: "unauthorized" });
    expect(() => parseServerMessage({ type: "surprise" })).toThrow(/unexpected/);
  });
});

describe("the port policy", () => {
  it("parses ranges and single ports, and refuses bad ones", () => {
    expect(parsePortRanges("20000-20999, 8080")).toEqual([
      { from: 20000, to: 20999 },
      { from: 8080, to: 8080 },
    ]);
    expect(() => parsePortRanges("9-1")).toThrow(/low to high/);
    expect(() => parsePortRanges("http")).toThrow(/not a port/);
    expect(() => parsePortRanges("1-70000")).toThrow(/1-65535/);
  });

  it("lets agents choose only inside --ports, and never without it", () => {
    const policy = new PortPolicy(parsePortRanges("20000-20009,8080"));
    expect([20000, 20009, 8080].map((p) => policy.allows(p))).toEqual([true, true, true]);
    expect([19999, 20010, 80].map((p) => policy.allows(p))).toEqual([false, false, false]);
    expect(new PortPolicy(null).allows(20000)).toBe(false);
  });
});

describe("tokens", () => {
  it("match by value, whatever their lengths, and report which one matched", () => {
    const tokens = new Tokens(["first", "a much longer second token"]);
    expect(tokens.match("first")).toBe(0);
    expect(tokens.match("a much longer second token")).toBe(1);
    expect(tokens.match("firs")).toBe(-1);
    expect(tokens.match(undefined)).toBe(-1);
    expect(new Tokens([]).match(undefined)).toBe(0);
  });
});

describe("reconnection delays", () => {
  it("double from 250 ms up to 30 s, each a random 50-100 % of its step, and start again after reset()", () => {
    const low = new Backoff(250, 30_000, () => 0);
    expect(Array.from({ length: 10 }, () => low.next())).toEqual([125, 250, 500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    const high = new Backoff(250, 30_000, () => 0.999999);
    expect(Array.from({ length: 9 }, () => high.next()).at(-1)).toBe(30_000);
    high.reset();
    expect(high.next()).toBe(250);
  });
});

describe("the command line", () => {
  it("reads HOST:PORT, [IPv6]:PORT, :PORT and PORT", () => {
    expect(endpoint("x", "127.0.0.1:7000", false)).toEqual({ host: "127.0.0.1", port: 7000 });
    expect(endpoint("x", "[::1]:7000", false)).toEqual({ host: "::1", port: 7000 });
    expect(endpoint("x", ":7000", false)).toEqual({ host: undefined, port: 7000 });
    expect(endpoint("x", "8080", false)).toEqual({ host: undefined, port: 8080 });
    expect(endpoint("x", "localhost:0", true)).toEqual({ host: "localhost", port: 0 });
    expect(() => endpoint("x", "localhost:0", false)).toThrow(UsageError);
    expect(() => endpoint("x", "nohost", false)).toThrow(UsageError);
  });

  it("checks serve's and expose's options, and takes the token from the environment", () => {
    expect(parseServe(["--control", ":7000"], { STREAMUX_TUNNEL_TOKEN: "env" })).toMatchObject({
      tokens: ["env"],
      ports: null,
      graceMs: 30_000,
    });
    expect(parseServe(["--control", ":7000", "--token", "a", "--token", "b", "--ports", "20000-20001"], {})).toMatchObject({
      tokens: ["a", "b"],
    });
    expect(() => parseServe([], {})).toThrow(/--control/);
    expect(() => parseServe(["--control", ":1", "--tls-cert", "c"], {})).toThrow(/go together/);
    expect(() => parseServe(["--control", ":1", "--tokn", "x"], {})).toThrow(/tokn/);
    expect(parseServe(["--help"], {})).toBeNull();
    const expose = parseExpose(["8080", "--server", "ws://h:1/p", "--remote-port", "20000"], { STREAMUX_TUNNEL_TOKEN: "env" })!;
    expect(expose).toMatchObject({ local: { host: "localhost", port: 8080 }, token: "env", remotePort: 20000 });
    expect(expose.server.href).toBe("ws://h:1/p");
    expect(() => parseExpose(["8080", "--server", "http://h:1"], {})).toThrow(/scheme/);
    expect(() => parseExpose(["8080", "--server", "tcp://h"], {})).toThrow(/port/);
    expect(() => parseExpose(["--server", "tcp://h:1"], {})).toThrow(/LOCAL_HOST:PORT/);
  });
});
