/** What every streamux contender shares: session options, the face streams are driven through, the accept loop. */
import type { MuxStream, Session, SessionOptions } from "streamux";
import type { BenchConnection, BenchStream, ContenderOptions, OpenOptions } from "../lib/bench-stream.js";
import { muxStream } from "../lib/mux-bench-stream.js";
import { webStream } from "../lib/web-bench-stream.js";

/**
 * Session options for every streamux contender: the defaults, except the accept backlog. W4 and W6
 * open bursts of 1,000 and 10,000 streams that arrive faster than an accept loop takes them; with
 * muxado's default backlog of 128 the surplus would be refused (a limit, not a speed setting).
 */
export const SESSION_OPTIONS: SessionOptions = { acceptBacklog: 65536 };

/**
 * How the benchmark drives a MuxStream: its direct read()/write()/closeWrite() by default, or its
 * WHATWG readable/writable with `{ api: "web" }` (the `streamux-web` contenders).
 */
export function benchStream(options: ContenderOptions): (stream: MuxStream) => BenchStream {
  return options.api === "web" ? webStream : muxStream;
}

/** Hands every stream the peer opens to `onStream`, until the session ends. */
export async function acceptAll(session: Session, onStream: (stream: MuxStream) => void): Promise<void> {
  try {
    for (;;) onStream(await session.accept());
  } catch {
    // The session ended: nothing more to accept.
  }
}

/** The client's side over one session. */
export function sessionConnection(session: Session, options: ContenderOptions): BenchConnection {
  const wrap = benchStream(options);
  return {
    async open(opts?: OpenOptions) {
      return wrap(await session.open(opts?.sendOrder ? { sendOrder: opts.sendOrder } : {}));
    },
    close() {
      void session.close();
    },
    stats: () => session.stats(),
  };
}
