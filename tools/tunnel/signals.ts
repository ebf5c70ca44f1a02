/**
 * SIGINT and SIGTERM: the first starts a graceful drain, a second one ends the process at once
 * (exit code 128 + the signal's number, as a shell reports a killed process).
 */
const NUMBERS: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

export function onStopSignals(drain: (signal: NodeJS.Signals) => void, atOnce: (signal: NodeJS.Signals) => void = () => {}): () => void {
  let received = false;
  const handler = (signal: NodeJS.Signals) => {
    if (received) {
      atOnce(signal);
      process.exit(128 + (NUMBERS[signal] ?? 1));
    }
    received = true;
    drain(signal);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
