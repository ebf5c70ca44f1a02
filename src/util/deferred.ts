/** A promise with its settle functions. */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

export const noop = (): void => {};

/**
 * A promise with its settle functions. `handled` marks it handled up front, for promises the
 * application may never look at (a stream's `closed`); the others are always returned to a caller.
 */
export function deferred<T = void>(handled = false): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  if (handled) promise.catch(noop);
  return { promise, resolve, reject };
}
