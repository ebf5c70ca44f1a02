/**
 * A session fed random frame sequences (well-formed and not, plus plain garbage) by a raw peer, in
 * random chunks, in both roles. Whatever arrives, the session must not throw, must not hang (its
 * `closed` settles once the transport ends, and so does every accept, read and write the
 * application has pending), must not leave a promise rejection unhandled, and must only ever
 * report MuxErrors with codes from the protocol's table.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { within } from "../support/async.js";
import { ErrorCode, MuxError, Session, type MuxStream, type SessionCloseInfo } from "../../src/index.js";
import { Flag, type Frame } from "../../src/frame/index.js";
import { describe as show, rawPeer } from "../support/raw-peer.js";

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
beforeAll(() => void process.on("unhandledRejection", onUnhandled));
afterAll(() => void process.off("unhandledRejection", onUnhandled));

const TABLE = new Set(Object.values(ErrorCode) as number[]);
/** How long a run may take to settle before it counts as a hang. */
const HANG_MS = 3000;

/** Hand-built frame bytes: any header, any payload. */
function raw(length: number, type: number, flags: number, streamId: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  out.set([(length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff, ((type & 0xf) << 4) | (flags & 0xf)]);
  new DataView(out.buffer).setUint32(4, streamId >>> 0);
  out.set(payload, 8);
  return out;
}

const u32 = (v: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0);
  return b;
};

/**
 * A stream id relative to the session under test, so the frames make sense in either role: mostly
 * ids the peer may open (its parity: the session must accept its SYNs), some of the session's own
 * (the streams the application opened), sometimes anything at all, reserved bit included.
 */
type IdSpec = { rel: "peer" | "own"; n: number } | { abs: number };
type Role = "client" | "server";

function toId(id: IdSpec, role: Role): number {
  if ("abs" in id) return id.abs;
  const peerOdd = role === "server"; // a client peer opens odd ids
  if (id.rel === "peer") return peerOdd ? 1 + 2 * id.n : 2 + 2 * id.n;
  // The session's own streams: 3, 5, … on a client, 2, 4, … on a server.
  return peerOdd ? 2 + 2 * id.n : 3 + 2 * id.n;
}

const idSpec: fc.Arbitrary<IdSpec> = fc.oneof(
  { weight: 7, arbitrary: fc.record({ rel: fc.constant("peer" as const), n: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ rel: fc.constant("own" as const), n: fc.integer({ min: 0, max: 3 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ abs: fc.oneof(fc.constantFrom(0x7fffffff, 0x80000002, 0x80000003), fc.nat({ max: 0xffffffff })) }),
  },
);
const payload = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 16 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 100, maxLength: 3000 }) },
  // A typed-stream header (type 1, or the heartbeat's 0xFFFFFFFF, which a typed session answers).
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(1, 0xffffffff), fc.uint8Array({ maxLength: 12 }))
      .map(([type, rest]) => new Uint8Array([...u32(type), ...rest])),
  },
);
const code = fc.oneof(fc.integer({ min: 0, max: 16 }), fc.nat({ max: 0xffffffff }));

/** What the raw peer sends, described (readable in a counterexample) and encoded per role. */
type Piece =
  | { k: "data"; id: IdSpec; flags: number; p: Uint8Array }
  | { k: "rst"; id: IdSpec; code: number }
  | { k: "wndinc"; id: IdSpec; inc: number }
  | { k: "goaway"; last: IdSpec; code: number; debug: Uint8Array }
  | { k: "unknown"; type: number; flags: number; id: number; p: Uint8Array }
  | { k: "malformed"; type: number; flags: number; id: number; p: Uint8Array; delta: number }
  | { k: "bytes"; b: Uint8Array };

function encodePiece(x: Piece, role: Role): Uint8Array {
  switch (x.k) {
    case "data":
      return raw(x.p.length, 1, x.flags, toId(x.id, role), x.p);
    case "rst":
      return raw(4, 0, 0, toId(x.id, role), u32(x.code));
    case "wndinc":
      return raw(4, 2, 0, toId(x.id, role), u32(x.inc));
    case "goaway":
      return raw(8 + x.debug.length, 3, 0, 0, new Uint8Array([...u32(toId(x.last, role)), ...u32(x.code), ...x.debug]));
    case "unknown":
      return raw(x.p.length, x.type, x.flags, x.id, x.p);
    case "malformed":
      return raw(Math.max(0, x.p.length + x.delta), x.type, x.flags, x.id, x.p);
    case "bytes":
      return x.b;
  }
}

const dataFrame = fc.record({
  k: fc.constant("data" as const),
  id: idSpec,
  flags: fc.oneof(fc.constantFrom(0, 1, 2, 2, 3), fc.integer({ min: 0, max: 15 })),
  p: payload,
});
const rstFrame = fc.record({ k: fc.constant("rst" as const), id: idSpec, code });
const wndIncFrame = fc.record({
  k: fc.constant("wndinc" as const),
  id: idSpec,
  inc: fc.oneof(fc.integer({ min: 1, max: 70000 }), fc.constant(0x7fffffff)),
});
const goAwayFrame = fc.record({ k: fc.constant("goaway" as const), last: idSpec, code, debug: fc.uint8Array({ maxLength: 20 }) });
const unknownFrame = fc.record({
  k: fc.constant("unknown" as const),
  type: fc.integer({ min: 4, max: 15 }),
  flags: fc.nat({ max: 15 }),
  id: fc.nat({ max: 0xffffffff }),
  p: payload,
});

