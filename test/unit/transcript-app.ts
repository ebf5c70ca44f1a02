/** Small helpers for the application steps of the transcript replays. */

export const text = (s: string) => new TextEncoder().encode(s);
export const utf8 = (b: Uint8Array) => new TextDecoder().decode(b);

/** Reads a stream to its end. */
export { readAll } from "../support/bytes.js";

/** Reads exactly `n` bytes (however they are chunked) and keeps the stream open. */
export async function readExactly(readable: ReadableStream<Uint8Array>, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let have = 0;
  const reader = readable.getReader();
  while (have < n) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended after ${have} of ${n} bytes`);
    if (have + value.length > n) throw new Error(`got ${have + value.length} bytes where ${n} were expected`);
    out.set(value, have);
    have += value.length;
  }
  reader.releaseLock();
  return out;
}
