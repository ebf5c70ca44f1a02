import type { WaitOptions } from "../types.js";

/** The signal of a waiting call's options, checked: an options object with nothing but `signal`. */
export function signalOf(options: WaitOptions | undefined, call: string): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null) throw new TypeError(`${call} takes an options object`);
  for (const key of Object.keys(options)) {
    if (key !== "signal") throw new TypeError(`unknown option "${key}" in ${call}; known options: signal`);
  }
  const { signal } = options;
  if (signal !== undefined && !isSignal(signal)) throw new TypeError(`${call}: signal must be an AbortSignal`);
  return signal;
}

export function isSignal(value: unknown): value is AbortSignal {
  return typeof value === "object" && value !== null && typeof (value as AbortSignal).addEventListener === "function" && "aborted" in value;
}

/**
 * `promise`, unless `signal` aborts first: then `onAbort` runs (it undoes or cleans up the wait)
 * and the result rejects with the signal's reason. The listener goes once the promise settles, so
 * a long-lived signal does not collect one per call.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    onAbort();
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort();
      reject(signal.reason);
    };
    signal.addEventListener("abort", abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", abort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", abort);
        reject(err);
      },
    );
  });
}

/** Calls `onAbort` if `signal` aborts; returns the function that stops listening. */
export function whenAborted(signal: AbortSignal, onAbort: () => void): () => void {
  signal.addEventListener("abort", onAbort, { once: true });
  return () => signal.removeEventListener("abort", onAbort);
}
