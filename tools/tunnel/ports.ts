/**
 * Which public ports agents may have (`--ports`), and binding one.
 *
 * Without `--ports`, agents may not choose: each gets a free port the system picks. With
 * `--ports 20000-20999,8080`, an agent may ask for any port in those ranges, and one that does not
 * ask gets a free one from them.
 */
import * as net from "node:net";

export interface PortRange {
  from: number;
  to: number;
}

/** Parses "20000-20999,8080"; throws a message for the user on a bad spec. */
export function parsePortRanges(spec: string): PortRange[] {
  const ranges: PortRange[] = [];
  for (const part of spec.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new Error(`--ports: "${part}" is not a port or a range like 20000-20999`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || to > 65535 || from > to) throw new Error(`--ports: "${part.trim()}" is not within 1-65535, low to high`);
    ranges.push({ from, to });
  }
  return ranges;
}

export class PortPolicy {
  constructor(private readonly ranges: PortRange[] | null) {}

  /** May an agent ask for this port? */
  allows(port: number): boolean {
    return this.ranges?.some((r) => port >= r.from && port <= r.to) ?? false;
  }

  describe(): string {
    return this.ranges === null
      ? "agents get a free port the system picks"
      : `agents may use ports ${this.ranges.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(",")}`;
  }

  /**
   * Binds a public listener: on `port` if given (already checked against the policy), else on a
   * free port of the ranges (tried in random order, skipping `taken`), else on one the system picks.
   * Rejects with EADDRINUSE when nothing could be bound.
   */
  async bind(
    host: string | undefined,
    port: number | undefined,
    taken: (port: number) => boolean,
    onConnection: (socket: net.Socket) => void,
  ): Promise<net.Server> {
    if (port !== undefined) return listenOn(host, port, onConnection);
    if (this.ranges === null) return listenOn(host, 0, onConnection);
    const size = this.ranges.reduce((n, r) => n + r.to - r.from + 1, 0);
    // Random probes first (cheap with a large range), then every port in order.
    const tried = new Set<number>();
    const candidates = function* (ranges: PortRange[]) {
      for (let i = 0; i < Math.min(size, 32); i++) {
        let k = Math.floor(Math.random() * size);
        for (const r of ranges) {
          const n = r.to - r.from + 1;
          if (k < n) {
            yield r.from + k;
            break;
          }
          k -= n;
        }
      }
      for (const r of ranges) for (let p = r.from; p <= r.to; p++) yield p;
    };
    for (const candidate of candidates(this.ranges)) {
      if (tried.has(candidate) || taken(candidate)) continue;
      tried.add(candidate);
      try {
        return await listenOn(host, candidate, onConnection);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" && (err as NodeJS.ErrnoException).code !== "EACCES") throw err;
      }
    }
    throw Object.assign(new Error("no free port left in --ports"), { code: "EADDRINUSE" });
  }
}

function listenOn(host: string | undefined, port: number, onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off("error", reject);
      // Accept failures (EMFILE, …) leave the connection with the kernel; nothing to report.
      server.on("error", () => {});
      resolve(server);
    });
  });
}
