import type { MuxStream, Session } from "../../src/index.js";
import { join, pattern, readAll, sha256 } from "../support/bytes.js";

/**
 * The cross-runtime echo load: one side opens many streams and sends seeded bytes on each, the
 * other echoes them back, and the sender compares SHA-256 digests of what went out and what came
 * back. Runtime-neutral (WHATWG streams and crypto.subtle, and the runtime-neutral test/support), so
 * Node, Deno, Bun and workerd run the very same code.
 */

export interface LoadOptions {
  /** Streams opened at once. */
  streams: number;
  /** Bytes sent on each stream (and echoed back). */
  bytes: number;
  /** Distinguishes the two sides' data, so crossed streams would show. */
  seed: number;
}

/** Requests made before an RPC run's clock starts: the first ones measure the JIT, not the transport. */
const RPC_WARMUP = 200;

export interface LoadResult {
  streams: number;
  /** Bytes sent and received back on every stream together. */
  bytesEachWay: number;
  ms: number;
}

/** Writes of at most this size: a 256 KiB stream goes out in several writes, as real code does. */
const WRITE_SIZE = 64 * 1024;

async function writeAll(writable: WritableStream<Uint8Array>, data: Uint8Array): Promise<void> {
  const writer = writable.getWriter();
  for (let at = 0; at < data.length; at += WRITE_SIZE) await writer.write(data.subarray(at, at + WRITE_SIZE));
  await writer.close();
}

/** Opens `streams` streams at once; each must come back byte for byte (compared by SHA-256). */
export async function driveEcho(session: Session, options: LoadOptions): Promise<LoadResult> {
  const started = Date.now();
  await Promise.all(
    Array.from({ length: options.streams }, async (_, i) => {
      const data = pattern(options.bytes, options.seed * 100_000 + i);
      const stream = await session.open();
      const [, echoed] = await Promise.all([writeAll(stream.writable, data), readAll(stream.readable)]);
      const [sent, got] = await Promise.all([sha256(data), sha256(echoed)]);
      if (echoed.length !== data.length || sent !== got) {
        throw new Error(`stream ${stream.id}: sent ${data.length} bytes (sha256 ${sent}), got back ${echoed.length} (sha256 ${got})`);
      }
    }),
  );
  return { streams: options.streams, bytesEachWay: options.streams * options.bytes, ms: Date.now() - started };
}

/** Echoes the next `count` streams the peer opens; resolves once all of them were echoed to the end. */
export async function serveEcho(session: Session, count: number): Promise<number> {
  const echoes: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const stream: MuxStream = await session.accept();
    echoes.push(stream.readable.pipeTo(stream.writable));
  }
  await Promise.all(echoes);
  return count;
}

/** Both at once: this side's load out, and the echo of the peer's load. */
export async function echoBothWays(session: Session, options: LoadOptions): Promise<LoadResult> {
  const [result] = await Promise.all([driveEcho(session, options), serveEcho(session, options.streams)]);
  return result;
}

/**
 * Request/response, one stream per request, one request at a time: open, write `bytes`, half-close,
 * read the echo to its end; timed after RPC_WARMUP unmeasured requests. What a latency-bound RPC client does, through the direct I/O (the
 * WHATWG face's own cost is measured by the benchmarks, not here); a delayed small write (Nagle's
 * algorithm left on) shows here as ~40 ms per request.
 */
export async function rpcSequential(session: Session, options: LoadOptions): Promise<LoadResult> {
  let started = Date.now();
  for (let i = -RPC_WARMUP; i < options.streams; i++) {
    if (i === 0) started = Date.now();
    const request = pattern(options.bytes, options.seed * 100_000 + i);
    const stream = await session.open();
    const [, reply] = await Promise.all([stream.write(request).then(() => stream.closeWrite()), readToEnd(stream)]);
    if (reply.length !== request.length || reply.some((b, at) => b !== request[at])) {
      throw new Error(`request ${i} on stream ${stream.id}: the reply differs from the request`);
    }
  }
  return { streams: options.streams, bytesEachWay: options.streams * options.bytes, ms: Date.now() - started };
}

async function readToEnd(stream: MuxStream): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) parts.push(chunk);
  return parts.length === 1 ? parts[0]! : join(parts);
}

/**
 * Each side's requests in turn, so each direction's rate is measured alone: the client (`first`)
 * sends its requests while the server echoes them, then the server sends its own.
 */
export async function rpcBothWays(session: Session, options: LoadOptions, first: boolean): Promise<LoadResult> {
  if (first) {
    const result = await rpcSequential(session, options);
    await serveRpc(session, RPC_WARMUP + options.streams);
    return result;
  }
  await serveRpc(session, RPC_WARMUP + options.streams);
  return rpcSequential(session, options);
}

/** Answers the next `count` request streams, one at a time, echoing each through the direct I/O. */
async function serveRpc(session: Session, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const stream = await session.accept();
    for (let chunk = await stream.read(); chunk !== null; chunk = await stream.read()) await stream.write(chunk);
    await stream.closeWrite();
  }
}

/** Echoes every stream of `session` until it ends. */
export async function echoEveryStream(session: Session): Promise<void> {
  for await (const stream of session) stream.readable.pipeTo(stream.writable).catch(() => {});
}

/** Opens a stream, sends `message`, half-closes, and returns what came back. */
export async function echoOnce(client: Session, message: string): Promise<string> {
  const stream = await client.open();
  const writer = stream.writable.getWriter();
  await writer.write(new TextEncoder().encode(message));
  await writer.close();
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream.readable) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}
