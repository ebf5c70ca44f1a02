import type { Link, Transport } from "./link.js";
import { toStreams } from "./to-streams.js";

/**
 * A Transport over a Link: the session drives `link`, and the WHATWG `readable`/`writable` are
 * built only if something asks for them (use one or the other, not both). `close()` tears the
 * connection down at once.
 */
export function transportOf(link: Link): Transport {
  let streams: ReturnType<typeof toStreams> | undefined;
  return {
    link,
    get readable() {
      return (streams ??= toStreams(link)).readable;
    },
    get writable() {
      return (streams ??= toStreams(link)).writable;
    },
    close: () => link.destroy(),
  };
}
