export { FrameType, Flag, HEADER_SIZE, MAX_PAYLOAD, MAX_STREAM_ID, MAX_GOAWAY_DEBUG } from "./constants.js";
export type { Frame, DataFrame, RstFrame, WndIncFrame, GoAwayFrame, UnknownFrame } from "./frame.js";
export { encodeFrame } from "./encode.js";
export { FrameDecoder, decodeFrames, type FrameHandler } from "./decode.js";
