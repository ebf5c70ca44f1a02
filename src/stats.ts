/**
 * The session's running totals, kept as the events happen (a few additions on the hot paths) so
 * that a snapshot costs the same with 10 streams or 10,000.
 */
export class SessionCounters {
  bytesIn = 0;
  bytesOut = 0;
  framesIn = 0;
  framesOut = 0;
  streamsOpened = 0;
  streamsRefused = 0;
  /** Received payload bytes waiting for the application, over all streams. */
  bufferedBytes = 0;
  /** Written payload bytes waiting to be sent, over all streams. */
  queuedBytes = 0;
}
