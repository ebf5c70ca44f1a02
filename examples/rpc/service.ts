/** The service both sides know: its methods (stream types) and, for the server, their handlers. */
import { Handlers, method } from "./rpc.ts";

export const sum = method<number[], number>(1, "sum");
export const upper = method<string, string>(2, "upper");
export const divide = method<{ a: number; b: number }, number>(3, "divide");
/** Answers after `ms` milliseconds of (pretend) work, or stops when the caller gives up. */
export const work = method<{ ms: number }, string>(4, "work");

export const handlers = new Handlers()
  .on(sum, (numbers) => numbers.reduce((a, b) => a + b, 0))
  .on(upper, (text) => text.toUpperCase())
  .on(divide, ({ a, b }) => {
    if (b === 0) throw new RangeError("division by zero");
    return a / b;
  })
  .on(
    work,
    ({ ms }, signal) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => resolve(`worked ${ms} ms`), ms);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      }),
  );
