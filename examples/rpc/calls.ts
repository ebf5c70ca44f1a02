/** What the client does, the same on every runtime: a few calls, printed as they return. */
import { isMuxError, type Session } from "streamux";
import { CALL_FAILED, call } from "./rpc.ts";
import { divide, sum, upper, work } from "./service.ts";

function failure(err: unknown): string {
  if (isMuxError(err)) return `reset by the server, code ${err.code === CALL_FAILED ? "CALL_FAILED" : err.code}`;
  return err instanceof Error ? err.name : String(err);
}

export async function makeCalls(session: Session): Promise<void> {
  console.log(`sum([1..10]) → ${await call(session, sum, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])}`);
  console.log(`upper("typed streams") → "${await call(session, upper, "typed streams")}"`);

  // Many calls at once: each its own stream over the one connection.
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => call(session, sum, [i, i])));
  const correct = results.every((r, i) => r === 2 * i);
  console.log(
    `100 concurrent calls → ${correct ? "all correct" : "WRONG"}, ${session.stats().streamsOpened} streams so far, ${(performance.now() - started).toFixed(0)} ms`,
  );

  console.log(`divide(1, 0) → ${await call(session, divide, { a: 1, b: 0 }).then(String, failure)}`);

  // A deadline: past it the call's stream is reset, and the server's handler is told to stop.
  const late = await call(session, work, { ms: 60_000 }, { signal: AbortSignal.timeout(200) }).then(String, failure);
  console.log(`work(60 s) with AbortSignal.timeout(200) → ${late}`);
}
