/** Frames as plain values: what `encodeFrame` takes and `decodeFrames` returns. */

export interface DataFrame {
  type: "DATA";
  streamId: number;
  /** FIN = 0x1, SYN = 0x2; other bits are carried as they came. */
  flags: number;
  data: Uint8Array;
}

export interface RstFrame {
  type: "RST";
  streamId: number;
  code: number;
}

export interface WndIncFrame {
  type: "WNDINC";
  streamId: number;
  increment: number;
}

export interface GoAwayFrame {
  type: "GOAWAY";
  lastStreamId: number;
  code: number;
  debug: Uint8Array;
}

/** A frame of a type this protocol version does not define (0x4..0xF); its payload is skipped. */
export interface UnknownFrame {
  type: "UNKNOWN";
  frameType: number;
  flags: number;
  streamId: number;
  length: number;
}

export type Frame = DataFrame | RstFrame | WndIncFrame | GoAwayFrame | UnknownFrame;
