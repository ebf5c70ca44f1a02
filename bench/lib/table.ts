/** Tables as aligned plain text (stdout) or Markdown (the report file), and number formats. */

export type Format = "text" | "md";

export function renderTable(headers: string[], rows: string[][], format: Format): string {
  if (format === "md") {
    const line = (cells: string[]) => `| ${cells.map((c) => String(c).replaceAll("|", "\\|")).join(" | ")} |`;
    return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
  }
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => pad(String(c), widths[i]!, i === 0))
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function width(s: string): number {
  return [...String(s)].length;
}

function pad(s: string, w: number, left: boolean): string {
  const fill = " ".repeat(Math.max(0, w - width(s)));
  return left ? s + fill : fill + s;
}

/** A number with as many digits as it deserves: 12,345 / 123 / 12.3 / 1.23. */
export function fmt(x: unknown): string {
  if (typeof x !== "number" || !Number.isFinite(x)) return "—";
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString("en-US");
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

export function fmtRatio(x: unknown): string {
  return typeof x === "number" && Number.isFinite(x) ? `${x.toFixed(2)}×` : "—";
}
