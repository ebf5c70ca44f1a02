/** The one way a run's process exits: what must happen first (a CPU profile written) happens, within a bound. */
import process from "node:process";

const hooks: Array<() => Promise<void>> = [];
/** How long the hooks may take before the process exits anyway. */
const HOOK_TIMEOUT_MS = 5_000;
let exiting = false;

export function atExit(hook: () => Promise<void>): void {
  hooks.push(hook);
}

export function exit(code: number): void {
  if (exiting) return;
  exiting = true;
  if (hooks.length === 0) process.exit(code);
  setTimeout(() => process.exit(code), HOOK_TIMEOUT_MS).unref?.();
  void Promise.allSettled(hooks.map((h) => h())).then(() => process.exit(code));
}
