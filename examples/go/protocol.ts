/**
 * What the JavaScript side and the Go program (main.go) agree on. muxado negotiates nothing:
 * typed streams and the window size are configured alike on both sides, by hand.
 */

/** Go: muxado.Config{MaxWindowSize: windowSize}. streamux: the windowSize option. */
export const WINDOW_SIZE = 512 * 1024;

/** Stream types (Go's muxado.StreamType; streamux's open({ type }) and stream.type). */
export const ECHO = 1;
export const HASH = 2;
export const HELLO = 3;

/** What a client session needs to talk to main.go. */
export const SESSION_OPTIONS = { typed: true, windowSize: WINDOW_SIZE } as const;

/** "host:port" → its parts; the default is where main.go listens unless told otherwise. */
export function parseAddress(arg = "127.0.0.1:7000"): { host: string; port: number } {
  const at = arg.lastIndexOf(":");
  return { host: arg.slice(0, at), port: Number(arg.slice(at + 1)) };
}
