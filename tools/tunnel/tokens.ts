/**
 * The server's tokens, compared in constant time: both sides are hashed (SHA-256) so they have one
 * length, compared with timingSafeEqual, and every token is compared whatever the earlier ones gave.
 */
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (token: string) => createHash("sha256").update(token, "utf8").digest();

export class Tokens {
  private readonly digests: Buffer[];

  constructor(tokens: string[]) {
    this.digests = tokens.map(digest);
  }

  /** No token configured: every agent is let in. */
  get open(): boolean {
    return this.digests.length === 0;
  }

  /** The index of the matching token (a stable identity for reservations), or -1. */
  match(given: string | undefined): number {
    if (this.open) return 0;
    const candidate = digest(given ?? "");
    let found = -1;
    for (let i = 0; i < this.digests.length; i++) {
      // No early exit: the time taken does not depend on which token matched, if any.
      if (timingSafeEqual(candidate, this.digests[i]!) && found < 0) found = i;
    }
    return found;
  }
}
