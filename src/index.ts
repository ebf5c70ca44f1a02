export { Session } from "./session.js";
export { ErrorCode, MuxError, errorCodeName, isMuxError, type ErrorCodeName, type MuxErrorOptions } from "./errors.js";
export type { Transport, Link, LinkSink } from "./link/link.js";
export type {
  SessionOptions,
  SessionCloseInfo,
  SessionStats,
  StreamStats,
  TransportEndInfo,
  GoAwayInfo,
  MuxStream,
  OpenOptions,
  WaitOptions,
  ShutdownOptions,
  HeartbeatOptions,
  FrameInfo,
} from "./types.js";
export { formatFrame } from "./trace.js";
export { HEARTBEAT_TYPE } from "./extensions/heartbeat.js";
