import { MAX_STREAM_ID } from "./frame/constants.js";
import type { GoAwayInfo } from "./types.js";
import { deferred } from "./util/deferred.js";

/**
 * GOAWAY both ways (docs/protocol.md, "Ending a session"): the last-stream-id this side reports,
 * whether it has sent one (new SYNs are then refused), the peer's, and which of this side's own
 * streams a GOAWAY from the peer gives up.
 */
export class GoAways {
  /** The most recent SYN received: our GOAWAY's last-stream-id (Go: 1 on a server, 0 on a client, before any). */
  lastRemoteSyn: number;
  /** We sent GOAWAY: the peer's new streams are refused. */
  sent = false;
  /** The peer's GOAWAY, if one arrived: our opens fail from then on. */
  received: GoAwayInfo | undefined = undefined;
  /** Resolves with the peer's first GOAWAY; stays pending if none comes. */
  private readonly first = deferred<GoAwayInfo>(true);
  /** The lowest last-stream-id the peer named: our streams above it are already given up. */
  private givenUpAbove = MAX_STREAM_ID;

  constructor(private readonly isClient: boolean) {
    this.lastRemoteSyn = isClient ? 0 : 1;
  }

  /** The peer's first GOAWAY, when it comes. */
  get whenReceived(): Promise<GoAwayInfo> {
    return this.first.promise;
  }

  /**
   * The peer's GOAWAY. Returns the ids of ours it newly gives up, as the range `[first, last]` of
   * our parity (step 2), below `nextOwnId`; or null. Only a GOAWAY that lowers the last-stream-id
   * gives anything up, and each id at most once over the session: no GOAWAY costs a walk of the
   * stream table, however many arrive.
   */
  receive(last: number, code: number, debug: Uint8Array, nextOwnId: number): { first: number; last: number } | null {
    this.received = { code, debug };
    this.first.resolve(this.received);
    const above = this.givenUpAbove;
    if (last >= above) return null;
    this.givenUpAbove = last;
    const highest = Math.min(above, nextOwnId - 2);
    let first = last + 1;
    if ((first & 1) !== (this.isClient ? 1 : 0)) first++;
    return first > highest ? null : { first, last: highest };
  }
}
