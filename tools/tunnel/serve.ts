/**
 * `streamux tunnel serve`: takes agents over TCP, TLS and WebSocket, gives each one that
 * authenticates a public TCP port, and turns every connection to that port into a stream opened
 * back to the agent. A port outlives its agent by a grace period, so an agent that reconnects (same
 * token, same name) gets it back.
 */
import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as tls from "node:tls";
import { Session, type MuxStream, type SessionCloseInfo } from "../../src/index.js";
import { fromSocket } from "../../src/adapters/node.js";
import { fromWebSocket } from "../../src/adapters/websocket.js";
import type { Endpoint, ServeOptions } from "./args.js";
import { closeText, hostPort, type Output } from "./output.js";
import { join } from "./pipe.js";
import { PortPolicy } from "./ports.js";
import {
  CONNECTION_STREAM,
  CONTROL_STREAM,
  encodeMessage,
  MessageReader,
  parseHello,
  PROTOCOL_VERSION,
  RefusalCode,
  sessionOptions,
  type ConnectionHeader,
  type Hello,
} from "./protocol.js";
import { onStopSignals } from "./signals.js";
import { Tokens } from "./tokens.js";
import { acceptUpgrade } from "./websocket.js";

/** How long a new agent has to open its control stream and say hello. */
const HELLO_TIMEOUT_MS = 10_000;
/** How long a refused agent gets to read the refusal before the session is closed. */
const REFUSAL_LINGER_MS = 2_000;

/** A connected, authenticated agent. */
interface Agent {
  session: Session;
  control: MuxStream;
  name: string;
  from: string;
  /** Public connections being carried now. */
  connections: Set<net.Socket>;
  /** Called when `connections` becomes empty. */
  idle: (() => void) | null;
}

/** A public port: its listener, and the agent serving it (null during the grace period). */
interface Tunnel {
  key: string;
  port: number;
  listener: net.Server;
  agent: Agent | null;
  grace: ReturnType<typeof setTimeout> | undefined;
}

class Refused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function serve(options: ServeOptions, output: Output): Promise<number> {
  const server = new TunnelServer(options, output);
  await server.start();
  return server.finished;
}

class TunnelServer {
  private readonly tokens: Tokens;
  private readonly policy: PortPolicy;
  private readonly tunnels = new Map<string, Tunnel>();
  private readonly byPort = new Map<number, Tunnel>();
  /** Tunnel keys whose port is being bound now. */
  private readonly admitting = new Set<string>();
  private readonly listeners: Array<net.Server | http.Server> = [];
  /** Sessions not yet past their hello, closed at once when draining. */
  private readonly pending = new Set<Session>();
  private draining = false;
  private exit!: (code: number) => void;
  readonly finished = new Promise<number>((resolve) => (this.exit = resolve));

  constructor(
    private readonly options: ServeOptions,
    private readonly output: Output,
  ) {
    this.tokens = new Tokens(options.tokens);
    this.policy = new PortPolicy(options.ports);
  }

  async start(): Promise<void> {
    const { control, ws, tlsCert, tlsKey } = this.options;
    const tlsOptions = tlsCert && tlsKey ? { cert: readFileSync(tlsCert), key: readFileSync(tlsKey) } : null;

    const controlServer = tlsOptions
      ? tls.createServer({ ...tlsOptions, allowHalfOpen: true }, (socket) => this.onControlSocket(socket, "tls"))
      : net.createServer({ allowHalfOpen: true }, (socket) => this.onControlSocket(socket, "tcp"));
    await this.bind(controlServer, control, tlsOptions ? "tls" : "tcp");

    if (ws) {
      const onRequest = (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(426, { "content-type": "text/plain", upgrade: "websocket", connection: "close" });
        res.end("streamux tunnel: this endpoint takes WebSocket connections from `streamux tunnel expose`\n");
      };
      const httpServer = tlsOptions ? https.createServer(tlsOptions, onRequest) : http.createServer(onRequest);
      httpServer.on("upgrade", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
        socket.on("error", () => {});
        if (this.draining) return void socket.destroy();
        const websocket = acceptUpgrade(req, socket, head);
        if (!websocket) return;
        const session = Session.server(fromWebSocket(websocket), sessionOptions(this.options.heartbeatMs));
        void this.onSession(session, addressOf(socket), tlsOptions ? "wss" : "ws");
      });
      await this.bind(httpServer, ws, tlsOptions ? "wss" : "ws");
    }

