/**
 * Command-line parsing for `streamux tunnel serve|expose`: option values checked and turned into
 * the shapes the commands use. Mistakes throw UsageError (exit code 2) with a message for the user.
 */
import { parseArgs } from "node:util";
import { parsePortRanges, type PortRange } from "./ports.js";

export class UsageError extends Error {}

export interface Endpoint {
  /** undefined: every interface (":7000"). */
  host: string | undefined;
  port: number;
}

export interface ServeOptions {
  control: Endpoint;
  ws: Endpoint | undefined;
  tokens: string[];
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  ports: PortRange[] | null;
  publicHost: string | undefined;
  graceMs: number;
  drainMs: number;
  heartbeatMs: number;
  json: boolean;
}

export interface ExposeOptions {
  local: Endpoint & { host: string };
  server: URL;
  token: string | undefined;
  remotePort: number | undefined;
  name: string | undefined;
  ca: string | undefined;
  drainMs: number;
  heartbeatMs: number;
  json: boolean;
}

/** The environment variable that may hold the token (kept out of `ps` output). */
export const TOKEN_ENV = "STREAMUX_TUNNEL_TOKEN";

const common = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  heartbeat: { type: "string" },
  "drain-timeout": { type: "string" },
} as const;

/** `serve`'s options, or null when --help was asked for. */
export function parseServe(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeOptions | null {
  const { values, positionals } = parse(argv, {
    ...common,
    control: { type: "string" },
    ws: { type: "string" },
    token: { type: "string", multiple: true },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    ports: { type: "string" },
    "public-host": { type: "string" },
    grace: { type: "string" },
  });
  if (values.help) return null;
  if (positionals.length > 0) throw new UsageError(`serve takes no arguments, got "${positionals[0]}"`);
  if (values.control === undefined) throw new UsageError("serve needs --control HOST:PORT (where agents connect)");
  if ((values["tls-cert"] === undefined) !== (values["tls-key"] === undefined))
    throw new UsageError("--tls-cert and --tls-key go together");
  const tokens = [...(values.token ?? [])];
  if (tokens.length === 0 && env[TOKEN_ENV]) tokens.push(env[TOKEN_ENV]);
  if (tokens.some((t) => t === "")) throw new UsageError("--token must not be empty");
  let ports: PortRange[] | null = null;
  if (values.ports !== undefined) {
    try {
      ports = parsePortRanges(values.ports);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  return {
    control: endpoint("--control", values.control, true),
    ws: values.ws === undefined ? undefined : endpoint("--ws", values.ws, true),
    tokens,
    tlsCert: values["tls-cert"],
    tlsKey: values["tls-key"],
    ports,
    publicHost: values["public-host"],
    graceMs: seconds("--grace", values.grace, 30),
    drainMs: seconds("--drain-timeout", values["drain-timeout"], 30),
    heartbeatMs: seconds("--heartbeat", values.heartbeat, 10),
    json: values.json ?? false,
  };
}

/** `expose`'s options, or null when --help was asked for. */
export function parseExpose(argv: string[], env: NodeJS.ProcessEnv = process.env): ExposeOptions | null {
  const { values, positionals } = parse(argv, {
    ...common,
    server: { type: "string" },
    token: { type: "string" },
    "remote-port": { type: "string" },
    name: { type: "string" },
    ca: { type: "string" },
  });
  if (values.help) return null;
  if (positionals.length !== 1) throw new UsageError("expose takes one LOCAL_HOST:PORT (the service to expose)");
  if (values.server === undefined)
    throw new UsageError("expose needs --server URL (tcp://HOST:PORT, tls://…, ws://HOST:PORT/PATH or wss://…)");
  const local = endpoint("LOCAL_HOST:PORT", positionals[0]!, false);
  let server: URL;
  try {
    server = new URL(values.server);
  } catch {
    throw new UsageError(`--server: "${values.server}" is not a URL like tcp://HOST:PORT or ws://HOST:PORT/PATH`);
  }
  if (!["tcp:", "tls:", "ws:", "wss:"].includes(server.protocol))
    throw new UsageError(`--server: the scheme must be tcp, tls, ws or wss, not ${server.protocol.slice(0, -1)}`);
  if (!server.hostname) throw new UsageError(`--server: "${values.server}" has no host`);
  if ((server.protocol === "tcp:" || server.protocol === "tls:") && !server.port)
    throw new UsageError(`--server: ${server.protocol}// needs a port`);
  let remotePort: number | undefined;
  if (values["remote-port"] !== undefined) {
    remotePort = Number(values["remote-port"]);
    if (!Number.isInteger(remotePort) || remotePort < 1 || remotePort > 65535)
      throw new UsageError(`--remote-port: "${values["remote-port"]}" is not a port (1-65535)`);
  }
  const token = values.token ?? (env[TOKEN_ENV] || undefined);
  return {
    local: { host: local.host ?? "localhost", port: local.port },
    server,
    token,
    remotePort,
    name: values.name,
    ca: values.ca,
    drainMs: seconds("--drain-timeout", values["drain-timeout"], 30),
    heartbeatMs: seconds("--heartbeat", values.heartbeat, 10),
    json: values.json ?? false,
  };
}

type Spec = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

function parse<O extends Spec>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    // Node's message names the option ("Unknown option '--tokn'"); the code prefix is noise.
    throw new UsageError((err as Error).message.replace(/^.*?: /, "").replace(/\. To specify.*$/, ""));
  }
}

/** "HOST:PORT", "[::1]:PORT", ":PORT" (every interface) or "PORT". Port 0 only where `zero`. */
export function endpoint(what: string, text: string, zero: boolean): Endpoint {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  if (!m) throw new UsageError(`${what}: "${text}" is not HOST:PORT`);
  const port = Number(m[3]);
  if (port > 65535 || (port === 0 && !zero)) throw new UsageError(`${what}: ${m[3]} is not a port`);
  const host = m[1] ?? m[2];
  return { host: host === "" || host === undefined ? undefined : host, port };
}

function seconds(what: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback * 1000;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${what}: "${text}" is not a number of seconds`);
  return Math.round(n * 1000);
}
