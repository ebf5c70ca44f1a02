/** Heap in use after full collections (the process runs with --expose-gc), and heap snapshots for --profile. */
import process from "node:process";

export function canSettleHeap(): boolean {
  return typeof (globalThis as { gc?: unknown }).gc === "function";
}

/** heapUsed after full collections; with `snapshotPath`, a heap snapshot is written there afterwards. */
export async function settledHeap(snapshotPath?: string): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== "function") throw new Error("run with --expose-gc");
  for (let i = 0; i < 4; i++) gc();
  const used = process.memoryUsage().heapUsed;
  if (snapshotPath) (await import("node:v8")).writeHeapSnapshot(snapshotPath);
  return used;
}
