/**
 * Waiting in tests, the same in every runtime (Node, Deno, Bun, workerd, the browser): this file
 * imports nothing, so the shared suites can load it anywhere.
 */

export const DEFAULT_TIMEOUT_MS = 5000;

/** Fails unless `promise` settles within `ms`, naming what was awaited. */
export function within<T>(promise: Promise<T>, what: string, ms = DEFAULT_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** "pending", "resolved" or "rejected", without waiting: an already settled promise reacts first. */
export async function state(promise: Promise<unknown>): Promise<"pending" | "resolved" | "rejected"> {
  const pending = {};
  const settled = promise.then(
    () => "resolved" as const,
    () => "rejected" as const,
  );
  const first = await Promise.race([settled, Promise.resolve().then(() => pending)]);
  return first === pending ? "pending" : (first as "resolved" | "rejected");
}

/**
 * Marks a promise handled now and returns it, for a rejection asserted later: between creating it
 * and asserting, a real transport spans I/O turns, and the runtime would report it unhandled.
 */
export function later<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
