/** Frame layout constants of the muxado protocol (docs/protocol.md, "Frames"). */

export const HEADER_SIZE = 8;
/** Largest payload a 24-bit length can carry. */
export const MAX_PAYLOAD = 0xffffff;
/** Stream ids are 31 bits; the top bit is reserved (sent as 0, masked on receipt). */
export const MAX_STREAM_ID = 0x7fffffff;
export const STREAM_ID_MASK = 0x7fffffff;
/** WNDINC increments are 31 bits; the top bit is masked. */
export const INCREMENT_MASK = 0x7fffffff;
/** Go reads at most this much GOAWAY debug data and discards the rest; so do we. */
export const MAX_GOAWAY_DEBUG = 1 << 20;

export const FrameType = {
  RST: 0x0,
  DATA: 0x1,
  WNDINC: 0x2,
  GOAWAY: 0x3,
} as const;

export const Flag = {
  FIN: 0x1,
  SYN: 0x2,
} as const;
