import type { FrameInfo } from "./types.js";

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

const TYPE_NAMES = ["RST", "DATA", "WNDINC", "GOAWAY"] as const;

/** A frame's trace record from its header fields (and its value, for RST, WNDINC and GOAWAY). */
export function frameInfo(typeCode: number, flags: number, streamId: number, length: number, value?: number, last?: number): FrameInfo {
  const type = TYPE_NAMES[typeCode] ?? "UNKNOWN";
  const info: FrameInfo = { type, typeCode, flags, streamId, length };
  if (type === "RST" || type === "GOAWAY") info.code = value;
  if (type === "WNDINC") info.increment = value;
  if (type === "GOAWAY") info.lastStreamId = last;
  return info;
}

/**
 * One traced frame as a line of Go's muxado debug framer (frame.NewNamedDebugFramer): name,
 * READ or WRITE, type, stream id, length, flags, then what the frame carries.
 * `client  WRITE  DATA  0x3  5  0x2  SYN`
 */
export function formatFrame(direction: "in" | "out", frame: FrameInfo, name = ""): string {
  const flags: string[] = [];
  if (frame.type === "DATA") {
    if (frame.flags & 0x2) flags.push("SYN");
    if (frame.flags & 0x1) flags.push("FIN");
  }
  const extra =
    frame.type === "RST"
      ? `code=${frame.code}`
      : frame.type === "WNDINC"
        ? `increment=${frame.increment}`
        : frame.type === "GOAWAY"
          ? `last=0x${frame.lastStreamId!.toString(16)} code=${frame.code}`
          : frame.type === "UNKNOWN"
            ? `type=0x${frame.typeCode.toString(16)}`
            : flags.join("|");
  return [name, direction === "in" ? "READ" : "WRITE", frame.type, `0x${frame.streamId.toString(16)}`, String(frame.length), `0x${frame.flags.toString(16)}`, extra]
    .join("  ")
    .trim();
}
