/**
 * Bytes in tests, the same in every runtime: this file imports only types, so the shared suites can
 * load it anywhere.
 */
import type { MuxStream } from "../../src/index.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const text = (s: string): Uint8Array => encoder.encode(s);
export const fromText = (b: Uint8Array): string => decoder.decode(b);

/** The parts, one after the other, in a new buffer. */
export function join(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Deterministic bytes (xorshift32): a seed per stream makes mix-ups visible. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = Math.imul(seed + 1, 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
  }
  return out;
}

export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Everything a readable (or a stream's direct read()) gives until its end. */
export async function readAll(source: ReadableStream<Uint8Array> | MuxStream): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  if (source instanceof ReadableStream) {
    for await (const chunk of source as AsyncIterable<Uint8Array>) parts.push(chunk);
  } else {
    for (let chunk = await source.read(); chunk !== null; chunk = await source.read()) parts.push(chunk);
  }
  return join(parts);
}

export async function readAllText(source: ReadableStream<Uint8Array> | MuxStream): Promise<string> {
  return fromText(await readAll(source));
}
