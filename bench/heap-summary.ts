/**
 * What the heap holds per idle stream: two heap snapshots (W6 under --profile writes
 * before.heapsnapshot and after.heapsnapshot for each process) compared by kind of object —
 * objects by constructor, closures by function, arrays and V8's internals by their node names —
 * as the bytes and the number of objects each kind added, divided by the streams opened.
 *
 *   node bench/.build/bench/heap-summary.js [--streams N] [--top N] <before.heapsnapshot> <after.heapsnapshot>
 *   node bench/.build/bench/heap-summary.js [--streams N] [--top N] <directory with both>
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fmt, renderTable } from "./lib/table.js";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per kind of object. */
export function tally(path: string): Map<string, { bytes: number; count: number }> {
  const s = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = [fields.indexOf("type"), fields.indexOf("name"), fields.indexOf("self_size")];
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt]!]!;
    const name = s.strings[s.nodes[i + nameAt]!]!;
    // Objects by constructor; everything else by its type and (short) name.
    const kind = type === "object" ? name : type === "closure" ? `closure ${name || "(anonymous)"}` : `(${type}) ${name.slice(0, 40)}`;
    const t = out.get(kind) ?? { bytes: 0, count: 0 };
    t.bytes += s.nodes[i + sizeAt]!;
    t.count++;
    out.set(kind, t);
  }
  return out;
}

export function compare(before: string, after: string, streams: number, top: number): string {
  const a = tally(before);
  const b = tally(after);
  const rows = [...b]
    .map(([kind, t]) => {
      const was = a.get(kind) ?? { bytes: 0, count: 0 };
      return { kind, bytes: (t.bytes - was.bytes) / streams, count: (t.count - was.count) / streams };
    })
    .filter((r) => r.bytes > 0)
    .sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((sum, r) => sum + r.bytes, 0);
  return [
    `${after} against ${before}: ${fmt(total)} bytes per stream in kinds that grew`,
    renderTable(
      ["kind", "bytes/stream", "objects/stream"],
      rows.slice(0, top).map((r) => [r.kind, fmt(r.bytes), fmt(r.count)]),
      "text",
    ),
  ].join("\n\n");
}

if (process.argv[1]?.endsWith("heap-summary.js")) {
  const { values, positionals } = parseArgs({
    options: { streams: { type: "string", default: "5000" }, top: { type: "string", default: "25" } },
    allowPositionals: true,
  });
  let [before, after] = positionals;
  if (before && !after && statSync(before).isDirectory())
    [before, after] = [join(before, "before.heapsnapshot"), join(before, "after.heapsnapshot")];
  if (!before || !after) {
    console.error("usage: node bench/.build/bench/heap-summary.js [--streams N] [--top N] <before> <after> | <directory>");
    process.exit(2);
  }
  console.log(compare(before, after, Number(values.streams), Number(values.top)));
}
