/**
 * RPC over typed streams, on any runtime: each call is a stream whose type names the method. The
 * request is the stream's bytes up to the caller's half-close, the answer the bytes up to the
 * server's: no framing and no call ids, the stream is the call. A failure is a reset with a code.
 */
import { ErrorCode, type MuxStream, type Session } from "streamux";

/** A method: the stream type that names it, and (for the type checker) its request and response. */
export interface Method<Request, Response> {
  readonly type: number;
  readonly name: string;
  /** Never set: carries the request and response types. */
  readonly shape?: { request: Request; response: Response };
}

export function method<Request, Response>(type: number, name: string): Method<Request, Response> {
  return { type, name };
}

/** The server resets a call with this code when its handler fails (codes above 15 are the application's). */
export const CALL_FAILED = 0x100;
/** The most bytes a request or an answer may have: what one call may make the other side hold. */
export const MAX_MESSAGE_BYTES = 1 << 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Reads to the end of the stream and parses it. The session's receiveBudget bounds what a peer can
 * make it buffer; what the application has read is its own to bound, hence MAX_MESSAGE_BYTES.
 */
async function readMessage(stream: MuxStream, signal?: AbortSignal): Promise<unknown> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await stream.read({ signal }); chunk !== null; chunk = await stream.read({ signal })) {
    size += chunk.length;
    if (size > MAX_MESSAGE_BYTES) throw new RangeError(`message over ${MAX_MESSAGE_BYTES} bytes`);
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return JSON.parse(decoder.decode(bytes));
}

async function writeMessage(stream: MuxStream, value: unknown, signal?: AbortSignal): Promise<void> {
  await stream.write(encoder.encode(JSON.stringify(value)), { signal });
  await stream.closeWrite();
}

/**
 * Calls `m` on the peer. Rejects with the signal's reason past a deadline (the call's stream is
 * reset, so the server stops too), or with a MuxError whose code says why the server refused it.
 */
export async function call<Request, Response>(
  session: Session,
  m: Method<Request, Response>,
  request: Request,
  options: { signal?: AbortSignal } = {},
): Promise<Response> {
  const { signal } = options;
  const stream = await session.open({ type: m.type, signal });
  try {
    await writeMessage(stream, request, signal);
    return (await readMessage(stream, signal)) as Response;
  } catch (err) {
    stream.reset(); // an aborted read leaves the stream open: give the call up on both sides
    throw err;
  }
}

/** A method's implementation; `signal` aborts when the caller gives up (its stream is reset). */
export type Handler<Request, Response> = (request: Request, signal: AbortSignal) => Response | Promise<Response>;

export class Handlers {
  // biome-ignore lint/suspicious/noExplicitAny: one map holds every method's handler; on() ties each to its method's types
  private readonly byType = new Map<number, Handler<any, any>>();

  on<Request, Response>(m: Method<Request, Response>, handler: Handler<Request, Response>): this {
    this.byType.set(m.type, handler);
    return this;
  }

  /** Answers every call the peer makes on `session`, until the session ends. */
  async serve(session: Session): Promise<void> {
    for await (const stream of session) void this.answer(stream);
  }

  private async answer(stream: MuxStream): Promise<void> {
    const handler = this.byType.get(stream.type!);
    if (!handler) return stream.reset(ErrorCode.StreamRefused);
    // `closed` rejects when the caller resets the stream (say, past its deadline).
    const callerGone = new AbortController();
    stream.closed.catch((err: unknown) => callerGone.abort(err));
    try {
      const request = await readMessage(stream, callerGone.signal);
      await writeMessage(stream, await handler(request, callerGone.signal), callerGone.signal);
    } catch {
      stream.reset(CALL_FAILED);
    }
  }
}
