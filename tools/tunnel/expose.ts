/**
 * `streamux tunnel expose`: the agent. Connects to the server, says hello, and turns every stream
 * the server opens into a connection to the local service. Reconnects with backoff when the session
 * dies; a refused token or port ends it with its own exit code.
 */
import * as net from "node:net";
import { hostname } from "node:os";
import type { MuxStream, Session } from "../../src/index.js";
import type { ExposeOptions } from "./args.js";
import { Backoff, sleep } from "./backoff.js";
import { connectToServer } from "./connect.js";
import { ExitCode } from "./exit-codes.js";
import { closeText, formatBytes, hostPort, type Output } from "./output.js";
import { join } from "./pipe.js";
import {
  CONNECTION_STREAM,
  CONTROL_STREAM,
  encodeMessage,
  MessageReader,
  parseServerMessage,
  PROTOCOL_VERSION,
  RefusalCode,
  sessionOptions,
  type Hello,
} from "./protocol.js";
import { onStopSignals } from "./signals.js";

/** How long connecting and the hello may take before the attempt counts as failed. */
const HANDSHAKE_TIMEOUT_MS = 15_000;
/** A session that lived this long resets the reconnection delays. */
const STABLE_SESSION_MS = 5_000;
/** How long the server has to send a connection's header. */
const HEADER_TIMEOUT_MS = 10_000;

/** A refusal that retrying will not change. */
class Fatal extends Error {
  constructor(
    readonly exitCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function expose(options: ExposeOptions, output: Output): Promise<number> {
  return new Agent(options, output).run();
}

class Agent {
  private readonly local: string;
  private readonly name: string;
  private readonly stopping = new AbortController();
  private session: Session | null = null;
  private control: MuxStream | null = null;
  /** Local connections open now, and the bytes of those already closed. */
  private readonly sockets = new Set<net.Socket>();
  private closedIn = 0;
  private closedOut = 0;
  private idle: (() => void) | null = null;
  private state: "connecting" | "connected" | "reconnecting" = "connecting";

  constructor(
    private readonly options: ExposeOptions,
    private readonly output: Output,
  ) {
    this.local = hostPort(options.local.host, options.local.port);
    // Stable across restarts, so the server can give a restarted agent its port back.
    this.name = options.name ?? `${hostname()}/${this.local}`;
  }

  async run(): Promise<number> {
    const stopSignals = onStopSignals((signal) => void this.stop(signal));
    this.output.liveStatus(() => this.statusLine());
    try {
      return await this.loop();
    } finally {
      stopSignals();
      this.output.stopStatus();
    }
  }

  private async loop(): Promise<number> {
    const backoff = new Backoff();
    const stop = this.stopping.signal;
    while (!stop.aborted) {
      let reason: string;
      try {
        const session = await this.handshake();
        const readyAt = performance.now();
        const info = await this.serveSession(session);
        // A session that lasted starts the delays afresh; one that keeps dying at once does not.
        if (performance.now() - readyAt >= STABLE_SESSION_MS) backoff.reset();
        if (stop.aborted) break;
        reason = closeText(info, "server");
        this.output.event("disconnected", `session lost (${reason})`, { reason });
      } catch (err) {
        if (err instanceof Fatal) {
          this.output.warn(`streamux tunnel: ${err.message}`, "error", { code: err.code, exitCode: err.exitCode });
          return err.exitCode;
        }
        if (stop.aborted) break;
        reason = err instanceof Error ? err.message : String(err);
      }
      this.state = "reconnecting";
      const delay = backoff.next();
      this.output.event(
        "reconnecting",
        `reconnecting to ${this.options.server.href} in ${(delay / 1000).toFixed(1)} s (attempt ${backoff.attempts}: ${reason})`,
        {
          attempt: backoff.attempts,
          delayMs: delay,
          reason,
        },
      );
      await sleep(delay, stop);
    }
    this.output.event("closed", "stopped", {});
    return ExitCode.Ok;
  }

  /** Connects, says hello and waits for the port: the session, ready to carry connections. */
  private async handshake(): Promise<Session> {
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(HANDSHAKE_TIMEOUT_MS)]);
    const session = await connectToServer(this.options.server, {
      ca: this.options.ca,
      session: sessionOptions(this.options.heartbeatMs),
      signal,
    });
    try {
      const control = await session.open({ type: CONTROL_STREAM });
      const hello: Hello = { type: "hello", version: PROTOCOL_VERSION, name: this.name };
      if (this.options.token !== undefined) hello.token = this.options.token;
      if (this.options.remotePort !== undefined) hello.port = this.options.remotePort;
      await control.write(encodeMessage(hello), { signal });
      const message = await new MessageReader(control).next(signal);
      if (message === null) throw new Error("the server closed the control stream without an answer");
      const answer = parseServerMessage(message);
      if (answer.type === "error") {
        void session.close();
        if (answer.code === RefusalCode.Unauthorized)
          throw new Fatal(ExitCode.Unauthorized, answer.code, `the server refused the token: ${answer.message}`);
        if (answer.code === RefusalCode.PortNotAllowed)
          throw new Fatal(ExitCode.PortNotAllowed, answer.code, `the server refused the port: ${answer.message}`);
        if (answer.code === RefusalCode.BadRequest || answer.code === RefusalCode.UnsupportedVersion) {
          throw new Fatal(ExitCode.Failure, answer.code, `the server refused the agent: ${answer.message}`);
        }
        throw new Error(`the server refused (${answer.code}): ${answer.message}`);
      }
      const host = answer.host || this.options.server.hostname.replace(/^\[|\]$/g, "");
      const publicAddress = hostPort(host, answer.port);
      this.session = session;
      this.control = control;
      this.state = "connected";
      this.output.event("ready", `forwarding ${publicAddress} -> ${this.local}`, {
        public: publicAddress,
        local: this.local,
        name: this.name,
      });
      return session;
    } catch (err) {
      void session.close();
      throw err;
    }
  }

