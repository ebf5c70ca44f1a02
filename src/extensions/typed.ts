/**
 * muxado's typed streams (docs/protocol.md, "Typed streams"): the opener sends the stream's type as
 * a 4-byte big-endian uint32 in the SYN frame, the acceptor reads those 4 bytes before handing the
 * stream out. There is no marker on the wire: both sides must be configured alike.
 *
 * The session knows nothing of types beyond this extension: it calls `opened` for its own new
 * streams and `arrived` for the peer's, and the extension decides when the peer's stream is ready
 * for accept() (or answers it, if it is a heartbeat stream).
 */
import type { Stream } from "../stream.js";
import type { PrefixReader } from "../stream-recv.js";
import { U32Reader, writeU32 } from "../util/bytes.js";
import { noop } from "../util/deferred.js";
import { answerHeartbeats, HEARTBEAT_TYPE } from "./heartbeat.js";

/** What typed streams need from their session. */
export interface TypedHost {
  /** A stream waiting for its type holds a place in the accept backlog until `release()`. */
  reserve(): void;
  release(): void;
  /** The stream's type has arrived: it is the application's now. */
  admit(stream: Stream): void;
  /** A heartbeat stream from the peer: the session's own, answered here, never the application's. */
  heartbeat(stream: Stream): void;
}

/** Checks a type given to open(): a uint32, and not the heartbeat's own type. */
export function checkType(type: unknown): number {
  if (typeof type !== "number" || !Number.isInteger(type) || type < 0 || type > 0xffffffff) {
    throw new RangeError(`a stream type is a uint32, got ${String(type)}`);
  }
  // The peer would answer the stream as a heartbeat and never accept it.
  if (type === HEARTBEAT_TYPE) throw new RangeError("stream type 0xFFFFFFFF is reserved for the heartbeat");
  return type;
}

export class TypedStreams {
  constructor(private readonly host: TypedHost) {}

  /** Our new stream: its 4 type bytes go first, so they travel in the SYN frame, even before any data. */
  opened(stream: Stream, type: number): void {
    stream.type = type;
    const header = new Uint8Array(4);
    writeU32(header, 0, type);
    // A failure here is the stream's own (reset, session end): its writes report it.
    stream.sendChunk(header).catch(noop);
  }

  /** The peer's new stream: held back, holding a place in the backlog, until its type has arrived. */
  arrived(stream: Stream): void {
    this.host.reserve();
    stream.readPrefix(
      new TypeReader((type) => {
        stream.readPrefix(null);
        stream.type = type;
        this.host.release();
        // A typed session answers heartbeats itself; they never reach accept().
        if (type === HEARTBEAT_TYPE) {
          this.host.heartbeat(stream);
          void answerHeartbeats(stream);
        } else {
          this.host.admit(stream);
        }
      }),
    );
  }

  /** The session forgot a stream: one that ended before its type came frees its place. */
  forgotten(stream: Stream): void {
    if (stream.prefix !== null) this.host.release();
  }
}

/** The acceptor's read of the 4 type bytes, however they are split across frames. */
class TypeReader implements PrefixReader {
  private readonly reader = new U32Reader();
  complete = false;

  constructor(private readonly done: (type: number) => void) {}

  take(bytes: Uint8Array): Uint8Array {
    const taken = this.reader.read(
      bytes,
      (type) => {
        this.complete = true;
        this.done(type);
      },
      1,
    );
    return bytes.subarray(taken);
  }
}
