/**
 * muxado's typed streams (docs/protocol.md, "Typed streams"): the opener sends the stream's type as a
 * 4-byte big-endian uint32 in the SYN frame, the acceptor reads those 4 bytes before handing the
 * stream out. There is no marker on the wire: both sides must be configured alike.
 */

/** The type of muxado's heartbeat stream. */
export const HEARTBEAT_TYPE = 0xffffffff;

export function checkType(type: number): number {
  if (!Number.isInteger(type) || type < 0 || type > 0xffffffff) {
    throw new RangeError(`a stream type is a uint32, got ${type}`);
  }
  return type;
}
