import { muxStream, webStream } from "../lib/bench-stream.mjs";

/**
 * Session options for every streamux contender: the defaults, except the accept backlog. W4 and W6
 * open bursts of 1,000 and 10,000 streams that arrive faster than an accept loop takes them; with
 * muxado's default backlog of 128 the surplus would be refused (a limit, not a speed setting).
 */
export const SESSION_OPTIONS = { acceptBacklog: 65536 };

/**
 * How the benchmark drives a MuxStream: its direct read()/write()/closeWrite() by default, or its
 * WHATWG readable/writable with `{ api: "web" }` (the `streamux-web` contender).
 */
export function benchStream(options) {
  return options.api === "web" ? webStream : muxStream;
}

/** Hands every stream the peer opens to `onStream`, until the session ends. */
export async function acceptAll(session, onStream) {
  try {
    for (;;) onStream(await session.accept());
  } catch {
    // The session ended: nothing more to accept.
  }
}
