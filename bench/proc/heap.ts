/** Heap in use after full collections (the process runs with --expose-gc). */
import process from "node:process";

export function canSettleHeap(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === "function";
}

export function settledHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== "function") throw new Error("run with --expose-gc");
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}
