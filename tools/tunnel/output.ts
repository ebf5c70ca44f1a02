import { ErrorCode, errorCodeName, type SessionCloseInfo } from "../../src/index.js";

/**
 * What the commands print: one line per event for people, or with `--json` one JSON object per
 * line (`{"event":"ready",…}`); on a terminal, a status line kept up to date below the events.
 */

export interface EventFields {
  [key: string]: string | number | boolean | undefined | null;
}

export class Output {
  private status: (() => string) | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private statusShown = false;

  constructor(
    private readonly json: boolean,
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly err: NodeJS.WriteStream = process.stderr,
  ) {}

  /** An event: `text` for people, `event` and `fields` for --json. */
  event(event: string, text: string, fields: EventFields = {}): void {
    if (this.json) {
      this.out.write(`${JSON.stringify({ event, ...fields, time: new Date().toISOString() })}\n`);
      return;
    }
    this.clearStatus();
    this.out.write(`${text}\n`);
    this.drawStatus();
  }

  /** A problem worth telling about that is not an event (a warning, a fatal error's text). */
  warn(text: string, event = "warning", fields: EventFields = {}): void {
    if (this.json) {
      this.out.write(`${JSON.stringify({ event, message: text, ...fields, time: new Date().toISOString() })}\n`);
      return;
    }
    this.clearStatus();
    this.err.write(`${text}\n`);
    this.drawStatus();
  }

  /**
   * Keeps `render()`'s text on the last line of a terminal, redrawn every `everyMs`; nothing when
   * the output is not a terminal or is JSON.
   */
  liveStatus(render: () => string, everyMs = 500): void {
    if (this.json || !this.out.isTTY) return;
    this.status = render;
    this.timer = setInterval(() => this.drawStatus(), everyMs);
    this.timer.unref();
    this.drawStatus();
  }

  stopStatus(): void {
    clearInterval(this.timer);
    this.clearStatus();
    this.status = null;
  }

  private drawStatus(): void {
    if (!this.status) return;
    const width = Math.max(20, (this.out.columns || 80) - 1);
    this.out.write(`\r\x1b[2K${this.status().slice(0, width)}`);
    this.statusShown = true;
  }

  private clearStatus(): void {
    if (!this.statusShown) return;
    this.out.write("\r\x1b[2K");
    this.statusShown = false;
  }
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** An address as "HOST:PORT", IPv6 hosts in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Why a session ended, in a few words: the peer's goodbye, or the reason and the transport's word. */
export function closeText(info: SessionCloseInfo, peer: string): string {
  if (info.remote) {
    const debug = new TextDecoder().decode(info.remote.debug);
    if (info.remote.code === ErrorCode.NoError) return `the ${peer} closed the session`;
    return `the ${peer} ended the session: ${errorCodeName(info.remote.code)}${debug ? ` (${debug})` : ""}`;
  }
  const detail = info.transport?.reason;
  return detail && !info.reason.includes(detail) ? `${info.reason}: ${detail}` : info.reason;
}
