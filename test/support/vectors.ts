/**
 * Loads the bytes recorded from the Go muxado library, kept in the repository as fixtures
 * (test/fixtures/muxado/README.md says what they are and how they were recorded).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const vectorsDir = resolve(repoRoot, "test", "fixtures", "muxado");

function load<T>(file: string): T {
  return JSON.parse(readFileSync(resolve(vectorsDir, file), "utf8")) as T;
}

/** The frame fields a vector was built from (and that the Go decoder reported back). */
export interface VectorFields {
  type: number;
  flags: number;
  length: number;
  stream_id: number;
  syn?: boolean;
  fin?: boolean;
  data_hex?: string;
  data_text?: string;
  error_code?: number;
  error_name?: string;
  increment?: number;
  last_stream_id?: number;
  debug_hex?: string;
  debug_text?: string | null;
  payload_hex?: string;
}

export interface FrameVector {
  name: string;
  kind: "DATA" | "RST" | "WNDINC" | "GOAWAY" | "UNKNOWN";
  written_by: string;
  hex: string;
  header_hex: string;
  payload_hex: string;
  fields: VectorFields;
  go_decode: VectorFields & { ok: boolean; type_name?: string; error?: string };
  note?: string;
}

export interface DecodeErrorVector {
  name: string;
  hex: string;
  go_decode: { ok: false; error: string; error_class: string };
  observed_session_reaction: string;
}

export interface PackErrorVector {
  call: string;
  error: string;
}

export interface FramesFile {
  library: string;
  error_codes: string[];
  frames: FrameVector[];
  decode_errors: DecodeErrorVector[];
  pack_errors: PackErrorVector[];
  goaway_debug_overread: {
    input_hex: string;
    input_description: string;
    go_debug_consumed_bytes: number;
    go_debug_consumed_hex: string;
  };
}

/** One frame a Go side wrote, as recorded. Frames over 1 KiB carry a digest instead of `hex`. */
export interface TranscriptFrame {
  seq: number;
  type: "DATA" | "RST" | "WNDINC" | "GOAWAY";
  stream_id: number;
  flags: string[] | null;
  length: number;
  hex?: string;
  header_hex?: string;
  payload_elided?: boolean;
  payload_prefix_hex?: string;
  payload_sha256?: string;
  desc: string;
  write_error?: string;
}

export interface Transcript {
  name: string;
  description: string;
  setup: string;
  steps: string[];
  client_writes: TranscriptFrame[];
  server_writes: TranscriptFrame[];
  observed_interleaving: { seq: number; side: "client" | "server"; frame: string; at_us: number }[];
  observed_end_state: Record<string, string>;
  nondeterminism: string[];
}

export interface TranscriptsFile {
  library: string;
  transcripts: Transcript[];
}

let frames: FramesFile | undefined;
let transcripts: TranscriptsFile | undefined;

export function framesVectors(): FramesFile {
  return (frames ??= load<FramesFile>("muxado-frames.json"));
}

export function sessionTranscripts(): TranscriptsFile {
  return (transcripts ??= load<TranscriptsFile>("muxado-session-transcripts.json"));
}

export function transcript(name: string): Transcript {
  const t = sessionTranscripts().transcripts.find((x) => x.name === name);
  if (!t) throw new Error(`no transcript named ${name} in muxado-session-transcripts.json`);
  return t;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new Error(`odd-length hex: ${hex}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
