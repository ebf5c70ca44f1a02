export { Session } from "./session.js";
export { ErrorCode, MuxError, errorCodeName, isMuxError, type ErrorCodeName } from "./errors.js";
export type { Transport, Link, LinkSink } from "./link/link.js";
export type { SessionOptions, SessionCloseInfo, MuxStream, OpenOptions, HeartbeatOptions } from "./types.js";
export { HEARTBEAT_TYPE } from "./extensions/heartbeat.js";
