/**
 * Codec micro-benchmark: encode and decode throughput of small and large muxado frames with the
 * project's own src/frame (compiled here with tsc into bench/.build, since the package's public
 * entry points do not export the codec).
 *
 *   node bench/codec.mjs [--quick] [--json]
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { fmt, renderTable } from "./lib/table.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const buildDir = fileURLToPath(new URL("./.build", import.meta.url));

/** Compiles src/frame (and what it imports) to plain ESM under bench/.build. */
export function buildCodec() {
  execFileSync(
    process.execPath,
    [
      "node_modules/typescript/bin/tsc",
      "--ignoreConfig",
      "--outDir", buildDir,
      "--rootDir", "src",
      "--module", "nodenext",
      "--moduleResolution", "nodenext",
      "--target", "es2022",
      "--skipLibCheck",
      "--types", "node",
      "src/frame/index.ts",
      "src/frame/output.ts",
    ],
    { cwd: root, stdio: "inherit" },
  );
}

/** Calls `fn` in batches until `ms` have passed (after a warmup); returns batches per second. */
function rate(fn, ms) {
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

export async function runCodec({ quick = false } = {}) {
  buildCodec();
  const frame = await import(new URL("./.build/frame/index.js", import.meta.url));
  const { Output } = await import(new URL("./.build/frame/output.js", import.meta.url));
  const { encodeFrame, FrameDecoder, FrameType } = frame;
  const ms = quick ? 100 : 1000;
  const rows = [];
  const record = (name, framesPerBatch, bytesPerBatch, batchesPerSec) =>
    rows.push({ name, framesPerSec: framesPerBatch * batchesPerSec, mibps: (bytesPerBatch * batchesPerSec) / 2 ** 20 });

  const small = new Uint8Array(64).fill(1);
  const large = new Uint8Array(64 * 1024).fill(2);

  // encodeFrame: the reference encoder, one new buffer per frame.
  const BATCH = 256;
  const smallFrame = { type: "DATA", streamId: 3, flags: 0, data: small };
  const largeFrame = { type: "DATA", streamId: 3, flags: 0, data: large };
  record("encodeFrame DATA 64 B", BATCH, BATCH * 72, rate(() => { for (let i = 0; i < BATCH; i++) encodeFrame(smallFrame); }, ms));
  record("encodeFrame DATA 64 KiB", 16, 16 * (8 + large.length), rate(() => { for (let i = 0; i < 16; i++) encodeFrame(largeFrame); }, ms));
  const wnd = { type: "WNDINC", streamId: 3, increment: 65536 };
  record("encodeFrame WNDINC", BATCH, BATCH * 12, rate(() => { for (let i = 0; i < BATCH; i++) encodeFrame(wnd); }, ms));

  // Output: the session's writer path (slab for headers and small payloads, views for large ones).
  const out = new Output();
  record("Output DATA 64 B (+take per 256)", BATCH, BATCH * 72, rate(() => {
    for (let i = 0; i < BATCH; i++) {
      out.header(64, FrameType.DATA, 0, 3);
      out.payload(small);
    }
    out.take();
  }, ms));
  record("Output DATA 64 KiB (+take per 16)", 16, 16 * (8 + large.length), rate(() => {
    for (let i = 0; i < 16; i++) {
      out.header(large.length, FrameType.DATA, 0, 3);
      out.payload(large);
    }
    out.take();
  }, ms));

  // FrameDecoder: many frames per 64 KiB transport chunk, and large frames split across chunks.
  let frames = 0;
  const decoder = new FrameDecoder({
    onData(_id, _flags, payload, offset, length) {
      if (offset + payload.length === length) frames++;
    },
    onRst() { frames++; },
    onWndInc() { frames++; },
    onGoAway() { frames++; },
  });
  const pack = (frame, count) => {
    const one = encodeFrame(frame);
    const buf = new Uint8Array(one.length * count);
    for (let i = 0; i < count; i++) buf.set(one, i * one.length);
    return buf;
  };
  const smallChunk = pack(smallFrame, 910); // 65,520 bytes: a typical socket read
  record("decode DATA 64 B (910 per 64 KiB chunk)", 910, smallChunk.length, rate(() => decoder.push(smallChunk), ms));
  const wndChunk = pack(wnd, 5461);
  record("decode WNDINC (5461 per 64 KiB chunk)", 5461, wndChunk.length, rate(() => decoder.push(wndChunk), ms));
  const largeStream = pack(largeFrame, 16);
  const pieces = [];
  for (let at = 0; at < largeStream.length; at += 65536) pieces.push(largeStream.subarray(at, at + 65536));
  record("decode DATA 64 KiB (split over 64 KiB chunks)", 16, largeStream.length, rate(() => { for (const p of pieces) decoder.push(p); }, ms));
  if (frames === 0) throw new Error("the decoder saw no frames");
  return rows;
}

export function renderCodec(rows, format) {
  return renderTable(
    ["operation", "frames/s", "MiB/s"],
    rows.map((r) => [r.name, fmt(r.framesPerSec), fmt(r.mibps)]),
    format,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { quick: { type: "boolean" }, json: { type: "boolean" } } });
  const rows = await runCodec({ quick: values.quick });
  console.log(values.json ? JSON.stringify(rows) : renderCodec(rows, "text"));
}
