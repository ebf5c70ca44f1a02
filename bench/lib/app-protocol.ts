/**
 * The benchmark's own application protocol, the same over every contender. Every stream is
 * full-duplex; its first byte tells the server what to do with it:
 *   'A'  count every byte to EOF, then reply with the count (8 bytes, little-endian) and end;
 *   'R'  read the request to EOF, then reply with 64 bytes and end;
 *   'E'  echo every chunk as it arrives, end at EOF;
 *   'I'  idle: the server counts the stream and leaves it open;
 *   'D'  download: the next 8 bytes are a count (little-endian); the server sends that many bytes
 *        in 64 KiB writes honouring backpressure, then ends.
 * The mode byte is part of the payload (a 256 MiB upload is 256 MiB including it).
 */
import type { BenchStream } from "./bench-stream.js";

export const Mode = { Ack: 0x41, Rpc: 0x52, Echo: 0x45, Idle: 0x49, Download: 0x44 } as const;

export const RPC_SIZE = 64;
export const KiB = 1024;
export const MiB = 1024 * 1024;
/** The size of the server's writes in a download. */
export const DOWNLOAD_CHUNK = 64 * KiB;

/** A payload of `size` bytes starting with the mode byte (the rest is a fixed filler). */
export function payload(mode: number, size: number): Uint8Array {
  const b = new Uint8Array(size).fill(0x78);
  if (size > 0) b[0] = mode;
  return b;
}

export function encodeCount(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

export function decodeCount(bytes: Uint8Array): number {
  if (bytes.length !== 8) throw new Error(`count of ${bytes.length} bytes, expected 8`);
  return Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
}

/** A download request: the mode byte and the count. */
export function downloadRequest(bytes: number): Uint8Array {
  const b = new Uint8Array(9);
  b[0] = Mode.Download;
  b.set(encodeCount(bytes), 1);
  return b;
}

/**
 * Reads a stream to EOF and resolves with everything it carried, joined. Starts the stream's
 * reading, so call it at most once per stream and before anything else reads it.
 */
export function readAll(stream: BenchStream): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const parts: Uint8Array[] = [];
    let total = 0;
    stream.start({
      data(chunk) {
        // Copied: a contender may hand out views of buffers it reuses.
        parts.push(Uint8Array.prototype.slice.call(chunk));
        total += chunk.length;
      },
      end() {
        const out = new Uint8Array(total);
        let at = 0;
        for (const p of parts) {
          out.set(p, at);
          at += p.length;
        }
        resolve(out);
      },
      error: reject,
    });
  });
}

/** Reads a stream to EOF, counting its bytes without keeping them. */
export function countAll(stream: BenchStream): Promise<number> {
  return new Promise((resolve, reject) => {
    let total = 0;
    stream.start({
      data(chunk) {
        total += chunk.length;
      },
      end() {
        resolve(total);
      },
      error: reject,
    });
  });
}
