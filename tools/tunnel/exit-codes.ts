/** The process's exit codes (listed in `--help` and docs/tunnel.md). */
export const ExitCode = {
  /** Stopped by a signal after draining, or --help. */
  Ok: 0,
  /** A failure: cannot listen, the server does not speak this protocol, … */
  Failure: 1,
  /** The command line is wrong. */
  Usage: 2,
  /** The server refused the token. */
  Unauthorized: 3,
  /** The server does not allow the port asked for (--remote-port). */
  PortNotAllowed: 4,
} as const;
