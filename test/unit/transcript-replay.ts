/**
 * Replays a recorded Go session (vectors/muxado-session-transcripts.json) against streamux: a
 * streamux Session takes the place of one Go side, a raw peer sends the OTHER side's recorded frames,
 * in causal order (it waits for our frames where the Go side waited for them, following
 * `observed_interleaving`), and afterwards our frames are compared with the ones Go wrote.
 *
 * Differences streamux is allowed (each is docs/protocol.md's word, and each comparison below knows it):
 * - Credit is batched (docs/protocol.md, "Flow control"): Go sends one WNDINC
 *   per read, streamux when half a window is consumed, so WNDINC frames are never compared one by
 *   one. The raw peer still honours our credit: it sends DATA only within the window we granted.
 * - A stream's data may be cut into frames differently ("a sender chooses how to chunk"): compared
 *   per stream are the bytes, the SYN on the first frame and the FIN after the last byte.
 * - Go's stream Close() after CloseWrite() sends a second empty FIN; streamux sends one.
 * - A session that calls goAway() and stays open follows its GOAWAY with an 8-byte frame of unknown
 *   type (docs/protocol.md, "Go quirks a port must tolerate": GOAWAY debug over-read); Go does not.
 */
import { createHash } from "node:crypto";
import { Session, type SessionCloseInfo, type SessionOptions } from "../../src/index.js";
import { decodeFrames, encodeFrame, Flag, type Frame } from "../../src/frame/index.js";
import { within as withinMs } from "../support/async.js";
import { describe as show, rawPeer, type RawPeer } from "../support/raw-peer.js";
import { fromHex, toHex, transcript, type Transcript, type TranscriptFrame } from "../support/vectors.js";
import type { MemoryPair } from "../support/memory-pair.js";
import type { Transport } from "../../src/link/link.js";

export type Side = "client" | "server";
const DEFAULT_WINDOW = 256 * 1024;
const TIMEOUT_MS = 3000;
/** The raw peer's own wait limit: longer than any replay; our waits have their own deadline. */
const PEER_TIMEOUT_MS = 60_000;

/** Replays run twice: writes delivered whole, and cut into single bytes (frames split everywhere). */
export const CHUNKINGS: { name: string; chunkSize: number | undefined }[] = [
  { name: "whole writes", chunkSize: undefined },
  { name: "1-byte chunks", chunkSize: 1 },
];

export interface ReplayOptions {
  /** The Go side streamux plays. */
  us: Side;
  /** Cut every write on the connection into chunks of at most this many bytes (default: whole). */
  chunkSize?: number;
  sessionOptions?: SessionOptions;
  /** Frames the Go side we play wrote that streamux does not write, by seq, with the reason. */
  skipOurs?: Record<number, string>;
  /** Frames of the other Go side not to replay, by seq, with the reason. */
  skipPeer?: Record<number, string>;
  /**
   * When the raw peer ends its side of the connection. Default: right after its last frame if that
   * is a GOAWAY (Go's Session.Close() closes the connection after it), else once we have closed.
   */
  peerEnds?: "after-last-frame" | "when-we-close";
  /** Changes a peer frame's bytes before they are sent (the heartbeat echo carries our random id). */
  rewrite?: (f: TranscriptFrame, bytes: Uint8Array, replay: Replay) => Uint8Array;
  /** Runs before each peer frame is sent: where a test checks what must hold at that point. */
  beforeSend?: (f: TranscriptFrame, replay: Replay) => void | Promise<void>;
  /** Awaited before the peer ends the connection (stands for a Go side's sleep before Close). */
  beforePeerEnds?: () => Promise<void>;
}

export interface ReplayResult {
  info: SessionCloseInfo;
  /** Every frame streamux wrote, in order. */
  ours: Frame[];
}

/** Payload bytes of all DATA frames on a stream, in order. */
export function streamData(frames: Frame[], streamId: number): Uint8Array {
  const parts = frames.filter((f): f is Extract<Frame, { type: "DATA" }> => f.type === "DATA" && f.streamId === streamId);
  const out = new Uint8Array(parts.reduce((n, f) => n + f.data.length, 0));
  let at = 0;
  for (const f of parts) {
    out.set(f.data, at);
    at += f.data.length;
  }
  return out;
}

