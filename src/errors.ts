/**
 * Error codes of the muxado protocol (docs/protocol.md, "Error codes"). Codes travel as uint32 on the
 * wire; a code outside this table is carried through as a plain number.
 */
export const ErrorCode = {
  /** Nothing went wrong: the code of a clean close. */
  NoError: 0,
  /** The peer broke the protocol. */
  ProtocolError: 1,
  /** The implementation failed. */
  InternalError: 2,
  /** The peer sent more than the stream's window allowed. */
  FlowControlError: 3,
  /** Data arrived for a stream that is closed or unknown. */
  StreamClosed: 4,
  /** A new stream was refused (after a GOAWAY, or past maxIncomingStreams). */
  StreamRefused: 5,
  /** The application gave up on the stream (reset()'s default). */
  StreamCancelled: 6,
  /** The stream was reset. */
  StreamReset: 7,
  /** A frame's length is illegal for its type. */
  FrameSizeError: 8,
  /** A new stream was refused: the accept queue was full. */
  AcceptQueueFull: 9,
  /** The peer uses too much: a stream or new stream past the receive budget. */
  EnhanceYourCalm: 10,
  /** The peer sent GOAWAY: no new streams to it. */
  RemoteGoneAway: 11,
  /** No stream ids are left on this session. */
  StreamsExhausted: 12,
  /** A write, or the heartbeat, timed out. */
  WriteTimeout: 13,
  /** The session was closed locally. */
  SessionClosed: 14,
  /** The transport ended (end-of-file or failure). */
  PeerEOF: 15,
} as const;

/** The name of a code in the ErrorCode table ("StreamClosed", …). */
export type ErrorCodeName = keyof typeof ErrorCode;

const names: string[] = Object.keys(ErrorCode);

/** The protocol's name for a code ("StreamClosed"), or "Unknown(0x…)" for codes outside the table. */
export function errorCodeName(code: number): string {
  return names[code] ?? `Unknown(0x${(code >>> 0).toString(16)})`;
}

// A registered symbol, so two copies of the package (say, one bundled into an adapter's consumer)
// still recognise each other's errors with `instanceof`.
const brand = Symbol.for("streamux.MuxError");

/** Options of the MuxError constructor. */
export interface MuxErrorOptions {
  /** True when the peer sent this code (RST or GOAWAY); false when it arose here. */
  remote?: boolean;
  /** The error behind this one (Error's standard `cause`). */
  cause?: unknown;
}

/** Every failure streamux reports: a protocol error code plus where it came from. */
export class MuxError extends Error {
  /** An ErrorCode value, or any uint32 the peer sent. */
  readonly code: number;
  /** True when the peer chose this code (it arrived in an RST or GOAWAY frame). */
  readonly remote: boolean;

  constructor(code: number, message?: string, options: MuxErrorOptions = {}) {
    super(message ?? errorCodeName(code), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.remote = options.remote ?? false;
  }

  /** Always "MuxError". */
  override get name(): string {
    return "MuxError";
  }

  /** The code's protocol name, e.g. "StreamClosed". */
  get codeName(): string {
    return errorCodeName(this.code);
  }

  /** `instanceof MuxError` holds for errors from any copy of the package (a registered symbol marks them). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

Object.defineProperty(MuxError.prototype, brand, { value: true });

/** Whether a value is a MuxError with the given code. */
export function isMuxError(value: unknown, code?: number): value is MuxError {
  return value instanceof MuxError && (code === undefined || value.code === code);
}

/** The code a stream is reset with for an abort reason: a MuxError's own code, else StreamCancelled. */
export function codeOf(reason: unknown): number {
  return reason instanceof MuxError ? reason.code : ErrorCode.StreamCancelled;
}
