import { afterEach, describe, expect, it } from "vitest";
import type { MuxStream } from "../../src/index.js";
import { tcpSessions, type TcpSessions } from "../support/tcp-pair.js";
import { pattern, readAll } from "../support/bytes.js";

// Many streams over one TCP connection: they stay independent of each other.

let open: TcpSessions[] = [];

afterEach(async () => {
  await Promise.all(open.map((s) => s.dispose()));
  open = [];
});

async function sessions(options: Parameters<typeof tcpSessions>[0] = {}): Promise<TcpSessions> {
  const s = await tcpSessions(options);
  open.push(s);
  return s;
}

async function echo(stream: MuxStream): Promise<void> {
  await stream.readable.pipeTo(stream.writable);
}

describe("streams over one TCP connection", () => {
  it("a stream whose reader stalls does not hold up the others; it resumes when read", async () => {
    const { client, server } = await sessions();
    const bulk = await client.open();
    const bulkData = pattern(2 * 1024 * 1024, 1); // 8 windows' worth
    const bulkWriter = bulk.writable.getWriter();
    let bulkWritten = false;
    const bulkWriting = (async () => {
      for (let i = 0; i < bulkData.length; i += 64 * 1024) await bulkWriter.write(bulkData.subarray(i, i + 64 * 1024));
      await bulkWriter.close();
      bulkWritten = true;
    })();
    bulkWriting.catch(() => {}); // awaited below; handled now in case the test fails before
    const bulkServer = await server.accept(); // …and not read yet

    const chat = await client.open();
    const chatWriter = chat.writable.getWriter();
    await chatWriter.write(new Uint8Array([0]));
    const chatServer = await server.accept();
    const chatEcho = echo(chatServer);
    chatEcho.catch(() => {}); // awaited below
    const chatReader = chat.readable.getReader();
    for (let round = 1; round <= 100; round++) {
      const { value } = await chatReader.read();
      expect([...value!]).toEqual([round - 1]);
      await chatWriter.write(new Uint8Array([round & 0xff]));
    }
    // A hundred round trips later the bulk sender is still held back by the stalled reader.
    expect(bulkWritten).toBe(false);

    expect(Buffer.from(await readAll(bulkServer.readable)).equals(bulkData)).toBe(true);
    await bulkWriting;
    await chatWriter.close();
    expect([...(await chatReader.read()).value!]).toEqual([100]);
    expect((await chatReader.read()).done).toBe(true);
    await chatEcho;
  });

  it("1,000 concurrent streams each echo their own bytes", async () => {
    // The server accepts in a loop, but 1,000 SYNs can arrive in one TCP read: room for all.
    const { client, server } = await sessions({ acceptBacklog: 1000 });
    const count = 1000;
    const echoing = (async () => {
      const echoes: Promise<void>[] = [];
      for (let i = 0; i < count; i++) echoes.push(echo(await server.accept()));
      await Promise.all(echoes);
    })();

    const results = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const stream = await client.open();
        const data = pattern(1024 + (i % 7) * 512, i);
        const writer = stream.writable.getWriter();
        const writing = writer.write(data).then(() => writer.close());
        const echoed = await readAll(stream.readable);
        await writing;
        await stream.closed;
        return { i, ok: Buffer.from(echoed).equals(data) };
      }),
    );
    await echoing;
    expect(results.filter((r) => !r.ok).map((r) => r.i)).toEqual([]);
  });
});