/** A recorded frame's bytes; elided payloads (over 1 KiB) are rebuilt and checked against their digest. */
export function frameBytes(f: TranscriptFrame): Uint8Array {
  if (f.hex !== undefined) return fromHex(f.hex);
  const prefix = fromHex(f.payload_prefix_hex!);
  const payload = new Uint8Array(f.length);
  for (let i = 0; i < payload.length; i++) payload[i] = prefix[i % prefix.length]!;
  const digest = createHash("sha256").update(payload).digest("hex");
  if (digest !== f.payload_sha256) throw new Error(`cannot rebuild the elided payload of frame seq ${f.seq} from its prefix`);
  const out = new Uint8Array(8 + f.length);
  out.set(fromHex(f.header_hex!));
  out.set(payload, 8);
  return out;
}

/** The frame as our decoder (tested against the vectors in codec-vectors.test.ts) reads it. */
export function decoded(f: TranscriptFrame): Frame {
  const [frame] = decodeFrames(frameBytes(f));
  return frame!;
}

const isDuplicateFin = (f: TranscriptFrame) => /duplicate empty FIN/.test(f.desc);
/** A GOAWAY a Go side wrote because the connection hit EOF: it comes only after the peer ends. */
const isEofReaction = (f: TranscriptFrame) => f.type === "GOAWAY" && /\(PeerEOF\)|code=15/.test(f.desc);

export class Replay {
  readonly t: Transcript;
  readonly session: Session;
  readonly peer: RawPeer;
  readonly pair: MemoryPair;
  readonly them: Side;
  /** The transport the session under test runs on. */
  readonly transport: Transport;
  private readonly window: number;
  private readonly sentOnStream = new Map<number, number>();
  private peerEnded = false;
  /** Woken whenever a frame from our session arrives; the pump is the raw peer's only reader. */
  private readonly waiters = new Set<() => void>();
  private pumpEnded = false;

  constructor(
    name: string,
    readonly options: ReplayOptions,
  ) {
    this.t = transcript(name);
    this.them = options.us === "client" ? "server" : "client";
    const { peer, transport, pair } = rawPeer({ timeoutMs: PEER_TIMEOUT_MS, chunkSize: options.chunkSize });
    this.peer = peer;
    this.pair = pair;
    this.transport = transport;
    this.window = options.sessionOptions?.windowSize ?? DEFAULT_WINDOW;
    this.session =
      options.us === "client" ? Session.client(transport, options.sessionOptions) : Session.server(transport, options.sessionOptions);
  }

  writes(side: Side): TranscriptFrame[] {
    return side === "client" ? this.t.client_writes : this.t.server_writes;
  }

  /** Why streamux does not write this frame of the Go side it plays, or null when it must. */
  ourSkip(f: TranscriptFrame): string | null {
    if (f.type === "WNDINC") return "credit is batched";
    if (isDuplicateFin(f)) return "one FIN per stream";
    return this.options.skipOurs?.[f.seq] ?? null;
  }

  private peerSkip(f: TranscriptFrame): string | null {
    if (f.write_error) return "the Go side's write failed: these bytes never reached the wire";
    return this.options.skipPeer?.[f.seq] ?? null;
  }

  /** Runs the application steps alongside the replay; settles when everything has ended. */
  async run(app: (session: Session, replay: Replay) => Promise<void>): Promise<ReplayResult> {
    let appError: unknown = null;
    void this.pump();
    const appDone = app(this.session, this).catch((err) => void (appError ??= err));
    try {
      await this.walk();
      const info = await within(this.session.closed, "session.closed");
      await within(appDone, "the application steps");
      await within(this.peer.eof(), "the end of our output");
      if (appError) throw appError;
      return { info, ours: this.peer.received.slice() };
    } catch (err) {
      // Do not leave the session running when the replay failed.
      void this.session.close();
      throw appError ?? err;
    }
  }

