/**
 * Codec micro-benchmark: encode and decode throughput of small and large muxado frames with the
 * project's own src/frame (compiled with the rest of the benchmark by `tsc -p bench`, since the
 * package's public entry points do not export the codec).
 *
 *   node bench/.build/bench/codec.js [--quick] [--json]
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { encodeFrame, FrameDecoder, FrameType, type Frame } from "../src/frame/index.js";
import { Output } from "../src/frame/output.js";
import { fmt, renderTable, type Format } from "./lib/table.js";

export interface CodecRow {
  name: string;
  framesPerSec: number;
  mibps: number;
}

/** Calls `fn` in batches until `ms` have passed (after a warmup); returns batches per second. */
function rate(fn: () => void, ms: number): number {
  const warm = performance.now() + ms / 5;
  while (performance.now() < warm) fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    fn();
    n++;
    if ((n & 7) === 0) t = performance.now();
  }
  t = performance.now();
  return n / ((t - t0) / 1000);
}

export function runCodec({ quick = false } = {}): CodecRow[] {
  const ms = quick ? 100 : 1000;
  const rows: CodecRow[] = [];
  const record = (name: string, framesPerBatch: number, bytesPerBatch: number, batchesPerSec: number) =>
    rows.push({ name, framesPerSec: framesPerBatch * batchesPerSec, mibps: (bytesPerBatch * batchesPerSec) / 2 ** 20 });

  const small = new Uint8Array(64).fill(1);
  const large = new Uint8Array(64 * 1024).fill(2);

  // encodeFrame: the reference encoder, one new buffer per frame.
  const BATCH = 256;
  const smallFrame: Frame = { type: "DATA", streamId: 3, flags: 0, data: small };
  const largeFrame: Frame = { type: "DATA", streamId: 3, flags: 0, data: large };
  record(
    "encodeFrame DATA 64 B",
    BATCH,
    BATCH * 72,
    rate(() => {
      for (let i = 0; i < BATCH; i++) encodeFrame(smallFrame);
    }, ms),
  );
  record(
    "encodeFrame DATA 64 KiB",
    16,
    16 * (8 + large.length),
    rate(() => {
      for (let i = 0; i < 16; i++) encodeFrame(largeFrame);
    }, ms),
  );
  const wnd: Frame = { type: "WNDINC", streamId: 3, increment: 65536 };
  record(
    "encodeFrame WNDINC",
    BATCH,
    BATCH * 12,
    rate(() => {
      for (let i = 0; i < BATCH; i++) encodeFrame(wnd);
    }, ms),
  );

  // Output: the session's writer path (slab for headers and small payloads, views for large ones).
  const out = new Output();
  record(
    "Output DATA 64 B (+take per 256)",
    BATCH,
    BATCH * 72,
    rate(() => {
      for (let i = 0; i < BATCH; i++) {
        out.header(64, FrameType.DATA, 0, 3);
        out.payload(small);
      }
      out.take();
    }, ms),
  );
  record(
    "Output DATA 64 KiB (+take per 16)",
    16,
    16 * (8 + large.length),
    rate(() => {
      for (let i = 0; i < 16; i++) {
        out.header(large.length, FrameType.DATA, 0, 3);
        out.payload(large);
      }
      out.take();
    }, ms),
  );

  // FrameDecoder: many frames per 64 KiB transport chunk, and large frames split across chunks.
  let frames = 0;
  const decoder = new FrameDecoder({
    onData(_id, _flags, payload, offset, length) {
      if (offset + payload.length === length) frames++;
    },
    onRst() {
      frames++;
    },
    onWndInc() {
      frames++;
    },
    onGoAway() {
      frames++;
    },
  });
  const pack = (frame: Frame, count: number) => {
    const one = encodeFrame(frame);
    const buf = new Uint8Array(one.length * count);
    for (let i = 0; i < count; i++) buf.set(one, i * one.length);
    return buf;
  };
  const smallChunk = pack(smallFrame, 910); // 65,520 bytes: a typical socket read
  record(
    "decode DATA 64 B (910 per 64 KiB chunk)",
    910,
    smallChunk.length,
    rate(() => decoder.push(smallChunk), ms),
  );
  const wndChunk = pack(wnd, 5461);
  record(
    "decode WNDINC (5461 per 64 KiB chunk)",
    5461,
    wndChunk.length,
    rate(() => decoder.push(wndChunk), ms),
  );
  const largeStream = pack(largeFrame, 16);
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < largeStream.length; at += 65536) pieces.push(largeStream.subarray(at, at + 65536));
  record(
    "decode DATA 64 KiB (split over 64 KiB chunks)",
    16,
    largeStream.length,
    rate(() => {
      for (const p of pieces) decoder.push(p);
    }, ms),
  );
  if (frames === 0) throw new Error("the decoder saw no frames");
  return rows;
}

export function renderCodec(rows: CodecRow[], format: Format): string {
  return renderTable(
    ["operation", "frames/s", "MiB/s"],
    rows.map((r) => [r.name, fmt(r.framesPerSec), fmt(r.mibps)]),
    format,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { quick: { type: "boolean" }, json: { type: "boolean" } } });
  const rows = runCodec({ quick: values.quick });
  console.log(values.json ? JSON.stringify(rows) : renderCodec(rows, "text"));
}
