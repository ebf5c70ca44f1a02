/**
 * The `streamux` command: `streamux tunnel serve|expose`. Dispatches, prints help, and turns what
 * happened into the process's exit code.
 */
import { parseExpose, parseServe, TOKEN_ENV, UsageError } from "./args.js";
import { ExitCode } from "./exit-codes.js";
import { expose } from "./expose.js";
import { Output } from "./output.js";
import { serve } from "./serve.js";

const MAIN_HELP = `Usage: streamux tunnel <serve|expose> [options]

A reverse tunnel over streamux: an agent behind NAT dials the server, which gives it a public TCP
port and carries every connection to that port back to the agent as a mux stream.

  streamux tunnel serve  --control HOST:PORT [--ws HOST:PORT] [--token T] [--tls-cert F --tls-key F]
  streamux tunnel expose LOCAL_HOST:PORT --server tcp://HOST:PORT|tls://…|ws://HOST:PORT/PATH|wss://…
                         [--token T] [--remote-port N] [--json]

Run \`streamux tunnel serve --help\` or \`streamux tunnel expose --help\` for their options.
`;

const SERVE_HELP = `Usage: streamux tunnel serve --control HOST:PORT [options]

Takes agents and gives each a public TCP port.

  --control HOST:PORT    where agents connect over TCP (TLS with --tls-cert/--tls-key);
                         ":PORT" listens on every interface, port 0 picks a free one
  --ws HOST:PORT         also take agents over WebSocket (any path) on an HTTP server here
                         (HTTPS with --tls-cert/--tls-key)
  --token T              the token agents must present; repeat for several; default
                         $${TOKEN_ENV}; without any, every agent is let in
  --tls-cert FILE        PEM certificate for TLS on --control and --ws
  --tls-key FILE         PEM private key for it
  --ports RANGES         public ports agents may ask for, e.g. 20000-20999,8080; they also get
                         their free port from these. Without it agents cannot choose: each gets
                         a free port the system picks
  --public-host HOST     the host name agents are told to print (default: the --control host);
                         public ports listen on the --control host
  --grace SECONDS        how long a port is kept for an agent that went away (default 30)
  --drain-timeout SECONDS
                         on SIGINT/SIGTERM, how long connections in flight may take (default 30)
  --heartbeat SECONDS    heartbeat interval, and the extra time an answer may take; a silent
                         agent is dropped after twice this (default 10; 0: off)
  --json                 one JSON object per line per event
  -h, --help             this text

The first SIGINT/SIGTERM drains: no new agents or connections, those in flight finish; a second
one stops at once.
`;

const EXPOSE_HELP = `Usage: streamux tunnel expose LOCAL_HOST:PORT --server URL [options]

Exposes a local TCP service through a server: prints "forwarding PUBLIC_HOST:PORT -> LOCAL_HOST:PORT"
once the public port is ready, and reconnects (exponential backoff with jitter) whenever the
session is lost; the server keeps the port for a while, so the agent gets it back.

  LOCAL_HOST:PORT        the service to expose ("PORT" alone: localhost)
  --server URL           tcp://HOST:PORT, tls://HOST:PORT, ws://HOST:PORT/PATH or wss://HOST:PORT/PATH
  --token T              the server's token (default $${TOKEN_ENV})
  --remote-port N        ask for this public port (the server must allow it: serve --ports)
  --name NAME            who this agent is to the server, to get its port back after a restart
                         (default: this host's name and LOCAL_HOST:PORT)
  --ca FILE              PEM certificate to trust for tls:// and wss:// (a self-signed server)
  --drain-timeout SECONDS
                         on SIGINT/SIGTERM, how long open connections may take (default 30)
  --heartbeat SECONDS    heartbeat interval and tolerance (default 10; 0: off)
  --json                 one JSON object per line per event: ready, reconnecting, disconnected,
                         draining, closed, error, …
  -h, --help             this text

On a terminal a status line shows the connections open, bytes each way and the round trip.

Exit codes: 0 stopped by a signal after draining; 1 failure; 2 wrong usage; 3 the server refused
the token; 4 the server refused the port.
`;

export async function main(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group === undefined || group === "-h" || group === "--help" || group === "help") {
    process.stdout.write(MAIN_HELP);
    return group === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  if (group === "--version" || group === "-v") {
    process.stdout.write(`${await version()}\n`);
    return ExitCode.Ok;
  }
  try {
    if (group !== "tunnel") throw new UsageError(`unknown command "${group}"`);
    if (command === undefined || command === "-h" || command === "--help" || command === "help") {
      process.stdout.write(MAIN_HELP);
      return command === undefined ? ExitCode.Usage : ExitCode.Ok;
    }
    if (command === "serve") {
      const options = parseServe(rest);
      if (!options) return help(SERVE_HELP);
      return await serve(options, new Output(options.json));
    }
    if (command === "expose") {
      const options = parseExpose(rest);
      if (!options) return help(EXPOSE_HELP);
      return await expose(options, new Output(options.json));
    }
    throw new UsageError(`unknown tunnel command "${command}" (serve or expose)`);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`streamux: ${err.message}\nRun \`streamux tunnel --help\` for usage.\n`);
      return ExitCode.Usage;
    }
    process.stderr.write(`streamux: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.Failure;
  }
}

function help(text: string): number {
  process.stdout.write(text);
  return ExitCode.Ok;
}

async function version(): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  const pkg = JSON.parse(await readFile(new URL(/* @vite-ignore */ "../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Whatever is still open (a listener, a timer) must not keep a finished command alive.
    setImmediate(() => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`streamux: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(ExitCode.Failure);
  },
);
