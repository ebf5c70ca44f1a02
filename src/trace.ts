import { FrameType } from "./frame/constants.js";
import type { FrameHandler } from "./frame/decode.js";
import type { FrameInfo, SessionOptions } from "./types.js";

/**
 * The onFrame trace (SessionOptions.onFrame): one record per frame read or written, and the line
 * Go's muxado debug framer would print for it.
 */

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
  return [
    name,
    direction === "in" ? "READ" : "WRITE",
    frame.type,
    `0x${frame.streamId.toString(16)}`,
    String(frame.length),
    `0x${frame.flags.toString(16)}`,
    extra,
  ]
    .join("  ")
    .trim();
}

/** A frame handler that reports each frame to `trace` once (DATA: on its first piece), then handles it. */
export function traced(handler: FrameHandler, trace: NonNullable<SessionOptions["onFrame"]>): FrameHandler {
  return {
    onData: (id, flags, payload, offset, length) => {
      if (offset === 0) trace("in", frameInfo(FrameType.DATA, flags, id, length));
      handler.onData(id, flags, payload, offset, length);
    },
    onRst: (id, code) => {
      trace("in", frameInfo(FrameType.RST, 0, id, 4, code));
      handler.onRst(id, code);
    },
    onWndInc: (id, increment) => {
      trace("in", frameInfo(FrameType.WNDINC, 0, id, 4, increment));
      handler.onWndInc(id, increment);
    },
    onGoAway: (last, code, debug) => {
      trace("in", frameInfo(FrameType.GOAWAY, 0, 0, 8 + debug.length, code, last));
      handler.onGoAway(last, code, debug);
    },
    onUnknown: (type, flags, id, length) => {
      trace("in", frameInfo(type, flags, id, length));
      handler.onUnknown?.(type, flags, id, length);
    },
  };
}
