import { describe } from "vitest";
import { ErrorCode, MuxError, Session } from "../../src/index.js";
import { memoryPair, type MemoryPairOptions } from "../support/memory-pair.js";
import type { SuiteContext } from "../suite/behaviour.js";
import { runBehaviourSuite } from "../suite/vitest.js";

function context(options: MemoryPairOptions, scale?: number): SuiteContext {
  return {
    lib: { Session, ErrorCode, MuxError },
    async makePair() {
      const pair = memoryPair(options);
      return { client: pair.a, server: pair.b };
    },
    scale,
  };
}

describe("memory pair, one chunk per write", () => {
  runBehaviourSuite("memory", () => context({}));
});

// Frames cut at every possible offset: headers and payloads split across reads.
describe("memory pair, 1-byte chunks", () => {
  runBehaviourSuite("memory/1B", () => context({ chunkSize: 1 }, 1 / 1024));
});

describe("memory pair, 7-byte chunks", () => {
  runBehaviourSuite("memory/7B", () => context({ chunkSize: 7 }, 1 / 128));
});

// A server that reads slowly through small socket buffers: the transport itself pushes back.
describe("memory pair, slow server behind 16 KiB buffers", () => {
  runBehaviourSuite("memory/slow", () => context({ highWaterMark: 16 * 1024, readDelayMs: { b: 1 } }, 1 / 4));
});
