import { describe, expect, it } from "vitest";
import { ErrorCode, MuxError, Session, type LinkSink, type Transport } from "../../src/index.js";

/** A direct transport whose connection the test fails by hand. */
function failingTransport(): { transport: Transport; fail(err: unknown): void } {
  let sink: LinkSink | null = null;
  const transport: Transport = {
    readable: new ReadableStream(),
    writable: new WritableStream(),
    link: {
      start: (s) => void (sink = s),
      write: (_parts, done) => {
        done();
        return true;
      },
      pause() {},
      resume() {},
      end: () => Promise.resolve(),
      destroy() {},
    },
  };
  return { transport, fail: (err) => sink!.error(err) };
}

describe("transport failures", () => {
  it("a transport that fails with a MuxError ends the session with that error's code", async () => {
    const { transport, fail } = failingTransport();
    const session = Session.client(transport);
    const stream = await session.open();
    fail(new MuxError(ErrorCode.ProtocolError, "text message on a binary transport"));
    const info = await session.closed;
    expect(info.code).toBe(ErrorCode.ProtocolError);
    expect(info.reason).toBe("text message on a binary transport");
    await expect(stream.closed).rejects.toMatchObject({ code: ErrorCode.ProtocolError });
  });

  it("any other transport failure ends the session with PeerEOF and keeps the cause", async () => {
    const { transport, fail } = failingTransport();
    const session = Session.server(transport);
    const accepting = session.accept();
    const cause = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    fail(cause);
    const info = await session.closed;
    expect(info.code).toBe(ErrorCode.PeerEOF);
    expect(info.reason).toContain("ECONNRESET");
    const err = await accepting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MuxError);
    expect((err as MuxError).cause).toBe(cause);
  });
});