  /** Carries connections until the session ends; resolves with its close info. */
  private async serveSession(session: Session) {
    const control = this.control!;
    void (async () => {
      // The control stream ending means the server is going away: answer by ending ours.
      const reader = new MessageReader(control);
      while ((await reader.next()) !== null) {
        // No message is defined after ready; later versions may add some.
      }
      if (!this.stopping.signal.aborted)
        this.output.event("server_draining", "the server is shutting down; finishing open connections", {});
      await control.closeWrite();
    })().catch(() => {});
    void (async () => {
      for await (const stream of session) {
        if (stream.type === CONNECTION_STREAM) void this.carry(stream);
        else stream.reset();
      }
    })().catch(() => {});
    const info = await session.closed;
    this.state = "reconnecting";
    this.session = null;
    this.control = null;
    return info;
  }

  /** One public connection: read its header, connect to the local service, join the two. */
  private async carry(stream: MuxStream): Promise<void> {
    const reader = new MessageReader(stream);
    try {
      const header = await reader.next(AbortSignal.timeout(HEADER_TIMEOUT_MS));
      if (header === null) return void stream.reset();
    } catch {
      return void stream.reset();
    }
    const socket = net.connect({ host: this.options.local.host, port: this.options.local.port, allowHalfOpen: true, noDelay: true });
    this.sockets.add(socket);
    socket.once("close", () => {
      this.sockets.delete(socket);
      this.closedIn += socket.bytesWritten;
      this.closedOut += socket.bytesRead;
      if (this.sockets.size === 0) this.idle?.();
    });
    let reached = false;
    socket.once("connect", () => {
      reached = true;
      void join(socket, stream, reader.rest());
    });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      if (!reached) {
        stream.reset();
        this.output.warn(`cannot reach ${this.local}: ${err.code ?? err.message}`, "local_error", {
          local: this.local,
          error: err.code ?? err.message,
        });
      }
    });
  }

  /** First signal: no new connections, the open ones finish (within --drain-timeout), then exit 0. */
  private async stop(signal: string): Promise<void> {
    this.stopping.abort();
    const session = this.session;
    // shutdown() sends GOAWAY and refuses new streams both ways; it would also wait for the
    // heartbeat's own stream, so the connections are counted here and the session closed after them.
    if (session) void session.shutdown({ timeout: this.options.drainMs });
    this.control?.closeWrite().catch(() => {});
    this.output.event("draining", `${signal}: finishing ${this.sockets.size} connection(s) (again to stop at once)`, {
      signal,
      connections: this.sockets.size,
    });
    if (!session) return;
    const deadline = setTimeout(() => this.idle?.(), this.options.drainMs);
    if (this.sockets.size > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    clearTimeout(deadline);
    await session.close();
  }

  private statusLine(): string {
    let toLocal = this.closedIn;
    let fromLocal = this.closedOut;
    for (const socket of this.sockets) {
      toLocal += socket.bytesWritten;
      fromLocal += socket.bytesRead;
    }
    const rtt = this.session?.stats().rttMs;
    return `${this.state} | ${this.sockets.size} open | in ${formatBytes(toLocal)} | out ${formatBytes(fromLocal)} | rtt ${rtt === undefined ? "-" : `${rtt.toFixed(1)} ms`}`;
  }
}
