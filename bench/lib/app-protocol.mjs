/**
 * The benchmark's own application protocol, the same over every contender. Every stream is
 * full-duplex; its first byte tells the server what to do with it:
 *   'A'  count every byte to EOF, then reply with the count (8 bytes, little-endian) and end;
 *   'R'  read the request to EOF, then reply with 64 bytes and end;
 *   'E'  echo every chunk as it arrives, end at EOF;
 *   'I'  idle: the server counts the stream and leaves it open.
 * The mode byte is part of the payload (a 256 MiB upload is 256 MiB including it).
 */
export const Mode = { Ack: 0x41, Rpc: 0x52, Echo: 0x45, Idle: 0x49 };

export const RPC_SIZE = 64;
export const KiB = 1024;
export const MiB = 1024 * 1024;

/** A payload of `size` bytes starting with the mode byte (the rest is a fixed filler). */
export function payload(mode, size) {
  const b = new Uint8Array(size).fill(0x78);
  if (size > 0) b[0] = mode;
  return b;
}

export function encodeCount(n) {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

export function decodeCount(bytes) {
  if (bytes.length !== 8) throw new Error(`ack of ${bytes.length} bytes, expected 8`);
  return Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
}

/**
 * Reads a stream to EOF and resolves with everything it carried, joined. Starts the stream's
 * reading, so call it at most once per stream and before anything else reads it.
 */
export function readAll(stream) {
  return new Promise((resolve, reject) => {
    const parts = [];
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

/** Writes all of `chunks` in order, waiting whenever the stream says its buffer is full. */
export async function writeAll(stream, chunks) {
  for (const c of chunks) if (!stream.write(c)) await stream.drain();
}