  /** Takes every frame our session writes, and wakes whoever waits for one. */
  private async pump(): Promise<void> {
    try {
      for (;;) {
        await this.peer.nextFrame("the session's next frame");
        this.wake();
      }
    } catch {
      // The connection ended (or failed: eof() reports that).
    }
    this.pumpEnded = true;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  /** Frames our session has written so far. */
  get ours(): Frame[] {
    return this.peer.received;
  }

  private async walk(): Promise<void> {
    const ours = new Map(this.writes(this.options.us).map((f) => [f.seq, f]));
    const theirs = new Map(this.writes(this.them).map((f) => [f.seq, f]));
    const reaching = this.writes(this.them).filter((f) => this.peerSkip(f) === null);
    const last = reaching.at(-1);
    const ends = this.options.peerEnds ?? (last?.type === "GOAWAY" ? "after-last-frame" : "when-we-close");
    const goSent = new Map<number, number>();
    const expected: { f: TranscriptFrame; goBytes: number }[] = [];
    for (const e of this.t.observed_interleaving) {
      if (e.side === this.options.us) {
        const f = ours.get(e.seq)!;
        if (f.type === "DATA") goSent.set(f.stream_id, (goSent.get(f.stream_id) ?? 0) + f.length);
        if (this.ourSkip(f) !== null) continue;
        expected.push({ f, goBytes: goSent.get(f.stream_id) ?? 0 });
      }
    }
    let next = 0; // index into `expected`
    const waitOurs = async (upToSeq: number, includeEofReactions: boolean) => {
      while (next < expected.length && expected[next]!.f.seq <= upToSeq) {
        const x = expected[next]!;
        if (isEofReaction(x.f) && !includeEofReactions && !this.peerEnded) break;
        await this.expectOurs(x.f, x.goBytes);
        next++;
      }
    };
    for (const e of this.t.observed_interleaving) {
      if (e.side === this.options.us) {
        await waitOurs(e.seq, false);
        continue;
      }
      const f = theirs.get(e.seq)!;
      if (this.peerSkip(f) !== null) continue;
      await this.options.beforeSend?.(f, this);
      let bytes = frameBytes(f);
      if (this.options.rewrite) bytes = this.options.rewrite(f, bytes, this);
      await this.peerSend(f, bytes);
      if (f === last && ends === "after-last-frame") {
        // Everything we write that does not depend on the EOF goes out before it.
        await waitOurs(Infinity, false);
        if (this.options.beforePeerEnds) await within(this.options.beforePeerEnds(), "the application, before the peer hangs up");
        await this.peer.end();
        this.peerEnded = true;
      }
    }
    if (!this.peerEnded) {
      await waitOurs(Infinity, false);
      // "when-we-close": the Go peer hung up because we did.
      await within(this.peer.eof(), "our side closing the connection");
      await this.peer.end();
      this.peerEnded = true;
    }
    await waitOurs(Infinity, true);
  }

  /** Sends a peer frame, within the credit our session has granted on its stream. */
  private async peerSend(f: TranscriptFrame, bytes: Uint8Array): Promise<void> {
    if (f.type === "DATA" && f.length > 0) {
      const sent = this.sentOnStream.get(f.stream_id) ?? 0;
      await this.until(
        () => this.window + this.granted(f.stream_id) - sent >= f.length,
        `credit for ${f.length} bytes on stream ${f.stream_id}`,
      );
      this.sentOnStream.set(f.stream_id, sent + f.length);
    }
    await this.peer.sendBytes(bytes);
  }

  /** Credit our session granted on a stream (WNDINC frames it wrote). */
  granted(streamId: number): number {
    let n = 0;
    for (const f of this.ours) if (f.type === "WNDINC" && f.streamId === streamId) n += f.increment;
    return n;
  }

  /** Waits until our session has written the equivalent of Go's frame `f`. */
  private expectOurs(f: TranscriptFrame, goBytes: number): Promise<void> {
    const received = () => this.ours;
    switch (f.type) {
      case "DATA": {
        const fin = (f.flags ?? []).includes("FIN");
        return this.until(
          () =>
            streamData(received(), f.stream_id).length >= goBytes &&
            (!fin || received().some((x) => x.type === "DATA" && x.streamId === f.stream_id && x.flags & Flag.FIN)),
          `our DATA on stream ${f.stream_id} up to ${goBytes} bytes${fin ? " and its FIN" : ""} (Go's seq ${f.seq})`,
        );
      }
      case "GOAWAY": {
        const hex = toHex(frameBytes(f));
        return this.until(
          () => received().some((x) => x.type === "GOAWAY" && toHex(encodeFrame(x)) === hex),
          `our GOAWAY ${hex} (Go's seq ${f.seq})`,
        );
      }
      default: {
        const want = decoded(f);
        return this.until(() => received().some((x) => show(x) === show(want)), `our ${show(want)} (Go's seq ${f.seq})`);
      }
    }
  }

  /** Waits, frame by frame, until `ok()` holds; fails with what arrived when it does not. */
  async until(ok: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + TIMEOUT_MS;
    while (!ok()) {
      const history = () => this.ours.map(show).join(" ") || "(nothing)";
      if (this.pumpEnded) throw new Error(`the connection ended while waiting for ${what}; received: ${history()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${TIMEOUT_MS} ms waiting for ${what}; received: ${history()}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.waiters.add(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }
}

/** Bounded by this replay's own limit. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return withinMs(promise, what, TIMEOUT_MS);
}