/** Frames the protocol allows (the session may still reject them: parity, flow control, …). */
const wellFormed: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 6, arbitrary: dataFrame },
  { weight: 2, arbitrary: rstFrame },
  { weight: 2, arbitrary: wndIncFrame },
  { weight: 1, arbitrary: goAwayFrame },
  { weight: 1, arbitrary: unknownFrame },
);

/** Frames that break the table: wrong lengths, zero or non-zero ids where they must not be, … */
const malformed = fc.record({
  k: fc.constant("malformed" as const),
  type: fc.integer({ min: 0, max: 3 }),
  flags: fc.nat({ max: 15 }),
  id: fc.constantFrom(0, 1, 2, 3),
  p: fc.uint8Array({ maxLength: 12 }),
  delta: fc.integer({ min: -2, max: 2 }),
});

const anything: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 10, arbitrary: wellFormed },
  { weight: 1, arbitrary: malformed },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("bytes" as const), b: fc.uint8Array({ minLength: 1, maxLength: 24 }) }) },
);

interface Scenario {
  role: Role;
  windowSize: number;
  typed: boolean;
  /** Streams the application opens and writes to before the peer says anything. */
  opens: Uint8Array[];
  /**
   * "serve": reads every accepted stream to its end, echoes on some, awaits `closed`.
   * "ignore": accepts streams and never touches them (nobody awaits their `closed`).
   */
  app: "serve" | "ignore";
  /** What happens partway through: nothing, goAway() or close(), or the connection dies. */
  action: { at: number; what: "none" | "goAway" | "close" | "kill" };
  pieces: Piece[];
  cuts: number[];
}

const scenario = (piece: fc.Arbitrary<Piece>): fc.Arbitrary<Scenario> =>
  fc.record({
    role: fc.constantFrom<Role>("client", "server"),
    windowSize: fc.constantFrom(16, 1024, 256 * 1024),
    typed: fc.boolean(),
    opens: fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 2 }),
    app: fc.constantFrom("serve" as const, "serve" as const, "ignore" as const),
    action: fc.record({
      at: fc.nat({ max: 40 }),
      what: fc.constantFrom("none" as const, "none" as const, "goAway" as const, "close" as const, "kill" as const),
    }),
    pieces: fc.array(piece, { maxLength: 25 }),
    cuts: fc.array(fc.nat(), { maxLength: 10 }),
  });

function chunked(pieces: Uint8Array[], cuts: number[]): Uint8Array[] {
  const all = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    all.set(p, at);
    at += p.length;
  }
  const points = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((x, y) => x - y);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, all.length]) {
    if (p > from) chunks.push(all.slice(from, p));
    from = p;
  }
  return chunks;
}

function checkError(err: unknown, where: string): void {
  expect(err, where).toBeInstanceOf(MuxError);
  const e = err as MuxError;
  // A code the peer chose (RST, GOAWAY) is carried through as it came; our own are from the table.
  if (!e.remote) expect(TABLE.has(e.code), `${where}: code ${e.code}`).toBe(true);
}

/**
 * writer.close() on a WritableStream that has already errored rejects with a TypeError (the
 * WHATWG streams spec says so; no implementation of a sink can change it). The stream's own error
 * is then in `writer.closed`: that is the one that must be a MuxError.
 */
function closeWriter(writer: WritableStreamDefaultWriter<Uint8Array>): Promise<void> {
  return writer.close().catch(() => writer.closed);
}

/** What the session wrote must itself follow docs/protocol.md, whatever it was fed. */
function checkOutput(frames: Frame[], role: Role): void {
  const synSent = new Set<number>();
  // FIN or RST sent on one of the session's own streams: no DATA may follow. (Only its own: an id
  // of the peer's parity it answered with RST may be opened by the peer afterwards, legitimately.)
  const done = new Set<number>();
  const own = role === "client" ? 1 : 0;
  const history = () => frames.map(show).join(" ");
  for (const f of frames) {
    if (f.type === "DATA" && f.flags & Flag.SYN) {
      expect(f.streamId % 2, `SYN on an id of the peer's parity: ${history()}`).toBe(own);
    }
    if (f.type !== "DATA" && f.type !== "RST") continue;
    if (f.streamId % 2 !== own) continue;
    if (f.type === "DATA") {
      expect(done.has(f.streamId), `DATA after FIN/RST on ${f.streamId}: ${history()}`).toBe(false);
      if (f.flags & Flag.SYN) {
        expect(f.flags & Flag.FIN, `SYN and FIN in one frame: ${history()}`).toBe(0);
        expect(synSent.has(f.streamId), `second SYN on ${f.streamId}: ${history()}`).toBe(false);
        synSent.add(f.streamId);
      }
      if (f.flags & Flag.FIN) done.add(f.streamId);
    } else if (f.type === "RST") {
      done.add(f.streamId);
    }
  }
}

