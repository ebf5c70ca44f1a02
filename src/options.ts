import { DEFAULT_INTERVAL, DEFAULT_TOLERANCE } from "./extensions/heartbeat.js";
import { checkType } from "./extensions/typed.js";
import { isSignal } from "./util/abort.js";
import { MAX_WINDOW } from "./flow.js";
import type { HeartbeatOptions, OpenOptions, SessionOptions, ShutdownOptions } from "./types.js";

/** muxado's window (docs/protocol.md, "Flow control"). */
export const DEFAULT_WINDOW = 256 * 1024;
export const DEFAULT_MAX_WINDOW = 4 * 1024 * 1024;
export const DEFAULT_BACKLOG = 128;
export const DEFAULT_MAX_INCOMING = 65536;
export const DEFAULT_RECEIVE_BUDGET = 64 * 1024 * 1024;
export const DEFAULT_CLOSE_TIMEOUT = 5000;
/** How long shutdown() lets running streams finish by default. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 30_000;

/** SessionOptions with every default filled in, checked once when a session starts. */
export interface ResolvedOptions {
  windowSize: number;
  maxWindowSize: number;
  acceptBacklog: number;
  maxIncomingStreams: number;
  receiveBudget: number;
  typed: boolean;
  heartbeat: ResolvedHeartbeat | null;
  closeTimeout: number;
  onFrame: SessionOptions["onFrame"];
}

export interface ResolvedHeartbeat {
  interval: number;
  tolerance: number;
  onBeat: ((rttMs: number) => void) | undefined;
  onTimeout: (() => void) | undefined;
  closeOnTimeout: boolean;
}

const SESSION_KEYS: ReadonlySet<string> = new Set([
  "windowSize",
  "maxWindowSize",
  "acceptBacklog",
  "maxIncomingStreams",
  "receiveBudget",
  "typed",
  "heartbeat",
  "closeTimeout",
  "onFrame",
] satisfies Array<keyof SessionOptions>);

const HEARTBEAT_KEYS: ReadonlySet<string> = new Set(["interval", "tolerance", "onBeat", "onTimeout", "closeOnTimeout"] satisfies Array<
  keyof HeartbeatOptions
>);

/**
 * Checks every option (a misspelt name, a wrong type or a value out of range throws a TypeError or
 * RangeError naming the option) and fills in the defaults.
 */
export function resolveOptions(options: SessionOptions = {}): ResolvedOptions {
  checkObject("session options", options, SESSION_KEYS);
  const windowSize = integer("windowSize", options.windowSize, DEFAULT_WINDOW, 1, MAX_WINDOW);
  const maxWindowSize = integer("maxWindowSize", options.maxWindowSize, Math.max(DEFAULT_MAX_WINDOW, windowSize), 1, MAX_WINDOW);
  const heartbeat = options.heartbeat === undefined ? null : resolveHeartbeat(options.heartbeat);
  const typed = boolean("typed", options.typed, false);
  return {
    windowSize,
    // A maximum below the initial window just means windows never grow.
    maxWindowSize: Math.max(windowSize, maxWindowSize),
    acceptBacklog: integer("acceptBacklog", options.acceptBacklog, DEFAULT_BACKLOG, 1, 0x7fffffff),
    maxIncomingStreams: integer("maxIncomingStreams", options.maxIncomingStreams, DEFAULT_MAX_INCOMING, 1, 0x7fffffff),
    receiveBudget: integer("receiveBudget", options.receiveBudget, DEFAULT_RECEIVE_BUDGET, 64 * 1024, Number.MAX_SAFE_INTEGER),
    // The heartbeat travels on a typed stream: it implies typed streams.
    typed: typed || heartbeat !== null,
    heartbeat,
    closeTimeout: number("closeTimeout", options.closeTimeout, DEFAULT_CLOSE_TIMEOUT, 0),
    onFrame: callback("onFrame", options.onFrame),
  };
}

function resolveHeartbeat(options: HeartbeatOptions): ResolvedHeartbeat {
  checkObject("heartbeat", options, HEARTBEAT_KEYS);
  return {
    // At least a millisecond: a beat is a timer, a write and a read.
    interval: number("heartbeat.interval", options.interval, DEFAULT_INTERVAL, 1),
    tolerance: number("heartbeat.tolerance", options.tolerance, DEFAULT_TOLERANCE, 0),
    onBeat: callback("heartbeat.onBeat", options.onBeat),
    onTimeout: callback("heartbeat.onTimeout", options.onTimeout),
    closeOnTimeout: boolean("heartbeat.closeOnTimeout", options.closeOnTimeout, false),
  };
}

function checkObject(name: string, value: unknown, known: ReadonlySet<string>): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      throw new TypeError(`unknown option "${key}" in ${name}; known options: ${[...known].join(", ")}`);
    }
  }
}

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) throw new RangeError(`${name} must be from ${min} to ${max}, got ${value}`);
  return value;
}

function number(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value)) throw new TypeError(`${name} must be a number, got ${describe(value)}`);
  if (value < min || value === Infinity) throw new RangeError(`${name} must be a finite number of at least ${min}, got ${value}`);
  return value;
}

function boolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new TypeError(`${name} must be true or false, got ${describe(value)}`);
  return value;
}

function callback<F>(name: string, value: F | undefined): F | undefined {
  if (value === undefined || typeof value === "function") return value;
  throw new TypeError(`${name} must be a function, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}

/** Checks open()'s options: the stream's type (0 on an untyped session) and sendOrder. */
export function resolveOpen(options: OpenOptions, typed: boolean): { type: number; sendOrder: number } {
  checkObject("open() options", options, OPEN_KEYS);
  if (options.signal !== undefined && !isSignal(options.signal)) throw new TypeError("open(): signal must be an AbortSignal");
  const sendOrder = options.sendOrder === undefined ? 0 : checkSendOrder(options.sendOrder);
  if (options.type === undefined) return { type: 0, sendOrder };
  if (!typed) throw new TypeError("open({ type }) needs a typed session ({ typed: true } on both peers)");
  return { type: checkType(options.type), sendOrder };
}

/** A sendOrder is any finite number (WebTransport's is an integer; fractions order just as well). */
export function checkSendOrder(order: unknown): number {
  if (typeof order !== "number" || !Number.isFinite(order)) throw new TypeError(`sendOrder must be a finite number, got ${String(order)}`);
  return order;
}

/** Checks shutdown()'s options; the time running streams get. */
export function resolveShutdown(options: ShutdownOptions): number {
  checkObject("shutdown() options", options, SHUTDOWN_KEYS);
  return number("shutdown(): timeout", options.timeout, DEFAULT_SHUTDOWN_TIMEOUT, 0);
}

const OPEN_KEYS: ReadonlySet<string> = new Set(["type", "sendOrder", "signal"] satisfies Array<keyof OpenOptions>);
const SHUTDOWN_KEYS: ReadonlySet<string> = new Set(["timeout", "code", "debug"] satisfies Array<keyof ShutdownOptions>);
