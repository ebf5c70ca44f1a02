export { Session } from "./session.js";
export { ErrorCode, MuxError, errorCodeName, isMuxError, type ErrorCodeName } from "./errors.js";
export type { Transport, Link, LinkSink } from "./link/link.js";
export type {
  SessionOptions,
  SessionCloseInfo,
  SessionStats,
  StreamStats,
  TransportEndInfo,
  MuxStream,
  OpenOptions,
  WaitOptions,
  ShutdownOptions,
  HeartbeatOptions,
  FrameInfo,
} from "./types.js";
export { formatFrame } from "./stats.js";
export { HEARTBEAT_TYPE } from "./extensions/heartbeat.js";