async function runScenario(s: Scenario): Promise<void> {
  const { peer, transport, pair } = rawPeer({ timeoutMs: HANG_MS });
  const options = { windowSize: s.windowSize, typed: s.typed };
  // Never throws synchronously: any throw here fails the run.
  const session = s.role === "client" ? Session.client(transport, options) : Session.server(transport, options);
  const errors: { where: string; err: unknown }[] = [];
  const pending: Promise<unknown>[] = [];
  const note = (where: string) => (err: unknown) => void errors.push({ where, err });

  const serve = async (stream: MuxStream, echo: boolean) => {
    pending.push(stream.closed.catch(note(`closed of ${stream.id}`)));
    const reader = stream.readable.getReader();
    try {
      for (;;) if ((await reader.read()).done) break;
    } catch (err) {
      return note(`read on ${stream.id}`)(err);
    }
    if (!echo) return;
    const writer = stream.writable.getWriter();
    await writer.write(new TextEncoder().encode("pong")).catch(note(`write on ${stream.id}`));
    await closeWriter(writer).catch(note(`FIN on ${stream.id}`));
  };

  const acceptLoop = (async () => {
    for (let n = 0; ; n++) {
      let stream: MuxStream;
      try {
        stream = await session.accept();
      } catch (err) {
        return note("accept")(err);
      }
      if (s.app === "serve") pending.push(serve(stream, n % 2 === 0));
    }
  })();

  for (const data of s.opens) {
    const opened = session.open(s.typed ? { type: 7 } : undefined).then(async (stream) => {
      const writer = stream.writable.getWriter();
      await writer.write(data);
      await closeWriter(writer);
      if (s.app === "serve") await serve(stream, false);
    });
    pending.push(opened.catch(note("opened stream")));
  }

  const chunks = chunked(
    s.pieces.map((x) => encodePiece(x, s.role)),
    s.cuts,
  );
  let acted: Promise<void> | null = null;
  const killed = s.action.what === "kill";
  for (let i = 0; i <= chunks.length; i++) {
    if (i === Math.min(s.action.at, chunks.length)) {
      if (s.action.what === "goAway") acted = session.goAway(ErrorCode.EnhanceYourCalm, "fuzz");
      else if (s.action.what === "close") acted = session.close();
      else if (killed) pair.kill(new Error("connection reset"));
    }
    // Once the connection is dead, writes fail; that is the point.
    if (i < chunks.length) await peer.sendBytes(chunks[i]!).catch(() => {});
  }
  await peer.end();

  const info: SessionCloseInfo = await within(session.closed, "session.closed", HANG_MS);
  if (acted) await within(acted, s.action.what, HANG_MS);
  await within(acceptLoop, "the accept loop", HANG_MS);
  await within(Promise.all(pending), "the application's reads and writes", HANG_MS);

  expect(TABLE.has(info.code), `close code ${info.code}`).toBe(true);
  // An exception inside the engine would surface as one of these instead of a protocol code.
  expect(info.code).not.toBe(ErrorCode.InternalError);
  if (!killed) expect(info.reason).not.toMatch(/^transport failed/);
  for (const { where, err } of errors) checkError(err, where);
  expect(
    errors.some((e) => e.where === "accept"),
    "accept() rejected once the session ended",
  ).toBe(true);

  if (!killed) {
    // The session ended its output cleanly, and said why it ended, last thing on the wire.
    await within(peer.eof(), "the end of the session's output", HANG_MS);
    const last = peer.received.at(-1);
    expect(last, `frames: ${peer.received.map(show).join(" ")}`).toMatchObject({
      type: "GOAWAY",
      code: info.code === ErrorCode.SessionClosed ? ErrorCode.NoError : info.code,
    });
  }

  checkOutput(peer.received, s.role);

  // Unhandled rejections are reported after the microtask queue drains: give them one macrotask.
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
}

describe("a session fed random frames by a raw peer", () => {
  it("survives well-formed frame sequences in random chunks, in both roles", async () => {
    await fc.assert(fc.asyncProperty(scenario(wellFormed), runScenario), { seed: 0x73657373, numRuns: 250 });
  }, 30_000);

  it("survives malformed frames and garbage bytes in random chunks, in both roles", async () => {
    await fc.assert(fc.asyncProperty(scenario(anything), runScenario), { seed: 0x6a756e6b, numRuns: 250 });
  }, 30_000);

  it("survives a stream of valid frames cut into single bytes", async () => {
    const everyByte = fc.constant(Array.from({ length: 4000 }, (_, i) => i));
    const oneByte = fc.record({ s: scenario(wellFormed), cuts: everyByte }).map(({ s, cuts }) => ({ ...s, cuts }));
    await fc.assert(fc.asyncProperty(oneByte, runScenario), { seed: 0x62797465, numRuns: 30 });
  }, 30_000);
});