    if (this.tokens.open) this.output.warn("streamux tunnel: no --token given: any agent that reaches this server may expose a port");
    this.output.event(
      "policy",
      `ports: ${this.policy.describe()}; a port is kept ${this.options.graceMs / 1000} s for its agent to come back`,
      {
        ports: this.options.ports ? this.options.ports.map((r) => `${r.from}-${r.to}`).join(",") : null,
        graceMs: this.options.graceMs,
      },
    );
    onStopSignals((signal) => void this.drain(signal));
  }

  private async bind(server: net.Server, at: Endpoint, scheme: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port: at.port, host: at.host }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", () => {});
    this.listeners.push(server);
    const address = server.address() as net.AddressInfo;
    const where = hostPort(address.address, address.port);
    this.output.event("listening", `listening for agents on ${scheme}://${where}`, { transport: scheme, address: where });
  }

  private onControlSocket(socket: net.Socket, via: string): void {
    if (this.draining) return void socket.destroy();
    void this.onSession(Session.server(fromSocket(socket), sessionOptions(this.options.heartbeatMs)), addressOf(socket), via);
  }

  /** One agent's session, from its hello to its end. */
  private async onSession(session: Session, from: string, via: string): Promise<void> {
    this.pending.add(session);
    let control: MuxStream;
    let hello: Hello;
    try {
      const signal = AbortSignal.timeout(HELLO_TIMEOUT_MS);
      control = await session.accept({ signal });
      if (control.type !== CONTROL_STREAM)
        throw new Error(`the first stream has type ${control.type}, not the control stream's (${CONTROL_STREAM})`);
      const message = await new MessageReader(control).next(signal);
      if (message === null) throw new Error("the control stream ended before a hello");
      const checked = parseHello(message);
      if (typeof checked === "string") {
        await this.refuse(session, control, from, new Refused(RefusalCode.BadRequest, checked));
        return;
      }
      hello = checked;
    } catch (err) {
      this.pending.delete(session);
      this.output.warn(`agent from ${from} dropped before its hello: ${errorText(err)}`, "dropped", { from });
      void session.close();
      return;
    }

    let tunnel: Tunnel;
    try {
      tunnel = await this.admit(hello);
    } catch (err) {
      const refusal = err instanceof Refused ? err : new Refused(RefusalCode.Internal, errorText(err));
      await this.refuse(session, control, from, refusal);
      return;
    }
    this.pending.delete(session);

    const agent: Agent = { session, control, name: hello.name ?? "", from, connections: new Set(), idle: null };
    tunnel.agent = agent;
    const host = this.options.publicHost ?? publicHostOf(this.options.control.host);
    const publicAddress = hostPort(host || "*", tunnel.port);
    try {
      await control.write(encodeMessage({ type: "ready", host, port: tunnel.port }));
    } catch {
      // The session is already gone: its end below releases the agent.
    }
    this.output.event("agent", `agent ${agent.name || "(unnamed)"} from ${from} via ${via}: public ${publicAddress}`, {
      name: agent.name,
      from,
      via,
      public: publicAddress,
      port: tunnel.port,
    });

    // Nothing else may be opened by the agent; the control stream ending means it is leaving.
    void (async () => {
      for await (const stream of session) stream.reset();
    })().catch(() => {});
    void (async () => {
      const reader = new MessageReader(control);
      while ((await reader.next()) !== null) {
        // No message is defined after ready; later versions may add some.
      }
      await control.closeWrite();
    })().catch(() => {});

    const info = await session.closed;
    this.release(tunnel, agent, info);
  }

  /** Authenticates a hello and finds or binds its tunnel; throws Refused. */
  private async admit(hello: Hello): Promise<Tunnel> {
    if (this.draining) throw new Refused(RefusalCode.ShuttingDown, "the server is shutting down");
    if (hello.version !== PROTOCOL_VERSION)
      throw new Refused(
        RefusalCode.UnsupportedVersion,
        `protocol version ${hello.version} is not supported (this server speaks ${PROTOCOL_VERSION})`,
      );
    const tokenIndex = this.tokens.match(hello.token);
    if (tokenIndex < 0)
      throw new Refused(RefusalCode.Unauthorized, hello.token ? "the token is not valid" : "this server needs a token (--token)");
    if (hello.port !== undefined && !this.policy.allows(hello.port)) {
      throw new Refused(RefusalCode.PortNotAllowed, `port ${hello.port} is not allowed here (${this.policy.describe()})`);
    }
    // An agent without a name cannot be recognised when it comes back: its port is not kept.
    const key = hello.name ? `${tokenIndex}\u0000${hello.name}` : `\u0000${Math.random()}`;
    if (this.admitting.has(key)) throw new Refused(RefusalCode.PortInUse, `an agent named "${hello.name}" is connecting already`);
    const existing = this.tunnels.get(key);
    if (existing) {
      if (existing.agent)
        throw new Refused(RefusalCode.PortInUse, `an agent named "${hello.name}" is already connected (port ${existing.port})`);
      if (hello.port === undefined || hello.port === existing.port) {
        clearTimeout(existing.grace);
        existing.grace = undefined;
        return existing;
      }
      this.close(existing);
    }
    if (hello.port !== undefined && this.byPort.has(hello.port))
      throw new Refused(RefusalCode.PortInUse, `port ${hello.port} is held by another agent`);

    // Connections come from the next turn of the event loop on, when `tunnel` is set.
    let tunnel!: Tunnel;
    let listener: net.Server;
    this.admitting.add(key);
    try {
      listener = await this.policy.bind(
        this.options.control.host,
        hello.port,
        (p) => this.byPort.has(p),
        (socket) => this.onPublic(tunnel, socket),
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
        throw new Refused(RefusalCode.PortInUse, hello.port ? `port ${hello.port} is in use` : "no free port is left");
      }
      throw err;
    } finally {
      this.admitting.delete(key);
    }
    tunnel = { key, port: (listener.address() as net.AddressInfo).port, listener, agent: null, grace: undefined };
    if (this.draining) {
      tunnel.listener.close();
      throw new Refused(RefusalCode.ShuttingDown, "the server is shutting down");
    }
    this.tunnels.set(key, tunnel);
    this.byPort.set(tunnel.port, tunnel);
    return tunnel;
  }

  /** Tells the agent why, gives it a moment to read that, and ends its session. */
  private async refuse(session: Session, control: MuxStream, from: string, refusal: Refused): Promise<void> {
    this.output.warn(`refused agent from ${from}: ${refusal.message}`, "refused", { from, code: refusal.code });
    try {
      await control.write(encodeMessage({ type: "error", code: refusal.code, message: refusal.message }));
      await control.closeWrite();
    } catch {
      // Gone already.
    }
    const linger = setTimeout(() => void session.close(), REFUSAL_LINGER_MS);
    await session.closed;
    clearTimeout(linger);
    this.pending.delete(session);
  }

  /** A public connection: a stream opened back to the agent, joined to the socket. */
  private onPublic(tunnel: Tunnel, socket: net.Socket): void {
    const agent = tunnel.agent;
    if (!agent || this.draining) return void socket.resetAndDestroy();
    agent.connections.add(socket);
    const done = () => {
      agent.connections.delete(socket);
      if (agent.connections.size === 0) agent.idle?.();
    };
    socket.once("close", done);
    socket.on("error", () => {});
    const header: ConnectionHeader = { remote: addressOf(socket) };
    agent.session.open({ type: CONNECTION_STREAM }).then(
      (stream) => {
        if (socket.destroyed) return void stream.reset();
        // The header leaves before any of the socket's bytes: join() writes after it.
        stream.write(encodeMessage(header)).catch(() => {});
        void join(socket, stream);
      },
      () => socket.resetAndDestroy(),
    );
  }

  /** The agent's session ended: keep its port for the grace period (or close it when draining). */
  private release(tunnel: Tunnel, agent: Agent, info: SessionCloseInfo): void {
    if (tunnel.agent !== agent) return;
    tunnel.agent = null;
    for (const socket of agent.connections) socket.resetAndDestroy();
    agent.idle?.();
    const reason = closeText(info, "agent");
    if (this.draining || !this.tunnels.has(tunnel.key) || tunnel.key.startsWith("\u0000")) {
      this.output.event("agent_gone", `agent ${agent.name || "(unnamed)"} gone (${reason}); port ${tunnel.port} closed`, {
        name: agent.name,
        port: tunnel.port,
        reason,
      });
      this.close(tunnel);
      return;
    }
    this.output.event(
      "agent_gone",
      `agent ${agent.name || "(unnamed)"} gone (${reason}); port ${tunnel.port} kept for ${this.options.graceMs / 1000} s`,
      {
        name: agent.name,
        port: tunnel.port,
        reason,
        graceMs: this.options.graceMs,
      },
    );
    tunnel.grace = setTimeout(() => {
      this.output.event("released", `port ${tunnel.port} released`, { port: tunnel.port });
      this.close(tunnel);
    }, this.options.graceMs);
  }

  private close(tunnel: Tunnel): void {
    clearTimeout(tunnel.grace);
    tunnel.listener.close();
    if (this.tunnels.get(tunnel.key) === tunnel) this.tunnels.delete(tunnel.key);
    if (this.byPort.get(tunnel.port) === tunnel) this.byPort.delete(tunnel.port);
  }

  /**
   * Graceful stop: no new agents or public connections; every agent is told (GOAWAY and the end of
   * the control stream), the connections in flight finish (within --drain-timeout), then exit 0.
   */
  private async drain(signal: string): Promise<void> {
    this.draining = true;
    for (const listener of this.listeners) listener.close();
    for (const session of this.pending) void session.close();
    const agents = [...this.tunnels.values()].flatMap((t) => (t.agent ? [t.agent] : []));
    for (const tunnel of [...this.tunnels.values()]) {
      clearTimeout(tunnel.grace);
      tunnel.listener.close();
    }
    const inFlight = agents.reduce((n, a) => n + a.connections.size, 0);
    this.output.event(
      "draining",
      `${signal}: draining ${agents.length} agent(s), ${inFlight} connection(s) in flight (again to stop at once)`,
      {
        signal,
        agents: agents.length,
        connections: inFlight,
      },
    );
    const deadline = setTimeout(() => {
      for (const agent of agents) void agent.session.close();
    }, this.options.drainMs);
    await Promise.all(agents.map((agent) => this.drainAgent(agent)));
    clearTimeout(deadline);
    this.output.event("closed", "stopped", {});
    this.exit(0);
  }

  private async drainAgent(agent: Agent): Promise<void> {
    // shutdown() sends GOAWAY and refuses new streams both ways; it would also wait for the
    // heartbeat's own stream, so the connections are counted here and the session closed after them.
    void agent.session.shutdown({ timeout: this.options.drainMs });
    agent.control.closeWrite().catch(() => {});
    if (agent.connections.size > 0) await new Promise<void>((resolve) => (agent.idle = resolve));
    await agent.session.close();
  }
}

/** The host to tell agents: the listening host unless that is every interface. */
function publicHostOf(host: string | undefined): string {
  return host === undefined || host === "0.0.0.0" || host === "::" ? "" : host;
}

function addressOf(socket: net.Socket): string {
  return socket.remoteAddress ? hostPort(socket.remoteAddress, socket.remotePort ?? 0) : "unknown";
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
