/** What the test page offers the Node side (window.streamuxTest), shared so both sides agree. */

export interface EchoReport {
  streams: number;
  /** Bytes sent and received back, per stream. */
  size: number;
  /** Streams whose echo did not hash like what was sent, with what went wrong. */
  mismatches: string[];
  ms: number;
}

export interface IncomingReport {
  id: number;
  bytes: number;
  /** SHA-256 of what the page read, hex. */
  sha256: string;
}

export interface ClosedReport {
  code: number;
  reason: string;
  /** The peer's GOAWAY, debug decoded as text; null if none arrived. */
  remote: { code: number; debug: string } | null;
  /** The WebSocket's own close event. */
  socket: { code: number; wasClean: boolean };
}

export interface PageApi {
  /** Opens the WebSocket and the client session; starts accepting (and echoing) incoming streams. */
  connect(url: string): Promise<void>;
  /** Opens `streams` streams at once, sends `size` random bytes on each and checks the echo by SHA-256. */
  echo(streams: number, size: number): Promise<EchoReport>;
  /** Resolves once `count` incoming streams have been read to the end (and echoed back). */
  incoming(count: number): Promise<IncomingReport[]>;
  /** Resolves when the session and its socket have ended. */
  closed(): Promise<ClosedReport>;
}

declare global {
  interface Window {
    streamuxTest: PageApi;
    /** Exposed by the test: the page reports uncaught errors and unhandled rejections here. */
    reportProblem?(message: string): Promise<void>;
  }
}
