/** The server's side of every workload: what a stream gets, chosen by its first byte (lib/app-protocol.ts). */
import process from "node:process";
import type { BenchStream } from "../lib/bench-stream.js";
import { decodeCount, DOWNLOAD_CHUNK, encodeCount, Mode, payload, RPC_SIZE } from "../lib/app-protocol.js";

const REPLY = payload(0x72, RPC_SIZE);
const FILLER = payload(0x64, DOWNLOAD_CHUNK);
/** A download request's size: the mode byte and an 8-byte count. */
const DOWNLOAD_HEADER = 9;

/** What the client may ask the server about later. */
export interface ServerStats {
  /** Idle streams open now (W6); `onIdle` is called on each new one. */
  idle: number;
  onIdle: (() => void) | null;
  /** The last 'A' stream: its bytes, and the CPU and time it cost this process (W1). */
  lastAck: { bytes: number; cpuMs: number; ms: number } | null;
}

export function streamHandler(stats: ServerStats): (stream: BenchStream) => void {
  return (stream) => stream.start(new ServerStream(stream, stats));
}

/** One stream's server state; it is the stream's sink (a class, so an idle stream costs one small object). */
class ServerStream {
  private mode = 0;
  private count = 0;
  private cpu0: { user: number; system: number } | null = null;
  private t0 = 0;
  /** Download: the request's bytes until all 9 are in (they may come split). */
  private header: Uint8Array | null = null;
  private sending: Promise<void> | null = null;

  constructor(
    private readonly stream: BenchStream,
    private readonly stats: ServerStats,
  ) {}

  data(chunk: Uint8Array): void {
    if (this.mode === 0 && chunk.length > 0) {
      this.mode = chunk[0]!;
      if (this.mode === Mode.Ack) {
        this.cpu0 = process.cpuUsage();
        this.t0 = performance.now();
      } else if (this.mode === Mode.Idle) {
        this.stats.idle++;
        this.stats.onIdle?.();
      } else if (this.mode === Mode.Download) {
        this.header = new Uint8Array(0);
      }
    }
    this.count += chunk.length;
    if (this.mode === Mode.Echo) this.stream.write(chunk);
    else if (this.header) this.collectHeader(chunk);
  }

  private collectHeader(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.header!.length + chunk.length);
    joined.set(this.header!);
    joined.set(chunk, this.header!.length);
    if (joined.length < DOWNLOAD_HEADER) return void (this.header = joined);
    this.header = null;
    this.sending = this.download(decodeCount(joined.subarray(1, DOWNLOAD_HEADER)));
  }

  private async download(bytes: number): Promise<void> {
    const s = this.stream;
    for (let sent = 0; sent < bytes; sent += DOWNLOAD_CHUNK) {
      const n = Math.min(DOWNLOAD_CHUNK, bytes - sent);
      if (!s.write(n === DOWNLOAD_CHUNK ? FILLER : FILLER.subarray(0, n))) await s.drain();
    }
  }

  end(): void {
    const { stream, stats } = this;
    switch (this.mode) {
      case Mode.Ack: {
        const cpu = process.cpuUsage(this.cpu0 ?? undefined);
        stats.lastAck = { bytes: this.count, cpuMs: (cpu.user + cpu.system) / 1000, ms: performance.now() - this.t0 };
        stream.write(encodeCount(this.count));
        break;
      }
      case Mode.Rpc:
        stream.write(REPLY);
        break;
      case Mode.Download:
        // The reply ends once it is all sent.
        void (this.sending ?? Promise.resolve()).then(() => stream.end());
        return;
    }
    stream.end();
  }

  error(): void {
    // A stream cut short (the client exited): nothing to answer.
  }
}
