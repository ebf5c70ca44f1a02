/**
 * One workload as a horizontal bar chart in hand-written SVG: a bar per contender (its median),
 * a whisker for min–max over the runs, the baseline's value as a dashed line, and each bar's
 * ratio to the baseline. A white card with its own fonts and colours, so it reads the same on
 * GitHub's light and dark themes.
 */
import { fmt } from "./table.js";

export interface ChartBar {
  label: string;
  value: number;
  min?: number;
  max?: number;
  /** How the bar is coloured: the baseline, a streamux face, anyone else. */
  kind: "baseline" | "streamux" | "streamux-alt" | "other";
  /** Shown in the last column ("0.84×"). */
  ratio: string;
}

export interface ChartSpec {
  title: string;
  subtitle: string;
  /** The value column's header ("MiB/s"). */
  unit: string;
  /** The ratio column's header ("× raw"). */
  ratioHeader: string;
  bars: ChartBar[];
  /** Where the dashed baseline goes, and what it is called. */
  baseline?: { value: number; label: string };
  footer: string;
}

const WIDTH = 820;
const LABEL_RIGHT = 236;
const BAR_LEFT = 244;
const BAR_RIGHT = 610;
const VALUE_X = 624;
const RATIO_X = 730;
const TOP = 86;
const ROW = 30;
const BAR_HEIGHT = 18;
const FONT = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const COLOURS: Record<ChartBar["kind"], string> = {
  baseline: "#8c959f",
  streamux: "#1f6feb",
  "streamux-alt": "#6cb6ff",
  other: "#c9d1d9",
};

function escapeXml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

const px = (x: number) => x.toFixed(1);

export function renderChart(spec: ChartSpec): string {
  const bars = spec.bars.filter((b) => Number.isFinite(b.value));
  const top = Math.max(...bars.map((b) => Math.max(b.value, b.max ?? 0)), spec.baseline?.value ?? 0) || 1;
  const x = (v: number) => BAR_LEFT + (Math.max(0, v) / (top * 1.04)) * (BAR_RIGHT - BAR_LEFT);
  const height = TOP + bars.length * ROW + 44;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}" role="img" aria-label="${escapeXml(spec.title)}">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect x="0.5" y="0.5" width="${WIDTH - 1}" height="${height - 1}" rx="8" fill="#ffffff" stroke="#d0d7de"/>`,
    `<text x="16" y="28" font-size="15" font-weight="600" fill="#1f2328">${escapeXml(spec.title)}</text>`,
    `<text x="16" y="48" font-size="12" fill="#57606a">${escapeXml(spec.subtitle)}</text>`,
    `<text x="${VALUE_X}" y="${TOP - 14}" font-size="11" font-weight="600" fill="#57606a">${escapeXml(spec.unit)}</text>`,
    `<text x="${RATIO_X}" y="${TOP - 14}" font-size="11" font-weight="600" fill="#57606a">${escapeXml(spec.ratioHeader)}</text>`,
  );
  bars.forEach((b, i) => {
    const y = TOP + i * ROW;
    const mid = y + BAR_HEIGHT / 2;
    const strong = b.kind === "streamux" || b.kind === "streamux-alt";
    out.push(
      `<text x="${LABEL_RIGHT}" y="${mid + 4}" font-size="12" text-anchor="end" fill="#1f2328"${strong ? ' font-weight="600"' : ""}>${escapeXml(b.label)}</text>`,
      `<rect x="${BAR_LEFT}" y="${y}" width="${px(x(b.value) - BAR_LEFT)}" height="${BAR_HEIGHT}" rx="2" fill="${COLOURS[b.kind]}"/>`,
    );
    if (b.min !== undefined && b.max !== undefined && b.max > b.min) {
      const [a, z] = [x(b.min), x(b.max)];
      out.push(
        `<path d="M${px(a)} ${mid}H${px(z)}M${px(a)} ${mid - 5}V${mid + 5}M${px(z)} ${mid - 5}V${mid + 5}" stroke="#24292f" stroke-width="1.2" fill="none"/>`,
      );
    }
    out.push(
      `<text x="${VALUE_X}" y="${mid + 4}" font-size="12" fill="#1f2328">${escapeXml(fmt(b.value))}</text>`,
      `<text x="${RATIO_X}" y="${mid + 4}" font-size="12" fill="#1f2328"${strong ? ' font-weight="600"' : ""}>${escapeXml(b.ratio)}</text>`,
    );
  });
  if (spec.baseline && Number.isFinite(spec.baseline.value)) {
    const at = x(spec.baseline.value);
    const bx = px(at);
    // Near the right edge the label reads leftwards, clear of the column headers.
    const anchor = at > BAR_RIGHT - 60 ? "end" : "middle";
    out.push(
      `<path d="M${bx} ${TOP - 8}V${TOP + bars.length * ROW - 6}" stroke="#cf222e" stroke-width="1.2" stroke-dasharray="4 3"/>`,
      `<text x="${bx}" y="${TOP - 12}" font-size="11" text-anchor="${anchor}" fill="#cf222e">${escapeXml(spec.baseline.label)}</text>`,
    );
  }
  out.push(`<text x="16" y="${height - 16}" font-size="11" fill="#57606a">${escapeXml(spec.footer)}</text>`, `</svg>`);
  return `${out.join("\n")}\n`;
}
