/**
 * Error codes of the muxado protocol (docs/protocol.md, "Error codes"). Codes travel as uint32 on the
 * wire; a code outside this table is carried through as a plain number.
 */
export const ErrorCode = {
  NoError: 0,
  ProtocolError: 1,
  InternalError: 2,
  FlowControlError: 3,
  StreamClosed: 4,
  StreamRefused: 5,
  StreamCancelled: 6,
  StreamReset: 7,
  FrameSizeError: 8,
  AcceptQueueFull: 9,
  EnhanceYourCalm: 10,
  RemoteGoneAway: 11,
  StreamsExhausted: 12,
  WriteTimeout: 13,
  SessionClosed: 14,
  PeerEOF: 15,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

const names: string[] = Object.keys(ErrorCode);

/** The protocol's name for a code ("StreamClosed"), or "Unknown(0x…)" for codes outside the table. */
export function errorCodeName(code: number): string {
  return names[code] ?? `Unknown(0x${(code >>> 0).toString(16)})`;
}

// A registered symbol, so two copies of the package (say, one bundled into an adapter's consumer)
// still recognise each other's errors with `instanceof`.
const brand = Symbol.for("streamux.MuxError");

export interface MuxErrorOptions {
  /** True when the peer sent this code (RST or GOAWAY); false when it arose here. */
  remote?: boolean;
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

  override get name(): string {
    return "MuxError";
  }

  /** The code's protocol name, e.g. "StreamClosed". */
  get codeName(): string {
    return errorCodeName(this.code);
  }

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
