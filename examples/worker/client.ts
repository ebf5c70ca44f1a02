/**
 * A Node client of the Worker: one WebSocket, one streamux session, many streams echoed at once.
 * In a browser it is the same code, with the browser's own WebSocket.
 */
import { WebSocket } from "ws";
import { connect } from "streamux/websocket";

export async function echoThroughWorker(url: string, streams = 20): Promise<void> {
  // Node 20 has no global WebSocket: connect() is given the ws package's (Deno, Bun, browsers and
  // Node 22 need not).
  const session = await connect(url, { WebSocket });
  console.log(`connected to ${url}`);
  const encoder = new TextEncoder();
  const started = performance.now();
  const echoes = await Promise.all(
    Array.from({ length: streams }, async (_, i) => {
      const message = `stream ${i}: ${"x".repeat(i * 1000)}`;
      const stream = await session.open();
      // Write and read at once: an echo bigger than the window needs both under way.
      const writing = (async () => {
        await stream.write(encoder.encode(message));
        await stream.closeWrite();
      })();
      let echoed = "";
      const decoder = new TextDecoder();
      for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) echoed += decoder.decode(chunk, { stream: true });
      await writing;
      return echoed === message;
    }),
  );
  const right = echoes.filter(Boolean).length;
  console.log(
    `${streams} streams echoed by the Worker over one WebSocket: ${right} of ${streams} intact, ${(performance.now() - started).toFixed(0)} ms`,
  );
  await session.close();
  const closed = await session.closed;
  console.log(`closed: code ${closed.code} (${closed.reason}), clean: ${closed.clean}`);
}
