import { it } from "vitest";
import { behaviours, type SuiteContext } from "./behaviour.js";

/** Registers one vitest test per behaviour of the shared suite, each on a fresh context. */
export function runBehaviourSuite(title: string, makeContext: () => SuiteContext): void {
  for (const b of behaviours) {
    it(`${title}: ${b.name}`, () => b.run(makeContext()), b.timeoutMs ?? 10_000);
  }
}
